"""Changes to Rasa's own server for hostile clients and crashing neighbours (installed by
:mod:`bot.rasa_server` before Rasa starts).

* CORS and request size: :func:`bot.rasa_http.configure_cors_and_limits` replaces Rasa's
  ``configure_cors`` (no credentials, only ``CORS_ORIGINS``; bodies up to ``MAX_REQUEST_BYTES``).
* Action server calls: a call that cannot reach the action server (being restarted by the
  supervisor) is retried for ``ACTION_RETRY_SECONDS`` instead of losing the action's events
  (the citizen got an empty reply). Connection failures only (and a proxy's 502/503, which means
  the same): a refused connection never ran the action, and a dropped one is safe to repeat
  (the actions that write, filing, are idempotent per form run).
* The tracker sent to the action server: earlier user messages are cut to
  :data:`EARLIER_TEXT_CHARS` characters; only the latest message is sent whole. The actions
  read earlier events only for their type and name.
* HTTP to the action server: one client session per endpoint and event loop, kept open, so calls
  reuse their keep-alive connections. Rasa opened a new session and TCP connection for every
  action call (about a tenth of the Rasa server's busy time under load, py-spy).
* Warm standby (``--standby``): the model loads, then the server waits to be promoted before it
  binds its port (:mod:`core.standby`).
"""
from __future__ import annotations

import asyncio
import functools
import logging
import time
from types import TracebackType
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

import aiohttp
import rasa.core.run
import rasa.server
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_http import configure_cors_and_limits
from core import standby
from core.settings import Settings
from core.textnorm import cap_length

log = logging.getLogger(__name__)

EARLIER_TEXT_CHARS = 200
RETRY_INTERVAL_SECONDS = 0.5


# What a proxy in front of the action servers (nginx, ``make cluster``) answers when it reached none.
PROXY_FOUND_NO_SERVER = frozenset({502, 503})


def is_unreachable(error: BaseException) -> bool:
    """True when Rasa gave up on an action because the action server could not be reached
    (directly, or through a proxy that could not reach any)."""
    cause = error.__cause__ or error.__context__
    if isinstance(cause, aiohttp.ClientResponseError):
        return cause.status in PROXY_FOUND_NO_SERVER
    return isinstance(cause, aiohttp.ClientConnectionError)


def retrying_run(run: Callable[..., Awaitable[List[Any]]], retry_seconds: float) -> Callable[..., Awaitable[List[Any]]]:
    @functools.wraps(run)
    async def run_with_retries(self: RemoteAction, *args: Any, **kwargs: Any) -> List[Any]:
        deadline = time.monotonic() + retry_seconds
        while True:
            try:
                return await run(self, *args, **kwargs)
            except Exception as error:
                if not is_unreachable(error) or time.monotonic() >= deadline:
                    raise
                log.warning("action server unreachable for %s; retrying", self.name())
                await asyncio.sleep(RETRY_INTERVAL_SECONDS)

    return run_with_retries


def shorten_earlier_messages(body: Dict[Text, Any]) -> Dict[Text, Any]:
    """``body`` (an action call) with every user message but the latest cut short (copied, never
    changed in place: the events are the tracker's own)."""
    events = body.get("tracker", {}).get("events") or []
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    for i in users[:-1]:
        event = events[i]
        text = event.get("text")
        if isinstance(text, str) and len(text) > EARLIER_TEXT_CHARS:
            short = cap_length(text, EARLIER_TEXT_CHARS)
            parse_data = event.get("parse_data")
            events[i] = {**event, "text": short,
                         **({"parse_data": {**parse_data, "text": short}} if isinstance(parse_data, dict) else {})}
    return body


def bounded_call_format(call_format: Callable[..., Dict[Text, Any]]) -> Callable[..., Dict[Text, Any]]:
    @functools.wraps(call_format)
    def bounded(self: RemoteAction, *args: Any, **kwargs: Any) -> Dict[Text, Any]:
        return shorten_earlier_messages(call_format(self, *args, **kwargs))

    return bounded


class _KeptOpen:
    """``async with`` on a session that stays open afterwards."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, exc_type: Optional[type[BaseException]], exc: Optional[BaseException],
                        tb: Optional[TracebackType]) -> None:
        return None


def reused_session(new_session: Callable[[EndpointConfig], aiohttp.ClientSession]) -> Callable[[EndpointConfig], _KeptOpen]:
    """``EndpointConfig.session`` giving the endpoint's open session of the running loop (a new
    one when there is none, it was closed, or it belongs to another loop)."""

    @functools.wraps(new_session)
    def session(self: EndpointConfig) -> _KeptOpen:
        loop = asyncio.get_running_loop()
        kept_loop, kept = getattr(self, "_kept_session", (None, None))
        if kept is None or kept.closed or kept_loop is not loop:
            kept = new_session(self)
            self._kept_session = (loop, kept)  # type: ignore[attr-defined]
        return _KeptOpen(kept)

    return session


def waiting_for_promotion(load_agent: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(load_agent)
    async def load_then_wait(*args: Any, **kwargs: Any) -> Any:
        agent = await load_agent(*args, **kwargs)
        standby.wait_for_promotion()  # blocks the loop: nothing is served before the port is bound
        return agent

    return load_then_wait


def install(cfg: Settings, is_standby: bool = False) -> None:
    """Install every change above (once per process, before Rasa creates its app)."""
    rasa.server.configure_cors = functools.partial(configure_cors_and_limits, cfg)
    RemoteAction.run = retrying_run(RemoteAction.run, cfg.action_retry_seconds)  # type: ignore[method-assign]
    RemoteAction._action_call_format = bounded_call_format(RemoteAction._action_call_format)  # type: ignore[method-assign]
    EndpointConfig.session = reused_session(EndpointConfig.session)  # type: ignore[assignment,method-assign]
    if is_standby:
        rasa.core.run.load_agent_on_start = waiting_for_promotion(rasa.core.run.load_agent_on_start)
