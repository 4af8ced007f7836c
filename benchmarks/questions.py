"""The knowledge questions the simulated citizens ask.

Candidates are the retrieval evaluation set's questions (answerable and off-topic, in citizens'
own words, typos and Traditional characters included) and the one-turn cases of the shared
development conversations. Each candidate is asked once, in a conversation of its own, before
the measured runs; only those the assistant treats as a knowledge question (an answer with its
source, or "not sure") are kept. A question that the assistant reads as, say, the start of a
form would otherwise derail the rest of the simulated conversation. Asking them also warms the
servers up.
"""
from __future__ import annotations

import random
import uuid
from pathlib import Path
from typing import Iterable

import aiohttp
import yaml

from benchmarks.assistant import send_message
from benchmarks.retrieval import eval_queries
from core.settings import PROJECT_ROOT
from tests.support.instance import find_shared_dir, reply_text

DEV_CASES_FILE = (find_shared_dir() or PROJECT_ROOT.parent / "shared") / "eval" / "dev_cases.yaml"
SOURCE_MARK = "来源："
NOT_SURE_MARK = "没有把握"


def dev_case_questions(path: Path = DEV_CASES_FILE) -> list[str]:
    """The first message of every one-turn development case (none when the file is absent)."""
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [str(case["turns"][0]["say"]) for case in data.get("cases") or []
            if len(case.get("turns") or []) == 1 and case["turns"][0].get("say")]


def candidate_questions(dev_cases: Path = DEV_CASES_FILE, limit: int | None = None, seed: int = 0) -> list[str]:
    """Distinct candidates in a fixed order; ``limit`` keeps a seeded sample."""
    unique = list(dict.fromkeys(eval_queries(None) + dev_case_questions(dev_cases)))
    if limit is not None and limit < len(unique):
        unique = random.Random(seed).sample(unique, limit)
    return unique


def is_knowledge_reply(text: str) -> bool:
    return SOURCE_MARK in text or NOT_SURE_MARK in text


async def knowledge_questions(rasa_url: str, candidates: Iterable[str], timeout_seconds: float) -> list[str]:
    """The candidates that the running assistant answers as knowledge questions."""
    kept = []
    async with aiohttp.ClientSession() as session:
        for question in candidates:  # each in a conversation of its own
            reply = await send_message(session, rasa_url, f"bench-probe-{uuid.uuid4().hex[:10]}", question,
                                       timeout_seconds)
            if reply.error is None and is_knowledge_reply(reply_text(reply.messages)):
                kept.append(question)
    return kept
