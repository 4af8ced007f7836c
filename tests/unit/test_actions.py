"""The custom actions without the model: importing them loads nothing, and each runs against a
``CollectingDispatcher`` and a ``Tracker`` with the services installed by the test
(:func:`bot.actions.services.install`): a real submission store in a temporary directory and a
knowledge base that returns a prepared answer."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import services as action_services
from bot.actions.case_followup import ActionCaseFollowup
from bot.actions.deadline import ActionDeadline
from bot.actions.fallback import DEFAULT_TOPIC_QUESTIONS, ActionFallback
from bot.actions.form_fields import plain_value
from bot.actions.form_validation import ValidatePetitionForm, ValidateStatusForm, ValidateSuggestionForm
from bot.actions.feedback import ActionFeedback
from bot.actions.handoff import HANDOFF_BUTTON, HANDOFF_PAYLOAD, ActionHandoff
from bot.actions.knowledge import FEEDBACK_BUTTONS, ActionAnswerQuestion
from bot.actions.routing import ActionEmergency, ActionOutOfScope, ActionSmallTalk
from bot.actions.services import ActionServices
from bot.deadlines import StartEvent, deadline_reply
from core.settings import PROJECT_ROOT, load_settings
from index import Answer, SearchResult, reply_text
from submissions.unanswered import NOT_SURE, UNHELPFUL, UnansweredQuestions

ACTION_MODULES = sorted(p.stem for p in (PROJECT_ROOT / "bot" / "actions").glob("*.py") if p.stem != "__init__")
ANSWERED = "信访事项的办理期限是多久"
UNKNOWN = "火星上可以种菠萝吗"
CONFIDENT = Answer(ANSWERED, True, text="信访事项应当自受理之日起60日内办结。", citation="来源：《信访工作条例》第三十五条",
                   related_questions=["办理期限可以延长吗？"], suggested_questions=["办理期限可以延长吗？"])
NOT_SURE_ANSWER = Answer(UNKNOWN, False, suggested_questions=["人民建议怎么提？"])
FOLLOW_UP = "要是超过了呢"
IN_CONTEXT = Answer(f"{ANSWERED} {FOLLOW_UP}", True, text="超过期限未办结的，由上级机关责令改正。",
                    citation="来源：《信访工作条例》第四十五条")


class PreparedKnowledge:
    """Answers the questions it was given; "not sure" for every other."""

    def __init__(self, *answers: Answer):
        self._answers = {answer.query: answer for answer in answers}
        self.asked: list[str] = []

    def answer(self, text: str) -> Answer:
        self.asked.append(text)
        return self._answers.get(text, Answer(text, False))


@pytest.fixture
def installed(tmp_path: Path) -> Iterator[ActionServices]:
    cfg = load_settings({"DATA_DIR": str(tmp_path / "data")})
    services = ActionServices(cfg, knowledge=PreparedKnowledge(CONFIDENT, NOT_SURE_ANSWER, IN_CONTEXT))
    previous = action_services.install(services)
    try:
        yield services
    finally:
        action_services.install(previous)
        services.unanswered.close()  # the questions still being recorded, before the store closes
        store = services._store
        if store is not None:
            store.close()


def tracker(text: str, *, slots: dict[str, Any] | None = None, earlier: list[str] = (), intent: str = "ask_question",
            entities: list[dict[str, Any]] | None = None) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []}
    events = [{"event": "user", "text": said, "parse_data": {"text": said}} for said in earlier]
    events.append({"event": "user", "text": text, "parse_data": latest, "input_channel": "socketio"})
    return Tracker("citizen-1", slots or {}, latest, events, False, None, None, "action_listen")


def run(action, the_tracker: Tracker) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, the_tracker, {}))
    return dispatcher, events


def recorded(services: ActionServices, count: int) -> list:
    """The unanswered questions once ``count`` are stored (the recorder writes in the background)."""
    now = datetime.now(timezone.utc)
    deadline = time.monotonic() + 30  # only stops a hung recorder from hanging the test
    while True:
        found, _ = UnansweredQuestions(services.store()).questions(now - timedelta(hours=1), now + timedelta(hours=1))
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_importing_the_action_modules_loads_no_model_and_starts_no_thread(tmp_path: Path) -> None:
    script = (
        "import json, sys, threading\n"
        "before = threading.active_count()\n"
        f"for name in {ACTION_MODULES!r}:\n"
        "    __import__('bot.actions.' + name)\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'sentence_transformers', 'transformers'))\n"
        "print(json.dumps({'threads': threading.active_count() - before, 'heavy': heavy[:5]}))\n"
    )
    finished = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True,
                              timeout=300, env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1",
                                                "DATA_DIR": str(tmp_path)})
    assert finished.returncode == 0, finished.stderr[-3000:]
    outcome = json.loads(finished.stdout.strip().splitlines()[-1])
    assert outcome == {"threads": 0, "heavy": []}
    assert not any(tmp_path.iterdir())  # nothing created either (no database, no secret)


def test_a_confident_answer_is_the_one_reply_with_its_source_and_buttons(installed: ActionServices) -> None:
    dispatcher, events = run(ActionAnswerQuestion(), tracker(ANSWERED))
    assert events == []
    [message] = dispatcher.messages
    assert message["text"] == reply_text(CONFIDENT) and message["text"].endswith(CONFIDENT.citation)
    assert [b["title"] for b in message["buttons"]] == ["办理期限可以延长吗？", *(b["title"] for b in FEEDBACK_BUTTONS)]
    assert recorded(installed, 0) == []


def test_not_sure_offers_topics_and_puts_the_question_in_the_staff_queue(installed: ActionServices) -> None:
    dispatcher, _ = run(ActionAnswerQuestion(), tracker(UNKNOWN))
    [message] = dispatcher.messages
    assert message["response"] == "utter_not_sure"
    assert [b["title"] for b in message["buttons"]] == ["人民建议怎么提？"]
    [question] = recorded(installed, 1)
    assert (question.question, question.reason, question.channel) == (UNKNOWN, NOT_SURE, "socketio")


def test_not_sure_without_related_questions_does_not_promise_any(installed: ActionServices) -> None:
    far = "帮我写一首关于秋天的诗"  # PreparedKnowledge: not sure, no suggested questions
    dispatcher, _ = run(ActionAnswerQuestion(), tracker(far))
    [message] = dispatcher.messages
    assert (message["response"], message["buttons"]) == ("utter_not_sure_no_topics", [])
    assert [q.question for q in recorded(installed, 1)] == [far]


def test_not_sure_about_another_subject_says_what_is_covered(installed: ActionServices) -> None:
    """The in-domain model (index/domain.py) judged the message to be about another subject."""
    other = "社保卡丢了怎么补办"
    searched = SearchResult(other, [], 0.05, 0.6, False, "v1", in_domain=0.02)
    installed.knowledge._answers[other] = Answer(other, False, search=searched)
    dispatcher, _ = run(ActionAnswerQuestion(), tracker(other))
    [message] = dispatcher.messages
    assert (message["response"], message["buttons"]) == ("utter_not_sure_other_subject", [])
    assert [q.question for q in recorded(installed, 1)] == [other]  # staff still see it


def test_the_classifier_unsure_about_another_subject_says_what_is_covered_and_shows_it(installed: ActionServices) -> None:
    """The NLU fallback tries the knowledge base too; the first time, a message about another
    subject gets the scope reply instead of "please rephrase", with the covered topics as buttons."""
    other, unclear = "高考成绩复核怎么申请", "嗯那个就是说"
    for text, in_domain in ((other, 0.02), (unclear, 0.7)):
        installed.knowledge._answers[text] = Answer(text, False, search=SearchResult(text, [], 0.1, 0.6, False, "v1",
                                                                                     in_domain=in_domain))
    responses = {}
    for text in (other, unclear):
        dispatcher, _ = run(ActionFallback(), tracker(text, intent="nlu_fallback"))
        [message] = dispatcher.messages
        responses[text] = message["response"]
        assert [b["title"] for b in message["buttons"]][:3] == list(DEFAULT_TOPIC_QUESTIONS)
    assert responses == {other: "utter_not_sure_other_subject", unclear: "utter_ask_rephrase"}
    assert sorted(q.question for q in recorded(installed, 2)) == sorted([other, unclear])  # staff see both


def test_unhelpful_feedback_records_the_question_it_was_about(installed: ActionServices) -> None:
    feedback = tracker('/feedback{"helpful": "no"}', earlier=[ANSWERED], intent="feedback",
                       entities=[{"entity": "helpful", "value": "no"}])
    dispatcher, _ = run(ActionFeedback(), feedback)
    assert [m["response"] for m in dispatcher.messages] == ["utter_feedback_unhelpful"]
    [question] = recorded(installed, 1)
    assert (question.question, question.reason) == (ANSWERED, UNHELPFUL)
    assert installed.knowledge.asked == [ANSWERED]


def test_helpful_feedback_only_thanks(installed: ActionServices) -> None:
    feedback = tracker('/feedback{"helpful": "yes"}', earlier=[ANSWERED], intent="feedback",
                       entities=[{"entity": "helpful", "value": "yes"}])
    dispatcher, _ = run(ActionFeedback(), feedback)
    assert [m["response"] for m in dispatcher.messages] == ["utter_feedback_helpful"]
    assert installed.knowledge.asked == [] and recorded(installed, 0) == []


def test_the_deadline_is_computed_from_the_slots_and_the_slots_cleared(installed: ActionServices) -> None:
    slots = {"deadline_event": StartEvent.OPINION_RECEIVED.name, "deadline_start": "2024-03-01"}
    dispatcher, events = run(ActionDeadline(), tracker("3月1日", slots=slots))
    assert [m["text"] for m in dispatcher.messages] == [deadline_reply(StartEvent.OPINION_RECEIVED, date(2024, 3, 1))]
    assert [(e["name"], e["value"]) for e in events] == [("deadline_event", None), ("deadline_start", None)]


def test_a_request_for_a_person_gets_the_channels_and_the_handoff(installed: ActionServices) -> None:
    dispatcher, _ = run(ActionHandoff(), tracker("我要找人工客服", intent="request_human"))
    assert dispatcher.messages[0]["response"] == "utter_human_channels"
    assert dispatcher.messages[1]["custom"] == HANDOFF_PAYLOAD
    assert installed.knowledge.asked == []


def test_a_question_about_staff_the_base_is_unsure_of_gets_its_likely_topics_and_the_handoff_button(
        installed: ActionServices) -> None:
    dispatcher, _ = run(ActionHandoff(), tracker(UNKNOWN, intent="request_human"))
    [message] = dispatcher.messages
    assert message["response"] == "utter_not_sure"
    assert [b["title"] for b in message["buttons"]] == [HANDOFF_BUTTON["title"], *NOT_SURE_ANSWER.suggested_questions]
    assert [q.question for q in recorded(installed, 1)] == [UNKNOWN]


def test_a_question_about_staff_with_no_likely_topic_gets_the_ways_to_a_person(installed: ActionServices) -> None:
    dispatcher, _ = run(ActionHandoff(), tracker("工作人员下班了还能找到人吗", intent="request_human"))
    assert dispatcher.messages[0]["response"] == "utter_human_channels"
    assert dispatcher.messages[1]["custom"] == HANDOFF_PAYLOAD
    assert installed.knowledge.asked == ["工作人员下班了还能找到人吗"]


@pytest.mark.parametrize("text, last4", [("不好意思输错了，是2468", "2468"), ("2468", "2468"), ("尾号是 2468 吧", "2468")])
def test_the_status_form_takes_the_four_digits_it_asked_for_inside_a_sentence(
        installed: ActionServices, text: str, last4: str) -> None:
    slots = {"requested_slot": "mobile_last4", "tracking_number": "JY20261208K7Q2MX"}
    _, events = run(ValidateStatusForm(), tracker(text, slots=slots, intent="inform"))
    assert {"event": "slot", "name": "mobile_last4", "value": last4, "timestamp": None} in events


def test_the_status_form_takes_no_four_digits_it_did_not_ask_for(installed: ActionServices) -> None:
    slots = {"requested_slot": "tracking_number"}
    dispatcher, events = run(ValidateStatusForm(), tracker("我记得是2468开头的", slots=slots, intent="inform"))
    assert not any(e.get("name") == "mobile_last4" and e.get("value") for e in events)
    assert "查询编号" in dispatcher.messages[0]["text"]


def test_thoughts_of_self_harm_get_the_emergency_numbers_and_the_psychological_assistance_line(
        installed: ActionServices) -> None:
    dispatcher, _ = run(ActionEmergency(), tracker("我真的撑不下去了，今晚就想从楼顶跳下去", intent="emergency"))
    assert [m["response"] for m in dispatcher.messages] == ["utter_emergency", "utter_self_harm_help"]


def test_a_question_heard_as_an_emergency_is_answered_after_the_numbers(installed: ActionServices) -> None:
    dispatcher, _ = run(ActionEmergency(), tracker(ANSWERED, intent="emergency"))
    assert dispatcher.messages[0]["response"] == "utter_emergency"
    assert dispatcher.messages[1]["text"] == reply_text(CONFIDENT)
    assert len(dispatcher.messages) == 2


@pytest.mark.parametrize("action, intent, fixed_reply", [(ActionOutOfScope(), "out_of_scope", "utter_out_of_scope"),
                                                        (ActionSmallTalk(), "greet", "utter_greet")])
def test_a_sure_answer_overrules_the_classifier_only_on_the_assistants_subject(
        installed: ActionServices, action, intent: str, fixed_reply: str) -> None:
    for text, in_domain, answered in (("有没有人在值班呀？", 0.3, False), ("信访材料能不能寄复印件呢？", 0.9, True)):
        searched = SearchResult(text, [], 0.9, 0.6, True, "v1", in_domain=in_domain)
        installed.knowledge._answers[text] = Answer(text, True, text="可以寄复印件。", citation="来源：某文件", search=searched)
        dispatcher, _ = run(action, tracker(text, intent=intent))
        first = dispatcher.messages[0]
        assert (first.get("text") == reply_text(installed.knowledge._answers[text])) is answered, text
        assert (first.get("response") == fixed_reply) is not answered, text


def test_a_question_heard_as_a_follow_up_is_answered_with_the_lookup_offered(installed: ActionServices) -> None:
    dispatcher, events = run(ActionCaseFollowup(), tracker(ANSWERED, intent="case_followup"))
    [message] = dispatcher.messages
    assert message["text"] == reply_text(CONFIDENT)
    assert message["buttons"][0] == {"title": "查询办理进度", "payload": "/check_status"}
    assert {"event": "slot", "name": "route", "value": "answer", "timestamp": None} in events


def test_a_question_about_no_case_filed_here_is_not_a_lookup(installed: ActionServices) -> None:
    story = "我去年在法院打赢了官司，可对方一直不给钱，我能不能去信访办催一催？"
    dispatcher, events = run(ActionCaseFollowup(), tracker(story, intent="case_followup"))
    assert "查询编号" not in (dispatcher.messages[0].get("text") or "")
    assert dispatcher.messages[0]["buttons"][0] == {"title": "查询办理进度", "payload": "/check_status"}
    assert {"event": "slot", "name": "route", "value": "answer", "timestamp": None} in events


@pytest.mark.parametrize("text", ["我对这个答复不满意", "我提交的建议能不能催一下？", "我的件怎么还没办完，能催催吗",
                                  "能不能帮我催一催"])
def test_a_follow_up_request_looks_the_case_up_first(installed: ActionServices, text: str) -> None:
    dispatcher, events = run(ActionCaseFollowup(), tracker(text, intent="case_followup"))
    assert "查询编号" in dispatcher.messages[0]["text"]
    assert {"event": "slot", "name": "route", "value": "start", "timestamp": None} in events


def test_a_question_only_the_classifier_heard_as_an_emergency_gets_the_numbers_then_likely_topics(
        installed: ActionServices) -> None:
    dispatcher, _ = run(ActionEmergency(), tracker(UNKNOWN, intent="emergency"))
    assert [m["response"] for m in dispatcher.messages] == ["utter_emergency", "utter_not_sure"]


@pytest.mark.parametrize("intent", ["deny", "stop"])
def test_a_question_heard_as_a_bare_no_is_answered_like_any_question(installed: ActionServices, intent: str) -> None:
    text = "我三个星期前寄了信，到现在一点消息都没有，他们是不是应该通知我？"
    searched = SearchResult(text, [], 0.7, 0.6, True, "v1", in_domain=0.9)  # sure, below the small-talk bar
    installed.knowledge._answers[text] = Answer(text, True, text="15日内书面告知。", citation="来源：某文件", search=searched)
    dispatcher, _ = run(ActionSmallTalk(), tracker(text, intent=intent))
    assert dispatcher.messages[0]["text"] == reply_text(installed.knowledge._answers[text])
    dispatcher, _ = run(ActionSmallTalk(), tracker(UNKNOWN, intent=intent))  # not sure: said so, not "好的"
    assert dispatcher.messages[0]["response"] != "utter_ok_anything_else"
    dispatcher, _ = run(ActionSmallTalk(), tracker("不用了", intent=intent))
    assert dispatcher.messages[0]["response"] == ("utter_ok_anything_else" if intent == "deny" else "utter_nothing_to_stop")


def test_a_question_heard_as_a_greeting_still_needs_the_higher_bar(installed: ActionServices) -> None:
    text = "我三个星期前寄了信，到现在一点消息都没有，他们是不是应该通知我？"
    searched = SearchResult(text, [], 0.7, 0.6, True, "v1", in_domain=0.9)
    installed.knowledge._answers[text] = Answer(text, True, text="15日内书面告知。", citation="来源：某文件", search=searched)
    dispatcher, _ = run(ActionSmallTalk(), tracker(text, intent="greet"))
    assert dispatcher.messages[0]["response"] == "utter_greet"


def form_tracker(text: str, form: str, requested: str, slots: dict[str, Any] | None = None) -> Tracker:
    """A tracker whose active form asked for ``requested`` and got ``text``."""
    latest = {"text": text, "intent": {"name": "inform", "confidence": 0.6}, "entities": []}
    events = [{"event": "active_loop", "name": form},
              {"event": "slot", "name": "requested_slot", "value": requested},
              {"event": "bot", "text": "…"},
              {"event": "user", "text": text, "parse_data": latest, "input_channel": "rest"}]
    return Tracker("citizen-1", {**(slots or {}), "requested_slot": requested}, latest, events, False, None,
                   {"name": form}, "action_listen")


def test_a_name_given_with_the_mobile_number_fills_both(installed: ActionServices) -> None:
    dispatcher, events = run(ValidateSuggestionForm(), form_tracker("我叫孙悦，手机13655557777", "suggestion_form", "full_name"))
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert plain_value(slots["full_name"]) == "孙悦" and plain_value(slots["mobile"]) == "13655557777"
    assert dispatcher.messages == []


def test_a_name_with_a_ten_digit_number_is_asked_again_without_taking_the_number(installed: ActionServices) -> None:
    _, events = run(ValidateSuggestionForm(), form_tracker("钱多多，电话1378888666", "suggestion_form", "full_name"))
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert "mobile" not in slots  # ten digits: not taken apart, so the name step says what is wrong
    assert slots["full_name"] is None


def test_a_district_corrected_at_the_address_step_is_updated_and_the_address_asked_again(
        installed: ActionServices) -> None:
    the_tracker = form_tracker("不好意思刚才区说错了，是静安区不是普陀区", "petition_form", "address",
                               {"district": "普陀区", "full_name": "钱多多"})
    dispatcher, events = run(ValidatePetitionForm(), the_tracker)
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots.get("district") == "静安区" and "address" not in slots
    assert any("静安区" in (m.get("text") or "") for m in dispatcher.messages)


@pytest.mark.parametrize("text", ["这个会公开吗？别人能看到我的名字吗？", "我的建议会被公开吗"])
def test_a_question_about_privacy_at_the_title_step_is_answered_and_not_taken_as_the_title(
        installed: ActionServices, text: str) -> None:
    dispatcher, events = run(ValidateSuggestionForm(), form_tracker(text, "suggestion_form", "suggestion_title"))
    assert {"event": "slot", "name": "suggestion_title", "value": None, "timestamp": None} in events
    assert "不对外公开" in dispatcher.messages[0]["text"]


def test_a_title_about_open_government_is_a_title(installed: ActionServices) -> None:
    _, events = run(ValidateSuggestionForm(), form_tracker("政府信息公开怎么改进？", "suggestion_form", "suggestion_title"))
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert plain_value(slots["suggestion_title"]) == "政府信息公开怎么改进？"



def after(answered: str, reply: str, text: str, intent: str) -> Tracker:
    """A tracker whose citizen asked ``answered``, got ``reply``, then said ``text``."""
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    events = [{"event": "user", "text": answered, "parse_data": {"text": answered}},
              {"event": "bot", "text": reply},
              {"event": "user", "text": text, "parse_data": latest, "input_channel": "rest"}]
    return Tracker("citizen-1", {}, latest, events, False, None, None, "action_listen")


@pytest.mark.parametrize("action, intent", [(ActionOutOfScope(), "out_of_scope"), (ActionSmallTalk(), "goodbye"),
                                            (ActionFallback(), "nlu_fallback")])
def test_a_follow_up_to_a_cited_answer_is_answered_with_the_question_before(
        installed: ActionServices, action, intent: str) -> None:
    cited = f"{CONFIDENT.text}\n{CONFIDENT.citation}"
    dispatcher, _ = run(action, after(ANSWERED, cited, FOLLOW_UP, intent))
    assert IN_CONTEXT.text in dispatcher.messages[0]["text"]
    assert installed.knowledge.asked[0] == f"{ANSWERED} {FOLLOW_UP}"


def test_a_follow_up_after_a_reply_without_a_source_is_not_read_with_it(installed: ActionServices) -> None:
    dispatcher, _ = run(ActionOutOfScope(), after(ANSWERED, "您好！我可以回答信访问题。", FOLLOW_UP, "out_of_scope"))
    assert dispatcher.messages[0]["response"] == "utter_out_of_scope"
    assert installed.knowledge.asked == [FOLLOW_UP]
