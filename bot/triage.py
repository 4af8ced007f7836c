"""Before a petition form: does the matter belong to a court, arbitration or reconsideration?

Under 《信访工作条例》第三十一条, claims that law routes to litigation, arbitration or an
administrative procedure are handled there, not through the petition procedure. The assistant
points the citizen to that route first; they may still file if they insist.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from core.textnorm import normalize


@dataclass(frozen=True)
class LegalRoute:
    name: str
    advice: str


_ROUTES: tuple[tuple[LegalRoute, re.Pattern[str]], ...] = (
    (
        LegalRoute(
            "诉讼",
            "您提到的事项涉及法院诉讼（已起诉、判决或裁定等）。按《信访工作条例》第三十一条，"
            "应当通过诉讼程序解决的事项，依照法律规定的程序处理：对判决、裁定不服的，可以依法上诉或申请再审。"
            "需要法律帮助可以拨打 12348 公共法律服务热线。",
        ),
        re.compile(r"起诉|法院|判决|裁定|上诉|再审|打官司|诉讼|立案|执行庭|强制执行"),
    ),
    (
        LegalRoute(
            "仲裁",
            "您提到的事项可能属于仲裁解决的范围（例如劳动争议、人事争议）。按《信访工作条例》第三十一条，"
            "应当通过仲裁解决的，导入相应的仲裁程序，例如向劳动人事争议仲裁委员会申请仲裁。",
        ),
        re.compile(r"仲裁|劳动争议|劳动纠纷|人事争议"),
    ),
    (
        LegalRoute(
            "行政复议",
            "您提到的事项涉及行政复议或其他行政程序。按《信访工作条例》第三十一条，可以通过行政复议、"
            "行政裁决等行政程序解决的，导入相应的行政程序；对行政行为不服的，可以依法申请行政复议或提起行政诉讼。",
        ),
        re.compile(r"行政复议|复议决定|申请复议"),
    ),
)


def legal_route_for(text: str) -> LegalRoute | None:
    """The legal route the message points to, if any."""
    normalised = normalize(text)
    for route, pattern in _ROUTES:
        if pattern.search(normalised):
            return route
    return None
