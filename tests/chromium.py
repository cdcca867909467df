"""Headless Chromium for the browser tests: Debian's ``chromium`` (``make install``), driven by
Playwright, and pages that may fetch from one server only. The tests fail, not skip, when it is
missing. The ``browser`` fixture (tests/conftest.py) launches it once per module."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
INSTALL_CHROMIUM = ("Debian's chromium is not installed (no `chromium` on PATH): run `make install`, "
                    "which installs it (or `sudo apt-get install chromium`)")
TIMEOUT_MS = 20_000


@contextmanager
def launched() -> Iterator:
    """Chromium, headless, for as long as the block runs."""
    if not CHROMIUM.exists():
        pytest.fail(INSTALL_CHROMIUM, pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is not installed: run `make install` (pip install -e '.[test]')", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, server, *, width: int = 1440, height: int = 1000, javascript: bool = True):
    """A page of its own context that may fetch from ``server`` only: any other request is refused
    and recorded in ``page.elsewhere``, the console's errors and warnings in ``page.problems``;
    ``page.base`` is the server's URL. Close it with ``page.context.close()``."""
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1,
                                  java_script_enabled=javascript, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.elsewhere, page.problems = [], []

    def only_the_server(route):
        if route.request.url.startswith(server.url + "/"):
            route.continue_()
        else:
            page.elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_server)
    page.on("console", lambda m: m.type in ("error", "warning") and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.base = server.url
    return page


def offline(page) -> None:
    """The page asked for nothing outside the server, and its console has no error or warning."""
    assert page.elsewhere == [], f"the page asked for something outside the server: {page.elsewhere}"
    assert page.problems == [], f"errors or warnings in the browser console: {page.problems}"
