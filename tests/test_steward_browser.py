"""What a person sees, in headless Chromium on the real server: the query page runs its first
example as it opens and shows labels in full, without language tags unless asked; the change log
and the validation report render, for a graph that conforms and for one that does not; an entity
page leads with its summary and folds its long tables.

The fixtures of tests/test_ui.py (Debian's Chromium driven by Playwright); screenshots are
written under build/screenshots/. Expected values come from the server's own SPARQL endpoint and
JSON API.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from alliance_kg.config import Config
from alliance_kg.store import LAYER_GRAPHS, PREFIXES, Change, open_graph
from alliance_kg.store.queries import load_query
from alliance_kg.web import ui
from chromium import new_page
from chromium import offline as _offline
from server import Server, running_server
from test_ui import INSTALL_YASGUI, page  # noqa: F401 (a fixture, used by name)

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "build" / "screenshots"
TOKEN = "a-steward-browser-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
#: A company label the first example's table shows, which Yasr used to cut ("Mitsubishi Motor…").
LONG_LABEL = "Mitsubishi Motors"

pytestmark = [pytest.mark.processes, pytest.mark.xdist_group(name="steward_browser")]


def _get(url: str, accept: str = "application/json"):
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept}), timeout=30) as response:
        return json.loads(response.read())


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={**AUTH, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _shot(page, name: str, *, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.mouse.move(0, 0)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page scrolls sideways: {width} px"


@pytest.fixture(scope="module")
def ui_server() -> Iterator[Server]:
    """The real server, taking writes with TOKEN (test_ui's ``page`` fixture uses it by name)."""
    with running_server(env={"ALLIANCE_KG_WRITE_TOKEN": TOKEN}) as server:
        yield server


@pytest.fixture(scope="module")
def broken_server(tmp_path_factory) -> Iterator[Server]:
    """A real server over a store on disk that does not conform: an assignment that ends before it
    starts, put in the store past the guard (as a load of a bad file could)."""
    store = tmp_path_factory.mktemp("broken-store")
    kg = open_graph(Config.from_env({"ALLIANCE_KG_STORE": str(store)}))
    japan = ox.NamedNode(PREFIXES["akr"] + "assignment-Japan")
    end = ox.Literal("2019-01-01", datatype=ox.NamedNode(PREFIXES["xsd"] + "date"))
    kg.commit(Change(added=frozenset([ox.Quad(japan, ox.NamedNode(PREFIXES["akg"] + "validTo"), end,
                                              ox.NamedNode(LAYER_GRAPHS["seed"]))])))
    kg.close()
    with running_server("--store", str(store)) as server:
        yield server


@pytest.fixture
def broken_page(browser, broken_server):
    """A page that may fetch from the broken server only, as test_ui's ``page`` does for its server."""
    page = new_page(browser, broken_server, height=1024)
    yield page
    page.context.close()


# --- the query page ------------------------------------------------------------------------------

#: For each cell that reads ``name``: whether the text lies inside its cell, how many lines each
#: word takes (2 means a word is cut in two), and whether an element around it clips it.
SEEN_IN_FULL = """name => Array.from(document.querySelectorAll('.yasr table.dataTable tbody td'))
  .filter(td => td.innerText.trim() === name)
  .map(td => {
    const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
    let node = walker.nextNode();
    while (node && !node.data.includes(name)) node = walker.nextNode();
    const range = document.createRange();
    range.selectNodeContents(node);
    const cell = td.getBoundingClientRect(), text = range.getBoundingClientRect();
    const lines = name.split(' ').map(word => {
      const at = node.data.indexOf(word), part = document.createRange();
      part.setStart(node, at); part.setEnd(node, at + word.length);
      return new Set(Array.from(part.getClientRects(), r => Math.round(r.top))).size;
    });
    let clipped = false;
    for (let el = node.parentElement; el && el !== td.parentElement; el = el.parentElement) {
      const style = getComputedStyle(el);
      if (el.scrollWidth > el.clientWidth + 1 && (style.overflow !== 'visible' || style.textOverflow === 'ellipsis')) clipped = true;
    }
    return {inside: text.left >= cell.left - 1 && text.right <= cell.right + 1, lines, clipped};
  })"""


def _first_example_rows(server: Server) -> list[dict]:
    """The rows of the page's first example, from the server's SPARQL endpoint."""
    query = ui.examples()[0].query
    answer = _get(server.sparql + "?" + urllib.parse.urlencode({"query": query}), "application/sparql-results+json")
    return answer["results"]["bindings"]


def _cells(page) -> list[str]:
    return page.eval_on_selector_all(".yasr table.dataTable tbody td", "tds => tds.map(td => td.innerText.trim())")


def test_the_query_page_runs_its_first_example_on_load_with_labels_in_full_and_no_tags(page, ui_server):
    expected = _first_example_rows(ui_server)
    labels = {cell["value"] for row in expected for cell in row.values() if cell.get("xml:lang")}
    assert LONG_LABEL in labels and len(expected) > 1
    for width, name in ((1440, "query-page"), (900, "query-page-900")):
        page.set_viewport_size({"width": width, "height": 1000})
        page.goto(page.base + "/")  # and nothing pressed: no ▶, no example link
        page.wait_for_selector("body[data-ready]")
        assert page.get_attribute("body", "data-ready") == "yasgui", INSTALL_YASGUI
        page.wait_for_function(f"() => document.querySelectorAll('.yasr table.dataTable tbody tr').length === {len(expected)}")
        cells = _cells(page)
        assert labels <= set(cells), labels - set(cells)
        assert not [c for c in cells if "@" in c or "^^" in c], "language tags or datatypes shown by default"
        seen = page.evaluate(SEEN_IN_FULL, LONG_LABEL)
        assert seen, f"no cell reads {LONG_LABEL!r}"
        assert all(s["inside"] and not s["clipped"] and set(s["lines"]) == {1} for s in seen), seen
        assert page.locator(".yasr table.dataTable").get_by_text(LONG_LABEL, exact=True).first.is_visible()
        _shot(page, name, full_page=False)
    _offline(page)


def test_the_check_of_labels_in_full_fails_on_a_cut_label(page):
    # The check above can fail: with Yasr's own "Ellipse" switch on, in a narrow table, labels are cut.
    page.set_viewport_size({"width": 700, "height": 900})
    page.goto(page.base + "/")
    page.wait_for_selector(".yasr table.dataTable tbody tr")
    page.evaluate("() => { const t = window.queryPage.yasr.config.plugins.table;"
                  " t.dynamicConfig = Object.assign({}, t.dynamicConfig, {isEllipsed: true}); window.queryPage.yasr.draw(); }")
    page.add_style_tag(content=".yasr table.dataTable { table-layout: fixed; width: 400px !important; }")
    page.wait_for_selector(".yasr table.dataTable.ellipseTable")
    seen = page.evaluate(SEEN_IN_FULL, LONG_LABEL)
    assert seen and any(s["clipped"] or not s["inside"] for s in seen), seen


def test_the_tags_and_datatypes_show_when_asked(page):
    page.goto(page.base + "/")
    page.wait_for_selector(".yasr table.dataTable tbody tr")
    box = page.get_by_label("Show language tags and datatypes")
    assert box.is_visible() and not box.is_checked()
    box.focus()
    page.keyboard.press("Space")  # by keyboard
    page.wait_for_function("() => document.querySelector('.yasr table.dataTable tbody').innerText.includes('@en')")
    cells = _cells(page)
    assert any(c.startswith('"Europe"') and c.endswith("@en") for c in cells), cells
    assert any("^^xsd:date" in c for c in cells), cells
    box.click()
    page.wait_for_function("() => !document.querySelector('.yasr table.dataTable tbody').innerText.includes('@en')")
    _offline(page)


def test_the_plain_editor_hides_tags_unless_asked(page):
    page.goto(page.base + "/?editor=plain")  # the first example runs here too
    page.wait_for_selector("#plain-table tbody tr")
    assert "@en" not in page.inner_text("#plain-table")
    page.get_by_label("Show language tags and datatypes").check()
    assert "@en" in page.inner_text("#plain-table")
    _offline(page)


def test_the_query_page_has_the_site_navigation_and_search(page):
    page.set_viewport_size({"width": 360, "height": 900})
    page.goto(page.base + "/")
    page.wait_for_selector("body[data-ready]")
    nav = page.locator("header nav.site")
    assert nav.is_visible()
    for name in ("changes", "validation"):
        assert nav.get_by_role("link", name=name, exact=True).is_visible()
    assert page.get_by_label("Search", exact=True).is_visible()
    _no_sideways_scroll(page)
    _shot(page, "query-page-360", full_page=False)
    nav.get_by_role("link", name="changes", exact=True).click()
    page.wait_for_url("**/changes")
    _offline(page)


# --- the change log -------------------------------------------------------------------------------


def test_the_change_log_page_shows_a_write_with_links(page, ui_server):
    created = _post(ui_server.url + "/api/companies", {"label": "Dacia Motors"})
    [entry] = [e for e in _get(ui_server.url + "/api/changes")["changes"] if e["id"] == created["change"]]
    page.goto(page.base + "/changes")
    row = page.locator(f"tr.change#{entry['id']}")
    assert row.is_visible()
    text = row.inner_text()
    assert entry["summary"] in text and entry["agent"] in text and f"+{entry['added']} added" in text
    assert "The graph conforms" in page.inner_text("#verdict")
    _shot(page, "changes")
    for width in (360,):
        page.set_viewport_size({"width": width, "height": 900})
        _no_sideways_scroll(page)
        _shot(page, f"changes-{width}")
    page.set_viewport_size({"width": 1440, "height": 1024})
    row.get_by_role("link", name="Dacia Motors").first.click()
    page.wait_for_url(f"**/doc/{created['id']}")
    assert page.inner_text("h1") == "Dacia Motors"
    _offline(page)


# --- the validation report ------------------------------------------------------------------------


def test_the_validation_page_of_a_graph_that_conforms(page):
    page.goto(page.base + "/validation")
    assert "The graph conforms" in page.inner_text("#verdict")
    assert page.locator("section.rule").count() == 0
    assert page.locator("#rules tbody tr").count() > 0 and page.locator("#rules tbody tr").first.is_visible()
    _shot(page, "validation")
    _offline(page)


def test_the_validation_page_of_a_graph_that_does_not_conform(broken_page, broken_server):
    page = broken_page
    report = _get(broken_server.url + "/api/validation")
    assert report["conforms"] is False
    page.goto(page.base + "/validation")
    assert "does not conform" in page.inner_text("#verdict")
    for result in report["results"]:
        group = page.locator(f"section#rule-{result['source_shape'].rsplit('#', 1)[-1]}")
        assert group.is_visible()
        assert result["message"] in group.inner_text()
        assert group.get_by_role("link", name=result["focus_label"]).is_visible()
    _shot(page, "validation-not-conforming")
    page.set_viewport_size({"width": 360, "height": 900})
    _no_sideways_scroll(page)
    _shot(page, "validation-not-conforming-360")
    # by keyboard, to the focus node's page
    link = page.locator("section.rule a").first
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/doc/**")
    _offline(page)


# --- the entity page ------------------------------------------------------------------------------


def test_an_entity_page_leads_with_its_summary_and_folds_long_tables(page, ui_server):
    roles = _get(ui_server.url + "/api/companies/Renault")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(page.base + "/doc/Renault")
    summary = page.locator("section.summary")
    box = summary.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 900, "the summary is on the first screen"
    text = summary.inner_text()
    assert f"{len(roles['leads'])} scopes" in text
    for lead in roles["leads"]:
        assert summary.get_by_role("link", name=lead["scope"]["label"], exact=True).count() >= 1
    assert summary.get_by_role("link", name="JSON API answer").is_visible()
    # the long table is folded, a click (or Enter) away
    folded = page.locator("#roles details")
    assert not folded.evaluate("d => d.open")
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 2500, f"the page is {height} px tall"
    _shot(page, "entity-renault")
    folded.locator("summary").focus()
    page.keyboard.press("Enter")
    assert folded.evaluate("d => d.open")
    assert page.locator("#roles tr").nth(1).is_visible()
    page.set_viewport_size({"width": 360, "height": 900})
    _no_sideways_scroll(page)
    _shot(page, "entity-renault-360")
    _offline(page)
