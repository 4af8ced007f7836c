"""Reading Tencent's XML callbacks without trusting them: size cap, UTF-8, no DTD, no entities.

Every body (and every decrypted payload) passes :func:`read_callback_xml` before wechatpy or
xmltodict sees it, so XXE, billion-laughs and other DTD tricks are refused, never expanded.
"""
from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

# Real callbacks are a few hundred bytes; a text message holds at most a few thousand characters.
MAX_BODY_BYTES = 64 * 1024


class XmlRejected(ValueError):
    """The body is not a well-formed, DTD-free ``<xml>`` document."""


@dataclass(frozen=True)
class CallbackXml:
    text: str
    # Text of each direct child of <xml> (nested elements give their own text, usually empty).
    fields: dict[str, str]


def read_callback_xml(body: bytes | str) -> CallbackXml:
    """Check and read one callback document; raises :class:`XmlRejected` with the reason."""
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise XmlRejected("body is not UTF-8") from exc
    else:
        text = body
    if not text.strip():
        raise XmlRejected("empty body")
    if len(text.encode("utf-8")) > MAX_BODY_BYTES:
        raise XmlRejected("document too large")
    try:
        root = fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise XmlRejected(f"forbidden XML construct: {type(exc).__name__}") from exc
    except (ParseError, ValueError) as exc:
        raise XmlRejected("malformed XML") from exc
    if root.tag != "xml":
        raise XmlRejected("root element is not <xml>")
    return CallbackXml(text=text, fields={child.tag: (child.text or "").strip() for child in root})
