"""What a client may send through the public channels (REST, socket.io), checked at the boundary.

JSON can carry text that is not valid Unicode: ``"\\udfff"`` decodes to a lone surrogate, which
no UTF-8 encoder accepts, so it breaks whatever meets it next (the NLU's normaliser, the
transcript database, where Rasa's SQL tracker store then exits the whole server). Here:

* a sender id must be 1–128 printable characters (no surrogates, no control characters), else
  it is refused: an id names a conversation and must be stored exactly;
* a message's lone surrogates become U+FFFD and control characters other than tab and newline
  are dropped (a broken client's truncated emoji should not cost the citizen the answer); an
  empty message is refused; a longer one than ``MAX_MESSAGE_CHARS`` is cut, start and end kept,
  before anything stores it;
* a message id (REST, optional) must be 1–64 letters, digits or ``._:-``;
* metadata must be a JSON object of at most 4 KB and 4 levels, with finite numbers (``NaN``
  would make later action-server calls of the conversation fail); its texts are cleaned as
  messages are.

Refusals are :class:`InvalidInput` with a short Chinese sentence for whoever wrote the client.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any, Dict, Text

from core.textnorm import cap_length

SENDER_MAX_CHARS = 128
METADATA_MAX_BYTES = 4096
METADATA_MAX_DEPTH = 4
MESSAGE_ID_MAX_CHARS = 64

MESSAGES = {
    "empty_body": "请求体为空：请发送 JSON 对象，例如 {\"sender\": \"会话编号\", \"message\": \"您的问题\"}。",
    "not_utf8": "请求体应为 UTF-8 编码的 JSON。",
    "invalid_json": "请求体不是有效的 JSON。",
    "not_object": "请求体应为 JSON 对象，例如 {\"sender\": \"会话编号\", \"message\": \"您的问题\"}。",
    "invalid_sender": f"sender 应为 1 到 {SENDER_MAX_CHARS} 个可显示字符组成的字符串。",
    "invalid_message": "message 应为文本字符串。",
    "empty_message": "消息内容为空，请输入您要咨询的问题。",
    "invalid_metadata": "metadata 应为 JSON 对象。",
    "invalid_message_id": f"message_id 应为 1 到 {MESSAGE_ID_MAX_CHARS} 个字母、数字或 . _ : - 组成的字符串；重发同一条消息时使用同一个编号。",
    "metadata_too_large": f"metadata 过大：最多 {METADATA_MAX_BYTES // 1024} KB、{METADATA_MAX_DEPTH} 层嵌套，数值须为有限数。",
    # Not a refusal: the answer to a message whose turn failed inside the assistant.
    "unavailable": "抱歉，系统暂时出现故障，未能处理您的消息，请稍后再发一次。",
}

_MESSAGE_ID = re.compile(r"^[A-Za-z0-9._:-]+$")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")  # tab (\x09) and newline (\x0a) stay; \r goes


class InvalidInput(ValueError):
    """A request the channel refuses; ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: Text, status: int = 400, message: Text | None = None) -> None:
        self.code = code
        self.status = status
        self.message = message or MESSAGES[code]
        super().__init__(code)

    def as_dict(self) -> Dict[Text, Text]:
        return {"code": self.code, "message": self.message}


def clean_text(text: Text) -> Text:
    """``text`` with lone surrogates replaced by U+FFFD and control characters removed."""
    return _CONTROL.sub("", _SURROGATE.sub("\ufffd", text))


def sender_id(value: Any) -> Text:
    """A client-chosen conversation id, checked (never altered: it must name one conversation)."""
    if not isinstance(value, str) or not 0 < len(value) <= SENDER_MAX_CHARS or not value.isprintable():
        raise InvalidInput("invalid_sender")
    return value


def message_id(value: Any) -> Text | None:
    """A client-chosen id of one message (sent again with the same id after a lost reply); None: none given."""
    if value is None:
        return None
    if not isinstance(value, str) or not 0 < len(value) <= MESSAGE_ID_MAX_CHARS or not _MESSAGE_ID.match(value):
        raise InvalidInput("invalid_message_id")
    return value


def message_text(value: Any, max_chars: int) -> Text:
    """The message as the assistant will store and read it."""
    if not isinstance(value, str):
        raise InvalidInput("invalid_message")
    text = cap_length(clean_text(value), max_chars)
    if not text.strip():
        raise InvalidInput("empty_message")
    return text


def metadata(value: Any) -> Dict[Text, Any]:
    """Client metadata, cleaned and bounded; ``None`` is no metadata."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput("invalid_metadata")
    cleaned = _clean_json(value, depth=1)
    if len(json.dumps(cleaned, ensure_ascii=False).encode("utf-8")) > METADATA_MAX_BYTES:
        raise InvalidInput("metadata_too_large")
    return cleaned


def _clean_json(value: Any, depth: int) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInput("metadata_too_large")
    if isinstance(value, (dict, list)):
        if depth > METADATA_MAX_DEPTH:
            raise InvalidInput("metadata_too_large")
        if isinstance(value, dict):
            return {clean_text(str(k)): _clean_json(v, depth + 1) for k, v in value.items()}
        return [_clean_json(v, depth + 1) for v in value]
    return value
