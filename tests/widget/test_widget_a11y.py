"""Accessibility of the chat widget in a real headless Chromium, on the demo page, talking to the
real assistant: axe-core finds no violation, keyboard focus stays in the open
panel, every control is a 44×44 px tap target, elder mode keeps the title on one line and the newest
reply in view, and a phone does not get its keyboard pushed up when the chat opens."""
from __future__ import annotations

import re
from typing import Any, Iterator

import pytest

from tests.support.stack import RunningAssistant
from tests.widget.browser import MIN_TARGET_PX, axe_script, control_sizes

pytestmark = [pytest.mark.server, pytest.mark.browser]

expect: Any = None  # playwright.sync_api.expect, imported once the browser fixture found Playwright

LAUNCHER = "在线咨询（打开智能助手对话窗口）"
TITLE = "信访与人民建议智能助手"
QUESTION = "信访事项的办理期限是多久？"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


@pytest.fixture(autouse=True)
def _playwright_expect(chromium: Any) -> None:
    global expect
    from playwright.sync_api import expect as playwright_expect

    expect = playwright_expect


@pytest.fixture
def phone(chromium: Any) -> Iterator[Any]:
    """A page on a touch phone (390×844, coarse pointer, no hover)."""
    context = chromium.new_context(locale="zh-CN", **PHONE)
    context.set_default_timeout(90_000)
    yield context.new_page()
    context.close()


@pytest.fixture(params=["desktop", "phone"])
def device_page(request: Any, chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(locale="zh-CN", **(PHONE if request.param == "phone" else DESKTOP))
    context.set_default_timeout(90_000)
    yield context.new_page()
    context.close()


# --- helpers ----------------------------------------------------------------------------------

def open_widget(page: Any) -> None:
    page.get_by_role("button", name=LAUNCHER).click()
    expect(page.get_by_role("dialog", name=TITLE)).to_be_visible()


def open_demo_page(page: Any, assistant: RunningAssistant) -> None:
    """The demo page with the widget open and the greeting (with its quick replies) shown."""
    page.goto(assistant.web_url + "/")
    open_widget(page)
    expect(bot_messages(page).first).to_contain_text("您好！我是信访与人民建议智能助手")
    expect(quick_replies(page).first).to_be_visible()


def ask(page: Any, text: str) -> None:
    box = page.get_by_label("输入您的问题")
    box.fill(text)
    box.press("Enter")


def bot_messages(page: Any) -> Any:
    return page.locator(".xf-msg-bot")


def quick_replies(page: Any) -> Any:
    return page.get_by_role("group", name="可选回复").get_by_role("button")


def elder_toggle(page: Any) -> Any:
    return page.get_by_role("button", name="长辈模式")


def settle(page: Any) -> None:
    """Let the frame after a change run its resize observers (two animation frames)."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def describe_focus(page: Any) -> str:
    """The focused element: a widget control's name ('widget:长辈模式'), or 'page:TAG'."""
    return page.evaluate("""() => {
        const host = document.activeElement;
        if (!host || host.id !== 'xinfang-widget') return 'page:' + (host ? host.tagName : '');
        const el = host.shadowRoot.activeElement;
        if (!el) return 'widget:';
        return 'widget:' + (el.getAttribute('aria-label') || el.textContent.trim() || el.className);
    }""")


def panel_controls_in_dom_order(page: Any) -> list[str]:
    """The names of the open panel's keyboard-reachable controls, in document order."""
    return page.evaluate("""() => {
        const panel = document.getElementById('xinfang-widget').shadowRoot.querySelector('.xf-panel');
        return [...panel.querySelectorAll('button, textarea, input, a[href], [tabindex]')]
            .filter(el => el.tabIndex >= 0 && !el.disabled && el.getClientRects().length > 0)
            .map(el => 'widget:' + (el.getAttribute('aria-label') || el.textContent.trim() || el.className));
    }""")


def log_distance_from_end(page: Any) -> float:
    return page.locator(".xf-log").evaluate("el => el.scrollHeight - el.clientHeight - el.scrollTop")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the whole page, the widget's shadow root included."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(axe_script()))
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.slice(0, 5).map(n => JSON.stringify(n.target))}));
    }""")


def format_violations(violations: list[dict[str, Any]]) -> str:
    order = {"critical": 0, "serious": 1, "moderate": 2, "minor": 3}
    violations = sorted(violations, key=lambda v: order.get(v["impact"], 4))
    return "\n".join(f"  [{v['impact']}] {v['id']}: {v['help']} at {', '.join(v['targets'])}" for v in violations)


# --- tests ------------------------------------------------------------------------------------

def test_axe_finds_no_violation_on_the_demo_page_with_the_widget_open(chromium, assistant):
    # The demo page's Content-Security-Policy allows only its own scripts: axe is injected inline.
    context = chromium.new_context(locale="zh-CN", bypass_csp=True, **DESKTOP)
    context.set_default_timeout(90_000)
    try:
        page = context.new_page()
        open_demo_page(page, assistant)
        found = {"greeting with quick replies": axe_violations(page)}

        quick_replies(page).filter(has_text="我要提人民建议").click()
        expect(bot_messages(page).last).to_contain_text("如您同意")
        quick_replies(page).filter(has_text="同意").first.click()
        expect(bot_messages(page).last).to_contain_text("请问您的姓名")
        elder_toggle(page).click()
        expect(elder_toggle(page)).to_have_attribute("aria-pressed", "true")
        found["form step in elder mode"] = axe_violations(page)
    finally:
        context.close()

    # Serious and critical violations fail the test, and so do moderate and minor ones: the
    # widget added a second banner landmark to the page (moderate), and the demo page has none.
    report = "\n".join(f"{state}:\n{format_violations(vs) or '  (none)'}" for state, vs in found.items())
    serious = [v for vs in found.values() for v in vs if v["impact"] in ("serious", "critical")]
    assert serious == [], report
    assert not any(found.values()), report


def test_after_sending_tab_cycles_through_the_panel_and_escape_returns_to_the_launcher(page, assistant):
    page.goto(assistant.web_url + "/")
    page.get_by_role("button", name=LAUNCHER).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name=TITLE)).to_be_visible()
    expect(bot_messages(page).first).to_contain_text("您好！我是信访与人民建议智能助手")
    page.keyboard.type("你好")
    page.keyboard.press("Enter")
    expect(bot_messages(page).nth(1)).to_contain_text("您好")
    expect(quick_replies(page)).to_have_count(4)
    assert describe_focus(page) == "widget:xf-input"

    controls = panel_controls_in_dom_order(page)
    assert controls[:3] == ["widget:长辈模式", "widget:新对话", "widget:关闭对话窗口"], controls
    start = next(i for i, name in enumerate(controls) if "xf-input" in name)
    # Forward from the input: the send button, then round to the header, through the log and
    # its quick replies, and back to the input, without visiting the page.
    visited = []
    for _ in range(len(controls)):
        page.keyboard.press("Tab")
        visited.append(describe_focus(page))
    assert visited == controls[start + 1:] + controls[:start + 1], visited
    # Backwards from the input: the last quick reply, ..., the header, then the send button.
    visited = []
    for _ in range(len(controls)):
        page.keyboard.press("Shift+Tab")
        visited.append(describe_focus(page))
    assert visited == list(reversed(controls[:start])) + list(reversed(controls[start:])), visited

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name=TITLE)).to_be_hidden()
    assert describe_focus(page) == "widget:" + LAUNCHER


def test_every_control_is_at_least_44_px_in_both_modes(device_page, assistant):
    page = device_page
    page.goto(assistant.web_url + "/")
    expect(page.get_by_role("button", name=LAUNCHER)).to_be_visible()
    measured = {"closed": control_sizes(page)}
    open_demo_page(page, assistant)
    measured["open, quick replies"] = control_sizes(page)
    ask(page, "转人工")
    expect(page.get_by_role("link", name="拨打 12345")).to_be_visible()
    measured["handoff"] = control_sizes(page)
    elder_toggle(page).click()
    expect(elder_toggle(page)).to_have_attribute("aria-pressed", "true")
    measured["elder, handoff"] = control_sizes(page)
    ask(page, "你好")
    expect(quick_replies(page)).to_have_count(4)
    measured["elder, quick replies"] = control_sizes(page)

    names = {control["name"] for controls in measured.values() for control in controls}
    for expected in (LAUNCHER, "长辈模式", "关闭对话窗口", "发送", "textarea", "拨打 12345", "查询办理进度"):
        assert expected in names, names  # the measurement saw the controls it is about
    small = [
        f"{state}: {c['name']} {c['width']:.0f}×{c['height']:.0f}"
        for state, controls in measured.items() for c in controls
        if c["width"] < MIN_TARGET_PX or c["height"] < MIN_TARGET_PX
    ]
    assert small == [], small


def test_the_title_stays_on_one_line_on_a_phone_in_both_modes(phone, assistant):
    open_demo_page(phone, assistant)
    title = phone.get_by_role("heading", name=TITLE)
    for mode in ("normal", "elder"):
        if mode == "elder":
            elder_toggle(phone).click()
            expect(elder_toggle(phone)).to_have_attribute("aria-pressed", "true")
        lines = title.evaluate("el => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)")
        assert lines < 1.5, (mode, lines)
        expect(title).to_have_text(TITLE)  # the whole title is still its text, for screen readers


def test_toggling_elder_mode_keeps_the_newest_reply_in_view(device_page, assistant):
    page = device_page
    open_demo_page(page, assistant)
    for turn in range(4):  # long answers: the log is taller than the panel
        ask(page, QUESTION)
        expect(page.locator(".xf-msg-bot", has_text="来源：")).to_have_count(turn + 1)
    settle(page)
    assert page.locator(".xf-log").evaluate("el => el.scrollHeight > 1.5 * el.clientHeight")
    assert log_distance_from_end(page) <= 2

    for pressed in ("true", "false", "true"):
        elder_toggle(page).click()
        expect(elder_toggle(page)).to_have_attribute("aria-pressed", pressed)
        settle(page)
        assert log_distance_from_end(page) <= 2, pressed
        expect(bot_messages(page).last).to_be_in_viewport()


def test_quick_replies_that_wrap_keep_their_text_clear_of_the_rounded_border(phone, assistant):
    open_demo_page(phone, assistant)
    elder_toggle(phone).click()
    expect(elder_toggle(phone)).to_have_attribute("aria-pressed", "true")
    # The assistant's own titles fit on a line at 390 px; a narrower button makes them wrap as
    # longer titles or larger system fonts do.
    clearances = quick_replies(phone).evaluate_all("""(buttons) => buttons.map(button => {
        button.style.width = '5.5em';
        const box = button.getBoundingClientRect(), style = getComputedStyle(button);
        const radius = Math.min(parseFloat(style.borderTopLeftRadius), box.width / 2, box.height / 2);
        const border = parseFloat(style.borderTopWidth);
        const range = document.createRange();
        range.selectNodeContents(button);
        const lines = [...range.getClientRects()];
        // How far each corner of each line of text is inside the button's rounded outline.
        const inset = (x, y) => {
            const cx = x < box.left + radius ? box.left + radius : x > box.right - radius ? box.right - radius : x;
            const cy = y < box.top + radius ? box.top + radius : y > box.bottom - radius ? box.bottom - radius : y;
            if (cx !== x && cy !== y) return radius - Math.hypot(x - cx, y - cy) - border;
            return Math.min(x - box.left, box.right - x, y - box.top, box.bottom - y) - border;
        };
        const corners = lines.flatMap(r => [[r.left, r.top], [r.right, r.top], [r.left, r.bottom], [r.right, r.bottom]]);
        return {title: button.textContent, lines: lines.length, inset: Math.min(...corners.map(([x, y]) => inset(x, y)))};
    })""")
    assert clearances and all(c["lines"] >= 2 for c in clearances), clearances
    assert all(c["inset"] >= 4 for c in clearances), clearances


def test_on_a_phone_opening_the_chat_does_not_raise_the_keyboard(phone, assistant):
    phone.goto(assistant.web_url + "/")
    phone.get_by_role("button", name=LAUNCHER).tap()
    expect(phone.get_by_role("dialog", name=TITLE)).to_be_visible()
    box = phone.get_by_label("输入您的问题")
    expect(box).not_to_be_focused()
    assert describe_focus(phone).startswith("widget:")  # focus moved into the chat, not onto the input
    expect(box).to_have_attribute("placeholder", re.compile(r"^(?!.*回车).+"))
    expect(quick_replies(phone).first).to_be_visible()
    quick_replies(phone).filter(has_text="查询办理进度").tap()
    expect(bot_messages(phone).last).to_contain_text("请输入您的查询编号")
    expect(box).not_to_be_focused()  # a tapped quick reply does not raise it either


def test_on_a_desktop_opening_the_chat_focuses_the_input_with_the_enter_hint(page, assistant):
    page.goto(assistant.web_url + "/")
    open_widget(page)
    box = page.get_by_label("输入您的问题")
    expect(box).to_be_focused()
    expect(box).to_have_attribute("placeholder", re.compile("回车"))
