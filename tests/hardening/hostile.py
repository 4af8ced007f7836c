"""A hostile client: raw HTTP with any bytes, as ``curl`` would send them, and the servers' health.

``http.client`` is used directly: it sends exactly the bytes given (no JSON encoding, no retries,
no redirects), and a response the server sends before it stopped reading (413) is still read.
"""
from __future__ import annotations

import http.client
import json
import sqlite3
import urllib.parse
from dataclasses import dataclass
from typing import Any, Mapping

from tests.support.instance import REST_WEBHOOK_PATH, reply_text
from tests.support.stack import RunningAssistant

JSON = {"Content-Type": "application/json"}
EVIL = "https://evil.example"  # a site whose pages must not talk to the assistant in the visitor's name


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self) -> str:
        """The bot's texts and button titles (a REST reply)."""
        return reply_text(self.json())


class Client:
    """One keep-alive connection to a server; reconnects when the server closed it."""

    def __init__(self, base_url: str, timeout: float = 90):
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port, self.timeout = parts.hostname or "127.0.0.1", parts.port or 80, timeout
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: Mapping[str, str] | None = None) -> Reply:
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                try:
                    self.connection.request(method, path, body=body, headers=dict(headers or {}))
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the server answered (413) before reading everything: read that answer
                response = self.connection.getresponse()
                reply = Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
                if response.will_close:
                    self.close()
                return reply
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()  # a kept-alive connection the server had closed: once more, afresh
                if attempt == 2:
                    raise
            except BaseException:
                self.close()  # never reuse a connection in an unknown state
                raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def post_rest(client: Client, body: bytes | str | Any, headers: Mapping[str, str] = JSON) -> Reply:
    """POST to the REST webhook: bytes as they are, a str UTF-8 encoded, anything else as JSON."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif not isinstance(body, bytes):
        body = json.dumps(body).encode("ascii")  # ensure_ascii: lone surrogates travel as \udfff
    return client.request("POST", REST_WEBHOOK_PATH, body, headers)


def preflight(rasa_url: str, origin: str) -> Reply:
    """The browser's CORS preflight of a REST call from a page of ``origin``."""
    return Client(rasa_url).request("OPTIONS", REST_WEBHOOK_PATH, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})


def post_from(rasa_url: str, origin: str) -> Reply:
    """A REST call as a page of ``origin`` makes it."""
    return Client(rasa_url).request("POST", REST_WEBHOOK_PATH, b'{"sender": "cors", "message": "hi"}',
                                              {"Origin": origin, **JSON})


def health_urls(assistant: RunningAssistant) -> dict[str, str]:
    cfg = assistant.settings
    return {"rasa": f"{cfg.rasa_url}/", "actions": f"{cfg.action_server_url}/health",
            "web": f"{assistant.web_url}/livez"}


def is_up(url: str) -> bool:
    try:
        return Client(url, timeout=5).request("GET", urllib.parse.urlsplit(url).path or "/").status == 200
    except OSError:
        return False


def servers_up(assistant: RunningAssistant) -> dict[str, bool]:
    return {name: is_up(url) for name, url in health_urls(assistant).items()}


def stored_user_texts(assistant: RunningAssistant, conversation_id: str) -> list[str]:
    """The user messages of a conversation as the tracker store holds them."""
    with sqlite3.connect(assistant.settings.data_dir / "tracker.db") as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                          (conversation_id,)).fetchall()
    return [json.loads(data)["text"] for (data,) in rows]
