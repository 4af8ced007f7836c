"""All configuration, read from environment variables with documented defaults.

Every component takes its settings from :func:`load_settings`; nothing else reads ``os.environ``
for configuration. The README's configuration table mirrors the fields below.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class _Environment:
    """Typed reads of one environment mapping; a malformed value names the setting."""

    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ

    def raw(self, name: str) -> str:
        return self.environ.get(name, "").strip()

    def text(self, name: str, default: str) -> str:
        return self.raw(name) or default

    def integer(self, name: str, default: int) -> int:
        raw = self.raw(name)
        try:
            return int(raw) if raw else default
        except ValueError as exc:
            raise ValueError(f"setting {name} must be an integer, got {raw!r}") from exc

    def number(self, name: str, default: float) -> float:
        raw = self.raw(name)
        try:
            return float(raw) if raw else default
        except ValueError as exc:
            raise ValueError(f"setting {name} must be a number, got {raw!r}") from exc

    def flag(self, name: str, default: bool) -> bool:
        raw = self.raw(name).lower()
        if not raw:
            return default
        if raw in ("1", "true", "yes", "on"):
            return True
        if raw in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"setting {name} must be 1/0 (true/false), got {raw!r}")

    def path(self, name: str, default: Path) -> Path:
        raw = self.raw(name)
        path = Path(raw).expanduser() if raw else default
        return path if path.is_absolute() else (PROJECT_ROOT / path)


def _default_embedding_model() -> str:
    """m3e-small as unpacked by scripts/bootstrap.sh (non-commercial licence: see README)."""
    return str(PROJECT_ROOT / ".venv" / "share" / "models" / "m3e-small")


# A staff token is a password that is never typed twice a day: 24 characters or more, so that
# guessing it is hopeless however fast the guesses come (secrets.token_urlsafe(32) gives 43).
MIN_STAFF_TOKEN_CHARS = 24


def parse_staff_tokens(raw: str) -> dict[str, str]:
    """``name:token,name:token`` -> {token: name}. Empty names, short or repeated tokens are rejected."""
    tokens: dict[str, str] = {}
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, token = item.partition(":")
        name, token = name.strip(), token.strip()
        if not sep or not name or not token:
            raise ValueError("STAFF_TOKENS must look like 'name:token,name:token'")
        if len(token) < MIN_STAFF_TOKEN_CHARS:
            raise ValueError(
                f"STAFF_TOKENS：工作人员“{name}”的令牌只有 {len(token)} 个字符，至少需要 {MIN_STAFF_TOKEN_CHARS} 个。"
                "可以用 python -c 'import secrets; print(secrets.token_urlsafe(32))' 生成新令牌。"
            )
        if token in tokens:
            raise ValueError(f"STAFF_TOKENS：工作人员“{name}”和“{tokens[token]}”的令牌相同，每人应有自己的令牌。")
        tokens[token] = name
    return tokens


DEFAULT_DESK_DEPARTMENTS = ("市信访办", "市住房城乡建设管理委", "市生态环境局", "市市场监管局", "市公安局", "区信访办")
DEPARTMENT_MAX_CHARS = 32


def parse_departments(raw: str) -> tuple[str, ...]:
    """``DESK_DEPARTMENTS``: names separated by commas (，and 、 too); empty → the default list."""
    names = [name.strip() for name in re.split(r"[,，、]", raw or "") if name.strip()]
    if not names:
        return DEFAULT_DESK_DEPARTMENTS
    for name in names:
        if len(name) > DEPARTMENT_MAX_CHARS:
            raise ValueError(f"DESK_DEPARTMENTS：部门名称“{name[:40]}”过长，最多 {DEPARTMENT_MAX_CHARS} 个字。")
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class Settings:
    # Network
    bind_host: str
    rasa_port: int
    action_port: int
    web_port: int
    cors_origins: str
    # Files and storage
    data_dir: Path
    knowledge_dir: Path
    index_dir: Path
    model_dir: Path
    database_url: str
    tracker_store_url: str
    redis_url: str
    # Retrieval
    embedding_model: str
    retrieval_threshold: float
    ann_threshold: int
    index_kind: str
    index_poll_seconds: float
    # Conversation: the longest message understood whole (intent, routing, knowledge answers), capped
    # once where Rasa reads it (bot/nlu/normalizer.py); forms read the message as typed.
    max_input_chars: int
    log_level: str
    # Secrets and channel credentials
    data_key: str
    staff_tokens: dict[str, str] = field(repr=False)
    wechat_token: str = field(repr=False, default="")
    wechat_appid: str = ""
    wechat_secret: str = field(repr=False, default="")
    wechat_aes_key: str = field(repr=False, default="")
    wechat_api_base: str = "https://api.weixin.qq.com"
    wecom_corp_id: str = ""
    wecom_agent_id: str = ""
    wecom_secret: str = field(repr=False, default="")
    wecom_token: str = field(repr=False, default="")
    wecom_aes_key: str = field(repr=False, default="")
    wecom_api_base: str = "https://qyapi.weixin.qq.com"
    # WeChat waits 5 s for a passive reply; answers later than this go out through the
    # customer-service message API instead.
    wechat_reply_timeout: float = 4.5
    # Largest text message (UTF-8 bytes) the WeChat and WeCom channels send; longer answers are
    # split. Tencent documents 2048 bytes for WeCom; the Official Account limit is undocumented.
    wechat_text_max_bytes: int = 1800
    # Hand a conversation to the Official Account's customer-service staff (transfer_customer_service)
    # after sending the handoff text.
    wechat_transfer_to_kf: bool = False
    # Longest time a separate process may spend reading an uploaded file before it is stopped.
    upload_extract_seconds: float = 30.0
    # Status lookups: wrong last-4 values for one tracking number (from any conversation) within
    # an hour before the number is locked, and how long the first lockout lasts.
    lookup_number_max_failures: int = 10
    lookup_lockout_minutes: float = 60.0
    # WeChat and WeCom callbacks whose signed timestamp is further than this from the server's
    # clock are refused as replays; each timestamp + nonce is remembered this long.
    wechat_replay_window: float = 300.0
    # The Rasa server's address as citizens' browsers reach it (e.g. https://assistant.example.gov.cn),
    # used by the demo page's widget and its Content-Security-Policy. Empty: the demo page's own
    # host name with RASA_PORT (right for `make run` on one machine or a LAN).
    public_rasa_url: str = ""
    # Service hardening (docs/threat-model.md).
    # Interface of the action server; only the Rasa server calls it, so loopback by default.
    action_bind_host: str = "127.0.0.1"
    # Shared secret the Rasa server sends to the action server (header X-Action-Secret).
    # Empty: generated once into <data_dir>/action-server.secret (mode 0600).
    action_server_secret: str = field(repr=False, default="")
    # Largest HTTP request body the Rasa server reads (REST, socket.io, webhooks); larger: 413.
    max_request_bytes: int = 64 * 1024
    # Longest message text any channel accepts (REST, socket.io, WeChat, WeCom); a longer one is cut
    # (start and end kept). Above the longest form answer (2,000 characters), so an over-long answer
    # is still refused, not cut.
    max_message_chars: int = 4000
    # How long the Rasa server keeps retrying an action server it cannot reach (a restart).
    action_retry_seconds: float = 20.0
    # Keep a loaded spare of each server, so a crashed one is replaced within seconds.
    warm_standby: bool = True
    # How long the launcher waits for every server to answer its health check at start.
    startup_timeout_seconds: float = 300.0
    # The departments a case on the staff desk can be assigned to (DESK_DEPARTMENTS, comma-separated).
    desk_departments: tuple[str, ...] = DEFAULT_DESK_DEPARTMENTS
    # Several instances on one machine (``make cluster``, launch/cluster.py): Rasa servers and action
    # servers behind nginx, which listens on RASA_PORT and ACTION_PORT; instance k uses port + k.
    cluster_rasa: int = 2
    cluster_actions: int = 2
    # How long a conversation's lock (Rasa's ticket lock, in Redis with REDIS_URL) is held at most:
    # a turn left unfinished by a server that died blocks that conversation this long.
    lock_lifetime_seconds: int = 60
    # Case notices (submissions/notices.py): older ones are never sent; how often the Rasa server
    # looks for notices to send as WeChat/WeCom messages.
    notice_max_age_days: float = 30.0
    notice_poll_seconds: float = 15.0
    # How long a write to a SQLite DATABASE_URL waits for another writer's lock before it fails
    # (SQLite's busy timeout; core/database.py).
    sqlite_busy_timeout_seconds: float = 30.0

    @property
    def action_server_url(self) -> str:
        """Where the Rasa server (and the launcher's health check) reach the action server."""
        host = self.action_bind_host
        if host in ("0.0.0.0", "::"):
            host = "127.0.0.1"
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.action_port}"

    @property
    def action_endpoint_url(self) -> str:
        return f"{self.action_server_url}/webhook"

    @property
    def cors_origin_list(self) -> list[str]:
        """``CORS_ORIGINS`` as a list: ``["*"]`` (any origin) or the origins named, comma-separated."""
        origins = [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]
        return ["*"] if not origins or "*" in origins else origins

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read ``environ`` (default: the process environment) now."""
    env = _Environment(os.environ if environ is None else environ)
    data_dir = env.path("DATA_DIR", PROJECT_ROOT / "var")
    return Settings(
        bind_host=env.text("BIND_HOST", "127.0.0.1"),
        rasa_port=env.integer("RASA_PORT", 5005),
        action_port=env.integer("ACTION_PORT", 5055),
        web_port=env.integer("WEB_PORT", 8080),
        cors_origins=env.text("CORS_ORIGINS", "*"),
        data_dir=data_dir,
        knowledge_dir=env.path("KNOWLEDGE_DIR", PROJECT_ROOT / "knowledge"),
        index_dir=env.path("INDEX_DIR", data_dir / "index"),
        model_dir=env.path("MODEL_DIR", data_dir / "models"),
        database_url=env.text("DATABASE_URL", f"sqlite:///{data_dir / 'assistant.db'}"),
        tracker_store_url=env.text("TRACKER_STORE_URL", f"sqlite:///{data_dir / 'tracker.db'}"),
        redis_url=env.text("REDIS_URL", ""),
        embedding_model=env.text("EMBEDDING_MODEL", _default_embedding_model()),
        # Probability (index/confidence.py) below which the assistant says it is not sure; chosen
        # with `python -m index tune --confidence` and `python -m index eval` on the dev split of
        # tests/data/citizen_eval.yaml, counting a confident answer from the wrong document three
        # times as bad as a "not sure" (0.6: 7.8% wrong, 22.9% not sure; 0.5: 10.5%, 17.0%).
        retrieval_threshold=env.number("RETRIEVAL_THRESHOLD", 0.6),
        ann_threshold=env.integer("INDEX_ANN_THRESHOLD", 50_000),
        index_kind=env.text("INDEX_KIND", "auto"),
        index_poll_seconds=env.number("INDEX_POLL_SECONDS", 2.0),
        max_input_chars=env.integer("MAX_INPUT_CHARS", 2000),
        log_level=env.text("LOG_LEVEL", "INFO").upper(),
        data_key=env.text("DATA_KEY", ""),
        staff_tokens=parse_staff_tokens(env.raw("STAFF_TOKENS")),
        wechat_token=env.text("WECHAT_TOKEN", ""),
        wechat_appid=env.text("WECHAT_APPID", ""),
        wechat_secret=env.text("WECHAT_SECRET", ""),
        wechat_aes_key=env.text("WECHAT_AES_KEY", ""),
        wechat_api_base=env.text("WECHAT_API_BASE", "https://api.weixin.qq.com"),
        wecom_corp_id=env.text("WECOM_CORP_ID", ""),
        wecom_agent_id=env.text("WECOM_AGENT_ID", ""),
        wecom_secret=env.text("WECOM_SECRET", ""),
        wecom_token=env.text("WECOM_TOKEN", ""),
        wecom_aes_key=env.text("WECOM_AES_KEY", ""),
        wecom_api_base=env.text("WECOM_API_BASE", "https://qyapi.weixin.qq.com"),
        wechat_reply_timeout=env.number("WECHAT_REPLY_TIMEOUT", 4.5),
        wechat_text_max_bytes=env.integer("WECHAT_TEXT_MAX_BYTES", 1800),
        wechat_transfer_to_kf=env.flag("WECHAT_TRANSFER_TO_KF", False),
        wechat_replay_window=env.number("WECHAT_REPLAY_WINDOW_SECONDS", 300.0),
        upload_extract_seconds=env.number("UPLOAD_EXTRACT_SECONDS", 30.0),
        lookup_number_max_failures=env.integer("LOOKUP_NUMBER_MAX_FAILURES", 10),
        lookup_lockout_minutes=env.number("LOOKUP_LOCKOUT_MINUTES", 60.0),
        public_rasa_url=env.text("PUBLIC_RASA_URL", "").rstrip("/"),
        action_bind_host=env.text("ACTION_BIND_HOST", "127.0.0.1"),
        action_server_secret=env.text("ACTION_SERVER_SECRET", ""),
        max_request_bytes=env.integer("MAX_REQUEST_BYTES", 64 * 1024),
        max_message_chars=env.integer("MAX_MESSAGE_CHARS", 4000),
        action_retry_seconds=env.number("ACTION_RETRY_SECONDS", 20.0),
        warm_standby=env.flag("WARM_STANDBY", True),
        startup_timeout_seconds=env.number("STARTUP_TIMEOUT_SECONDS", 300.0),
        desk_departments=parse_departments(env.raw("DESK_DEPARTMENTS")),
        cluster_rasa=env.integer("CLUSTER_RASA", 2),
        cluster_actions=env.integer("CLUSTER_ACTIONS", 2),
        lock_lifetime_seconds=env.integer("LOCK_LIFETIME_SECONDS", 60),
        notice_max_age_days=env.number("NOTICE_MAX_AGE_DAYS", 30.0),
        notice_poll_seconds=env.number("NOTICE_POLL_SECONDS", 15.0),
        sqlite_busy_timeout_seconds=env.number("SQLITE_BUSY_TIMEOUT_SECONDS", 30.0),
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    """Process-wide settings, read once (long-running services)."""
    return load_settings()
