"""Citizens' follow-ups in the store: ratings (one per reply, with the department of the time),
补充材料 (capped, encrypted at rest, masked for staff), 催办 (open cases, once per 24 h), each in
the case's history and unseen until staff open the case; ratings counted per department."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.settings import DEFAULT_DESK_DEPARTMENTS
from submission_samples import MOBILE, FakeClock, petition
from submissions import SubmissionStore
from submissions.desk import CaseDesk, CaseFilter
from submissions.followups import (
    SUPPLEMENT_MAX,
    CaseFollowups,
    FollowupKind,
    FollowupRefused,
    Rating,
)
from submissions.models import CaseFollowupRow

FIRST, SECOND = DEFAULT_DESK_DEPARTMENTS[1], DEFAULT_DESK_DEPARTMENTS[2]


def _replied_case(store: SubmissionStore, department: str = FIRST) -> str:
    desk = CaseDesk(store, DEFAULT_DESK_DEPARTMENTS)
    number = store.create_submission(petition(), channel="rest", sender_id="citizen",
                                     consent_at=store.now()).tracking_number
    case = desk.assign(number, department, actor="王五", version=desk.open_case(number).version)
    case = desk.transition(number, "已受理", actor="王五", version=case.version)
    desk.reply(number, "经核查，已责成物业维修。", actor="王五", version=case.version)
    return number


def test_a_reply_is_rated_once_and_a_new_reply_again(store: SubmissionStore, clock: FakeClock) -> None:
    followups, desk = CaseFollowups(store), CaseDesk(store, DEFAULT_DESK_DEPARTMENTS)
    number = store.create_submission(petition(), channel="rest", sender_id="c", consent_at=store.now()).tracking_number
    assert not followups.offer(number).can_rate
    with pytest.raises(FollowupRefused, match="还没有答复"):
        followups.rate(number, "满意")

    number = _replied_case(store)
    assert followups.offer(number).can_rate and followups.offer(number).is_open
    with pytest.raises(FollowupRefused, match="不满意的原因不能为空"):
        followups.rate(number, "不满意", "  ")
    with pytest.raises(FollowupRefused, match="请选择"):
        followups.rate(number, "很好")
    assert followups.rate(number, "unsatisfied", f"没有人来修，电话{MOBILE}打不通") is Rating.UNSATISFIED
    assert not followups.offer(number).can_rate
    with pytest.raises(FollowupRefused, match="已评价过这次答复（不满意）"):
        followups.rate(number, "满意")

    clock.advance(days=1)
    case = desk.open_case(number)
    case = desk.assign(number, SECOND, actor="王五", version=case.version)
    desk.reply(number, "已再次督办，物业已修复。", actor="王五", version=case.version)
    assert followups.offer(number).can_rate
    followups.rate(number, "满意")

    case = desk.open_case(number)
    ratings = [(item.rating, item.department, item.text) for item in case.followups]
    assert ratings == [(Rating.UNSATISFIED, FIRST, "没有人来修，电话136****1111打不通"), (Rating.SATISFIED, SECOND, None)]
    assert [step.note for step in case.history if step.event == "rating"] == ["评价：不满意", "评价：满意"]
    with store.session() as session:  # the reason is encrypted at rest
        stored = [row.text_enc for row in session.execute(select(CaseFollowupRow)).scalars()]
    assert not any("没有人来修" in (text or "") for text in stored)


def test_ratings_are_counted_per_department(store: SubmissionStore) -> None:
    followups = CaseFollowups(store)
    for department, rating in ((FIRST, "满意"), (FIRST, "基本满意"), (FIRST, "满意"), (SECOND, "不满意")):
        followups.rate(_replied_case(store, department), rating, "答复没有回应我的诉求")
    first, second = followups.department_ratings()
    assert (first.department, first.total, first.counts[Rating.SATISFIED]) == (FIRST, 3, 2)
    assert first.share(Rating.BASIC) == pytest.approx(1 / 3) and first.share(Rating.UNSATISFIED) == 0
    assert (second.department, second.counts) == (SECOND, {Rating.UNSATISFIED: 1})


def test_material_is_capped_encrypted_masked_and_refused_on_closed_cases(store: SubmissionStore) -> None:
    followups, desk = CaseFollowups(store), CaseDesk(store, DEFAULT_DESK_DEPARTMENTS)
    number = _replied_case(store)
    for bad, message in (("   ", "不能为空"), ("补" * (SUPPLEMENT_MAX + 1), f"最多 {SUPPLEMENT_MAX} 个字")):
        with pytest.raises(FollowupRefused, match=message):
            followups.supplement(number, bad)
    assert followups.supplement(number, f"补充：漏水点在3号楼地下室，联系我{MOBILE}。") > 0
    case = desk.open_case(number)
    (material,) = case.followups
    assert material.kind is FollowupKind.SUPPLEMENT and "3号楼地下室" in (material.text or "")
    assert MOBILE not in (material.text or "") and "136****1111" in (material.text or "")
    assert case.history[-1].event == "supplement" and case.history[-1].actor == "信访人"
    with store.session() as session:
        assert "地下室" not in session.execute(select(CaseFollowupRow.text_enc)).scalar_one()

    case = desk.transition(number, "办理中", actor="王五", version=case.version)
    desk.transition(number, "已办结", actor="王五", version=case.version)
    with pytest.raises(FollowupRefused, match="已“已办结”，不能再补充材料"):
        followups.supplement(number, "还有一点情况")
    with pytest.raises(FollowupRefused, match="无需催办"):
        followups.urge(number)
    assert followups.offer(number).can_rate and not followups.offer(number).is_open


def test_urging_is_once_a_day_and_says_the_expected_date(store: SubmissionStore, clock: FakeClock) -> None:
    followups, desk = CaseFollowups(store), CaseDesk(store, DEFAULT_DESK_DEPARTMENTS)
    number = _replied_case(store)
    receipt = followups.urge(number)
    assert receipt.expected_by == desk.open_case(number).clocks[-1].due and receipt.expected_what == "办理"
    clock.advance(hours=23)
    with pytest.raises(FollowupRefused, match=r"24 小时内只能催办一次，请在 2025-03-02 10:00（北京时间）后再催办.*预计办结"):
        followups.urge(number)
    clock.advance(hours=1, seconds=1)
    followups.urge(number)
    assert [step.event for step in desk.open_case(number).history].count("urge") == 2


def test_follow_ups_are_new_to_staff_until_the_case_is_opened(store: SubmissionStore) -> None:
    followups, desk = CaseFollowups(store), CaseDesk(store, DEFAULT_DESK_DEPARTMENTS)
    urged, quiet = _replied_case(store), _replied_case(store)
    followups.urge(urged)
    followups.supplement(urged, "补充一张照片的文字说明：水管在楼道东侧。")
    listed = {case.tracking_number: (case.unseen_followups, case.urged) for case in desk.list_cases(CaseFilter()).cases}
    assert listed == {urged: (2, True), quiet: (0, False)}
    before = desk.open_case(urged).version
    assert desk.mark_followups_seen(urged) == 2
    case = desk.open_case(urged)
    assert (case.unseen_followups, case.urged) == (0, False) and all(item.seen for item in case.followups)
    assert case.version == before  # a follow-up never makes a staff member's open view stale
