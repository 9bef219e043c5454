"""Debian's Chromium driven by Playwright, for the tests of the pages' scripts.

Playwright's own browser download does not work on these machines; the system
Chromium does. Tests skip (saying why) where it is not installed.
"""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium, closed on exit; skips the test without one."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        # CI installs Chromium (.ci/run): there a missing browser is a failure, not a skip.
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed, and CI must run the browser tests")
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()
