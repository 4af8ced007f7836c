"""Rasa's endpoints.yml and credentials.yml, generated from the settings.

Rasa reads ports, stores and channels from YAML files; generating them keeps the environment
variables the single place where a deployment is configured. ``endpoints.yml`` carries the
tracker database's and Redis's passwords, so both files are written readable by their owner only.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.engine import make_url

from core.action_auth import HEADER, action_server_secret
from core.settings import Settings

# Custom channels mounted at /webhooks/<name>/webhook; each reads its own settings and answers
# "not configured" while its credentials are empty.
CUSTOM_CHANNELS = ("bot.connectors.wechat.WeChatInput", "bot.connectors.wecom.WeComInput")


# Rasa's SQL tracker store, masking mobile and ID numbers in stored transcripts.
TRACKER_STORE_CLASS = "bot.tracker_store.RedactingSQLTrackerStore"


def tracker_store_config(url: str) -> dict[str, Any] | None:
    """The tracker store for a database URL; ``memory`` keeps trackers in memory (tests, demos)."""
    if url == "memory":
        return None
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return {"type": TRACKER_STORE_CLASS, "dialect": "sqlite", "db": parsed.database}
    config: dict[str, Any] = {
        "type": TRACKER_STORE_CLASS,
        "dialect": parsed.drivername,
        "url": parsed.host or "localhost",
        "db": parsed.database,
    }
    if parsed.port:
        config["port"] = parsed.port
    if parsed.username:
        config["username"] = parsed.username
    if parsed.password:
        config["password"] = parsed.password
    if parsed.query:  # e.g. ?host=/run/postgresql (a unix socket), sslmode=require
        config["query"] = dict(parsed.query)
    return config


def lock_store_config(redis_url: str) -> dict[str, Any] | None:
    """A Redis lock store lets several Rasa instances share conversations; default is in-memory."""
    if not redis_url:
        return None
    parsed = make_url(redis_url.replace("redis://", "redis+py://", 1))
    config: dict[str, Any] = {"type": "redis", "url": parsed.host or "localhost", "port": parsed.port or 6379}
    if parsed.password:
        config["password"] = parsed.password
    if parsed.database:
        config["db"] = int(parsed.database)
    return config


def endpoints(settings: Settings, action_secret: str) -> dict[str, Any]:
    config: dict[str, Any] = {
        # bot/action_server.py refuses requests without the secret (core/action_auth.py)
        "action_endpoint": {"url": settings.action_endpoint_url, "headers": {HEADER: action_secret}},
    }
    tracker_store = tracker_store_config(settings.tracker_store_url)
    if tracker_store:
        config["tracker_store"] = tracker_store
    lock_store = lock_store_config(settings.redis_url)
    if lock_store:
        config["lock_store"] = lock_store
    return config


def available_channels() -> tuple[str, ...]:
    """The custom channel classes whose modules exist in this checkout."""
    return tuple(c for c in CUSTOM_CHANNELS if importlib.util.find_spec(c.rsplit(".", 1)[0]) is not None)


# Rasa's socketio channel with its session-persistence bug fixed; name() stays "socketio".
SOCKETIO_CHANNEL = "bot.connectors.socketio.PersistentSocketIOInput"
# Rasa's rest channel made safe for hostile clients; name() stays "rest" (same URL).
REST_CHANNEL = "bot.connectors.rest.GuardedRestInput"


def credentials(channels: tuple[str, ...]) -> dict[str, Any]:
    config: dict[str, Any] = {
        REST_CHANNEL: None,
        SOCKETIO_CHANNEL: {
            "user_message_evt": "user_uttered",
            "bot_message_evt": "bot_uttered",
            "session_persistence": True,
        },
    }
    for channel in channels:
        config[channel] = None
    return config


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in a file created with mode 0600 (never readable by others,
    not even for a moment; an older file with a wider mode is replaced, not reused)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with open(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_runtime_files(settings: Settings) -> tuple[Path, Path]:
    """Write both files under ``<data_dir>/runtime`` (0700) and return (endpoints, credentials) paths."""
    runtime_dir = settings.data_dir / "runtime"
    runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    runtime_dir.chmod(0o700)
    endpoints_path = runtime_dir / "endpoints.yml"
    credentials_path = runtime_dir / "credentials.yml"
    endpoints_yaml = yaml.safe_dump(endpoints(settings, action_server_secret(settings)), allow_unicode=True)
    write_private(endpoints_path, endpoints_yaml)  # it holds the secret
    write_private(credentials_path, yaml.safe_dump(credentials(available_channels()), allow_unicode=True))
    return endpoints_path, credentials_path

