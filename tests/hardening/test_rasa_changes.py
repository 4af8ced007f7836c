"""The changes to Rasa's server (bot/rasa_hardening.py) that no HTTP client can show alone: what
the action server is sent, and which failures are retried."""
from __future__ import annotations

import asyncio
import copy
from typing import Any

import aiohttp
import pytest
from rasa.shared.exceptions import RasaException

from bot.rasa_hardening import EARLIER_TEXT_CHARS, is_unreachable, retrying_run, shorten_earlier_messages


def user(text: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"text": text, "intent": {"name": "inform"}}}


def test_only_the_latest_message_reaches_the_action_server_whole() -> None:
    long = "情况" * 20_000
    events = [user(long), {"event": "action", "name": "action_listen"}, user(long), user("确认")]
    body = {"next_action": "action_submit", "tracker": {"events": events}}
    original = copy.deepcopy(body)
    sent = shorten_earlier_messages(copy.deepcopy(body))
    shortened = [e for e in sent["tracker"]["events"] if e["event"] == "user"]
    assert [len(e["text"]) for e in shortened] == [EARLIER_TEXT_CHARS, EARLIER_TEXT_CHARS, 2]
    assert all(e["parse_data"]["text"] == e["text"] for e in shortened)
    assert sent["tracker"]["events"][1] == events[1]
    assert body == original  # the tracker's own events are never changed


def unreachable() -> RasaException:
    try:
        try:
            raise aiohttp.ClientConnectorError(None, OSError(111, "refused"))  # type: ignore[arg-type]
        except aiohttp.ClientConnectionError:
            raise RasaException("Failed to execute custom action")  # as RemoteAction.run raises it
    except RasaException as error:
        return error


def test_only_connection_failures_are_retried() -> None:
    assert is_unreachable(unreachable())
    assert not is_unreachable(RasaException("Action server responded with 500"))


def proxied_failure(status: int) -> RasaException:
    """What RemoteAction.run raises when a proxy in front of the action servers answers ``status``."""
    try:
        try:
            raise aiohttp.ClientResponseError(None, (), status=status)  # type: ignore[arg-type]
        except aiohttp.ClientResponseError:
            raise RasaException("Failed to execute custom action")
    except RasaException as error:
        return error


def test_a_proxy_that_reached_no_action_server_is_retried_like_a_refused_connection() -> None:
    assert is_unreachable(proxied_failure(502)) and is_unreachable(proxied_failure(503))
    assert not is_unreachable(proxied_failure(500)) and not is_unreachable(proxied_failure(504))


class _Action:
    def name(self) -> str:
        return "action_submit"


@pytest.mark.parametrize(("failures", "outcome"), [(2, "ran"), (100, "raised")])
def test_an_unreachable_action_server_is_retried_for_a_while(monkeypatch: pytest.MonkeyPatch, failures: int,
                                                             outcome: str) -> None:
    monkeypatch.setattr("bot.rasa_hardening.RETRY_INTERVAL_SECONDS", 0.01)
    calls = []

    async def run(_self: Any) -> list[str]:
        calls.append(1)
        if len(calls) <= failures:
            raise unreachable()
        return ["ran"]

    try:
        result = asyncio.run(retrying_run(run, retry_seconds=0.3)(_Action()))[0]
    except RasaException:
        result = "raised"
    assert result == outcome
