"""N simulated citizens at once, talking to the assistant through Rasa's REST channel.

Each citizen is an asyncio task that holds its conversations one after the other, each with its
own sender id, sending the script's turns in order and waiting for each reply and then a think
time drawn from the citizen's own seeded generator (reading the answer, typing the next message).
Turn latency is measured here, on the client:
from sending the request to having read the whole reply.

A turn is an error when the request fails (HTTP status, timeout, connection), when the reply
holds no text, when a form's last turn shows no tracking number, or when the status reply does
not name the citizen's tracking number.
"""
from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from typing import Any, Sequence

import aiohttp

from benchmarks.citizens import STATUS, TRACKING_PLACEHOLDER, CitizenScript, Turn
from submissions.tracking import find_tracking_number
from tests.support.instance import REST_WEBHOOK_PATH, reply_text

@dataclass(frozen=True)
class ThinkTime:
    """Seconds a citizen waits between a reply and their next message (uniform in the range)."""

    low: float
    high: float

    def draw(self, rng: random.Random) -> float:
        return rng.uniform(self.low, self.high) if self.high > 0 else 0.0


@dataclass(frozen=True)
class Reply:
    messages: list[dict[str, Any]]
    seconds: float
    error: str | None  # None: the request itself succeeded


@dataclass(frozen=True)
class TurnRecord:
    citizen: int
    kind: str
    started_s: float  # since the run started
    seconds: float
    error: str | None
    # For an error only: what was sent and the start of the reply, to see what went wrong.
    detail: str = ""


@dataclass(frozen=True)
class LoadRun:
    citizens: int
    conversations: int
    think: ThinkTime
    wall_seconds: float
    records: list[TurnRecord]


async def send_message(
    session: aiohttp.ClientSession, rasa_url: str, sender_id: str, text: str, timeout_seconds: float
) -> Reply:
    """One turn through the REST channel."""
    started = time.perf_counter()
    try:
        async with session.post(
            rasa_url + REST_WEBHOOK_PATH,
            json={"sender": sender_id, "message": text},
            timeout=aiohttp.ClientTimeout(total=timeout_seconds),
        ) as response:
            body = await response.read()
            seconds = time.perf_counter() - started
            if response.status != 200:
                return Reply([], seconds, f"HTTP {response.status}")
            messages = await response.json(content_type=None) if body else []
    except asyncio.TimeoutError:
        return Reply([], time.perf_counter() - started, "timeout")
    except aiohttp.ClientError as problem:
        return Reply([], time.perf_counter() - started, f"connection: {type(problem).__name__}")
    return Reply(list(messages or []), seconds, None)


def turn_error(turn: Turn, reply: Reply, expected_tracking_number: str | None) -> str | None:
    """Why this turn counts as an error, or None."""
    if reply.error:
        return reply.error
    text = reply_text(reply.messages)
    if not text.strip():
        return "empty reply"
    if turn.ends_form and find_tracking_number(text) is None:
        return "form ended without a tracking number"
    if turn.kind == STATUS and expected_tracking_number and expected_tracking_number not in text:
        return "status reply without the tracking number"
    return None


async def talk(
    session: aiohttp.ClientSession,
    rasa_url: str,
    citizen: int,
    script: CitizenScript,
    think: ThinkTime,
    rng: random.Random,
    run_started: float,
    timeout_seconds: float,
) -> list[TurnRecord]:
    """One whole conversation."""
    records: list[TurnRecord] = []
    tracking_number: str | None = None
    for turn in script.turns:
        text = turn.text
        if turn.kind == STATUS:
            if tracking_number is None:
                continue  # the form already counted as an error; nothing to look up
            text = text.replace(TRACKING_PLACEHOLDER, tracking_number)
        started_s = time.perf_counter() - run_started
        reply = await send_message(session, rasa_url, script.sender_id, text, timeout_seconds)
        error = turn_error(turn, reply, tracking_number)
        if turn.ends_form and error is None:
            tracking_number = find_tracking_number(reply_text(reply.messages))
        detail = f"{script.sender_id} sent {text[:40]!r}, got {reply_text(reply.messages)[:160]!r}" if error else ""
        records.append(TurnRecord(citizen, turn.kind, started_s, reply.seconds, error, detail))
        await asyncio.sleep(think.draw(rng))
    return records


async def citizen(
    session: aiohttp.ClientSession,
    rasa_url: str,
    number: int,
    scripts: Sequence[CitizenScript],
    think: ThinkTime,
    rng: random.Random,
    run_started: float,
    timeout_seconds: float,
) -> list[TurnRecord]:
    """One citizen's conversations, one after the other."""
    await asyncio.sleep(think.draw(rng))  # citizens arrive spread over one think time
    records: list[TurnRecord] = []
    for script in scripts:
        records += await talk(session, rasa_url, number, script, think, rng, run_started, timeout_seconds)
    return records


async def run_citizens(
    rasa_url: str,
    scripts: Sequence[Sequence[CitizenScript]],
    think: ThinkTime,
    seed: int,
    run_tag: int,
    timeout_seconds: float,
) -> LoadRun:
    """Every citizen at once (``scripts``: each citizen's conversations); returns every turn's record."""
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        per_citizen = await asyncio.gather(*(
            citizen(session, rasa_url, i, conversations, think, random.Random(f"think:{seed}:{run_tag}:{i}"), started,
                    timeout_seconds)
            for i, conversations in enumerate(scripts)
        ))
        wall = time.perf_counter() - started
    return LoadRun(len(scripts), sum(len(c) for c in scripts), think, wall,
                   [r for records in per_citizen for r in records])
