"""Screenshots of the chat widget on the demo page for the README (run by hand, not by the tests).

    .venv/bin/python scripts/screenshots.py                          # starts its own assistant
    .venv/bin/python scripts/screenshots.py --url http://127.0.0.1:8080/   # or uses `make run`'s

Writes docs/screenshots/desktop.png (1280×800, an answer with its source), phone.png (390×844
touch screen, the greeting and its quick replies) and phone-elder.png (the same in 长辈模式).
Needs Chromium (/usr/bin/chromium or CHROMIUM_PATH) and the project's .venv.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from tests.support.instance import started_instance  # noqa: E402
from tests.widget.browser import CHROMIUM_ARGS, chromium_path  # noqa: E402

OUT_DIR = PROJECT_ROOT / "docs" / "screenshots"
LAUNCHER = "在线咨询（打开智能助手对话窗口）"
QUESTION = "信访事项的办理期限是多久？"
WAIT_MS = 90_000


def shoot(page_url: str) -> list[Path]:
    from playwright.sync_api import expect, sync_playwright

    executable = chromium_path()
    if executable is None:
        sys.exit("Chromium not found (/usr/bin/chromium or CHROMIUM_PATH)")
    expect.set_options(timeout=WAIT_MS)
    written: list[Path] = []
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        devices = {
            "desktop": {"viewport": {"width": 1280, "height": 800}},
            "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
        }
        for device, options in devices.items():
            context = browser.new_context(locale="zh-CN", **options)
            page = context.new_page()
            page.goto(page_url)
            page.get_by_role("button", name=LAUNCHER).click()
            expect(page.locator(".xf-msg-bot").first).to_contain_text("您好")
            expect(page.locator(".xf-quick-reply").first).to_be_visible()
            if device == "desktop":
                box = page.get_by_label("输入您的问题")
                box.fill(QUESTION)
                box.press("Enter")
                expect(page.locator(".xf-msg-bot", has_text="来源：")).to_have_count(1)
            shots = [device] if device == "desktop" else [device, f"{device}-elder"]
            for name in shots:
                if name.endswith("-elder"):
                    page.get_by_role("button", name="长辈模式").click()
                    expect(page.get_by_role("button", name="长辈模式")).to_have_attribute("aria-pressed", "true")
                page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
                path = OUT_DIR / f"{name}.png"
                page.screenshot(path=str(path))
                written.append(path)
            context.close()
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="the demo page of a running assistant (default: start one)")
    args = parser.parse_args()
    with ExitStack() as stack:
        url = args.url
        if not url:
            data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="screenshots-")))
            instance = stack.enter_context(started_instance(data_dir, {"WARM_STANDBY": "0"}))
            url = instance.web_url + "/"
        for path in shoot(url):
            print(path.relative_to(PROJECT_ROOT))


if __name__ == "__main__":
    main()
