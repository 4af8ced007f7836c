"""All configuration, read from environment variables with documented defaults.

Every component takes its settings from :func:`load_settings`; nothing else reads ``os.environ``
for configuration. The README's configuration table mirrors the fields below.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env_str(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"setting {name} must be an integer, got {raw!r}") from exc


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"setting {name} must be a number, got {raw!r}") from exc


def _env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name, "").strip()
    path = Path(raw).expanduser() if raw else default
    return path if path.is_absolute() else (PROJECT_ROOT / path)


def _default_embedding_model() -> str:
    """m3e-small as unpacked by scripts/bootstrap.sh (non-commercial licence: see README)."""
    return str(PROJECT_ROOT / ".venv" / "share" / "models" / "m3e-small")


def parse_staff_tokens(raw: str) -> dict[str, str]:
    """``name:token,name:token`` -> {token: name}. Empty names or tokens are rejected."""
    tokens: dict[str, str] = {}
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, token = item.partition(":")
        if not sep or not name.strip() or not token.strip():
            raise ValueError("STAFF_TOKENS must look like 'name:token,name:token'")
        tokens[token.strip()] = name.strip()
    return tokens


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
    # Conversation
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

    @property
    def action_endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}/webhook"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"


def load_settings() -> Settings:
    """Read the environment now (tests change it between calls)."""
    data_dir = _env_path("DATA_DIR", PROJECT_ROOT / "var")
    return Settings(
        bind_host=_env_str("BIND_HOST", "127.0.0.1"),
        rasa_port=_env_int("RASA_PORT", 5005),
        action_port=_env_int("ACTION_PORT", 5055),
        web_port=_env_int("WEB_PORT", 8080),
        cors_origins=_env_str("CORS_ORIGINS", "*"),
        data_dir=data_dir,
        knowledge_dir=_env_path("KNOWLEDGE_DIR", PROJECT_ROOT / "knowledge"),
        index_dir=_env_path("INDEX_DIR", data_dir / "index"),
        model_dir=_env_path("MODEL_DIR", data_dir / "models"),
        database_url=_env_str("DATABASE_URL", f"sqlite:///{data_dir / 'assistant.db'}"),
        tracker_store_url=_env_str("TRACKER_STORE_URL", f"sqlite:///{data_dir / 'tracker.db'}"),
        redis_url=_env_str("REDIS_URL", ""),
        embedding_model=_env_str("EMBEDDING_MODEL", _default_embedding_model()),
        retrieval_threshold=_env_float("RETRIEVAL_THRESHOLD", -1.0),
        ann_threshold=_env_int("INDEX_ANN_THRESHOLD", 50_000),
        index_kind=_env_str("INDEX_KIND", "auto"),
        index_poll_seconds=_env_float("INDEX_POLL_SECONDS", 2.0),
        max_input_chars=_env_int("MAX_INPUT_CHARS", 2000),
        log_level=_env_str("LOG_LEVEL", "INFO").upper(),
        data_key=_env_str("DATA_KEY", ""),
        staff_tokens=parse_staff_tokens(os.environ.get("STAFF_TOKENS", "")),
        wechat_token=_env_str("WECHAT_TOKEN", ""),
        wechat_appid=_env_str("WECHAT_APPID", ""),
        wechat_secret=_env_str("WECHAT_SECRET", ""),
        wechat_aes_key=_env_str("WECHAT_AES_KEY", ""),
        wechat_api_base=_env_str("WECHAT_API_BASE", "https://api.weixin.qq.com"),
        wecom_corp_id=_env_str("WECOM_CORP_ID", ""),
        wecom_agent_id=_env_str("WECOM_AGENT_ID", ""),
        wecom_secret=_env_str("WECOM_SECRET", ""),
        wecom_token=_env_str("WECOM_TOKEN", ""),
        wecom_aes_key=_env_str("WECOM_AES_KEY", ""),
        wecom_api_base=_env_str("WECOM_API_BASE", "https://qyapi.weixin.qq.com"),
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    """Process-wide settings, read once (long-running services)."""
    return load_settings()
