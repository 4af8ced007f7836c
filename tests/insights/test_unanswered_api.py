"""The unanswered-questions queue API on a real store and the real model: groups by meaning,
largest first, with counts, first/last seen in Beijing time, examples and reasons; a group
marked 已处理 (audited) leaves the open queue; a clear 400 for every bad parameter."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core.settings import Settings
from submissions import SubmissionStore
from submissions.unanswered import NOT_SURE, UNHELPFUL, UnansweredQuestions
from tests.staff.support import auth

NOW = datetime.now(timezone.utc).replace(microsecond=0)
DOGS = ["养狗需要办理犬证吗", "在小区养狗要去哪里办犬证", "犬证怎么办理，养狗要登记吗", "养的狗没有办犬证会被罚款吗"]
FUND = ["住房公积金怎么提取", "提取住房公积金需要什么材料"]
ALONE = "火星上可以种菠萝吗"
FUND_DOCUMENT = "hotline-12345"


def seed(settings: Settings) -> dict[str, datetime]:
    """The questions, asked at known times (hours ago); returns when each was asked."""
    asked: dict[str, datetime] = {}
    plan = [(text, NOT_SURE, None) for text in DOGS] + [(text, UNHELPFUL, FUND_DOCUMENT) for text in FUND]
    plan += [(ALONE, NOT_SURE, None), ("很久以前的问题：养狗办证", NOT_SURE, None)]
    for hours, (text, reason, document) in enumerate(plan, start=1):
        moment = NOW - (timedelta(days=40) if text.startswith("很久以前") else timedelta(hours=hours))
        asked[text] = moment
        with SubmissionStore.from_settings(settings, clock=lambda moment=moment: moment) as store:
            UnansweredQuestions(store).record(text + "，我的电话13812345678", "rest", reason, document)
    return asked


def group_of(groups: list[dict], text: str) -> dict:
    for group in groups:
        if any(example["question"].startswith(text) for example in group["examples"]):
            return group
    raise AssertionError(f"no group shows {text}: {[g['label'] for g in groups]}")


def beijing(moment: datetime) -> str:
    return moment.astimezone(timezone(timedelta(hours=8))).isoformat(timespec="seconds")


async def test_open_questions_grouped_by_meaning_then_resolved(client, settings: Settings):
    asked = seed(settings)
    response = await client.get("/api/unanswered/groups", headers=auth())
    assert response.status == 200
    body = await response.json()
    assert "13812345678" not in await response.text()
    assert body["state"] == "open" and body["days"] == 30 and body["questions"] == len(DOGS) + len(FUND) + 1

    dogs = group_of(body["groups"], DOGS[0])
    assert body["groups"][0] is not None and body["groups"][0]["ids"] == dogs["ids"]  # largest first
    assert dogs["count"] == len(DOGS) and len(dogs["examples"]) == 3
    assert {example["question"].split("，我的")[0] for example in dogs["examples"]} <= set(DOGS)
    assert dogs["first_seen"] == beijing(min(asked[text] for text in DOGS))
    assert dogs["last_seen"] == beijing(max(asked[text] for text in DOGS))
    assert dogs["first_seen"].endswith("+08:00")
    assert dogs["reasons"] == [{"reason": NOT_SURE, "label": "不确定", "count": len(DOGS)}]
    assert all("138****5678" in example["question"] for example in dogs["examples"])

    fund = group_of(body["groups"], FUND[0])
    assert fund["count"] == len(FUND) and fund["ids"] != dogs["ids"]
    assert fund["reasons"] == [{"reason": UNHELPFUL, "label": "没帮助", "count": len(FUND)}]
    assert fund["documents"] == [{"document_id": FUND_DOCUMENT, "count": len(FUND)}]
    assert group_of(body["groups"], ALONE)["count"] == 1

    # staff mark the dog group 已处理: it leaves the open queue, shows under resolved, audited
    response = await client.post("/api/unanswered/resolve", headers=auth(),
                                 json={"ids": dogs["ids"], "label": dogs["label"]})
    assert response.status == 200, await response.text()
    assert (await response.json()) == {"resolved": len(DOGS), "requested": len(DOGS)}
    body = await (await client.get("/api/unanswered/groups", headers=auth())).json()
    assert all(DOGS[0] not in example["question"] for group in body["groups"] for example in group["examples"])
    assert body["questions"] == len(FUND) + 1
    resolved = await (await client.get("/api/unanswered/groups?state=resolved", headers=auth())).json()
    assert group_of(resolved["groups"], DOGS[0])["count"] == len(DOGS)
    with SubmissionStore.from_settings(settings) as store:
        events = [event for event in store.audit_events() if event.action == "unanswered.resolve"]
    assert len(events) == 1 and events[0].actor == "tester" and f"{len(DOGS)} 条" in events[0].detail

    # a longer period takes in the old question too
    body = await (await client.get("/api/unanswered/groups?days=90", headers=auth())).json()
    assert body["questions"] == len(FUND) + 2


@pytest.mark.parametrize(("method", "path", "body", "code"), [
    ("get", "/api/unanswered/groups?days=0", None, "bad_days"),
    ("get", "/api/unanswered/groups?days=366", None, "bad_days"),
    ("get", "/api/unanswered/groups?days=三十", None, "bad_days"),
    ("get", "/api/unanswered/groups?state=done", None, "bad_state"),
    ("get", "/api/unanswered/groups?colour=red", None, "bad_parameter"),
    ("get", "/api/unanswered/groups?days=7&days=30", None, "bad_parameter"),
    ("post", "/api/unanswered/resolve", {"ids": []}, "bad_ids"),
    ("post", "/api/unanswered/resolve", {"ids": ["1"]}, "bad_ids"),
    ("post", "/api/unanswered/resolve", {"ids": [0]}, "bad_ids"),
    ("post", "/api/unanswered/resolve", {"ids": [True]}, "bad_ids"),
    ("post", "/api/unanswered/resolve", {}, "bad_ids"),
    ("post", "/api/unanswered/resolve", {"ids": [1], "label": 5}, "bad_label"),
    ("post", "/api/unanswered/resolve", {"ids": [1], "colour": "red"}, "bad_field"),
    ("post", "/api/unanswered/resolve", [1, 2], "bad_json"),
])
async def test_bad_parameters_get_a_chinese_400(client, method, path, body, code):
    response = await getattr(client, method)(path, headers=auth(), **({"json": body} if method == "post" else {}))
    assert response.status == 400
    data = await response.json()
    assert data["error"] == code
    assert any("\u4e00" <= char <= "\u9fff" for char in data["message"]), data


async def test_the_queue_needs_a_staff_token(client):
    assert (await client.get("/api/unanswered/groups")).status == 401
    assert (await client.post("/api/unanswered/resolve", json={"ids": [1]})).status == 401
