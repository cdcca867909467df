"""Every page against the WCAG 2 A and AA rules that axe-core checks (issue 19: pages that work
for everyone), in headless Chromium on the real server, after the page's scripts have run (the
query page with the results of its first example, the map drawn, the diagram laid out).

axe-core comes from npm (a development dependency in package.json, installed by ``make install``)
and runs through the DevTools protocol, which the pages' Content-Security-Policy does not govern:
nothing is added to the pages themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chromium import new_page, offline
from server import Server, running_server

pytestmark = [pytest.mark.processes, pytest.mark.xdist_group(name="accessibility_browser")]

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
PAGES = ["/", "/map", "/matrix", "/lineage/CMF", "/changes", "/validation", "/search?q=Renault", "/doc/Renault",
         "/doc/NissanLivina", "/doc/country-DE"]
RUN = """axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']}).then(result => result.violations.map(
    v => ({rule: v.id, impact: v.impact, where: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
           why: (v.nodes[0].any[0] || v.nodes[0].all[0] || {}).message})))"""


@pytest.fixture(scope="module")
def a11y_server() -> Iterator[Server]:
    with running_server() as server:
        yield server


@pytest.mark.parametrize("width", [1440, 360])
@pytest.mark.parametrize("path", PAGES)
def test_the_page_breaks_no_wcag_rule_axe_checks(browser, a11y_server, path, width):
    assert AXE.is_file(), "axe-core is not installed: run `make install` (npm ci)"
    page = new_page(browser, a11y_server, width=width)
    try:
        page.goto(page.base + path)
        page.wait_for_load_state("networkidle")
        page.evaluate(AXE.read_text(encoding="utf-8"))
        violations = page.evaluate(RUN)
        assert violations == [], violations
        offline(page)
    finally:
        page.context.close()
