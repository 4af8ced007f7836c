"""Debian's Chromium driven by Playwright (Playwright's own browser download is not available).

With ``REQUIRE_BROWSER=1`` (set by ``make test``) a missing Chromium or Playwright fails the
tests with the reason; otherwise the browser tests are skipped.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from core.settings import PROJECT_ROOT

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    # Without these Chromium keeps calling Google services, which the closed network refuses.
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS_DIR = PROJECT_ROOT / "test-artifacts" / "widget"


def chromium_path() -> Path | None:
    for candidate in (os.environ.get("CHROMIUM_PATH", ""), "/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def unavailable(reason: str, install: str = "scripts/ensure_system_packages.sh chromium") -> None:
    """Fail (REQUIRE_BROWSER=1) or skip, saying why."""
    if os.environ.get("REQUIRE_BROWSER", "") == "1":
        pytest.fail(f"{reason} (REQUIRE_BROWSER=1); install it with: {install}", pytrace=False)
    pytest.skip(reason)


# axe-core (npm, pinned in tests/widget/package.json) is installed by scripts/test.sh with `npm ci`.
AXE_SCRIPT = PROJECT_ROOT / "tests" / "widget" / "node_modules" / "axe-core" / "axe.min.js"


def axe_script() -> Path:
    """The axe-core script to load into a page, or fail/skip when it is not installed."""
    if not AXE_SCRIPT.is_file():
        unavailable(f"axe-core not found at {AXE_SCRIPT}", install="npm ci --prefix tests/widget (scripts/test.sh does it)")
    return AXE_SCRIPT


# WCAG 2.5.5 (target size, enhanced) and the platforms' guidelines: 44×44 CSS px.
MIN_TARGET_PX = 44


def control_sizes(page: Any) -> list[dict[str, Any]]:
    """Every visible control of the widget with its box (links inside message text are inline
    targets, which WCAG exempts; the handoff's call link is a button-like target and counts)."""
    return page.evaluate("""() => {
        const root = document.getElementById('xinfang-widget').shadowRoot;
        return [...root.querySelectorAll('button, textarea, input, select, a.xf-call')]
            .filter(el => el.getClientRects().length > 0)
            .map(el => {
                const box = el.getBoundingClientRect();
                const name = el.getAttribute('aria-label') || el.textContent.trim() || el.tagName.toLowerCase();
                return {name, width: box.width, height: box.height};
            });
    }""")


def small_controls(page: Any) -> list[str]:
    """The widget's visible controls smaller than MIN_TARGET_PX either way, as "name w×h"."""
    return [f"{c['name']} {c['width']:.0f}×{c['height']:.0f}" for c in control_sizes(page)
            if c["width"] < MIN_TARGET_PX or c["height"] < MIN_TARGET_PX]
