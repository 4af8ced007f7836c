"""Case notices in the store (SQLite and PostgreSQL): written with the staff change, collapsed to
the case's latest state, taken once by the conversation that filed the case, sent as WeChat/WeCom
messages with claims, retries and the 48-hour window, never older than the configured age, and
never carrying personal data."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Callable

from sqlalchemy import select

from core.settings import DEFAULT_DESK_DEPARTMENTS
from submission_samples import MOBILE, NAME, FakeClock, petition, suggestion
from submissions import Status, SubmissionStore
from submissions.desk import CaseDesk
from submissions.models import CaseNoticeRow, SubmissionRow
from submissions.notices import CaseNotices

DEPARTMENT = DEFAULT_DESK_DEPARTMENTS[1]
REPLY = "经核查，已责成物业整改。联系人手机13911112222。"


def _file(store: SubmissionStore, sender: str = "rest:citizen", channel: str = "rest", data=None) -> str:  # type: ignore[no-untyped-def]
    return store.create_submission(data or petition(), channel=channel, sender_id=sender,
                                   consent_at=store.now()).tracking_number


def _accept_and_reply(desk: CaseDesk, number: str) -> None:
    case = desk.open_case(number)
    case = desk.transition(number, "已受理", actor="王五", version=case.version)
    desk.reply(number, REPLY, actor="王五", version=case.version)


def test_a_status_change_is_told_once_to_the_conversation_that_filed_it(store: SubmissionStore) -> None:
    desk, notices = CaseDesk(store, DEFAULT_DESK_DEPARTMENTS), CaseNotices(store, timedelta(days=30))
    number = _file(store)
    desk.assign(number, DEPARTMENT, actor="王五", version=desk.open_case(number).version)
    assert notices.take_for_conversation("rest:citizen") == []  # assigning tells the citizen nothing
    desk.transition(number, "已受理", actor="王五", version=desk.open_case(number).version)
    assert notices.take_for_conversation("rest:someone-else") == []
    (notice,) = notices.take_for_conversation("rest:citizen")
    assert notice.tracking_number == number and notice.status is Status.ACCEPTED and not notice.replied
    assert number in notice.text and "已受理" in notice.text and "查询办理进度" in notice.text
    assert notices.take_for_conversation("rest:citizen") == []  # exactly once


def test_several_changes_collapse_to_the_latest_state_and_keep_the_reply(store: SubmissionStore) -> None:
    desk, notices = CaseDesk(store, DEFAULT_DESK_DEPARTMENTS), CaseNotices(store, timedelta(days=30))
    number, other = _file(store), _file(store, data=suggestion())
    _accept_and_reply(desk, number)
    desk.transition(number, "办理中", actor="王五", version=desk.open_case(number).version)
    desk.transition(other, "不予受理", actor="王五", version=desk.open_case(other).version, note="不属于征集范围")
    taken = notices.take_for_conversation("rest:citizen")
    assert [(n.tracking_number, n.status, n.replied) for n in taken] == [
        (number, Status.IN_PROGRESS, True), (other, Status.REJECTED, False)]
    assert "已有答复" in taken[0].text and "办理中" in taken[0].text
    assert "人民建议" in taken[1].text and "不予受理" in taken[1].text


def test_the_message_holds_no_personal_data_and_no_reply_text(store: SubmissionStore) -> None:
    desk, notices = CaseDesk(store, DEFAULT_DESK_DEPARTMENTS), CaseNotices(store, timedelta(days=30))
    number = _file(store)
    _accept_and_reply(desk, number)
    (notice,) = notices.take_for_conversation("rest:citizen")
    record = store.get_record(number)
    for private in (NAME, MOBILE, MOBILE[-4:], record.content[:10], "整改", "13911112222", record.address or "—"):
        assert private not in notice.text


def test_the_command_line_status_change_is_told_too(store: SubmissionStore) -> None:
    number = _file(store)
    store.update_status(number, "已受理", actor="王五")
    (notice,) = CaseNotices(store, timedelta(days=30)).take_for_conversation("rest:citizen")
    assert notice.status is Status.ACCEPTED


def test_notices_older_than_the_limit_are_not_sent(store: SubmissionStore, clock: FakeClock) -> None:
    desk, notices = CaseDesk(store, DEFAULT_DESK_DEPARTMENTS), CaseNotices(store, timedelta(days=7))
    number = _file(store, "wechat:o-old", "wechat")
    desk.transition(number, "已受理", actor="王五", version=desk.open_case(number).version)
    clock.advance(days=8)
    assert notices.claim_pushes("wechat") == [] and notices.take_for_conversation("wechat:o-old") == []


def test_only_wechat_and_wecom_keep_the_recipient_and_it_is_encrypted(store: SubmissionStore) -> None:
    web, wechat = _file(store, "0123456789abcdef0123456789abcdef", "socketio"), _file(store, "wechat:oAbC-123", "wechat")
    with store.session() as session:
        rows = {r.tracking_number: r for r in session.execute(select(SubmissionRow)).scalars()}
    assert rows[web].recipient_enc is None
    assert "oAbC" not in rows[wechat].recipient_enc and store.protector.decrypt(rows[wechat].recipient_enc) == "wechat:oAbC-123"


def test_pushes_are_claimed_once_retried_with_growing_waits_then_left_for_the_next_message(
        make_store: Callable[..., SubmissionStore], clock: FakeClock) -> None:
    store, other_instance = make_store(), make_store()
    desk = CaseDesk(store, DEFAULT_DESK_DEPARTMENTS)
    first, second = (CaseNotices(s, timedelta(days=30), max_attempts=3, retry_base_seconds=10)
                     for s in (store, other_instance))
    number = _file(store, "wecom:zhangsan", "wecom")
    assert first.claim_pushes("wechat") == []
    desk.transition(number, "已受理", actor="王五", version=desk.open_case(number).version)
    with ThreadPoolExecutor(2) as pool:
        claims = list(pool.map(lambda notices: notices.claim_pushes("wecom"), [first, second]))
    (job,) = [j for jobs in claims for j in jobs]  # two instances, one claim
    assert job.user_id == "zhangsan" and job.attempts == 1 and job.notice.tracking_number == number
    assert first.take_for_conversation("wecom:zhangsan") == []  # being sent: not also in the chat
    assert first.push_failed(job, "errcode=-1 system busy", retry=True) == clock() + timedelta(seconds=10)
    assert first.claim_pushes("wecom") == []  # waits
    clock.advance(seconds=10)
    (job,) = second.claim_pushes("wecom")
    assert job.attempts == 2
    assert second.push_failed(job, "errcode=-1", retry=True) == clock() + timedelta(seconds=20)
    clock.advance(seconds=20)
    (job,) = first.claim_pushes("wecom")
    assert first.push_failed(job, "errcode=-1", retry=True) is None  # third attempt: no more
    clock.advance(days=1)
    assert first.claim_pushes("wecom") == []
    (notice,) = first.take_for_conversation("wecom:zhangsan")  # the citizen's next message gets it
    assert notice.tracking_number == number


def test_the_48_hour_window_leaves_the_notice_for_the_next_message_and_a_success_is_final(
        store: SubmissionStore, clock: FakeClock) -> None:
    desk, notices = CaseDesk(store, DEFAULT_DESK_DEPARTMENTS), CaseNotices(store, timedelta(days=30))
    closed_window, reachable = _file(store, "wechat:o-away", "wechat"), _file(store, "wechat:o-here", "wechat")
    for number in (closed_window, reachable):
        desk.transition(number, "已受理", actor="王五", version=desk.open_case(number).version)
    jobs = {job.user_id: job for job in notices.claim_pushes("wechat")}
    assert set(jobs) == {"o-away", "o-here"}
    assert notices.push_failed(jobs["o-away"], "errcode=45015 response out of time limit", retry=False) is None
    notices.pushed(jobs["o-here"])
    clock.advance(hours=1)
    assert notices.claim_pushes("wechat") == []
    assert notices.take_for_conversation("wechat:o-here") == []
    (notice,) = notices.take_for_conversation("wechat:o-away")
    assert notice.tracking_number == closed_window
    with store.session() as session:
        errors = session.execute(select(CaseNoticeRow.last_error).order_by(CaseNoticeRow.id)).scalars().all()
    assert errors == ["errcode=45015 response out of time limit", None]  # the reason is kept


def test_a_change_after_a_claim_is_a_new_notice(store: SubmissionStore) -> None:
    desk, notices = CaseDesk(store, DEFAULT_DESK_DEPARTMENTS), CaseNotices(store, timedelta(days=30))
    number = _file(store, "wechat:o-busy", "wechat")
    desk.transition(number, "已受理", actor="王五", version=desk.open_case(number).version)
    (job,) = notices.claim_pushes("wechat")
    desk.reply(number, REPLY, actor="王五", version=desk.open_case(number).version)
    notices.pushed(job)  # the claimed (older) notice went out; the reply's is still to come
    (latest,) = notices.claim_pushes("wechat")
    assert latest.notice.replied and latest.notice.id != job.notice.id
