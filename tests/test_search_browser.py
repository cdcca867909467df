"""The search box of every page in headless Chromium (Debian's ``chromium``, driven by Playwright),
on the real server: typing a misspelt, singular or accented name offers the right thing among
the box's suggestions, and submitting opens the results page. Screenshots go to
``build/screenshots/``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chromium import new_page, offline
from server import Server, running_server

pytestmark = [pytest.mark.processes, pytest.mark.xdist_group(name="search_browser")]

SCREENSHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots"


@pytest.fixture(scope="module")
def search_server() -> Iterator[Server]:
    with running_server() as server:
        yield server


@pytest.fixture
def page(browser, search_server):
    page = new_page(browser, search_server)
    yield page
    page.context.close()


def suggestions(page, typed: str) -> list[str]:
    """What the search box offers once ``typed`` is typed into it, as a person would."""
    box = page.locator("#site-search-q")
    box.fill("")
    box.press_sequentially(typed, delay=20)
    page.wait_for_function(
        "q => document.getElementById('site-search-q').dataset.suggested !== undefined"
        " && document.querySelectorAll('#site-search-suggestions option').length > 0", arg=typed)
    return page.locator("#site-search-suggestions option").evaluate_all("os => os.map(o => o.value)")


@pytest.mark.parametrize("path", ["/doc/Renault", "/map", "/"])
@pytest.mark.parametrize("typed, expected", [
    ("Renualt", "Renault"),  # misspelt
    ("all-solid-state battery", "all-solid-state batteries"),  # singular
    ("Turkiye", "Türkiye"),  # without its accent
    ("Deutschland", "Germany"),  # in another language
])
def test_the_box_suggests_the_right_thing(page, path, typed, expected):
    page.goto(page.base + path)
    offered = suggestions(page, typed)
    assert offered[0] == expected, offered
    offline(page)


def test_submitting_opens_the_results_with_links(page):
    page.goto(page.base + "/doc/Renault")
    page.locator("#site-search-q").fill("Qashqai")
    page.locator("#site-search-q").press("Enter")
    page.wait_for_url("**/search?q=Qashqai")
    links = page.locator("main table a").evaluate_all("as => as.map(a => a.textContent)")
    assert len(links) >= 2 and all("Qashqai" in text for text in links[:2]), links
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "search.png"), full_page=True)
    offline(page)
