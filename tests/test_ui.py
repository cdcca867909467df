"""The query page at ``/``: YASGUI over the SPARQL endpoint, example queries, links, offline.

The first tests use the Flask client. The others load the page from the real server in headless
Chromium (Debian's ``chromium`` package, driven by Playwright), run example queries and read the
result tables. They fail, not skip, when Chromium or YASGUI is missing: ``make install`` installs
both. ``ALLIANCE_KG_UPDATE_SCREENSHOT=1`` also saves the screenshot of the README,
``docs/query-page.png``; by default the tests write nothing into the checkout.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from alliance_kg.store.queries import load_query
from alliance_kg.web import create_app, ui, vendor
from chromium import new_page
from chromium import offline as _offline
from server import Server, running_server

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "docs" / "query-page.png"
UPDATE_SCREENSHOT = os.environ.get("ALLIANCE_KG_UPDATE_SCREENSHOT") == "1"
INSTALL_YASGUI = f"YASGUI is not installed ({vendor.YASGUI_BUILD} is missing): {ui.INSTALL_HINT}"
#: The ten reference regions and their leaders (data/seed/leadership.ttl).
LEADERS = {
    "ASEAN countries": "Mitsubishi Motors", "China": "Nissan", "Europe": "Renault", "Japan": "Nissan",
    "North Africa": "Renault", "North America": "Nissan", "Oceania": "Mitsubishi Motors",
    "Russia": "Renault", "South America": "Renault", "South East Asia": "Mitsubishi Motors",
}


@pytest.fixture(scope="module")
def ui_app(config, shipped):
    """An app of its own: the shared session ``app`` is left as create_app makes it."""
    return create_app(config, kg=shipped)


@pytest.fixture
def ui_client(ui_app):
    return ui_app.test_client()


# --- the page, through the Flask client -----------------------------------------------------


def test_yasgui_is_installed():
    # The page falls back to a plain editor without YASGUI; the tests do not: a checkout that
    # ran `make install` has it, and the browser tests below test YASGUI, not the fallback.
    assert ui.yasgui_build() is not None, INSTALL_YASGUI


def test_page_lists_examples_and_links(ui_client):
    response = ui_client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    for title in ("Leaders by region", "Responsibility for a country", "Lineage of a model", "Validation report"):
        assert title in html, title
    for href in ('href="/id/Europe"', 'href="/api/responsibility?country=DE"', 'href="/api/validation"',
                 'href="/sparql"'):
        assert href in html, href
    assert '<script src="/vendor/yasgui/yasgui.min.js">' in html, INSTALL_YASGUI


def test_the_page_has_the_site_navigation_and_the_box_for_language_tags(ui_client):
    html = ui_client.get("/").get_data(as_text=True)
    header = html[html.index("<header>"):html.index("</header>")]
    assert '<nav class="site"' in header and 'role="search"' in header
    for href in ('href="/changes"', 'href="/validation"'):
        assert href in header, href
    assert '<input type="checkbox" id="show-markup">' in html  # unchecked: no "@en" by default
    assert "The first example runs when the page opens" in html


def test_every_link_of_the_page_answers(ui_client):
    html = ui_client.get("/").get_data(as_text=True)
    links = sorted(set(re.findall(r'(?:src|href)="(/[^"]*)"', html)))
    assert "/id/Europe" in links and "/static/ui/query.js" in links
    for link in links:
        response = ui_client.get(link.replace("&amp;", "&"), follow_redirects=True)
        assert response.status_code == 200, link
        response.close()


def test_page_loads_nothing_from_elsewhere(ui_client):
    response = ui_client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    html = response.get_data(as_text=True)
    for url in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert url.startswith(("/", "?", "data:")), url
    build = ui.yasgui_build()
    assert build is not None, INSTALL_YASGUI
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", (build / "yasgui.min.css").read_text()), "remote CSS"


def test_vendor_files(ui_client):
    response = ui_client.get("/vendor/yasgui/yasgui.min.js")
    assert response.status_code == 200, INSTALL_YASGUI
    assert "javascript" in response.mimetype
    response.close()
    for name in ("package.json", "../package.json", "%2e%2e/%2e%2e/package.json"):
        assert ui_client.get(f"/vendor/yasgui/{name}").status_code == 404, name


def test_without_yasgui_the_page_is_a_plain_editor_that_says_how_to_install_it(ui_client, monkeypatch, tmp_path):
    monkeypatch.setattr(vendor, "YASGUI_BUILD", tmp_path / "missing")
    ui_client.application.wsgi_app.clear()  # the page with Yasgui, kept by an earlier test, goes
    html = ui_client.get("/").get_data(as_text=True)
    assert 'id="yasgui-missing"' in html and "make install" in html
    assert "yasgui.min.js" not in html
    assert '<textarea id="query" name="query"' in html
    response = ui_client.get("/vendor/yasgui/yasgui.min.js")
    assert response.status_code == 404
    assert "make install" in response.json["error"]["hint"]


def test_bad_parameters(ui_client):
    assert ui_client.get("/?example=nothing").status_code == 404
    assert ui_client.get("/?editor=emacs").status_code == 400
    assert ui_client.get("/?query=x").status_code == 400


def test_example_queries_answer_the_questions(shipped):
    def rows(name):
        return [{k: v.value for k, v in row.items()} for row in shipped.select(load_query(f"example_{name}"))]

    leaders = {r["regionLabel"]: r["leaderLabel"] for r in rows("leaders_by_region")}
    assert leaders == LEADERS
    responsible = rows("responsibility_for_a_country")
    assert {r["countryLabel"] for r in responsible} == {"Indonesia"}
    assert {r["leaderLabel"] for r in responsible} == {"Mitsubishi Motors"}
    lineage = {(r["from"].rsplit("/", 1)[1], r["link"].rsplit("#", 1)[1], r["to"].rsplit("/", 1)[1])
               for r in rows("lineage_of_a_model")}
    assert ("NissanLivina", "derivedFrom", "MitsubishiXpander") in lineage
    assert ("MitsubishiOutlanderIV", "sitsOnPlatform", "CMF-CD") in lineage
    assert [e.name for e in ui.examples()][:3] == list(ui.EXAMPLE_ORDER)


# --- the page in headless Chromium, on the real server --------------------------------------



@pytest.fixture(scope="module")
def ui_server() -> Iterator[Server]:
    """The real server (``alliance-kg serve``)."""
    with running_server() as server:
        yield server


@pytest.fixture
def page(browser, ui_server):
    """A fresh page that may fetch from the server only: any other request is refused and recorded."""
    page = new_page(browser, ui_server, height=1024)
    yield page
    page.context.close()


def _table(page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        selector + " tbody tr",
        "rows => rows.map(r => Array.from(r.querySelectorAll('td'), td => td.innerText.trim()))",
    )


@pytest.mark.processes
@pytest.mark.xdist_group(name="ui_browser")
def test_yasgui_runs_an_example_and_shows_the_rows(page):
    page.goto(page.base + "/")
    page.wait_for_selector("body[data-ready]")
    assert page.get_attribute("body", "data-ready") == "yasgui", INSTALL_YASGUI
    # Syntax highlighting: CodeMirror tokens of the SPARQL mode.
    assert page.locator(".yasqe .CodeMirror .cm-keyword").count() > 0

    page.get_by_role("link", name="Leaders by region").click()  # it ran as the page opened; it runs again
    page.wait_for_function("() => document.getElementById('status').textContent.startsWith('10 results')")
    page.wait_for_function("() => document.querySelectorAll('.yasr table.dataTable tbody tr').length === 10")
    rows = _table(page, ".yasr table.dataTable")
    texts = [" | ".join(r) for r in rows]
    assert any("Europe" in t and "Renault" in t for t in texts), texts
    # Labels in full, without their language tags unless asked (the box above the table).
    for region, leader in LEADERS.items():
        assert any(region in row and leader in row for row in rows), (region, texts)
    assert not any("@en" in t for t in texts), texts
    if UPDATE_SCREENSHOT:  # the README's picture: the page as it opens
        page.mouse.move(0, 0)
        page.screenshot(path=str(SCREENSHOT))
    page.get_by_label("Show language tags and datatypes").check()
    page.wait_for_function("() => document.querySelector('.yasr table.dataTable tbody').innerText.includes('@en')")
    texts = [" | ".join(r) for r in _table(page, ".yasr table.dataTable")]
    for region, leader in LEADERS.items():
        assert any(f'"{region}"@en' in t and f'"{leader}"@en' in t for t in texts), (region, texts)
    assert page.inner_text("#status").startswith("10 results")
    # IRIs of the graph link to the resource pages of this service.
    assert page.locator(".yasr a.iri[href='/id/Europe']").count() == 1
    assert page.locator(".yasr a.iri", has_text="akr:Renault").first.get_attribute("href") == "/id/Renault"
    assert page.url.endswith("/?example=leaders_by_region")
    _offline(page)


@pytest.mark.processes
@pytest.mark.xdist_group(name="ui_browser")
def test_yasgui_lineage_and_an_edited_query(page):
    page.goto(page.base + "/?example=lineage_of_a_model")  # opens on the example and runs it
    page.wait_for_selector(".yasr table.dataTable tbody tr")
    texts = [" | ".join(r) for r in _table(page, ".yasr table.dataTable")]
    assert any("akr:NissanLivina" in t and "akg:derivedFrom" in t and "akr:MitsubishiXpander" in t for t in texts), texts
    assert any("akr:MitsubishiOutlanderIV" in t and "akr:CMF-CD" in t for t in texts), texts

    query = "PREFIX akg: <https://w3id.org/alliance-kg/ontology#>\nSELECT (COUNT(*) AS ?regions) WHERE { ?r a akg:ReferenceRegion }"
    page.evaluate("q => document.querySelector('.yasqe .CodeMirror').CodeMirror.setValue(q)", query)
    page.click(".yasqe .yasqe_queryButton")
    page.wait_for_function("() => document.querySelector('.yasr table.dataTable tbody tr td:nth-child(2)')?.innerText.includes('10')")

    # Autocompletion works offline: prefixes from the graph's own list; no class or property
    # look-ups at LOV (the route of the page fixture would record them).
    page.click(".yasqe .CodeMirror-code")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type("PREFIX ak")
    page.wait_for_selector(".CodeMirror-hints")
    hints = page.inner_text(".CodeMirror-hints")
    assert "akg: <https://w3id.org/alliance-kg/ontology#>" in hints and "akr: <https://w3id.org/alliance-kg/id/>" in hints
    page.keyboard.press("Escape")
    page.keyboard.type("g: <https://w3id.org/alliance-kg/ontology#>\nSELECT * WHERE { ?s a <https://schema.org/Pers")
    page.keyboard.press("Control+Space")  # YASGUI's class completer would ask LOV here
    page.keyboard.type("> ; <https://schema.org/nam")
    page.keyboard.press("Control+Space")  # and its property completer here
    page.wait_for_timeout(1000)
    _offline(page)


@pytest.mark.processes
@pytest.mark.xdist_group(name="ui_browser")
def test_validation_report(page):
    page.goto(page.base + "/")
    page.get_by_role("link", name="Validation report").click()
    page.wait_for_selector("#report")
    assert "The graph conforms to every rule" in page.inner_text("#report")
    _offline(page)


@pytest.mark.processes
@pytest.mark.xdist_group(name="ui_browser")
def test_plain_editor(page):
    page.goto(page.base + "/?editor=plain&example=responsibility_for_a_country")
    page.wait_for_selector("#plain-table tbody tr")
    assert page.get_attribute("body", "data-ready") == "plain"
    rows = _table(page, "#plain-table")
    assert len(rows) == 2 and all("Indonesia" in " ".join(r) and "Mitsubishi Motors" in " ".join(r) for r in rows), rows
    assert page.locator("#plain-table a.iri[href='/id/country-ID']").count() == 2
    _offline(page)

    page.fill("#query", "SELECT * WHERE { ?s ?p }")
    page.click("#run")
    page.wait_for_selector("#status.failed")
    assert "syntax error" in page.inner_text("#status").lower()
    # (the reason phrase is the HTTP server's: waitress passes Flask's "BAD REQUEST", granian writes "Bad Request")
    assert [p.lower() for p in page.problems] == [
        "failed to load resource: the server responded with a status of 400 (bad request)"]
