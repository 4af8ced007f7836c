"""The staff case desk in the store: statutory clocks in Shanghai dates, every change checked,
versioned and recorded in the history, and what the citizen's lookup then shows."""
from __future__ import annotations

from datetime import date

import pytest

from core.settings import DEFAULT_DESK_DEPARTMENTS
from submission_samples import MOBILE, NAME, FakeClock, petition, suggestion
from submissions import Status, SubmissionStore
from submissions.desk import CaseDesk, CaseFilter, parse_filter
from submissions.errors import InvalidDeskInput, StaleVersion

DEPARTMENT = DEFAULT_DESK_DEPARTMENTS[1]


def _file(store: SubmissionStore, data=None) -> str:  # type: ignore[no-untyped-def]
    return store.create_submission(data or petition(), channel="rest", sender_id="citizen",
                                   consent_at=store.now()).tracking_number


def test_petition_clocks_count_from_shanghai_dates_and_roll_over_rest_days(store: SubmissionStore, clock: FakeClock) -> None:
    desk = CaseDesk(store, DEFAULT_DESK_DEPARTMENTS)
    # 2025-03-01 02:00 UTC is 10:00 on Saturday 1 March in Shanghai; 15 days on is Sunday 16 March.
    number = _file(store)
    case = desk.open_case(number)
    (acceptance,) = case.clocks
    assert acceptance.start == date(2025, 3, 1) and acceptance.due == date(2025, 3, 17) and acceptance.running
    clock.advance(days=2)
    case = desk.transition(number, "已受理", actor="王五", version=case.version)
    acceptance, handling = case.clocks
    assert acceptance.stopped == date(2025, 3, 3) and not acceptance.running
    assert handling.start == date(2025, 3, 3) and handling.due == date(2025, 5, 6)  # 2 May is in the May Day holiday
    case = desk.extend(number, 30, "涉及多个部门，需联合调查", actor="王五", version=case.version)
    assert case.clocks[1].days == 90 and case.clocks[1].due == date(2025, 6, 3)  # 1 June is a Sunday (the 2nd: holiday)
    result = store.lookup(number, MOBILE[-4:], "citizen")
    assert result.expected_by == case.clocks[1].due and result.expected_what == "办理"


def test_suggestions_have_no_statutory_clock_and_say_why(store: SubmissionStore) -> None:
    case = CaseDesk(store, DEFAULT_DESK_DEPARTMENTS).open_case(_file(store, suggestion()))
    assert case.clocks == () and "第十一条" in (case.no_clock_reason or "") and not case.overdue


def test_an_unanswered_petition_is_overdue_after_its_last_day(store: SubmissionStore, clock: FakeClock) -> None:
    desk = CaseDesk(store, DEFAULT_DESK_DEPARTMENTS)
    late, fresh = _file(store), None
    clock.advance(days=17)  # 18 March: the 15-day period ended on the 17th
    fresh = _file(store)
    assert desk.open_case(late).overdue and not desk.open_case(fresh).overdue
    page = desk.list_cases(CaseFilter(overdue_only=True))
    assert [case.tracking_number for case in page.cases] == [late] and page.total == 1


def test_every_change_is_versioned_checked_and_in_the_history(store: SubmissionStore) -> None:
    desk = CaseDesk(store, DEFAULT_DESK_DEPARTMENTS)
    number = _file(store)
    version = desk.open_case(number).version
    case = desk.assign(number, DEPARTMENT, actor="王五", version=version)
    assert case.department == DEPARTMENT and case.version == version + 1
    with pytest.raises(StaleVersion):  # someone else's view was based on the old version
        desk.assign(number, DEFAULT_DESK_DEPARTMENTS[2], actor="李四", version=version)
    with pytest.raises(InvalidDeskInput, match="请先作出是否受理"):
        desk.reply(number, "已收悉。", actor="王五", version=case.version)
    case = desk.transition(number, "accepted", actor="王五", version=case.version)
    case = desk.reply(number, f"经核查，{NAME}反映的问题已责成整改。联系电话{MOBILE}。", actor="王五", version=case.version)
    events = [(step.event, step.status, step.actor) for step in case.history]
    assert events == [(None, Status.SUBMITTED, "system"), ("assign", Status.SUBMITTED, "王五"),
                      (None, Status.ACCEPTED, "王五"), ("reply", Status.ACCEPTED, "王五")]
    result = store.lookup(number, MOBILE[-4:], "citizen")
    assert result.department == DEPARTMENT and "已责成整改" in (result.reply or "")
    assert MOBILE not in (result.reply or "")  # masked in what the chat shows
    assert [event.status for event in result.history] == [Status.SUBMITTED, Status.ACCEPTED]


@pytest.mark.parametrize("call, field, message", [
    (lambda d, n, v: d.assign(n, "", actor="王五", version=v), "department", "请选择承办部门"),
    (lambda d, n, v: d.assign(n, "不存在的部门", actor="王五", version=v), "department", "不在部门列表中"),
    (lambda d, n, v: d.transition(n, "已办结", actor="王五", version=v), "status", "不能从“已提交”变更为“已办结”"),
    (lambda d, n, v: d.transition(n, "办好了", actor="王五", version=v), "status", "未知的状态"),
    (lambda d, n, v: d.transition(n, "不予受理", actor="王五", version=v), "note", "须写明理由"),
    (lambda d, n, v: d.reply(n, "   ", actor="王五", version=v), "reply", "请填写答复内容"),
    (lambda d, n, v: d.reply(n, "长" * 2001, actor="王五", version=v), "reply", "最多 2000 个字"),
    (lambda d, n, v: d.extend(n, 10, "需要调查", actor="王五", version=v), "days", "只有已受理"),
    (lambda d, n, v: d.extend(n, 31, "需要调查", actor="王五", version=v), "days", "1–30"),
    (lambda d, n, v: d.extend(n, 10, " ", actor="王五", version=v), "reason", "延期须写明理由"),
    (lambda d, n, v: d.assign(n, DEPARTMENT, actor="王五", version=None), "version", "版本号"),
])
def test_bad_staff_input_is_refused_with_a_chinese_message_and_changes_nothing(store: SubmissionStore, call, field,
                                                                                message) -> None:  # type: ignore[no-untyped-def]
    desk = CaseDesk(store, DEFAULT_DESK_DEPARTMENTS)
    number = _file(store)
    before = desk.open_case(number)
    with pytest.raises(InvalidDeskInput, match=message) as raised:
        call(desk, number, before.version)
    assert raised.value.field == field
    assert desk.open_case(number) == before


def test_an_extension_beyond_thirty_days_in_total_is_refused(store: SubmissionStore) -> None:
    desk = CaseDesk(store, DEFAULT_DESK_DEPARTMENTS)
    number = _file(store)
    case = desk.transition(number, "已受理", actor="王五", version=desk.open_case(number).version)
    case = desk.extend(number, 20, "需要现场核查", actor="王五", version=case.version)
    with pytest.raises(InvalidDeskInput, match="超过最多 30 日"):
        desk.extend(number, 11, "还需要时间", actor="王五", version=case.version)


def test_list_filters_check_their_values() -> None:
    assert parse_filter(kind="信访事项", status="已受理", received_from="2025-03-01").status is Status.ACCEPTED
    for bad in (dict(kind="投诉"), dict(status="x"), dict(received_from="3月1日"),
                dict(received_from="2025-03-02", received_to="2025-03-01"), dict(overdue="maybe")):
        with pytest.raises(InvalidDeskInput):
            parse_filter(**bad)


def test_the_citizen_sees_at_most_500_characters_of_the_reply_as_plain_text(store: SubmissionStore) -> None:
    desk = CaseDesk(store, DEFAULT_DESK_DEPARTMENTS)
    number = _file(store)
    case = desk.transition(number, "已受理", actor="王五", version=desk.open_case(number).version)
    desk.reply(number, "答" * 1200, actor="王五", version=case.version)
    reply = store.lookup(number, MOBILE[-4:], "citizen").reply or ""
    assert len(reply) == 500 and reply.endswith("…")
    assert desk.open_case(number).reply == "答" * 1200  # staff keep the whole text
