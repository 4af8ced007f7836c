"""Shared by the case desk's API and browser tests: a web service on an empty knowledge base
(the desk needs no index) and citizens' submissions filed through the real store."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from core.settings import Settings, load_settings
from submissions import PetitionInput, SubmissionStore, SuggestionInput
from tests.staff.support import staff_env

CITIZEN_NAME, CITIZEN_MOBILE, CITIZEN_ID = "孙小梅", "13788886666", "11010519491231002X"


def desk_settings(root: Path) -> Settings:
    (root / "knowledge").mkdir(parents=True, exist_ok=True)
    return load_settings(staff_env(root))


def file_petition(cfg: Settings, content: str = "小区门口的排水管破裂，污水漫到人行道上已经两周，多次反映没有人来修。",
                  days_ago: int = 0) -> str:
    """A petition received ``days_ago`` days before now (its clocks count from then)."""
    received = datetime.now(timezone.utc) - timedelta(days=days_ago)
    with SubmissionStore.from_settings(cfg, clock=lambda: received) as store:
        data = PetitionInput(name=CITIZEN_NAME, mobile=CITIZEN_MOBILE, district="静安", address="静安区南京西路100弄5号",
                             content=content, request="请尽快维修排水管并清理人行道。", id_number=CITIZEN_ID)
        return store.create_submission(data, channel="socketio", sender_id="citizen-1",
                                       consent_at=store.now()).tracking_number


def file_suggestion(cfg: Settings) -> str:
    with SubmissionStore.from_settings(cfg) as store:
        data = SuggestionInput(name="钱七", mobile="13912342222", district="浦东", title="增设社区老年食堂",
                               content="建议在每个街道增设社区老年食堂，方便独居老人就近用餐，价格实惠。")
        return store.create_submission(data, channel="rest", sender_id="citizen-2",
                                       consent_at=store.now()).tracking_number


def staff_call(web_url: str, method: str, path: str, body: dict | None = None) -> dict:
    """One call to the running web service's staff API with the test token."""
    import json
    import urllib.request

    from tests.staff.support import auth

    request = urllib.request.Request(web_url + path, method=method, headers={**auth(), "Content-Type": "application/json"},
                                     data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read().decode())


def accept_and_reply(web_url: str, number: str, reply: str) -> dict:
    """What a staff member does on the desk: assign the first department, accept, reply."""
    case = staff_call(web_url, "GET", f"/api/desk/cases/{number}")["case"]
    department = staff_call(web_url, "GET", "/api/desk/departments")["departments"][0]
    case = staff_call(web_url, "POST", f"/api/desk/cases/{number}/assign", {"department": department, "version": case["version"]})["case"]
    case = staff_call(web_url, "POST", f"/api/desk/cases/{number}/transition", {"status": "accepted", "version": case["version"]})["case"]
    return staff_call(web_url, "POST", f"/api/desk/cases/{number}/reply", {"text": reply, "version": case["version"]})["case"]
