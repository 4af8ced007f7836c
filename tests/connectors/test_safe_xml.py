"""Callback bodies are read without expanding entities or trusting their size."""
from __future__ import annotations

import pytest

from bot.connectors.safe_xml import MAX_BODY_BYTES, XmlRejected, read_callback_xml

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    + ']><xml><Content>&lol9;</Content></xml>'
)
XXE = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       "<xml><FromUserName>u</FromUserName><Content>&xxe;</Content></xml>")


def test_a_callback_is_read_into_its_fields() -> None:
    xml = read_callback_xml("<xml><ToUserName><![CDATA[gh_1]]></ToUserName><MsgId>42</MsgId></xml>".encode())
    assert xml.fields == {"ToUserName": "gh_1", "MsgId": "42"}


def test_an_xml_declaration_is_accepted() -> None:
    assert read_callback_xml('<?xml version="1.0" encoding="utf-8"?><xml><A>甲</A></xml>').fields == {"A": "甲"}


@pytest.mark.parametrize("body", [XXE, BILLION_LAUGHS, '<!DOCTYPE xml><xml><A>1</A></xml>',
                                  '<!DOCTYPE xml [<!ENTITY a "b">]><xml><A>&a;</A></xml>'])
def test_any_dtd_is_refused_before_expansion(body: str) -> None:
    with pytest.raises(XmlRejected, match="forbidden"):
        read_callback_xml(body)


@pytest.mark.parametrize("body", [b"", b"   ", b"not xml", b"<xml><A></xml>", b"<root><A>1</A></root>",
                                  "<xml><A>中文</A></xml>".encode("gbk"), b"<xml><A>&undefined;</A></xml>"])
def test_broken_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(XmlRejected):
        read_callback_xml(body)


def test_oversized_documents_are_refused() -> None:
    with pytest.raises(XmlRejected, match="too large"):
        read_callback_xml("<xml><A>" + "x" * MAX_BODY_BYTES + "</A></xml>")
