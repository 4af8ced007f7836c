"""``python -m benchmarks.answers``: the citizen evaluation set asked of the whole assistant.

``python -m index eval`` measures retrieval alone; a citizen meets the whole assistant: the NLU,
the arbitration between intents and knowledge, the forms, the answers. Each question of
``tests/data/citizen_eval.yaml`` is sent once, in a conversation of its own, through Rasa's REST
channel. An answerable question passes when the reply holds every fact group and a source line;
an off-topic one when the reply cites no source. Printed by kind and split.

    python -m benchmarks.answers                    # start an assistant (as make run does), all questions
    python -m benchmarks.answers --split test
    python -m benchmarks.answers --url http://127.0.0.1:5005 --show-failures
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from benchmarks.assistant import send_message
from index.cli import DEFAULT_EVAL_FILE
from index.evaluate import EvalSet, fact_missing, load_eval_set
from tests.support.instance import reply_text, started_instance

SOURCE_MARK = "来源："


@dataclass(frozen=True)
class Outcome:
    question: str
    group: str  # the question's kind ("off-topic" for those)
    split: str
    answerable: bool
    passed: bool
    reply: str


def judge(answerable: bool, facts: tuple[tuple[str, ...], ...], reply: str) -> bool:
    if not answerable:
        return SOURCE_MARK not in reply
    return SOURCE_MARK in reply and not fact_missing(reply, facts)


async def ask_all(url: str, eval_set: EvalSet, concurrency: int = 4, timeout_seconds: float = 60.0) -> list[Outcome]:
    questions = [(q.question, q.kind, q.split, True, q.facts) for q in eval_set.answerable]
    questions += [(q, "off-topic", "", False, ()) for q in eval_set.off_topic]
    limit = asyncio.Semaphore(concurrency)

    async def one(session: aiohttp.ClientSession, item: tuple) -> Outcome:
        question, group, split, answerable, facts = item
        async with limit:
            reply = await send_message(session, url, f"answers-{uuid.uuid4().hex[:10]}", question, timeout_seconds)
        text = reply_text(reply.messages) if reply.error is None else f"(error: {reply.error})"
        return Outcome(question, group, split, answerable, judge(answerable, facts, text), text)

    async with aiohttp.ClientSession() as session:
        return list(await asyncio.gather(*(one(session, item) for item in questions)))


def report(outcomes: list[Outcome], show_failures: bool) -> str:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.group].append(outcome)
        if outcome.split:
            groups[f"split {outcome.split}"].append(outcome)
    answerable = [o for o in outcomes if o.answerable]
    lines = [f"{'':<16}{'n':>5}{'passed':>9}",
             f"{'answerable':<16}{len(answerable):>5}{sum(o.passed for o in answerable) / max(1, len(answerable)):>9.3f}"]
    for name in sorted(groups):
        members = groups[name]
        lines.append(f"  {name:<14}{len(members):>5}{sum(o.passed for o in members) / len(members):>9.3f}")
    lines.append("answerable: the reply cites a source and holds every fact group; off-topic: the reply cites no source.")
    if show_failures:
        for outcome in outcomes:
            if not outcome.passed:
                lines.append(f"FAIL [{outcome.group}] {outcome.question}\n     {outcome.reply.replace(chr(10), ' | ')[:200]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.answers", description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an assistant already running (else one is started)")
    parser.add_argument("--file", default=str(DEFAULT_EVAL_FILE))
    parser.add_argument("--split", choices=("dev", "test", "all"), default="all")
    parser.add_argument("--show-failures", action="store_true")
    args = parser.parse_args(argv)
    eval_set = load_eval_set(Path(args.file)).only(args.split)
    if args.url:
        outcomes = asyncio.run(ask_all(args.url.rstrip("/"), eval_set))
    else:
        with tempfile.TemporaryDirectory(prefix="answers-") as data_dir, started_instance(Path(data_dir)) as instance:
            outcomes = asyncio.run(ask_all(instance.rasa_url, eval_set))
    print(report(outcomes, args.show_failures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
