"""The submission store: the one place that reads and writes submissions.

Used by the Rasa actions (create, lookup), the staff CLI and the staff web service. It is
synchronous and thread-safe (one engine per store, one session per call); async callers wrap
calls in ``asyncio.to_thread``.
"""
from __future__ import annotations

import hmac
import logging
import re
from datetime import datetime
from typing import Iterator, Optional, Union

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from core.database import create_database_engine
from core.personal_data.masking import CONTROL_CHARACTERS, NOT_IN_ONE_LINE, log_safe, redact_personal_data
from core.personal_data.protection import DataProtector, resolve_data_key
from core.settings import Settings, load_settings
from core.textnorm import to_halfwidth_alnum
from core.timeutil import Clock, ensure_aware_utc, utc_now
from submissions.clocks import case_clocks, running_clock
from submissions.errors import (
    ConcurrentUpdate,
    ConsentRequired,
    IdempotencyConflict,
    SubmissionNotFound,
    TrackingNumberExhausted,
)
from submissions.intake import NormalizedFields, fingerprint_text, normalize_submission
from submissions.models import AuditEventRow, LookupFailureRow, StatusChangeRow, SubmissionRow
from submissions.notices import PUSH_CHANNELS, STATUS_CHANGED, record_notice
from submissions.records import (
    AuditEvent,
    LookupOutcome,
    LookupResult,
    StatusChange,
    StatusEvent,
    SubmissionInput,
    SubmissionReceipt,
    SubmissionRecord,
)
from submissions.schema import upgrade_schema
from submissions.throttle import NUMBER_THROTTLE, ThrottleKey, ThrottlePolicy, number_throttle_policy, seconds_until
from submissions.tracking import NumberGenerator, new_tracking_number, normalize_tracking_number
from submissions.validation import validate_mobile
from submissions.workflow import Kind, Status, check_transition, parse_kind, parse_status

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "system"
MAX_NUMBER_ATTEMPTS = 8
ACTOR_MAX, NOTE_MAX, CHANNEL_PATTERN = 64, 1000, re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,31}$")

# Hash purposes (each gets its own HKDF sub-key).
_SENDER, _REQUESTER, _LOOKUP, _IDEMPOTENCY, _PAYLOAD = "sender", "requester", "lookup", "idempotency", "payload"
# Further keys failed lookups are counted under (the same table; a purpose per kind of key).
_NUMBER_TRIED, _CLIENT = "lookup-number", "lookup-client"
LOCKOUT_ACTION = "lookup_lockout"
# A lookup for malformed input still queries and hashes, using this number that can never exist
# (it does not match the tracking-number pattern), so every kind of miss costs the same work.
_NEVER_A_NUMBER = "XX00000000------"
_NEVER_A_HASH = "0" * 64


def check_actor(actor: str) -> str:
    cleaned = " ".join((actor or "").split())
    if not cleaned or len(cleaned) > ACTOR_MAX:
        raise ValueError(f"actor (staff name) must be 1–{ACTOR_MAX} characters")
    if NOT_IN_ONE_LINE.search(cleaned):
        raise ValueError("操作人员姓名中不能有控制字符")
    return cleaned


def _check_channel(channel: str) -> str:
    cleaned = (channel or "").strip().lower()
    if not CHANNEL_PATTERN.match(cleaned):
        raise ValueError("channel must be a short lower-case name such as 'rest', 'socketio', 'wechat', 'wecom'")
    return cleaned


CITIZEN_REPLY_MAX = 500


def citizen_reply_text(reply: str) -> str:
    """The staff reply as a chat message shows it: plain text, personal data masked (the chat
    transcript is kept), at most ``CITIZEN_REPLY_MAX`` characters."""
    text = redact_personal_data(CONTROL_CHARACTERS.sub("", reply)).strip()
    if len(text) > CITIZEN_REPLY_MAX:
        text = text[:CITIZEN_REPLY_MAX - 1] + "…"
    return text


def mobile_last4(text: Optional[str]) -> Optional[str]:
    """The last 4 digits a citizen gave (or the last 4 of a full mobile number), else None."""
    if not text:
        return None
    compact = re.sub(r"[\s\-－]", "", to_halfwidth_alnum(text))
    if re.fullmatch(r"[0-9]{4}", compact):
        return compact
    full = validate_mobile(compact)
    return full.value[-4:] if full.ok and full.value else None


class SubmissionStore:
    """Create, look up and manage submissions in one database."""

    def __init__(
        self,
        engine: Engine,
        protector: DataProtector,
        *,
        clock: Clock = utc_now,
        throttle: ThrottlePolicy = ThrottlePolicy(),
        number_throttle: ThrottlePolicy = NUMBER_THROTTLE,
        number_generator: NumberGenerator = new_tracking_number,
        create_tables: bool = True,
    ) -> None:
        self._engine = engine
        self._protector = protector
        self._clock = clock
        self._throttle = throttle
        self._number_throttle = number_throttle
        self._new_number = number_generator
        self._sessions = sessionmaker(engine, future=True, expire_on_commit=False)
        if create_tables:
            upgrade_schema(engine)

    @classmethod
    def from_settings(cls, settings: Optional[Settings] = None, **options: object) -> "SubmissionStore":
        """A store on ``DATABASE_URL`` with the key from ``DATA_KEY`` (or ``<DATA_DIR>/secret.key``)."""
        settings = settings or load_settings()
        protector = DataProtector(resolve_data_key(settings.data_key, settings.data_dir))
        options.setdefault("number_throttle", number_throttle_policy(settings))
        return cls(create_database_engine(settings.database_url, settings.sqlite_busy_timeout_seconds), protector, **options)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"SubmissionStore({self._engine.url.render_as_string(hide_password=True)})"

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> "SubmissionStore":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def engine(self) -> Engine:
        return self._engine

    def _now(self) -> datetime:
        return ensure_aware_utc(self._clock())

    # For the staff desk (submissions.desk), which works on the same database and key.
    def now(self) -> datetime:
        return self._now()

    def session(self) -> Session:
        return self._sessions()

    @property
    def protector(self) -> DataProtector:
        return self._protector

    def sender_hash(self, sender_id: str) -> str:
        """The stored form of a conversation id (``SubmissionRow.sender_hash``)."""
        return self._protector.keyed_hash(_SENDER, sender_id)

    # --- creating ------------------------------------------------------------------------------

    def create_submission(
        self,
        data: SubmissionInput,
        *,
        channel: str,
        sender_id: str,
        consent_at: Optional[datetime],
        idempotency_key: Optional[str] = None,
    ) -> SubmissionReceipt:
        """Validate, encrypt and commit a submission; return its tracking number.

        ``consent_at`` is when the citizen agreed to the privacy notice (None → ConsentRequired).
        With an ``idempotency_key``, repeating the call (same sender, same key) returns the first
        receipt with ``created=False`` — also when two calls race; the same key with different
        content raises :class:`IdempotencyConflict`.

        Raises InvalidSubmission (with Chinese ``field_errors``), ConsentRequired, ValueError.
        """
        values = normalize_submission(data)
        if consent_at is None:
            raise ConsentRequired()
        consent_utc = ensure_aware_utc(consent_at)
        channel = _check_channel(channel)
        if not sender_id:
            raise ValueError("sender_id is required")
        payload_hash = self._protector.keyed_hash(_PAYLOAD, fingerprint_text(data, values))
        idempotency_hash = (
            self._protector.keyed_hash(_IDEMPOTENCY, f"{sender_id}\x00{idempotency_key}") if idempotency_key else None
        )
        if idempotency_hash:
            earlier = self._receipt_for_key(idempotency_hash, payload_hash)
            if earlier:
                return earlier
        for _ in range(MAX_NUMBER_ATTEMPTS):
            now = self._now()
            number = self._new_number(data.kind, now)
            row = self._new_row(data.kind, number, now, values, channel, sender_id, consent_utc)
            row.idempotency_hash = idempotency_hash
            row.payload_hash = payload_hash
            try:
                with self._sessions.begin() as session:
                    session.add(row)
            except IntegrityError:
                if idempotency_hash:
                    earlier = self._receipt_for_key(idempotency_hash, payload_hash)
                    if earlier:
                        return earlier
                if self._number_exists(number):
                    log.warning("tracking number collision, drawing another one")
                    continue
                raise
            log.info("submission %s created (kind=%s channel=%s)", number, data.kind.value, channel)
            return SubmissionReceipt(number, data.kind, Status.SUBMITTED, now, created=True)
        raise TrackingNumberExhausted("no unused tracking number found")

    def _new_row(
        self,
        kind: Kind,
        number: str,
        now: datetime,
        values: NormalizedFields,
        channel: str,
        sender_id: str,
        consent_at: datetime,
    ) -> SubmissionRow:
        protect = self._protector
        mobile = values["mobile"] or ""
        row = SubmissionRow(
            tracking_number=number,
            kind=kind.value,
            status=Status.SUBMITTED.value,
            created_at=now,
            channel=channel,
            sender_hash=protect.keyed_hash(_SENDER, sender_id),
            consent_at=consent_at,
            lookup_hash=protect.keyed_hash(_LOOKUP, f"{number}:{mobile[-4:]}"),
            district=values["district"],
            name_enc=protect.encrypt(values["name"] or ""),
            mobile_enc=protect.encrypt(mobile),
            id_number_enc=protect.encrypt_optional(values.get("id_number")),
            email_enc=protect.encrypt_optional(values.get("email")),
            address_enc=protect.encrypt_optional(values.get("address")),
            title=values.get("title"),
            content=values["content"],
            request=values.get("request"),
            # Only where case notices are sent as messages (WeChat/WeCom) is the sender kept readable.
            recipient_enc=protect.encrypt(sender_id) if channel in PUSH_CHANNELS else None,
        )
        row.history.append(
            StatusChangeRow(from_status=None, to_status=Status.SUBMITTED.value, changed_at=now, actor=SYSTEM_ACTOR)
        )
        return row

    def _receipt_for_key(self, idempotency_hash: str, payload_hash: str) -> Optional[SubmissionReceipt]:
        with self._sessions() as session:
            row = session.execute(
                select(SubmissionRow).where(SubmissionRow.idempotency_hash == idempotency_hash)
            ).scalar_one_or_none()
            if row is None:
                return None
            if not hmac.compare_digest(row.payload_hash, payload_hash):
                raise IdempotencyConflict()
            log.info("submission %s returned again for a repeated idempotency key", row.tracking_number)
            return SubmissionReceipt(row.tracking_number, Kind(row.kind), Status(row.status), row.created_at, created=False)

    def _number_exists(self, number: str) -> bool:
        with self._sessions() as session:
            return session.execute(
                select(SubmissionRow.id).where(SubmissionRow.tracking_number == number)
            ).first() is not None

    # --- citizen lookup ------------------------------------------------------------------------

    def lookup(
        self,
        tracking_number: Optional[str],
        mobile_last4_text: Optional[str],
        requester: str,
        client_address: Optional[str] = None,
    ) -> LookupResult:
        """Status of a submission for the citizen who filed it.

        ``requester`` identifies who is asking (e.g. the channel's sender id), ``client_address``
        where the request came from when the channel knows it (not what the client claims).
        Failures are counted per requester, per client address and per tracking number: a
        requester id is free to choose, so only the count per number stops someone trying every
        last-4 value from a new conversation each time. Any wrong combination gives the same
        NOT_FOUND result after the same work (one query by number, one HMAC, one constant-time
        comparison, one failure insert); too many failures on any key give THROTTLED with
        ``retry_after_seconds``, and each lockout that starts is written to the audit log.
        """
        if not requester:
            raise ValueError("requester is required")
        now = self._now()
        number = normalize_tracking_number(tracking_number)
        last4 = mobile_last4(mobile_last4_text)
        probe = number if number and last4 else _NEVER_A_NUMBER
        keys = self._throttle_keys(requester, client_address, number)
        with self._sessions() as session:
            wait = max(self._seconds_blocked(session, key, now) for key in keys)
            if wait:
                log.info("status lookup throttled for %s… (%d s)", keys[0].hash[:8], wait)
                return LookupResult(LookupOutcome.THROTTLED, retry_after_seconds=wait)
            # Only the hash is read here, so a wrong last 4 costs what an unknown number costs.
            candidate = session.execute(
                select(SubmissionRow.id, SubmissionRow.lookup_hash).where(SubmissionRow.tracking_number == probe)
            ).first()
            expected = candidate.lookup_hash if candidate is not None else _NEVER_A_HASH
            given = self._protector.keyed_hash(_LOOKUP, f"{probe}:{last4 or ''}")
            if not (hmac.compare_digest(expected, given) and candidate is not None and probe != _NEVER_A_NUMBER):
                self._record_failure(session, keys, now)
                return LookupResult(LookupOutcome.NOT_FOUND)
            row = session.get(SubmissionRow, candidate.id, options=[selectinload(SubmissionRow.history)])
            history = tuple(
                StatusEvent(Status(change.to_status), change.changed_at) for change in row.history if change.event is None
            )
            status = Status(row.status)
            clock = running_clock(case_clocks(Kind(row.kind), status, row.created_at, row.decided_at, row.accepted_at,
                                              row.closed_at, row.extension_days))
            reply = self._protector.decrypt_optional(row.reply_enc)
            return LookupResult(
                LookupOutcome.FOUND,
                tracking_number=row.tracking_number,
                kind=Kind(row.kind),
                status=status,
                created_at=row.created_at,
                history=history,
                department=row.department,
                reply=citizen_reply_text(reply) if reply else None,
                replied_at=row.replied_at if reply else None,
                expected_by=clock.due if clock else None,
                expected_what=clock.name if clock else None,
            )

    def _throttle_keys(self, requester: str, client_address: Optional[str], number: Optional[str]) -> list[ThrottleKey]:
        protect = self._protector
        keys = [ThrottleKey(protect.keyed_hash(_REQUESTER, requester), self._throttle, "会话")]
        if client_address:
            keys.append(ThrottleKey(protect.keyed_hash(_CLIENT, client_address), self._throttle, "来源地址"))
        if number:  # malformed input names no number; it counts against the requester only
            keys.append(ThrottleKey(protect.keyed_hash(_NUMBER_TRIED, number), self._number_throttle, "查询编号", number))
        return keys

    def _seconds_blocked(self, session: Session, key: ThrottleKey, now: datetime) -> int:
        policy = key.policy
        in_window, latest = session.execute(
            select(func.count(LookupFailureRow.id), func.max(LookupFailureRow.failed_at)).where(
                LookupFailureRow.requester_hash == key.hash,
                LookupFailureRow.failed_at > now - policy.window,
            )
        ).one()
        if in_window < policy.max_failures:
            return 0
        in_memory = session.execute(
            select(func.count(LookupFailureRow.id)).where(
                LookupFailureRow.requester_hash == key.hash,
                LookupFailureRow.failed_at > now - policy.memory,
            )
        ).scalar_one()
        # func.max bypasses the column type on some backends; normalise to aware UTC.
        latest_utc = latest if isinstance(latest, datetime) else datetime.fromisoformat(str(latest))
        if latest_utc.tzinfo is None:
            latest_utc = latest_utc.replace(tzinfo=now.tzinfo)
        until = policy.blocked_until(in_window, latest_utc, in_memory)
        return seconds_until(until, now) if until else 0

    def _record_failure(self, session: Session, keys: list[ThrottleKey], now: datetime) -> None:
        """Count the failure under every key; audit each lockout it starts (in the same commit)."""
        session.add_all(LookupFailureRow(requester_hash=key.hash, failed_at=now) for key in keys)
        session.flush()
        for key in keys:
            wait = self._seconds_blocked(session, key, now)
            if wait:
                subject = key.number or f"{key.hash[:8]}…"
                session.add(AuditEventRow(at=now, actor=SYSTEM_ACTOR, action=LOCKOUT_ACTION,
                                          detail=f"按{key.kind}锁定 {subject} {wait} 秒（查询失败次数过多）"))
                log.warning("status lookups locked for %d s by %s %s", wait, key.kind, subject)
        oldest = max(self._throttle.memory, self._number_throttle.memory)
        session.execute(delete(LookupFailureRow).where(LookupFailureRow.failed_at < now - oldest))
        session.commit()

    # --- staff ---------------------------------------------------------------------------------

    def update_status(
        self,
        tracking_number: str,
        new_status: Union[Status, str],
        *,
        actor: str,
        note: Optional[str] = None,
    ) -> StatusChange:
        """Move a submission to ``new_status`` (code or Chinese label) and record who and why.

        Raises SubmissionNotFound, InvalidTransition (message explains the allowed steps),
        ConcurrentUpdate (someone changed it meanwhile), UnknownValue, ValueError.
        """
        target = new_status if isinstance(new_status, Status) else parse_status(new_status)
        actor = check_actor(actor)
        note = (note or "").strip() or None
        if note and len(note) > NOTE_MAX:
            raise ValueError(f"note must be at most {NOTE_MAX} characters")
        if note and NOT_IN_ONE_LINE.search(note):
            raise ValueError("备注中不能有换行、制表符或其他控制字符，请写成一行文字")
        number = normalize_tracking_number(tracking_number) or tracking_number
        now = self._now()
        with self._sessions.begin() as session:
            row = session.execute(
                select(SubmissionRow).where(SubmissionRow.tracking_number == number)
            ).scalar_one_or_none()
            if row is None:
                raise SubmissionNotFound(number)
            current = Status(row.status)
            check_transition(current, target)
            dates = {"decided_at": now} if target in (Status.ACCEPTED, Status.REJECTED) else {}
            if target is Status.ACCEPTED:
                dates["accepted_at"] = now
            if target is Status.CLOSED:
                dates["closed_at"] = now
            changed = session.execute(
                update(SubmissionRow)
                .where(SubmissionRow.id == row.id, SubmissionRow.status == current.value)
                .values(status=target.value, version=SubmissionRow.version + 1, **dates)
                .execution_options(synchronize_session=False)
            )
            if changed.rowcount != 1:
                raise ConcurrentUpdate(number)
            session.add(
                StatusChangeRow(
                    submission_id=row.id,
                    from_status=current.value,
                    to_status=target.value,
                    changed_at=now,
                    actor=actor,
                    note=note,
                )
            )
            record_notice(session, row, STATUS_CHANGED, target, now)
        log.info("submission %s: %s -> %s by %s", number, current.value, target.value, log_safe(actor))
        return StatusChange(current, target, now, actor, note)

    def get_record(self, tracking_number: str) -> SubmissionRecord:
        """The decrypted submission with its full history; raises SubmissionNotFound."""
        number = normalize_tracking_number(tracking_number) or tracking_number
        with self._sessions() as session:
            row = session.execute(
                select(SubmissionRow)
                .options(selectinload(SubmissionRow.history))
                .where(SubmissionRow.tracking_number == number)
            ).scalar_one_or_none()
            if row is None:
                raise SubmissionNotFound(number)
            return self._to_record(row)

    def list_records(
        self,
        *,
        status: Union[Status, str, None] = None,
        kind: Union[Kind, str, None] = None,
        limit: Optional[int] = None,
    ) -> list[SubmissionRecord]:
        """Newest first, optionally filtered by status and kind."""
        return list(self.iter_records(status=status, kind=kind, limit=limit))

    def iter_records(
        self,
        *,
        status: Union[Status, str, None] = None,
        kind: Union[Kind, str, None] = None,
        limit: Optional[int] = None,
        batch_size: int = 500,
    ) -> Iterator[SubmissionRecord]:
        """Like :meth:`list_records` but in batches, for exports of any size."""
        query = select(SubmissionRow).options(selectinload(SubmissionRow.history))
        if status is not None:
            query = query.where(SubmissionRow.status == (status if isinstance(status, Status) else parse_status(status)).value)
        if kind is not None:
            query = query.where(SubmissionRow.kind == (kind if isinstance(kind, Kind) else parse_kind(kind)).value)
        query = query.order_by(SubmissionRow.created_at.desc(), SubmissionRow.id.desc())
        if limit is not None and limit < 0:
            raise ValueError("limit must not be negative")
        remaining = limit
        last: Optional[tuple[datetime, int]] = None
        while remaining is None or remaining > 0:
            page = query
            if last is not None:  # keyset pagination: stable even while new rows arrive
                page = page.where(
                    or_(
                        SubmissionRow.created_at < last[0],
                        and_(SubmissionRow.created_at == last[0], SubmissionRow.id < last[1]),
                    )
                )
            size = batch_size if remaining is None else min(batch_size, remaining)
            with self._sessions() as session:
                rows = session.execute(page.limit(size)).scalars().all()
                records = [self._to_record(row) for row in rows]
                if rows:
                    last = (rows[-1].created_at, rows[-1].id)
            yield from records
            if len(rows) < size:
                return
            if remaining is not None:
                remaining -= len(rows)

    def _to_record(self, row: SubmissionRow) -> SubmissionRecord:
        protect = self._protector
        history = tuple(
            StatusChange(
                Status(change.from_status) if change.from_status else None,
                Status(change.to_status),
                change.changed_at,
                change.actor,
                change.note,
            )
            for change in row.history
        )
        return SubmissionRecord(
            tracking_number=row.tracking_number,
            kind=Kind(row.kind),
            status=Status(row.status),
            created_at=row.created_at,
            channel=row.channel,
            consent_at=row.consent_at,
            district=row.district,
            name=protect.decrypt(row.name_enc),
            mobile=protect.decrypt(row.mobile_enc),
            id_number=protect.decrypt_optional(row.id_number_enc),
            email=protect.decrypt_optional(row.email_enc),
            address=protect.decrypt_optional(row.address_enc),
            title=row.title,
            content=row.content,
            request=row.request,
            history=history,
        )

    def count(self) -> int:
        with self._sessions() as session:
            return session.execute(select(func.count(SubmissionRow.id))).scalar_one()

    # --- audit ---------------------------------------------------------------------------------

    def record_audit_event(self, actor: str, action: str, detail: str = "") -> None:
        """Write an audit entry (committed before the audited data is shown)."""
        with self._sessions.begin() as session:
            session.add(AuditEventRow(at=self._now(), actor=check_actor(actor), action=action[:32], detail=detail))
        log.info("audit: %s by %s (%s)", log_safe(action), log_safe(actor), log_safe(detail))

    def audit_events(self, limit: int = 100) -> list[AuditEvent]:
        with self._sessions() as session:
            rows = session.execute(
                select(AuditEventRow).order_by(AuditEventRow.id.desc()).limit(limit)
            ).scalars().all()
            return [AuditEvent(row.at, row.actor, row.action, row.detail) for row in rows]
