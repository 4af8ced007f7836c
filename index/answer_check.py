"""Answer-content evaluation: does the reply to a question contain what it must?

``tests/data/answer_eval.yaml`` lists citizen questions with groups of words the answer (the
sentences plus the source line) must contain, one alternative per group at least, or marks a
question the knowledge base does not answer (``unsure: true``: the assistant must say it is not
sure). Unlike the retrieval evaluation, a right document with the wrong passage fails here.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from core.settings import PROJECT_ROOT, Settings

from .answer import answer_question
from .searcher import Searcher

DEFAULT_FILE = PROJECT_ROOT / "tests" / "data" / "answer_eval.yaml"


@dataclass(frozen=True)
class AnswerCase:
    question: str
    expect: tuple[tuple[str, ...], ...]
    unsure: bool


@dataclass(frozen=True)
class AnswerOutcome:
    case: AnswerCase
    reply: str
    passed: bool
    why: str


def load_cases(path: Path = DEFAULT_FILE) -> list[AnswerCase]:
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    return [
        AnswerCase(c["q"], tuple(tuple([g] if isinstance(g, str) else g) for g in c.get("expect", [])),
                   bool(c.get("unsure", False)))
        for c in cases
    ]


def check(searcher: Searcher, case: AnswerCase, cfg: Settings | None = None) -> AnswerOutcome:
    answer = answer_question(searcher, case.question, cfg=cfg)
    reply = f"{answer.text}\n{answer.citation}" if answer.confident else "（不确定）"
    if case.unsure:
        return AnswerOutcome(case, reply, not answer.confident, "" if not answer.confident else "answered, should be unsure")
    if not answer.confident:
        return AnswerOutcome(case, reply, False, "not sure")
    missing = [group for group in case.expect if not any(word in reply for word in group)]
    return AnswerOutcome(case, reply, not missing, f"missing {missing}" if missing else "")


def run(searcher: Searcher, cases: list[AnswerCase], cfg: Settings | None = None) -> list[AnswerOutcome]:
    return [check(searcher, case, cfg) for case in cases]


def report(outcomes: list[AnswerOutcome], verbose: bool = False) -> str:
    lines = []
    for outcome in outcomes:
        if verbose or not outcome.passed:
            mark = "PASS" if outcome.passed else "FAIL"
            lines.append(f"{mark} {outcome.case.question}  {outcome.why}")
            lines.append("     " + outcome.reply.replace("\n", " | ")[:240])
    passed = sum(o.passed for o in outcomes)
    lines.append(f"answers containing what they must: {passed}/{len(outcomes)} ({passed / max(1, len(outcomes)):.3f})")
    return "\n".join(lines)
