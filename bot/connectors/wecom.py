"""WeCom (企业微信) self-built application channel at ``/webhooks/wecom/webhook``.

Settings: ``WECOM_TOKEN``, ``WECOM_AES_KEY``, ``WECOM_CORP_ID`` (required: WeCom callbacks are
always encrypted), ``WECOM_AGENT_ID`` + ``WECOM_SECRET`` (``message/send`` for late or long
answers), ``WECOM_API_BASE``. Shared behaviour: :mod:`bot.connectors.callback_channel`.
"""
from __future__ import annotations

from sanic.request import Request
from wechatpy.enterprise import parse_message as parse_wecom_message
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.enterprise.replies import TextReply
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.messages import BaseMessage

from core.settings import Settings

from .callback_channel import Callback, CallbackChannel, Rejected, open_encrypted_callback, required_arg
from .tencent_api import TencentApiClient, TencentApiError, TokenEndpoint
from .wechat import cdata_safe

MESSAGE_SEND_PATH = "/cgi-bin/message/send"
TOKEN_PATH = "/cgi-bin/gettoken"


def make_crypto(token: str, aes_key: str, corp_id: str) -> WeComCrypto | None:
    try:
        return WeComCrypto(token, aes_key, corp_id) if len(aes_key) == 43 else None
    except Exception:  # noqa: BLE001 - an unusable key is reported by configuration_problem()
        return None


class WeComInput(CallbackChannel):
    # WeCom: "不想回复任何内容，可以直接返回200（即以空串为返回包）".
    no_reply_body = ""

    @classmethod
    def name(cls) -> str:
        return "wecom"

    def __init__(self, settings: Settings):
        self._crypto = make_crypto(settings.wecom_token, settings.wecom_aes_key, settings.wecom_corp_id)
        super().__init__(settings)
        self._api = TencentApiClient(
            settings.wecom_api_base,
            TokenEndpoint(TOKEN_PATH, {"corpid": settings.wecom_corp_id, "corpsecret": settings.wecom_secret}),
            self.store, f"{self.namespace}:access_token",
        )

    def account_id(self) -> str:
        return f"{self.settings.wecom_corp_id or 'default'}:{self.settings.wecom_agent_id or '0'}"

    def configuration_problem(self) -> str | None:
        missing = [name for name, value in (("WECOM_TOKEN", self.settings.wecom_token),
                                            ("WECOM_AES_KEY", self.settings.wecom_aes_key),
                                            ("WECOM_CORP_ID", self.settings.wecom_corp_id)) if not value]
        if missing:
            return f"企业微信接入尚未配置：请设置 {'、'.join(missing)}。"
        if self._crypto is None:
            return "WECOM_AES_KEY 格式不正确：应为企业微信后台生成的 43 位 EncodingAESKey。"
        return None

    def verify_url(self, request: Request) -> str:
        assert self._crypto is not None
        try:
            return self._crypto.check_signature(required_arg(request, "msg_signature"),
                                                required_arg(request, "timestamp"),
                                                required_arg(request, "nonce"), required_arg(request, "echostr"))
        except (InvalidSignatureException, InvalidCorpIdException):
            raise Rejected(403, "签名校验失败") from None
        except Rejected:
            raise
        except Exception:  # noqa: BLE001 - undecryptable echostr under a valid signature
            raise Rejected(400, "echostr 解密失败") from None

    def open_callback(self, request: Request) -> Callback:
        assert self._crypto is not None
        return open_encrypted_callback(request, self._crypto, InvalidCorpIdException)

    def parse_message(self, xml_text: str) -> BaseMessage:
        return parse_wecom_message(xml_text)

    def text_reply(self, message: BaseMessage, content: str) -> str:
        return TextReply(message=message, content=cdata_safe(content)).render()

    async def send_text(self, user_id: str, content: str) -> None:
        agent_id = self.settings.wecom_agent_id
        if not (agent_id.isdigit() and self.settings.wecom_secret):
            raise TencentApiError(None, "WECOM_AGENT_ID / WECOM_SECRET not set: cannot send application messages")
        await self._api.post(MESSAGE_SEND_PATH, {"touser": user_id, "msgtype": "text", "agentid": int(agent_id),
                                                 "text": {"content": content}, "safe": 0})

    async def close(self) -> None:
        await self._api.close()
        await super().close()
