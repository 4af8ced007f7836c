"""The chat widget in a real headless Chromium, on the demo page and on another site, talking to
the real assistant (Rasa + actions + web service of the session's ``assistant``)."""
from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.support.stack import Conversation, RunningAssistant, free_port
from tests.widget.browser import ARTIFACTS_DIR, small_controls
from tests.widget.tcp_proxy import CuttableProxy

pytestmark = [pytest.mark.server, pytest.mark.browser]

expect: Any = None  # playwright.sync_api.expect, imported once the browser fixture found Playwright

LAUNCHER = "在线咨询（打开智能助手对话窗口）"
TITLE = "信访与人民建议智能助手"
DOWN = "助手暂时无法连接，请稍后再试，或拨打 12345 市民服务热线"
RECONNECTING = "连接中断，正在重连…"
QUESTION = "信访事项的办理期限是多久？"
TRACKING = re.compile(r"(?:XF|JY)\d{8}[A-Z0-9]{6}")


@pytest.fixture(autouse=True)
def _playwright_expect(chromium: Any) -> None:
    global expect
    from playwright.sync_api import expect as playwright_expect

    expect = playwright_expect


# --- helpers ----------------------------------------------------------------------------------

def open_widget(page: Any, title: str = TITLE) -> None:
    page.get_by_role("button", name=LAUNCHER).click()
    expect(page.get_by_role("dialog", name=title)).to_be_visible()


def ask(page: Any, text: str) -> None:
    box = page.get_by_label("输入您的问题")
    box.fill(text)
    box.press("Enter")


def bot_messages(page: Any) -> Any:
    return page.locator(".xf-msg-bot")


def user_messages(page: Any) -> Any:
    return page.locator(".xf-msg-user")


def quick_reply(page: Any, title: str) -> Any:
    return page.get_by_role("group", name="可选回复").get_by_role("button", name=title, exact=True)


def start_form(page: Any, assistant: RunningAssistant, button: str) -> None:
    """Open the widget on the demo page, tap a form's button and consent: the name step is asked."""
    page.goto(assistant.web_url + "/")
    open_widget(page)
    greeted(page)
    quick_reply(page, button).click()
    expect(bot_messages(page).last).to_contain_text("如您同意")
    quick_reply(page, "同意").click()
    expect(bot_messages(page).last).to_contain_text("请问您的姓名")


def file_suggestion(page: Any, assistant: RunningAssistant) -> str:
    """File a suggestion in the widget on the demo page; returns its tracking number."""
    start_form(page, assistant, "我要提人民建议")
    for answer, next_step in (("赵敏", "手机号码"), ("13600001111", "所在区"), ("徐汇区", "电子邮箱")):
        ask(page, answer)
        expect(bot_messages(page).last).to_contain_text(next_step)
    quick_reply(page, "跳过").click()
    expect(bot_messages(page).last).to_contain_text("标题")
    ask(page, "社区增设长椅")
    expect(bot_messages(page).last).to_contain_text("建议内容")
    ask(page, "建议在社区公园步道旁增设长椅，方便老人散步时休息。")
    expect(bot_messages(page).last).to_contain_text("请核对")
    quick_reply(page, "确认提交").click()
    receipt = bot_messages(page).last
    expect(receipt).to_contain_text("提交成功")
    return TRACKING.search(receipt.inner_text()).group(0)


def stored_conversation(page: Any) -> dict[str, Any]:
    raw = page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.endsWith(':conversation')).map(k => localStorage.getItem(k))"
    )
    assert len(raw) == 1, raw
    return json.loads(raw[0])


def greeted(page: Any) -> None:
    """The greeting the widget asks for when a new conversation is first opened."""
    expect(bot_messages(page).first).to_contain_text("您好！我是信访与人民建议智能助手")


def embed_tag(assistant: RunningAssistant, server: str, extra: str = "") -> str:
    return f'<script src="{assistant.web_url}/widget/widget.js" data-server="{server}" {extra} defer></script>'


# --- tests ------------------------------------------------------------------------------------

def test_a_question_is_answered_with_its_source_shown_as_a_citation(page, page_errors, assistant):
    page.goto(assistant.web_url + "/")
    expect(page.get_by_role("heading", name="有事好商量，建议请您提")).to_be_visible()
    open_widget(page)
    greeted(page)
    # Record whether the typing indicator was shown between sending and the answer.
    page.evaluate("""() => {
        const typing = document.getElementById('xinfang-widget').shadowRoot.querySelector('.xf-typing');
        window.__typingSeen = false;
        new MutationObserver(() => { if (!typing.hidden) window.__typingSeen = true; })
            .observe(typing, {attributes: true, childList: true});
    }""")
    ask(page, QUESTION)
    expect(user_messages(page).last).to_contain_text(QUESTION)

    source = bot_messages(page).last.locator(".xf-source")
    expect(source).to_be_visible()
    expect(source).to_have_text(re.compile(r"^来源：\S+"))
    style = source.evaluate("""(source) => {
        const answer = source.parentElement.querySelector('p:not(.xf-source)');
        const s = getComputedStyle(source), a = getComputedStyle(answer);
        return {sourceSize: parseFloat(s.fontSize), answerSize: parseFloat(a.fontSize),
                border: s.borderLeftWidth + ' ' + s.borderLeftStyle, sourceColour: s.color, answerColour: a.color};
    }""")
    assert style["sourceSize"] < style["answerSize"], style
    assert style["border"] == "3px solid", style
    assert style["sourceColour"] != style["answerColour"], style
    assert page.evaluate("window.__typingSeen") is True
    expect(page.locator(".xf-typing")).to_be_hidden()

    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS_DIR / "answer-with-source.png"))
    assert page_errors == []


def test_a_quick_reply_sends_its_payload_and_shows_its_title(page, assistant):
    page.goto(assistant.web_url + "/")
    open_widget(page)
    greeted(page)
    ask(page, "你好")
    expect(bot_messages(page).nth(1)).to_contain_text("您好")
    expect(page.get_by_role("group", name="可选回复").get_by_role("button")).to_have_count(4)

    quick_reply(page, "查询办理进度").click()
    expect(user_messages(page).last).to_contain_text("查询办理进度")
    expect(bot_messages(page).last).to_contain_text("请输入您的查询编号")
    expect(page.locator(".xf-msg-user", has_text="/check_status")).to_have_count(0)
    expect(page.get_by_role("group", name="可选回复")).to_have_count(0)


def test_a_reload_shows_the_history_and_continues_the_same_conversation(page, assistant):
    start_form(page, assistant, "我要提交信访事项")
    before = stored_conversation(page)
    shown = bot_messages(page).count()

    page.reload()
    expect(page.get_by_role("dialog", name=TITLE)).to_be_visible()  # it was open: it stays open
    expect(bot_messages(page)).to_have_count(shown)
    expect(bot_messages(page).last).to_contain_text("请问您的姓名")
    expect(user_messages(page)).to_have_text([re.compile("我要提交信访事项"), re.compile("同意")])

    ask(page, "张三")
    # The form goes on from where it was: the next question is the mobile number.
    expect(bot_messages(page).last).to_contain_text("请输入您的手机号码")
    assert stored_conversation(page)["sessionId"] == before["sessionId"]


def test_a_form_step_answers_a_question_about_it_and_an_optional_step_can_be_skipped_with_a_tap(page, assistant):
    start_form(page, assistant, "我要提人民建议")
    ask(page, "赵敏")
    expect(bot_messages(page).last).to_contain_text("请输入您的手机号码")
    ask(page, "为什么要留手机号？会不会泄露？")
    expect(page.locator(".xf-msg-bot", has_text="办理机关联系您")).to_have_count(1)  # why it is asked ...
    expect(bot_messages(page).last).to_contain_text("请输入您的手机号码")  # ... then the step again
    ask(page, "13600001111")
    expect(bot_messages(page).last).to_contain_text("所在区")
    ask(page, "徐汇区")
    expect(bot_messages(page).last).to_contain_text("电子邮箱")
    quick_reply(page, "跳过").click()
    expect(bot_messages(page).last).to_contain_text("标题")


def test_emergency_numbers_are_tap_to_call_links(page, assistant):
    page.goto(assistant.web_url + "/")
    open_widget(page)
    greeted(page)
    ask(page, "救命，楼下着火了")
    reply = bot_messages(page).last
    expect(reply).to_contain_text("火警 119")
    for number in ("110", "120", "119"):  # they were plain text, while 12345 in the handoff note was a link
        expect(reply.locator(f'a[href="tel:{number}"]')).to_have_text(number)


def test_after_a_reload_the_chat_opens_at_the_latest_message(page, assistant):
    page.goto(assistant.web_url + "/")
    open_widget(page)
    greeted(page)
    for turn in range(4):  # several long answers: the log is many screens tall
        ask(page, QUESTION)
        expect(page.locator(".xf-msg-bot", has_text="来源：")).to_have_count(turn + 1)
    page.reload()
    expect(page.get_by_role("dialog", name=TITLE)).to_be_visible()
    log = page.locator(".xf-log")
    expect(log).to_have_js_property("scrollTop", log.evaluate("el => el.scrollHeight - el.clientHeight"))
    distance = log.evaluate("el => el.scrollHeight - el.clientHeight - el.scrollTop")
    assert log.evaluate("el => el.scrollHeight > 2 * el.clientHeight") and distance <= 2, distance


XSS_PAYLOADS = ["<img src=x onerror=window.__xss=1>", "<script>window.__xss=1</script>"]


def test_html_typed_by_a_citizen_is_shown_as_text_and_never_runs(page, page_errors, assistant):
    page.goto(assistant.web_url + "/")
    open_widget(page)
    greeted(page)
    for number, payload in enumerate(XSS_PAYLOADS):
        answered = bot_messages(page).count()
        ask(page, payload)
        expect(user_messages(page).nth(number)).to_contain_text(payload)
        expect(bot_messages(page).nth(answered)).to_be_visible()  # the assistant answered it

    for _ in range(2):  # as typed, and as restored from the stored transcript after a reload
        expect(user_messages(page)).to_have_text([re.compile(re.escape(p)) for p in XSS_PAYLOADS])
        expect(page.locator(".xf-log img")).to_have_count(0)
        expect(page.locator(".xf-log script")).to_have_count(0)
        assert page.evaluate("typeof window.__xss") == "undefined"
        page.reload()
        expect(page.get_by_role("dialog", name=TITLE)).to_be_visible()
    assert page_errors == []


def _focused(page: Any) -> str:
    """Where the keyboard focus is: 'launcher', 'input', or the tag of a page element."""
    return page.evaluate("""() => {
        const host = document.activeElement;
        if (host && host.id === 'xinfang-widget') {
            const inner = host.shadowRoot.activeElement;
            if (!inner) return 'widget';
            if (inner.classList.contains('xf-launcher')) return 'launcher';
            if (inner.id === 'xf-input') return 'input';
            return inner.className;
        }
        return host ? host.tagName : '';
    }""")


def test_keyboard_only_tab_to_launcher_enter_opens_enter_sends_escape_closes(page, assistant):
    page.goto(assistant.web_url + "/")
    expect(page.get_by_role("button", name=LAUNCHER)).to_be_visible()
    for _ in range(40):
        page.keyboard.press("Tab")
        if _focused(page) == "launcher":
            break
    assert _focused(page) == "launcher"

    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name=TITLE)).to_be_visible()
    expect(page.get_by_role("button", name=LAUNCHER)).to_have_attribute("aria-expanded", "true")
    assert _focused(page) == "input"
    greeted(page)

    page.keyboard.type("你好")
    page.keyboard.press("Enter")
    expect(user_messages(page).last).to_contain_text("你好")
    expect(bot_messages(page).nth(1)).to_contain_text("您好")

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name=TITLE)).to_be_hidden()
    expect(page.get_by_role("button", name=LAUNCHER)).to_have_attribute("aria-expanded", "false")
    assert _focused(page) == "launcher"


def test_messages_are_announced_politely_and_controls_are_labelled(page, assistant):
    page.goto(assistant.web_url + "/")
    open_widget(page)
    log = page.get_by_role("log", name="对话记录")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("textbox", name="输入您的问题")).to_be_visible()
    expect(page.get_by_role("button", name="关闭对话窗口")).to_be_visible()
    expect(page.get_by_role("button", name="发送")).to_be_visible()
    greeted(page)
    expect(log.locator(".xf-msg-bot").first).to_contain_text("助手：")  # spoken speaker prefix


def test_elder_mode_is_one_click_away_and_remembered(page, assistant):
    page.goto(assistant.web_url + "/")
    open_widget(page)
    root = page.locator(".xf-root")
    toggle = page.get_by_role("button", name="长辈模式")
    normal_size = root.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)")
    expect(toggle).to_have_attribute("aria-pressed", "false")

    toggle.click()
    expect(root).to_have_class(re.compile(r"\bxf-elder\b"))
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert root.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)") > normal_size

    page.reload()
    expect(page.locator(".xf-root")).to_have_class(re.compile(r"\bxf-elder\b"))
    page.get_by_role("button", name="长辈模式").click()
    expect(page.locator(".xf-root")).not_to_have_class(re.compile(r"\bxf-elder\b"))
    page.reload()
    expect(page.get_by_role("button", name="长辈模式")).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".xf-root")).not_to_have_class(re.compile(r"\bxf-elder\b"))


def test_handoff_shows_a_short_note_with_the_human_channels(page, assistant):
    page.goto(assistant.web_url + "/")
    open_widget(page)
    greeted(page)
    ask(page, "转人工")
    note = page.locator(".xf-handoff")
    expect(note).to_be_visible()
    expect(note).to_contain_text("12345")
    expect(note.get_by_role("link", name="拨打 12345")).to_have_attribute("href", "tel:12345")
    expect(note).to_contain_text("不能直接为您接通工作人员")  # what the handoff does, said honestly ...
    expect(note).not_to_contain_text("接待场所")  # ... without repeating the reply's channels
    expect(bot_messages(page).last).to_contain_text("12345 市民服务热线")


def test_on_a_phone_the_panel_fills_the_screen(page, assistant):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(assistant.web_url + "/")
    open_widget(page)
    box = page.get_by_role("dialog", name=TITLE).bounding_box()
    assert box == {"x": 0, "y": 0, "width": 390, "height": 844}


def test_a_widget_pointed_at_a_closed_port_says_the_assistant_is_unreachable(page, assistant, embedding_site):
    url = embedding_site.add(embed_tag(assistant, f"http://127.0.0.1:{free_port()}"))
    page.goto(url)
    open_widget(page)
    status = page.get_by_role("dialog", name=TITLE).locator(".xf-status")
    expect(status).to_have_text(DOWN)
    expect(status).to_be_visible()


def test_another_site_embeds_it_with_a_config_object_and_talks_to_the_assistant(page, page_errors, assistant, embedding_site):
    config = {"title": "某区智能助手", "primaryColor": "#0d47a1", "server": "http://127.0.0.1:1"}
    url = embedding_site.add(
        f"<script>window.XinfangWidget = {json.dumps(config, ensure_ascii=False)};</script>"
        # The tag's data-* attributes win over the object.
        + embed_tag(assistant, assistant.rasa_url, 'data-primary-color="#004d40"')
    )
    page.goto(url)
    open_widget(page, title="某区智能助手")
    expect(page.locator(".xf-header")).to_have_css("background-color", "rgb(0, 77, 64)")
    greeted(page)
    assert page_errors == []


def test_after_a_network_drop_it_shows_the_state_reconnects_and_continues(page, assistant, embedding_site):
    proxy = CuttableProxy(assistant.settings.rasa_port)
    try:
        page.goto(embedding_site.add(embed_tag(assistant, proxy.url)))
        open_widget(page)
        greeted(page)
        session_id = stored_conversation(page)["sessionId"]
        status = page.locator(".xf-status")

        proxy.cut()
        expect(status).to_have_text(RECONNECTING)
        ask(page, "你好")  # typed while offline: kept and sent after the reconnection
        expect(page.locator(".xf-msg-note").last).to_contain_text("连接恢复后自动发送")

        proxy.restore()
        expect(status).to_be_hidden()
        expect(bot_messages(page).nth(1)).to_contain_text("您好")
        assert stored_conversation(page)["sessionId"] == session_id
    finally:
        proxy.close()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}], ids=["desktop", "phone"])
def test_the_empty_input_keeps_its_one_line_height_after_a_message_is_sent(page, assistant, viewport):
    page.set_viewport_size(viewport)
    page.goto(assistant.web_url + "/")
    open_widget(page)
    greeted(page)
    box = page.get_by_label("输入您的问题")
    one_line = box.bounding_box()["height"]

    box.fill("第一行\n第二行\n第三行")
    box.dispatch_event("input")
    assert box.bounding_box()["height"] > one_line  # it grows with what is typed ...
    box.fill("你好")
    box.press("Enter")
    expect(bot_messages(page).nth(1)).to_contain_text("您好")
    assert box.bounding_box()["height"] == one_line  # ... and is one line again once sent (was 74 px)


def _replies_under_each_answer(page: Any) -> list[dict[str, Any]]:
    """Each bot message (its first words) with the quick replies shown right under it: [title, enabled]."""
    return page.locator(".xf-log").evaluate("""(log) => {
        const shown = [];
        for (const child of log.children) {
            if (child.classList.contains('xf-msg-bot')) shown.push({text: child.textContent.slice(0, 30), replies: []});
            else if (child.classList.contains('xf-quick-replies') && shown.length)
                shown[shown.length - 1].replies = [...child.querySelectorAll('button')].map((b) => [b.textContent, !b.disabled]);
        }
        return shown;
    }""")


def test_after_a_reload_every_message_keeps_its_quick_replies_and_the_latest_still_work(page, assistant):
    page.goto(assistant.web_url + "/")
    open_widget(page)
    greeted(page)
    ask(page, QUESTION)
    expect(page.locator(".xf-msg-bot", has_text="来源：")).to_have_count(1)
    ask(page, "你好")
    expect(bot_messages(page)).to_have_count(3)
    expect(quick_reply(page, "查询办理进度")).to_be_enabled()
    before = _replies_under_each_answer(page)
    greeting, answer, latest = before
    assert answer["replies"], before  # the answer's related questions stay under it ...
    assert all(not enabled for _, enabled in greeting["replies"] + answer["replies"]), before  # ... for reading only
    assert latest["replies"] and all(enabled for _, enabled in latest["replies"]), before

    page.reload()
    expect(page.get_by_role("dialog", name=TITLE)).to_be_visible()
    expect(bot_messages(page)).to_have_count(3)
    assert _replies_under_each_answer(page) == before  # was: only the latest message's buttons
    quick_reply(page, "查询办理进度").click()
    expect(user_messages(page).last).to_contain_text("查询办理进度")
    expect(bot_messages(page).last).to_contain_text("请输入您的查询编号")


def test_a_filed_tracking_number_is_highlighted_can_be_copied_and_is_kept_in_my_cases(page, context, assistant):
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=assistant.web_url)
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    number = file_suggestion(page, assistant)
    receipt = bot_messages(page).last
    highlighted = receipt.locator(".xf-tracking-number")
    expect(highlighted).to_have_text(number)
    look = highlighted.evaluate("""(el) => {
        const own = getComputedStyle(el), bubble = getComputedStyle(el.closest('.xf-bubble'));
        return {background: own.backgroundColor, bubble: bubble.backgroundColor, weight: Number(own.fontWeight)};
    }""")
    assert look["background"] != look["bubble"] and look["weight"] >= 600, look
    receipt.get_by_role("button", name="复制").click()
    expect(receipt.get_by_role("status")).to_have_text("已复制")
    page.screenshot(path=str(ARTIFACTS_DIR / "tracking-number-copied.png"))
    assert page.evaluate("navigator.clipboard.readText()") == number

    my_cases = page.get_by_role("button", name="我的办件")
    expect(my_cases).to_have_text("我的办件（1）")
    my_cases.click()
    entries = page.get_by_role("list", name="我的办件").get_by_role("listitem")
    expect(entries).to_have_text([re.compile(number)])

    confirmations: list[str] = []
    page.once("dialog", lambda dialog: (confirmations.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="新对话").click()
    expect(bot_messages(page)).to_have_count(1)
    greeted(page)
    assert "对话记录" in confirmations[0] and "“我的办件”中保存的查询编号会保留" in confirmations[0], confirmations
    expect(entries).to_have_text([re.compile(number)])  # kept through 新对话 ...

    page.reload()
    expect(page.get_by_role("dialog", name=TITLE)).to_be_visible()
    page.get_by_role("button", name="我的办件").click()
    expect(entries).to_have_text([re.compile(number)])  # ... and through a reload
    page.screenshot(path=str(ARTIFACTS_DIR / "my-cases.png"))
    assert small_controls(page) == []  # 复制, 查询进度 and 我的办件 are 44 px tap targets too
    # When the browser refuses both ways of copying, the citizen is told so.
    page.evaluate("""() => {
        navigator.clipboard.writeText = () => Promise.reject(new Error('refused'));
        document.execCommand = () => false;
    }""")
    entries.first.get_by_role("button", name="复制").click()
    expect(entries.first.get_by_role("status")).to_contain_text("复制失败")

    entries.first.get_by_role("button", name="查询进度").click()  # one tap starts the lookup of that number
    expect(user_messages(page).last).to_contain_text(number)
    expect(bot_messages(page).last).to_contain_text("手机号码的后4位")
    ask(page, "1111")
    expect(bot_messages(page).last).to_contain_text("当前状态")
    expect(bot_messages(page).last).to_contain_text(number)



def test_a_status_lookup_goes_on_after_a_wrong_last4_with_the_right_digits(page, assistant):
    chat = Conversation(assistant)  # a suggestion filed over REST: the widget only looks it up
    replies = [chat.say(text) for text in ["我有个建议想提交", "同意", "赵敏", "13600001111", "徐汇区", "跳过",
                                           "社区增设长椅", "建议在社区公园步道旁增设长椅，方便老人散步时休息。", "确认"]]
    number = TRACKING.search(replies[-1]).group(0)

    page.goto(assistant.web_url + "/")
    open_widget(page)
    greeted(page)
    quick_reply(page, "查询办理进度").click()
    expect(bot_messages(page).last).to_contain_text("请输入您的查询编号")
    ask(page, number)
    expect(bot_messages(page).last).to_contain_text("手机号码的后4位")
    ask(page, "2222")
    expect(page.locator(".xf-msg-bot", has_text="没有找到")).to_have_count(1)
    expect(bot_messages(page).last).to_contain_text("手机号码的后4位")  # asked again
    ask(page, "1111")  # the right digits in the next message: the lookup goes on
    expect(bot_messages(page).last).to_contain_text("当前状态")
    expect(bot_messages(page).last).to_contain_text(number)
