"""WeChat Official Account (微信公众号) channel at ``/webhooks/wechat/webhook``.

Settings: ``WECHAT_TOKEN`` (required), ``WECHAT_AES_KEY`` + ``WECHAT_APPID`` (safe mode),
``WECHAT_APPID`` + ``WECHAT_SECRET`` (customer-service messages for late or long answers),
``WECHAT_API_BASE``, ``WECHAT_TRANSFER_TO_KF``. With ``WECHAT_AES_KEY`` set (safe or compatible
mode) every POST must be encrypted (``encrypt_type=aes`` and ``msg_signature``); a plain one is
refused, since in plain mode nothing signs the body. Without the key, POSTs are plain (and an
encrypted one is refused). The reply goes back the way the request came. Shared behaviour: :mod:`bot.connectors.callback_channel`.
"""
from __future__ import annotations

import binascii

from sanic.request import Request
from wechatpy import parse_message as parse_wechat_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import BaseMessage
from wechatpy.replies import TextReply, TransferCustomerServiceReply
from wechatpy.utils import check_signature

from core.settings import Settings

from .callback_channel import (
    Callback, CallbackChannel, PlainEnvelope, Rejected, open_encrypted_callback, read_xml_or_reject, required_arg,
)
from .tencent_api import TencentApiClient, TencentApiError, TokenEndpoint

CUSTOMER_SERVICE_SEND_PATH = "/cgi-bin/message/custom/send"
PLAIN_REFUSED = "已启用消息加密（WECHAT_AES_KEY），不接受未加密的消息。"
TOKEN_PATH = "/cgi-bin/token"


def cdata_safe(text: str) -> str:
    """Text that cannot close wechatpy's ``<![CDATA[...]]>`` early (split at ``]]>``)."""
    return text.replace("]]>", "]]]]><![CDATA[>")


def make_crypto(token: str, aes_key: str, app_id: str) -> WeChatCrypto | None:
    """wechatpy's crypto for a 43-character EncodingAESKey, or None if the key is unusable."""
    try:
        return WeChatCrypto(token, aes_key, app_id) if len(aes_key) == 43 else None
    except (AssertionError, ValueError, binascii.Error):
        return None


class WeChatInput(CallbackChannel):
    @classmethod
    def name(cls) -> str:
        return "wechat"

    def __init__(self, settings: Settings):
        self._token = settings.wechat_token
        self._app_id = settings.wechat_appid
        self._crypto = make_crypto(settings.wechat_token, settings.wechat_aes_key, settings.wechat_appid)
        super().__init__(settings)
        self._api = TencentApiClient(
            settings.wechat_api_base,
            TokenEndpoint(TOKEN_PATH, {"grant_type": "client_credential", "appid": settings.wechat_appid,
                                       "secret": settings.wechat_secret}),
            self.store, f"{self.namespace}:access_token",
        )

    def account_id(self) -> str:
        return self.settings.wechat_appid or "default"

    def configuration_problem(self) -> str | None:
        if not self._token:
            return "微信公众号接入尚未配置：请设置 WECHAT_TOKEN。"
        if self.settings.wechat_aes_key and self._crypto is None:
            return "WECHAT_AES_KEY 格式不正确：应为公众号后台生成的 43 位 EncodingAESKey。"
        if self.settings.wechat_aes_key and not self._app_id:
            return "启用消息加密时还需设置 WECHAT_APPID。"
        return None

    def _check_signature(self, request: Request) -> None:
        try:
            check_signature(self._token, required_arg(request, "signature"), required_arg(request, "timestamp"),
                            required_arg(request, "nonce"))
        except InvalidSignatureException:
            raise Rejected(403, "签名校验失败") from None

    def verify_url(self, request: Request) -> str:
        self._check_signature(request)
        return request.args.get("echostr", "")

    def open_callback(self, request: Request) -> Callback:
        encrypted = request.args.get("encrypt_type", "").lower() == "aes" or "msg_signature" in request.args
        if not encrypted:
            if self._crypto is not None:  # nothing would vouch for the body: refuse, never fall back
                raise Rejected(403, PLAIN_REFUSED)
            self._check_signature(request)
            return Callback(read_xml_or_reject(request.body), PlainEnvelope())
        if self._crypto is None:
            raise Rejected(503, "收到加密消息，但未配置 WECHAT_AES_KEY。")
        if "signature" in request.args:
            self._check_signature(request)
        return open_encrypted_callback(request, self._crypto, InvalidAppIdException)

    def parse_message(self, xml_text: str) -> BaseMessage:
        return parse_wechat_message(xml_text)

    def text_reply(self, message: BaseMessage, content: str) -> str:
        return TextReply(message=message, content=cdata_safe(content)).render()

    def handoff_reply(self, message: BaseMessage) -> str | None:
        if not self.settings.wechat_transfer_to_kf:
            return None
        return TransferCustomerServiceReply(message=message).render()

    async def send_text(self, user_id: str, content: str) -> None:
        if not (self.settings.wechat_appid and self.settings.wechat_secret):
            raise TencentApiError(None, "WECHAT_APPID / WECHAT_SECRET not set: cannot send customer-service messages")
        await self._api.post(CUSTOMER_SERVICE_SEND_PATH,
                             {"touser": user_id, "msgtype": "text", "text": {"content": content}})

    async def close(self) -> None:
        await self._api.close()
        await super().close()
