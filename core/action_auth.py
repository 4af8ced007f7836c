"""The shared secret between the Rasa server and the action server.

The action server runs any action on any tracker it is sent, so only the Rasa server may call
it: every request carries the secret in :data:`HEADER`, and the action server refuses requests
without it. The secret is ``ACTION_SERVER_SECRET``, or one generated into
``<data_dir>/action-server.secret`` (mode 0600) on first use and reused.
"""
from __future__ import annotations

import hmac
import secrets

from core.files import create_once
from core.settings import Settings

HEADER = "X-Action-Secret"
SECRET_FILE_NAME = "action-server.secret"


def action_server_secret(settings: Settings) -> str:
    """The configured secret, else the one in the data directory (created when missing)."""
    if settings.action_server_secret:
        return settings.action_server_secret
    path = settings.data_dir / SECRET_FILE_NAME
    create_once(path, secrets.token_urlsafe(32).encode("ascii") + b"\n")
    secret = path.read_text(encoding="ascii").strip()
    if not secret:
        raise ValueError(f"{path} is empty; delete it (a new secret is generated) or set ACTION_SERVER_SECRET")
    return secret


def is_authorised(given: str | None, secret: str) -> bool:
    """Constant-time comparison of the header's value with the secret."""
    return given is not None and hmac.compare_digest(given.encode("utf-8", "replace"), secret.encode("utf-8"))
