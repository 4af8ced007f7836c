"""WeChat's and WeCom's servers as the channels see them, built on wechatpy's own signing and crypto.

A peer signs (and in safe mode encrypts) callbacks exactly as Tencent does, posts them to the
running assistant and opens the passive reply again with wechatpy, checking its signature.
"""
from __future__ import annotations

import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto
from wechatpy.utils import WeChatSigner


@dataclass(frozen=True)
class SignedRequest:
    params: dict[str, str]
    body: bytes


@dataclass
class HttpResult:
    status: int
    body: str
    content_type: str


def http(method: str, url: str, params: dict[str, str] | None = None, body: bytes | None = None,
         timeout: float = 60) -> HttpResult:
    if params:
        url = f"{url}?{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(url, data=body, method=method,
                                     headers={"Content-Type": "text/xml; charset=utf-8"} if body is not None else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HttpResult(response.status, response.read().decode("utf-8"), response.headers.get("Content-Type", ""))
    except urllib.error.HTTPError as error:
        return HttpResult(error.code, error.read().decode("utf-8", "replace"), error.headers.get("Content-Type", ""))


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def sign(*values: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*values)
    return signer.signature


def new_nonce() -> str:
    return secrets.token_hex(8)


def new_msg_id() -> str:
    return str(secrets.randbelow(10**18) + 10**18)


def new_user_id(prefix: str = "o") -> str:
    return prefix + secrets.token_urlsafe(20).replace("-", "_")[:27]


def message_xml(to_user: str, from_user: str, msg_type: str, fields: dict[str, str], msg_id: str | None = None,
                create_time: int | None = None, agent_id: str | None = None) -> str:
    parts = [f"<ToUserName>{cdata(to_user)}</ToUserName>", f"<FromUserName>{cdata(from_user)}</FromUserName>",
             f"<CreateTime>{create_time or int(time.time())}</CreateTime>", f"<MsgType>{cdata(msg_type)}</MsgType>"]
    parts += [f"<{name}>{cdata(value)}</{name}>" for name, value in fields.items()]
    if msg_id:
        parts.append(f"<MsgId>{msg_id}</MsgId>")
    if agent_id:
        parts.append(f"<AgentID>{agent_id}</AgentID>")
    return "<xml>" + "".join(parts) + "</xml>"


def encrypted_body(crypto: Any, plain_xml: str, nonce: str, timestamp: str, to_user: str,
                   extra: str = "") -> tuple[str, str]:
    """(body, msg_signature) of a callback as Tencent sends it in safe mode."""
    sealed = xmltodict.parse(crypto.encrypt_message(plain_xml, nonce, timestamp))["xml"]
    body = f"<xml><ToUserName>{cdata(to_user)}</ToUserName>{extra}<Encrypt>{cdata(sealed['Encrypt'])}</Encrypt></xml>"
    return body, sealed["MsgSignature"]


def open_encrypted_reply(crypto: Any, body: str) -> dict[str, Any]:
    """Check the reply's signature and decrypt it, as Tencent does (raises on a bad signature)."""
    outer = xmltodict.parse(body)["xml"]
    plain = crypto.decrypt_message(body, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"])
    return xmltodict.parse(plain)["xml"]


class WeChatPeer:
    """The WeChat Official Account platform, posting to ``/webhooks/wechat/webhook``."""

    def __init__(self, rasa_url: str, env: dict[str, str]):
        self.url = f"{rasa_url}/webhooks/wechat/webhook"
        self.token = env["WECHAT_TOKEN"]
        self.app_id = env["WECHAT_APPID"]
        self.account = "gh_0123456789ab"
        self.crypto = WeChatCrypto(self.token, env["WECHAT_AES_KEY"], self.app_id)

    def verify(self, echostr: str, wrong_signature: bool = False) -> HttpResult:
        timestamp, nonce = str(int(time.time())), new_nonce()
        signature = sign(self.token + ("x" if wrong_signature else ""), timestamp, nonce)
        return http("GET", self.url, {"signature": signature, "timestamp": timestamp, "nonce": nonce,
                                      "echostr": echostr})

    def text(self, user: str, content: str, msg_id: str | None = None) -> str:
        return message_xml(self.account, user, "text", {"Content": content}, msg_id or new_msg_id())

    def event(self, user: str, event: str, create_time: int | None = None) -> str:
        return message_xml(self.account, user, "event", {"Event": event, "EventKey": ""}, create_time=create_time)

    def post(self, plain_xml: str, mode: str = "plain", user: str = "", **options: Any) -> HttpResult:
        """Sign (and encrypt) ``plain_xml`` as WeChat does and post it (options: :meth:`request`)."""
        return self.send(self.request(plain_xml, mode, user, **options))

    def send(self, request: "SignedRequest") -> HttpResult:
        """Post a request made earlier, byte for byte (a retry, or a replay)."""
        return http("POST", self.url, request.params, request.body)

    def request(self, plain_xml: str, mode: str = "plain", user: str = "", *, body: str | None = None,
                wrong_signature: bool = False, timestamp: int | None = None,
                nonce: str | None = None) -> "SignedRequest":
        """``mode``: plain, aes (safe mode: only Encrypt) or compat (plain fields and Encrypt); the
        signed ``timestamp`` and ``nonce`` are now and a fresh one unless given; ``body`` replaces
        the body after signing."""
        timestamp, nonce = str(timestamp or int(time.time())), nonce or new_nonce()
        token = self.token + ("x" if wrong_signature else "")
        params = {"signature": sign(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
        if user:
            params["openid"] = user
        if mode == "plain":
            data = plain_xml if body is None else body
        else:
            inner = plain_xml[len("<xml>"):-len("</xml>")] if mode == "compat" else ""
            data, msg_signature = encrypted_body(self.crypto, plain_xml, nonce, timestamp, self.account, inner)
            if wrong_signature:
                msg_signature = sign(token, timestamp, nonce, "tampered")
            params.update({"encrypt_type": "aes", "msg_signature": msg_signature})
            data = data if body is None else body
        return SignedRequest(params, data.encode("utf-8"))

    def reply_of(self, result: HttpResult, mode: str = "plain") -> dict[str, Any] | None:
        """The passive reply as a dict (None for "success"), decrypted and verified in safe modes."""
        assert result.status == 200, (result.status, result.body)
        if result.body in ("success", ""):
            return None
        if mode == "plain":
            return xmltodict.parse(result.body)["xml"]
        return open_encrypted_reply(self.crypto, result.body)


class WeComPeer:
    """A WeCom self-built application's callback, posting to ``/webhooks/wecom/webhook``."""

    def __init__(self, rasa_url: str, env: dict[str, str]):
        self.url = f"{rasa_url}/webhooks/wecom/webhook"
        self.token = env["WECOM_TOKEN"]
        self.corp_id = env["WECOM_CORP_ID"]
        self.agent_id = env["WECOM_AGENT_ID"]
        self.crypto = WeComCrypto(self.token, env["WECOM_AES_KEY"], self.corp_id)

    def verify(self, echostr_plain: str, wrong_signature: bool = False) -> HttpResult:
        timestamp, nonce = str(int(time.time())), new_nonce()
        sealed = xmltodict.parse(self.crypto.encrypt_message(echostr_plain, nonce, timestamp))["xml"]
        echostr = sealed["Encrypt"]
        signature = sign(self.token + ("x" if wrong_signature else ""), timestamp, nonce, echostr)
        return http("GET", self.url, {"msg_signature": signature, "timestamp": timestamp, "nonce": nonce,
                                      "echostr": echostr})

    def text(self, user: str, content: str, msg_id: str | None = None) -> str:
        return message_xml(self.corp_id, user, "text", {"Content": content}, msg_id or new_msg_id(),
                           agent_id=self.agent_id)

    def event(self, user: str, event: str, create_time: int | None = None) -> str:
        return message_xml(self.corp_id, user, "event", {"Event": event, "EventKey": ""}, create_time=create_time,
                           agent_id=self.agent_id)

    def post(self, plain_xml: str, *, body: str | None = None, wrong_signature: bool = False,
             timestamp: int | None = None, nonce: str | None = None) -> HttpResult:
        timestamp, nonce = str(timestamp or int(time.time())), nonce or new_nonce()
        agent = f"<AgentID>{self.agent_id}</AgentID>"
        data, msg_signature = encrypted_body(self.crypto, plain_xml, nonce, timestamp, self.corp_id, agent)
        if wrong_signature:
            msg_signature = sign(self.token + "x", timestamp, nonce, "tampered")
        params = {"msg_signature": msg_signature, "timestamp": timestamp, "nonce": nonce}
        return http("POST", self.url, params, (data if body is None else body).encode("utf-8"))

    def reply_of(self, result: HttpResult) -> dict[str, Any] | None:
        assert result.status == 200, (result.status, result.body)
        if not result.body:
            return None
        return open_encrypted_reply(self.crypto, result.body)
