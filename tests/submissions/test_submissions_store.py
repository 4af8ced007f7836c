"""Creating submissions, idempotency, concurrency and the status workflow (SQLite and PostgreSQL)."""
from __future__ import annotations

import asyncio
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest
from sqlalchemy import func, select

from submission_samples import ADDRESS, EMAIL, ID_NUMBER, MOBILE, NAME, FakeClock, petition, suggestion
from submissions import (
    SKIP,
    ConsentRequired,
    IdempotencyConflict,
    InvalidSubmission,
    InvalidTransition,
    Kind,
    Status,
    SubmissionNotFound,
    SubmissionStore,
)
from submissions.errors import ConcurrentUpdate, TrackingNumberExhausted, UnknownValue
from submissions.models import StatusChangeRow, SubmissionRow
from submissions.tracking import new_tracking_number

TRACKING_REGEX = re.compile(r"(XF|JY)\d{8}[A-Z0-9]{6}")
CONSENT = datetime(2025, 3, 1, 1, 59, tzinfo=timezone.utc)


def _create(store: SubmissionStore, data=None, **options):  # type: ignore[no-untyped-def]
    options.setdefault("channel", "rest")
    options.setdefault("sender_id", "sender-1")
    options.setdefault("consent_at", CONSENT)
    return store.create_submission(data or petition(), **options)


def _row_count(store: SubmissionStore, model=SubmissionRow) -> int:  # type: ignore[no-untyped-def]
    with store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


# --- creating ----------------------------------------------------------------------------------

def test_create_petition_stores_a_complete_record(make_store: Callable[..., SubmissionStore], clock: FakeClock) -> None:
    store = make_store()
    receipt = _create(store, channel="wechat")
    assert TRACKING_REGEX.fullmatch(receipt.tracking_number)
    assert receipt.tracking_number.startswith("XF20250301")
    assert receipt.kind is Kind.PETITION and receipt.status is Status.SUBMITTED and receipt.created
    assert receipt.created_at == clock()
    assert receipt.created_at_text == "2025-03-01 10:00"

    # A different store (new engine, new connections) reads it back: it was committed.
    record = make_store().get_record(receipt.tracking_number)
    assert (record.name, record.mobile, record.id_number, record.email, record.address) == (NAME, MOBILE, ID_NUMBER, EMAIL, ADDRESS)
    assert record.district == "徐汇区"  # normalised from "徐汇"
    assert record.channel == "wechat" and record.consent_at == CONSENT
    assert record.content.startswith("小区门口") and record.request and record.title is None
    assert [(change.previous, change.status, change.actor) for change in record.history] == [(None, Status.SUBMITTED, "system")]


def test_create_suggestion_with_skipped_email(store: SubmissionStore) -> None:
    receipt = _create(store, suggestion(email=SKIP, mobile="+86 139-1234-2222"))
    assert receipt.tracking_number.startswith("JY20250301") and receipt.kind is Kind.SUGGESTION
    record = store.get_record(receipt.tracking_number)
    assert record.email is None and record.id_number is None and record.address is None and record.request is None
    assert record.title == "增设社区老年食堂" and record.district == "浦东新区" and record.mobile == "13912342222"


def test_optional_fields_none_empty_or_skip_word_are_not_stored(store: SubmissionStore) -> None:
    for value in (None, "", SKIP, "不填"):
        receipt = _create(store, petition(id_number=value, email=value), idempotency_key=None)
        record = store.get_record(receipt.tracking_number)
        assert record.id_number is None and record.email is None


def test_invalid_fields_are_rejected_with_chinese_messages(store: SubmissionStore) -> None:
    with pytest.raises(InvalidSubmission) as raised:
        _create(store, petition(mobile="1234", district="北京", content="太短"))
    assert set(raised.value.field_errors) == {"mobile", "district", "content"}
    assert "11 位" in raised.value.field_errors["mobile"]
    assert _row_count(store) == 0


def test_consent_is_required(store: SubmissionStore) -> None:
    with pytest.raises(ConsentRequired):
        _create(store, consent_at=None)
    with pytest.raises(ValueError):
        _create(store, consent_at=datetime(2025, 3, 1))  # naive: zone unknown
    assert _row_count(store) == 0


@pytest.mark.parametrize("channel", ["", "REST API", "x" * 40, "we chat"])
def test_channel_must_be_a_short_name(store: SubmissionStore, channel: str) -> None:
    with pytest.raises(ValueError):
        _create(store, channel=channel)


def test_tracking_number_collision_is_retried(make_store: Callable[..., SubmissionStore]) -> None:
    drawn: list[str] = []

    def generator(kind: Kind, moment: datetime) -> str:
        number = "XF20250301AAAAAA" if len(drawn) < 2 else new_tracking_number(kind, moment)
        drawn.append(number)
        return number

    store = make_store(number_generator=generator)
    first = _create(store)
    second = _create(store, petition(name="孙八"))
    assert first.tracking_number == "XF20250301AAAAAA"
    assert second.tracking_number != first.tracking_number and len(drawn) == 3
    assert store.get_record(second.tracking_number).name == "孙八"


def test_tracking_number_retries_are_bounded(make_store: Callable[..., SubmissionStore]) -> None:
    store = make_store(number_generator=lambda kind, moment: "XF20250301AAAAAA")
    _create(store)
    with pytest.raises(TrackingNumberExhausted):
        _create(store, petition(name="孙八"))
    assert _row_count(store) == 1


def test_schema_creation_is_idempotent(make_store: Callable[..., SubmissionStore]) -> None:
    receipt = _create(make_store())
    assert make_store().get_record(receipt.tracking_number).mobile == MOBILE


# --- idempotency -------------------------------------------------------------------------------

def test_same_idempotency_key_returns_the_same_record(store: SubmissionStore) -> None:
    first = _create(store, idempotency_key="confirm-1")
    again = _create(store, idempotency_key="confirm-1")
    assert first.created and not again.created
    assert again.tracking_number == first.tracking_number and again.created_at == first.created_at
    assert _row_count(store) == 1 and _row_count(store, StatusChangeRow) == 1


def test_retry_after_normalisation_counts_as_the_same_payload(store: SubmissionStore) -> None:
    first = _create(store, idempotency_key="k")
    # Same content typed differently (spaces, +86, short district form): same normalised payload.
    again = _create(store, petition(mobile="+86 136 1234 1111", district="徐汇区"), idempotency_key="k")
    assert again.tracking_number == first.tracking_number and not again.created


def test_same_key_with_different_content_is_a_conflict(store: SubmissionStore) -> None:
    _create(store, idempotency_key="k")
    with pytest.raises(IdempotencyConflict):
        _create(store, petition(name="孙八"), idempotency_key="k")
    assert _row_count(store) == 1


def test_idempotency_key_is_scoped_to_the_sender(store: SubmissionStore) -> None:
    first = _create(store, sender_id="alice", idempotency_key="k")
    other = _create(store, sender_id="bob", idempotency_key="k")
    assert first.tracking_number != other.tracking_number and other.created
    assert _row_count(store) == 2


def test_without_a_key_every_call_creates_a_record(store: SubmissionStore) -> None:
    numbers = {_create(store).tracking_number for _ in range(3)}
    assert len(numbers) == 3


def test_concurrent_calls_with_the_same_key_create_one_record(make_store: Callable[..., SubmissionStore], backend: str) -> None:
    # PostgreSQL: every caller has its own store (engine, connections), like separate processes.
    stores = [make_store() for _ in range(4)] if backend == "postgresql" else [make_store()]
    callers = 12
    barrier = threading.Barrier(callers)

    def confirm(index: int):  # type: ignore[no-untyped-def]
        barrier.wait()
        return _create(stores[index % len(stores)], idempotency_key="double-click")

    with ThreadPoolExecutor(max_workers=callers) as pool:
        receipts = list(pool.map(confirm, range(callers)))
    assert len({receipt.tracking_number for receipt in receipts}) == 1
    assert sum(receipt.created for receipt in receipts) == 1
    assert _row_count(stores[0]) == 1 and _row_count(stores[0], StatusChangeRow) == 1


# --- concurrency -------------------------------------------------------------------------------

def test_fifty_concurrent_submissions_are_fifty_complete_records(make_store: Callable[..., SubmissionStore], backend: str) -> None:
    stores = [make_store() for _ in range(5)] if backend == "postgresql" else [make_store()]
    total = 50
    barrier = threading.Barrier(total)

    def submit(index: int):  # type: ignore[no-untyped-def]
        data = petition(name=f"市民{chr(0x4E00 + index)}", mobile=f"139{index:08d}") if index % 2 else suggestion(mobile=f"139{index:08d}")
        barrier.wait()
        return index, _create(stores[index % len(stores)], data, sender_id=f"sender-{index}", idempotency_key=f"key-{index}")

    with ThreadPoolExecutor(max_workers=total) as pool:
        results = list(pool.map(submit, range(total)))

    numbers = {receipt.tracking_number for _, receipt in results}
    assert len(numbers) == total
    records = {record.tracking_number: record for record in stores[0].list_records()}
    assert set(records) == numbers
    for index, receipt in results:
        record = records[receipt.tracking_number]
        assert record.mobile == f"139{index:08d}"
        assert record.kind is (Kind.PETITION if index % 2 else Kind.SUGGESTION)
        assert record.content and record.district and record.name
        assert [change.status for change in record.history] == [Status.SUBMITTED]
    assert _row_count(stores[0], StatusChangeRow) == total


async def test_store_is_usable_from_async_code_via_to_thread(store: SubmissionStore) -> None:
    receipts = await asyncio.gather(
        *(asyncio.to_thread(_create, store, petition(mobile=f"137{index:08d}")) for index in range(10))
    )
    assert len({receipt.tracking_number for receipt in receipts}) == 10
    result = await asyncio.to_thread(store.lookup, receipts[3].tracking_number, "0003", "async-sender")
    assert result.found


# --- status workflow ---------------------------------------------------------------------------

def test_full_workflow_records_history_with_actor_time_and_note(store: SubmissionStore, clock: FakeClock) -> None:
    number = _create(store).tracking_number
    clock.advance(hours=1)
    accepted = store.update_status(number, "已受理", actor="李四", note="转区信访办")
    clock.advance(days=2)
    store.update_status(number.lower(), Status.IN_PROGRESS, actor="王五")
    clock.advance(days=10, hours=14, minutes=30)
    store.update_status(number, "closed", actor="王五", note="已答复")
    assert accepted.previous is Status.SUBMITTED and accepted.status is Status.ACCEPTED

    history = store.get_record(number).history
    assert [(c.previous, c.status, c.actor, c.note) for c in history] == [
        (None, Status.SUBMITTED, "system", None),
        (Status.SUBMITTED, Status.ACCEPTED, "李四", "转区信访办"),
        (Status.ACCEPTED, Status.IN_PROGRESS, "王五", None),
        (Status.IN_PROGRESS, Status.CLOSED, "王五", "已答复"),
    ]
    start = datetime(2025, 3, 1, 2, 0, tzinfo=timezone.utc)
    assert [c.changed_at for c in history] == [
        start,
        start + timedelta(hours=1),
        start + timedelta(days=2, hours=1),
        start + timedelta(days=12, hours=15, minutes=30),
    ]
    assert all(c.changed_at.tzinfo is not None for c in history)
    assert history[-1].changed_at_text == "2025-03-14 01:30"  # 17:30 UTC is past midnight in Shanghai
    assert store.get_record(number).status is Status.CLOSED


def test_rejection_is_final(store: SubmissionStore) -> None:
    number = _create(store).tracking_number
    store.update_status(number, "不予受理", actor="李四", note="不属于受理范围")
    for target in Status:
        with pytest.raises(InvalidTransition) as raised:
            store.update_status(number, target, actor="李四")
        assert "最终状态" in str(raised.value)


@pytest.mark.parametrize(
    ("path", "forbidden"),
    [
        ([], Status.SUBMITTED),
        ([], Status.IN_PROGRESS),
        ([], Status.CLOSED),
        ([Status.ACCEPTED], Status.REJECTED),
        ([Status.ACCEPTED], Status.ACCEPTED),
        ([Status.ACCEPTED], Status.CLOSED),
        ([Status.ACCEPTED, Status.IN_PROGRESS], Status.ACCEPTED),
        ([Status.ACCEPTED, Status.IN_PROGRESS, Status.CLOSED], Status.IN_PROGRESS),
    ],
)
def test_forbidden_transitions_raise_and_change_nothing(store: SubmissionStore, path: list[Status], forbidden: Status) -> None:
    number = _create(store).tracking_number
    for step in path:
        store.update_status(number, step, actor="李四")
    with pytest.raises(InvalidTransition) as raised:
        store.update_status(number, forbidden, actor="李四")
    assert raised.value.target is forbidden
    current = path[-1] if path else Status.SUBMITTED
    assert f"“{current.label}”" in str(raised.value)
    record = store.get_record(number)
    assert record.status is current and len(record.history) == len(path) + 1


def test_update_status_errors(store: SubmissionStore) -> None:
    number = _create(store).tracking_number
    with pytest.raises(SubmissionNotFound):
        store.update_status("XF20250301ZZZZZZ", "accepted", actor="李四")
    with pytest.raises(UnknownValue):
        store.update_status(number, "done", actor="李四")
    with pytest.raises(ValueError):
        store.update_status(number, "accepted", actor="  ")
    assert store.get_record(number).status is Status.SUBMITTED


def test_concurrent_conflicting_updates_leave_one_consistent_history(make_store: Callable[..., SubmissionStore]) -> None:
    first_store, second_store = make_store(), make_store()
    number = _create(first_store).tracking_number
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def change(store: SubmissionStore, target: Status) -> None:
        barrier.wait()
        try:
            outcomes[target.value] = store.update_status(number, target, actor=f"staff-{target.value}")
        except (ConcurrentUpdate, InvalidTransition) as exc:
            outcomes[target.value] = exc

    threads = [
        threading.Thread(target=change, args=(first_store, Status.ACCEPTED)),
        threading.Thread(target=change, args=(second_store, Status.REJECTED)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failures = [outcome for outcome in outcomes.values() if isinstance(outcome, Exception)]
    assert len(outcomes) == 2 and len(failures) == 1
    record = first_store.get_record(number)
    assert len(record.history) == 2
    assert record.history[-1].status is record.status and record.status in (Status.ACCEPTED, Status.REJECTED)


def test_list_filters_and_order(store: SubmissionStore, clock: FakeClock) -> None:
    first = _create(store).tracking_number
    clock.advance(minutes=1)
    second = _create(store, suggestion()).tracking_number
    clock.advance(minutes=1)
    third = _create(store).tracking_number
    store.update_status(first, "accepted", actor="李四")
    assert [r.tracking_number for r in store.list_records()] == [third, second, first]
    assert [r.tracking_number for r in store.list_records(kind="petition")] == [third, first]
    assert [r.tracking_number for r in store.list_records(kind="人民建议")] == [second]
    assert [r.tracking_number for r in store.list_records(status="已受理")] == [first]
    assert [r.tracking_number for r in store.list_records(limit=2)] == [third, second]
    assert [r.tracking_number for r in store.iter_records(batch_size=1)] == [third, second, first]
    assert [r.tracking_number for r in store.iter_records(batch_size=2, limit=3)] == [third, second, first]
