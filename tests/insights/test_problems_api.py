"""The recurring-problems API on a real store and the real model: groups with growth, likely
duplicates, the monthly summary and its CSV, and a clear 400 for every bad parameter."""
from __future__ import annotations

import csv
import io

import pytest

from core.settings import Settings
from insights.cases import Case, month_label, month_of
from submissions import SubmissionStore
from submissions.workflow import Kind, Status
from tests.staff.support import auth
from web.staff.problems import csv_bytes

from .dataset import COUNTS, FUMES, MEALS, WAGES, seed
from .seeding import this_and_previous_month

PHONE, NAME = "13812345678", "王建国"


def group_with(groups: list[dict], numbers: list[str]) -> dict:
    """The group whose examples or members include one of ``numbers`` (by its examples)."""
    for group in groups:
        if any(example["tracking_number"] in numbers for example in group["examples"]):
            return group
    raise AssertionError(f"no group shows any of {numbers[:3]}…: {[g['label'] for g in groups]}")


async def test_groups_of_the_month_with_growth_and_flags(client, settings: Settings):
    seeded = seed(settings)
    response = await client.get("/api/problems/groups", headers=auth())
    assert response.status == 200
    body = await response.json()
    text = await response.text()
    assert PHONE not in text and NAME not in text
    this, previous = (month_label(*m) for m in this_and_previous_month())
    assert (body["month"], body["previous_month"]) == (this, previous)

    expected = {topic: (now, before) for topic, now, before in COUNTS}
    fumes = group_with(body["largest"], seeded.numbers_by_topic[FUMES])
    assert body["largest"][0]["number"] == fumes["number"]
    assert (fumes["current"], fumes["previous"]) == expected[FUMES]
    assert "油烟" in fumes["keywords"]
    assert sum(d["count"] for d in fumes["districts"]) == fumes["current"]
    assert all(example["created_at"].endswith("+08:00") for example in fumes["examples"])

    growing = [group["number"] for group in body["growing"]]
    assert growing[0] == fumes["number"]  # +6
    meals = group_with(body["growing"], seeded.numbers_by_topic[MEALS])
    assert (meals["current"], meals["previous"], meals["growth"]) == (4, 0, 4)
    wages = group_with(body["largest"], seeded.numbers_by_topic[WAGES])
    assert wages["growth"] == -3 and wages["number"] not in growing

    flagged = {entry["case"]["tracking_number"]: entry for entry in body["likely_duplicates"]}
    assert seeded.refiled in flagged
    assert [m["tracking_number"] for m in flagged[seeded.refiled]["matches"]] == [seeded.original]
    assert seeded.unrelated not in flagged

    filtered = await (await client.get("/api/problems/groups?kind=suggestion&district=徐汇", headers=auth())).json()
    assert filtered["district"] == "徐汇区" and filtered["kind"] == "suggestion"
    with SubmissionStore.from_settings(settings) as store:
        wanted = [record for record in store.list_records(kind="suggestion")
                  if record.district == "徐汇区" and month_of(record.created_at) in (this, previous)]
    assert filtered["analysed"] == len(wanted) >= 1


async def test_likely_duplicates_of_one_case(client, settings: Settings):
    seeded = seed(settings)
    response = await client.get(f"/api/problems/duplicates/{seeded.refiled}", headers=auth())
    assert response.status == 200
    body = await response.json()
    matches = [match["tracking_number"] for match in body["matches"]]
    assert matches == [seeded.original]  # not the closed copy, not the unrelated one
    assert body["matches"][0]["same_district"] is True and body["matches"][0]["similarity"] > 0.9
    assert PHONE not in await response.text()

    unrelated = await (await client.get(f"/api/problems/duplicates/{seeded.unrelated}", headers=auth())).json()
    assert unrelated["matches"] == [] and unrelated["compared"] > 10
    # lower-case with dashes is the same number
    spaced = seeded.refiled.lower()[:6] + "-" + seeded.refiled.lower()[6:]
    assert (await client.get(f"/api/problems/duplicates/{spaced}", headers=auth())).status == 200


async def test_monthly_summary_and_its_csv(client, settings: Settings):
    seeded = seed(settings)
    summary = await (await client.get("/api/problems/summary?months=3", headers=auth())).json()
    assert len(summary["months"]) == 3 and summary["months"][-1] == month_label(*this_and_previous_month()[0])
    assert dict(zip(summary["months"], summary["totals"])) == {m: seeded.months.get(m, 0) for m in summary["months"]}

    response = await client.get("/api/problems/summary.csv?months=3", headers=auth())
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    raw = await response.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["月份", "问题组", "关键词", "件数"]
    totals = {row[0]: int(row[3]) for row in rows[1:] if row[1] == "全部"}
    assert totals == dict(zip(summary["months"], summary["totals"]))
    for month in summary["months"]:  # each month's groups add up to at most its total
        assert sum(int(row[3]) for row in rows[1:] if row[0] == month and row[1] != "全部") <= totals[month]
    cells = [cell for row in rows for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert any(cell.startswith("'=") for cell in cells)  # the 老年助餐 titles, neutralised
    assert PHONE not in raw.decode("utf-8-sig")

    with SubmissionStore.from_settings(settings) as store:
        events = [event for event in store.audit_events() if event.action == "problems_export"]
    assert len(events) == 1 and events[0].actor == "tester" and "共性问题月度汇总" in events[0].detail


def test_csv_cells_cannot_become_formulas():
    raw = csv_bytes([["=1+1", "+A1", "-2", "@SUM(A1)", "\tx", "安全", "a=b"]])
    assert raw.startswith("\ufeff".encode())
    assert next(csv.reader(io.StringIO(raw.decode("utf-8-sig")))) == ["'=1+1", "'+A1", "'-2", "'@SUM(A1)", "'\tx", "安全", "a=b"]


def test_headlines_are_masked():
    case = Case("XF20250301AB12CD", Kind.PETITION, Status.SUBMITTED, "徐汇区", __import__("datetime").datetime.now(
        __import__("datetime").timezone.utc), None, "我叫王建国，手机13812345678，身份证310101199001011234，楼下饭店油烟扰民。")
    assert PHONE not in case.headline and NAME not in case.headline and "310101199001011234" not in case.headline
    assert "138****5678" in case.headline


@pytest.mark.parametrize(("path", "code"), [
    ("/api/problems/groups?month=2025-13", "bad_month"),
    ("/api/problems/groups?month=2025/03", "bad_month"),
    ("/api/problems/groups?month=1999-01", "bad_month"),
    ("/api/problems/groups?month=2999-01", "bad_month"),
    ("/api/problems/groups?kind=complaint", "bad_kind"),
    ("/api/problems/groups?district=北京", "bad_district"),
    ("/api/problems/groups?colour=red", "bad_parameter"),
    ("/api/problems/groups?kind=petition&kind=suggestion", "bad_parameter"),
    ("/api/problems/summary?months=0", "bad_months"),
    ("/api/problems/summary?months=25", "bad_months"),
    ("/api/problems/summary?months=abc", "bad_months"),
    ("/api/problems/summary?months=１２", "bad_months"),
    ("/api/problems/summary?until=2025-00", "bad_month"),
    ("/api/problems/summary.csv?months=-1", "bad_months"),
    ("/api/problems/summary.csv?district=上海", "bad_district"),
    ("/api/problems/duplicates/12345", "bad_tracking_number"),
    ("/api/problems/duplicates/XF2025?x=1", "bad_parameter"),
])
async def test_bad_parameters_are_refused_in_chinese(client, path: str, code: str):
    response = await client.get(path, headers=auth())
    assert response.status == 400
    body = await response.json()
    assert body["error"] == code
    assert any("\u4e00" <= char <= "\u9fff" for char in body["message"])


async def test_unknown_case_and_missing_token(client):
    response = await client.get("/api/problems/duplicates/XF20250301AB12CD", headers=auth())
    assert response.status == 404 and "XF20250301AB12CD" in (await response.json())["message"]
    for path in ("/api/problems/groups", "/api/problems/summary", "/api/problems/summary.csv",
                 "/api/problems/duplicates/XF20250301AB12CD"):
        assert (await client.get(path)).status == 401
