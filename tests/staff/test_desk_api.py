"""The case desk's JSON API (web service on a real database): auth, masking, every bad input with
its Chinese message, optimistic concurrency, and the audit entries of reveal, assign, transition
and reply."""
from __future__ import annotations

import pytest

from core.settings import Settings
from submissions import SubmissionStore
from tests.staff.desk_support import CITIZEN_ID, CITIZEN_MOBILE, CITIZEN_NAME, desk_settings, file_petition, file_suggestion
from tests.staff.support import auth

ROUTES = [("GET", "/api/desk/departments"), ("GET", "/api/desk/cases"), ("GET", "/api/desk/cases/{n}"),
          ("POST", "/api/desk/cases/{n}/reveal"), ("POST", "/api/desk/cases/{n}/assign"),
          ("POST", "/api/desk/cases/{n}/transition"), ("POST", "/api/desk/cases/{n}/reply"),
          ("POST", "/api/desk/cases/{n}/extend"), ("GET", "/api/desk/ratings")]


@pytest.fixture
def cfg(tmp_path) -> Settings:
    return desk_settings(tmp_path)


@pytest.fixture
async def desk_client(aiohttp_client, cfg: Settings):
    from web.app import create_app

    return await aiohttp_client(create_app(cfg))


async def _open(client, number: str) -> dict:
    response = await client.get(f"/api/desk/cases/{number}", headers=auth())
    assert response.status == 200
    return (await response.json())["case"]


async def _post(client, number: str, step: str, body: dict, status: int = 200) -> dict:
    response = await client.post(f"/api/desk/cases/{number}/{step}", json=body, headers=auth())
    data = await response.json()
    assert response.status == status, data
    return data


def _audit(cfg: Settings) -> list[tuple[str, str, str]]:
    with SubmissionStore.from_settings(cfg) as store:
        return [(event.actor, event.action, event.detail) for event in store.audit_events()]


@pytest.mark.parametrize("method, path", ROUTES)
async def test_every_desk_route_needs_a_staff_token(desk_client, cfg, method, path):
    number = file_petition(cfg)
    for headers in ({}, auth("wrong-token-that-is-long-enough-0000")):
        response = await desk_client.request(method, path.format(n=number), json={}, headers=headers)
        assert response.status == 401
        assert "令牌" in (await response.json())["message"]
    assert _audit(cfg) == []


async def test_list_and_open_are_masked_and_filtered(desk_client, cfg):
    petition, suggestion = file_petition(cfg), file_suggestion(cfg)
    listed = await (await desk_client.get("/api/desk/cases", headers=auth())).json()
    assert [case["number"] for case in listed["cases"]] == [suggestion, petition] and listed["total"] == 2
    by_kind = await (await desk_client.get("/api/desk/cases?kind=信访事项&status=submitted&district=静安区",
                                           headers=auth())).json()
    assert [case["number"] for case in by_kind["cases"]] == [petition]
    short = await (await desk_client.get("/api/desk/cases?district=浦东", headers=auth())).json()  # as citizens write it
    assert [case["number"] for case in short["cases"]] == [suggestion]
    case = await _open(desk_client, petition)
    text = str(case)
    for secret in (CITIZEN_NAME, CITIZEN_MOBILE, CITIZEN_ID, "100弄5号"):
        assert secret not in text
    assert case["name"] == "孙**" and case["mobile"] == "137****6666"
    assert case["clocks"][0]["name"] == "受理告知" and case["clocks"][0]["days"] == 15
    assert case["received_at"].endswith("（北京时间）")
    assert [s["label"] for s in case["next_statuses"]] == ["已受理", "不予受理"]
    suggestion_case = await _open(desk_client, suggestion)
    assert suggestion_case["clocks"] == [] and "第十一条" in suggestion_case["no_clock_reason"]


@pytest.mark.parametrize("query, field, message", [
    ("kind=投诉", "kind", "未知的类型"), ("status=done", "status", "未知的状态"),
    ("from=2026/03/01", "from", "YYYY-MM-DD"), ("from=2026-03-02&to=2026-03-01", "from", "起始日期不能晚于"),
    ("overdue=maybe", "overdue", "overdue"), ("district=火星区", "district", "不是上海市的区"), ("page=0", "page", "页码"), ("per_page=abc", "page", "整数"),
    ("distrct=静安区", "distrct", "不认识的参数"),
])
async def test_bad_list_filters_are_refused_in_chinese(desk_client, query, field, message):
    response = await desk_client.get(f"/api/desk/cases?{query}", headers=auth())
    data = await response.json()
    assert response.status == 422 and data["field"] == field and message in data["message"]


async def test_unknown_case_is_404(desk_client):
    response = await desk_client.get("/api/desk/cases/XF20260101ABCDEF", headers=auth())
    assert response.status == 404 and "没有找到" in (await response.json())["message"]


async def test_reveal_is_audited_before_the_fields_are_returned(desk_client, cfg):
    number = file_petition(cfg)
    revealed = await _post(desk_client, number, "reveal", {})
    assert revealed["fields"]["name"] == CITIZEN_NAME and revealed["fields"]["mobile"] == CITIZEN_MOBILE
    assert revealed["fields"]["id_number"] == CITIZEN_ID
    assert _audit(cfg) == [("tester", "desk.reveal", f"{number} 显示个人信息")]
    assert CITIZEN_NAME not in str(await _open(desk_client, number))  # opening again is masked again


async def test_assign_accept_reply_extend_close_are_recorded_and_audited(desk_client, cfg):
    number = file_petition(cfg)
    case = await _open(desk_client, number)
    department = cfg.desk_departments[1]
    case = (await _post(desk_client, number, "assign", {"department": department, "version": case["version"]}))["case"]
    assert case["department"] == department
    case = (await _post(desk_client, number, "transition", {"status": "accepted", "version": case["version"]}))["case"]
    assert [clock["name"] for clock in case["clocks"]] == ["受理告知", "办理"] and case["clocks"][1]["days"] == 60
    case = (await _post(desk_client, number, "reply", {"text": "您反映的排水管问题已派员维修。", "version": case["version"]}))["case"]
    assert case["reply"] == "您反映的排水管问题已派员维修。" and case["replied"]
    case = (await _post(desk_client, number, "extend", {"days": 15, "reason": "需协调燃气管线迁移", "version": case["version"]}))["case"]
    assert case["clocks"][1]["days"] == 75 and case["extension_reason"] == "需协调燃气管线迁移"
    assert [(s["event"], s["status"], s["actor"]) for s in case["history"]] == [
        (None, "已提交", "system"), ("assign", "已提交", "tester"), (None, "已受理", "tester"),
        ("reply", "已受理", "tester"), ("extend", "已受理", "tester")]
    actions = [(actor, action, detail) for actor, action, detail in reversed(_audit(cfg))]
    assert actions == [("tester", "desk.assign", f"{number} 指派至 {department}"),
                       ("tester", "desk.transition", f"{number} 状态变更为 已受理"),
                       ("tester", "desk.reply", f"{number} 答复信访人（15 字）"),
                       ("tester", "desk.extend", f"{number} 延长办理期限至共 15 日")]


@pytest.mark.parametrize("step, body, field, message", [
    ("assign", {"department": ""}, "department", "请选择承办部门"),
    ("assign", {"department": "火星办事处"}, "department", "不在部门列表中"),
    ("transition", {"status": "closed"}, "status", "不能从“已提交”变更为“已办结”"),
    ("transition", {"status": ""}, "status", "请选择"),
    ("transition", {"status": "rejected"}, "note", "须写明理由"),
    ("transition", {"status": "accepted", "note": "一\n二"}, "note", "换行"),
    ("transition", {"status": "accepted", "note": "长" * 501}, "note", "最多 500 个字"),
    ("reply", {"text": ""}, "reply", "请填写答复内容"),
    ("reply", {"text": "长" * 2001}, "reply", "最多 2000 个字"),
    ("reply", {"text": "已收悉"}, "reply", "请先作出是否受理"),
    ("extend", {"days": 10, "reason": "调查"}, "days", "只有已受理"),
    ("extend", {"days": 45, "reason": "调查"}, "days", "1–30"),
    ("extend", {"days": "十", "reason": "调查"}, "days", "整数"),
    ("extend", {"days": 10}, "reason", "延期须写明理由"),
])
async def test_bad_staff_input_gets_a_chinese_message_and_changes_nothing(desk_client, cfg, step, body, field, message):
    number = file_petition(cfg)
    before = await _open(desk_client, number)
    data = await _post(desk_client, number, step, {**body, "version": before["version"]}, status=422)
    assert data["field"] == field and message in data["message"]
    assert await _open(desk_client, number) == before
    assert _audit(cfg) == []


async def test_a_change_based_on_an_old_version_is_refused_with_409(desk_client, cfg):
    number = file_petition(cfg)
    seen = await _open(desk_client, number)
    await _post(desk_client, number, "assign", {"department": cfg.desk_departments[0], "version": seen["version"]})
    data = await _post(desk_client, number, "assign", {"department": cfg.desk_departments[2], "version": seen["version"]},
                       status=409)
    assert "已被他人修改" in data["message"] and data["current_version"] == seen["version"] + 1
    assert (await _open(desk_client, number))["department"] == cfg.desk_departments[0]
    missing = await _post(desk_client, number, "assign", {"department": cfg.desk_departments[2]}, status=422)
    assert missing["field"] == "version"


async def test_malformed_json_is_400(desk_client, cfg):
    number = file_petition(cfg)
    response = await desk_client.post(f"/api/desk/cases/{number}/reply", data="{not json", headers=auth())
    assert response.status == 400 and "JSON" in (await response.json())["message"]


async def test_departments_come_from_the_setting(aiohttp_client, tmp_path):
    from core.settings import load_settings
    from tests.staff.support import staff_env
    from web.app import create_app

    (tmp_path / "knowledge").mkdir()
    client = await aiohttp_client(create_app(load_settings({**staff_env(tmp_path), "DESK_DEPARTMENTS": "甲街道，乙街道"})))
    data = await (await client.get("/api/desk/departments", headers=auth())).json()
    assert data["departments"] == ["甲街道", "乙街道"]


async def test_follow_ups_are_on_the_case_flagged_in_the_list_until_opened_and_ratings_counted(desk_client, cfg):
    from submissions.followups import CaseFollowups

    number, quiet = file_petition(cfg), file_petition(cfg)
    case = await _open(desk_client, number)
    department = cfg.desk_departments[1]
    case = (await _post(desk_client, number, "assign", {"department": department, "version": case["version"]}))["case"]
    case = (await _post(desk_client, number, "transition", {"status": "accepted", "version": case["version"]}))["case"]
    await _post(desk_client, number, "reply", {"text": "已督促物业维修。", "version": case["version"]})
    with SubmissionStore.from_settings(cfg) as store:
        followups = CaseFollowups(store)
        followups.rate(number, "不满意", f"没人来修，我的电话{CITIZEN_MOBILE}")
        followups.urge(number)

    listed = (await (await desk_client.get("/api/desk/cases", headers=auth())).json())["cases"]
    flags = {item["number"]: (item["unseen_followups"], item["urged"]) for item in listed}
    assert flags == {number: (2, True), quiet: (0, False)}
    opened = await _open(desk_client, number)
    assert [(item["kind"], item["rating_label"], item["seen"]) for item in opened["followups"]] == [
        ("rating", "不满意", False), ("urge", None, False)]
    assert CITIZEN_MOBILE not in opened["followups"][0]["text"] and "没人来修" in opened["followups"][0]["text"]
    assert all(item["seen"] for item in (await _open(desk_client, number))["followups"])

    response = await desk_client.get("/api/desk/ratings", headers=auth())
    assert (await response.json())["departments"] == [
        {"department": department, "total": 1, "satisfied": 0, "basic": 0, "unsatisfied": 1,
         "shares": {"satisfied": 0.0, "basic": 0.0, "unsatisfied": 1.0}}]
    response = await desk_client.get("/api/desk/ratings?department=x", headers=auth())
    assert response.status == 422 and "不接受查询参数" in (await response.json())["message"]
