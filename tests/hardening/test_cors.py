"""CORS of the Rasa server (issue 12 item 10): never with credentials (Rasa echoed any ``Origin``
with ``Access-Control-Allow-Credentials: true``), and with ``CORS_ORIGINS`` set, only those."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from core.settings import PROJECT_ROOT, load_settings
from launch.launcher import child_environment
from tests.hardening.hostile import EVIL, is_up, post_from, preflight
from tests.support.stack import RunningAssistant, free_port

GOVERNMENT_SITES = ("https://www.example.gov.cn", "https://m.example.gov.cn")


@pytest.mark.server
def test_any_origin_by_default_but_never_with_credentials(assistant: RunningAssistant) -> None:
    assert assistant.settings.cors_origins == "*"
    for reply in (preflight(assistant.rasa_url, EVIL), post_from(assistant.rasa_url, EVIL)):
        assert reply.headers.get("access-control-allow-origin") == "*"  # not the caller's origin echoed
        assert "access-control-allow-credentials" not in reply.headers


@pytest.fixture(scope="module")
def configured_server() -> Iterator[str]:
    """A server with the Rasa server's CORS set-up for ``CORS_ORIGINS`` of two government sites
    (Rasa itself would take a minute to start; the CORS set-up is the same function)."""
    env = {"CORS_ORIGINS": f"{GOVERNMENT_SITES[0]}, {GOVERNMENT_SITES[1]}/"}
    origins = load_settings(env).cors_origin_list  # what the launcher passes as --cors
    port = free_port()
    server = subprocess.Popen([sys.executable, str(Path(__file__).with_name("cors_server.py")), str(port), *origins],
                              cwd=PROJECT_ROOT, env=child_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not is_up(f"http://127.0.0.1:{port}/") and time.monotonic() < deadline:
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)


def test_with_configured_origins_only_those_are_allowed(configured_server: str) -> None:
    for reply in (preflight(configured_server, EVIL), post_from(configured_server, EVIL)):
        assert "access-control-allow-origin" not in reply.headers
        assert "access-control-allow-credentials" not in reply.headers
    for site in GOVERNMENT_SITES:
        for reply in (preflight(configured_server, site), post_from(configured_server, site)):
            assert reply.headers.get("access-control-allow-origin") == site
            assert "access-control-allow-credentials" not in reply.headers
