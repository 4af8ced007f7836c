"""The unanswered-questions queue for staff: the recorded questions of a period grouped by meaning
(the same grouping and keywords as the recurring problems), largest groups first.

A question like no other is a group of one: it may still be the document staff should write."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from core.timeutil import to_shanghai
from submissions.unanswered import REASON_LABELS, UnansweredQuestion

from .grouping import group_vectors
from .labels import group_keywords, words

EXAMPLES_PER_GROUP = 3
MAX_GROUPS_SHOWN = 100


def _iso(question: UnansweredQuestion) -> str:
    return to_shanghai(question.asked_at).isoformat(timespec="seconds")


@dataclass
class QuestionGroup:
    keywords: list[str]
    members: list[UnansweredQuestion]  # newest first
    examples: list[UnansweredQuestion]

    def as_json(self) -> dict:
        reasons = Counter(member.reason for member in self.members)
        documents = Counter(member.document_id for member in self.members if member.document_id)
        oldest = min(self.members, key=lambda member: member.asked_at)
        newest = max(self.members, key=lambda member: member.asked_at)
        return {
            "label": "、".join(self.keywords) or self.examples[0].question[:20],
            "keywords": self.keywords,
            "count": len(self.members),
            "first_seen": _iso(oldest),
            "last_seen": _iso(newest),
            "reasons": [{"reason": reason, "label": REASON_LABELS[reason], "count": reasons[reason]}
                        for reason in REASON_LABELS if reasons[reason]],
            "documents": [{"document_id": doc, "count": count} for doc, count in documents.most_common()],
            "examples": [{"question": example.question, "asked_at": _iso(example), "reason": example.reason,
                          "reason_label": REASON_LABELS[example.reason], "document_id": example.document_id,
                          "channel": example.channel} for example in self.examples],
            "ids": [member.id for member in self.members],
        }


def question_groups(questions: list[UnansweredQuestion], vectors: np.ndarray) -> list[QuestionGroup]:
    """Every group, largest first (ties: the most recently asked first); each with the
    ``EXAMPLES_PER_GROUP`` members closest to the group's average as examples."""
    if not questions:
        return []
    labels = group_vectors(vectors)
    member_rows = [np.flatnonzero(labels == number) for number in range(int(labels.max()) + 1)]
    keywords = group_keywords([[words(questions[row].question) for row in rows] for rows in member_rows])
    groups = []
    for rows, group_words in zip(member_rows[:MAX_GROUPS_SHOWN], keywords):
        centre = vectors[rows].mean(axis=0)
        closest = rows[np.argsort(-(vectors[rows] @ centre), kind="stable")]
        groups.append(QuestionGroup(group_words, [questions[row] for row in rows],
                                    _distinct(questions, closest)))
    return groups


def _distinct(questions: list[UnansweredQuestion], rows: np.ndarray) -> list[UnansweredQuestion]:
    """Up to ``EXAMPLES_PER_GROUP`` examples, the same wording shown once."""
    chosen: list[UnansweredQuestion] = []
    for row in rows:
        if all(questions[row].question != other.question for other in chosen):
            chosen.append(questions[row])
        if len(chosen) == EXAMPLES_PER_GROUP:
            break
    return chosen
