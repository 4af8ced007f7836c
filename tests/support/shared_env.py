"""Settings of the assistant that the whole test session shares (one Rasa stack for all tests).

Channel credentials here are test values; the WeChat and WeCom API base URLs point at local
stand-ins for Tencent's API hosts, which the connector tests start on these ports.
"""
from __future__ import annotations

from tests.support.stack import free_port

STAFF_TOKENS = {"tester": "test-token-5d8c2a-7f03b9e14c6a", "reviewer": "review-token-91f3e0-2b8d5a0c7e1f"}
FAKE_WECHAT_API_PORT = free_port()
FAKE_WECOM_API_PORT = free_port()

ENV = {
    "STAFF_TOKENS": ",".join(f"{name}:{token}" for name, token in STAFF_TOKENS.items()),
    "WECHAT_TOKEN": "test-wechat-token",
    "WECHAT_APPID": "wx1234567890abcdef",
    "WECHAT_SECRET": "test-wechat-secret",
    "WECHAT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "WECHAT_API_BASE": f"http://127.0.0.1:{FAKE_WECHAT_API_PORT}",
    "WECOM_CORP_ID": "ww1234567890abcdef",
    "WECOM_AGENT_ID": "1000002",
    "WECOM_SECRET": "test-wecom-secret",
    "WECOM_TOKEN": "test-wecom-token",
    "WECOM_AES_KEY": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg",
    "WECOM_API_BASE": f"http://127.0.0.1:{FAKE_WECOM_API_PORT}",
    # Case notices for WeChat/WeCom are looked for every second (the tests wait for them).
    "NOTICE_POLL_SECONDS": "1",
    # A write the submissions database cannot take fails after 5 s, not 30 s
    # (tests/conversation/test_forms.py holds the lock past it).
    "SQLITE_BUSY_TIMEOUT_SECONDS": "5",
}
