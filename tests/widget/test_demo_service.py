"""The demo page and the widget's files as the web service serves them: content, types and
security headers; nothing outside the allowed files is served."""
from __future__ import annotations

import http.client
from typing import Any

import pytest
from aiohttp import web

from core.settings import load_settings
from tests.support.stack import RunningAssistant
from web import demo
from web.app import SETTINGS_KEY


def fetch(assistant: RunningAssistant, path: str) -> tuple[int, dict[str, str], str]:
    """GET ``path`` sent exactly as written (no client-side normalisation of ``..``)."""
    connection = http.client.HTTPConnection("127.0.0.1", assistant.settings.web_port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


@pytest.mark.server
def test_demo_page_embeds_the_widget_with_the_rasa_address_and_a_matching_policy(assistant: RunningAssistant):
    status, headers, body = fetch(assistant, "/")
    rasa = f"127.0.0.1:{assistant.settings.rasa_port}"
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert f'<script src="/widget/widget.js" data-server="http://{rasa}"' in body
    assert "演示页面" in body
    policy = headers["content-security-policy"]
    assert f"connect-src 'self' http://{rasa} ws://{rasa}" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"


@pytest.mark.server
@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/widget/widget.js", "text/javascript"), ("/widget/src/app.js", "text/javascript"), ("/widget/widget.css", "text/css")],
)
def test_widget_files_are_served_for_any_site(assistant: RunningAssistant, path: str, content_type: str):
    status, headers, body = fetch(assistant, path)
    assert status == 200 and body
    assert headers["content-type"].startswith(content_type)
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["access-control-allow-origin"] == "*"  # module scripts are fetched with CORS


@pytest.mark.server
@pytest.mark.parametrize(
    "path",
    ["/widget/README.md", "/widget/../core/settings.py", "/widget/%2e%2e/core/settings.py", "/widget/src/",
     "/widget/src/../../web/demo.py", "/demo/index.html", "/demo/../demo.py"],
)
def test_nothing_but_the_widget_and_demo_assets_is_served(assistant: RunningAssistant, path: str):
    status, _headers, body = fetch(assistant, path)
    assert status == 404, (path, body[:200])


def _demo_app(**env: str) -> web.Application:
    app = web.Application()
    app[SETTINGS_KEY] = load_settings({"RASA_PORT": "5005", **env})
    demo.register(app)
    return app


async def test_public_rasa_url_setting_is_what_the_page_embeds_and_allows(aiohttp_client: Any):
    client = await aiohttp_client(_demo_app(PUBLIC_RASA_URL="https://assistant.example.gov.cn/"))
    response = await client.get("/")
    body = await response.text()
    assert 'data-server="https://assistant.example.gov.cn"' in body
    assert "connect-src 'self' https://assistant.example.gov.cn wss://assistant.example.gov.cn" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("host", "server"),
    [
        ("gov.example:8080", "http://gov.example:5005"),
        ("[::1]:8080", "http://[::1]:5005"),
        ('evil.example"><script>alert(1)</script>', "http://127.0.0.1:5005"),
    ],
)
async def test_without_the_setting_the_page_uses_its_own_host_name(aiohttp_client: Any, host: str, server: str):
    client = await aiohttp_client(_demo_app())
    response = await client.get("/", headers={"Host": host})
    body = await response.text()
    assert f'data-server="{server}"' in body
    assert "<script>alert" not in body
