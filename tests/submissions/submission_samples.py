"""Sample submissions and a fake clock shared by the submissions tests."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

from submissions import PetitionInput, SuggestionInput

MOBILE = "13612341111"
ID_NUMBER = "11010519491231002X"
EMAIL = "zhao.liu@example.com"
NAME = "赵六"
ADDRESS = "徐汇区漕溪北路100弄2号"


class FakeClock:
    """An injectable clock: time stands still until the test moves it."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, **delta: float) -> None:
        with self._lock:
            self._now += timedelta(**delta)


def petition(**overrides: object) -> PetitionInput:
    fields: dict[str, object] = dict(
        name=NAME,
        mobile=MOBILE,
        district="徐汇",
        address=ADDRESS,
        content="小区门口的餐馆每天深夜排放油烟，噪声也很大，已经持续三个月。",
        request="请有关部门督促餐馆安装油烟净化设备并控制营业时间。",
        id_number=ID_NUMBER,
        email=EMAIL,
    )
    fields.update(overrides)
    return PetitionInput(**fields)  # type: ignore[arg-type]


def suggestion(**overrides: object) -> SuggestionInput:
    fields: dict[str, object] = dict(
        name="钱七",
        mobile="13912342222",
        district="浦东",
        title="增设社区老年食堂",
        content="建议在每个街道增设社区老年食堂，方便独居老人就近用餐，价格实惠。",
        email=None,
    )
    fields.update(overrides)
    return SuggestionInput(**fields)  # type: ignore[arg-type]
