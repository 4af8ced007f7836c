"""Changes to Rasa's own server (installed by :mod:`bot.rasa_server` before Rasa starts).

* CORS and request size: :func:`bot.rasa_http.configure_cors_and_limits` replaces Rasa's
  ``configure_cors`` (no credentials, only ``CORS_ORIGINS``; bodies up to ``MAX_REQUEST_BYTES``).
* Warm standby (``--standby``): the model loads, then the server waits to be promoted before it
  binds its port (:mod:`core.standby`).
"""
from __future__ import annotations

import functools
from typing import Any, Awaitable, Callable

import rasa.core.run
import rasa.server

from bot.rasa_http import configure_cors_and_limits
from core import standby
from core.settings import Settings


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
    if is_standby:
        rasa.core.run.load_agent_on_start = waiting_for_promotion(rasa.core.run.load_agent_on_start)
