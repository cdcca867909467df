"""Safe HTML pages: data written to the graph never runs as script in a page of the service.

Whoever holds a write token may store any IRI and any literal. The pages show them, but only
http(s) IRIs (and this service's own pages) become links: a ``javascript:`` or ``data:`` IRI is
text, and a label with markup is escaped. Every HTML page carries the same security headers
(Content-Security-Policy, X-Frame-Options, nosniff, Referrer-Policy).

The first tests use the Flask client; the last ones inject the payloads into the real server and
open the resource page and the query page in headless Chromium (the fixtures of test_ui.py).
"""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest

from alliance_kg.config import Config
from alliance_kg.web import create_app
from chromium import offline as _offline
from server import Server, running_server
from test_ui import INSTALL_YASGUI, page  # noqa: F401 (a fixture, used by name)

TOKEN = "a-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PUBLIC = "https://w3id.org/alliance-kg/graph/public"
#: Each payload, if it ran, would set window.__xss and log "xss-payload".
RUN = "window.__xss=1;console.log('xss-payload')"
JAVASCRIPT_IRI = f"javascript:{RUN};alert(document.domain)"
DATA_IRI = "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="  # <script>alert(1)</script>
SCRIPT_LABEL = f"<script>{RUN}</script>"
ONERROR_LABEL = f'"><img src=x onerror="{RUN}">'
ONERROR_LITERAL = ONERROR_LABEL.replace('"', '\\"')  # in a SPARQL string
UPDATE = f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX akr: <https://w3id.org/alliance-kg/id/>
INSERT DATA {{ GRAPH <{PUBLIC}> {{
  akr:Renault rdfs:seeAlso <{JAVASCRIPT_IRI}>, <{DATA_IRI}>, <mailto:someone@example.org>, akr:XssProbe ;
              rdfs:label "{SCRIPT_LABEL}", "{ONERROR_LITERAL}" .
  akr:XssProbe skos:prefLabel "{ONERROR_LITERAL}" .
}} }}"""
#: What the query page runs: the IRIs and labels the update wrote.
SELECT = f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX akr: <https://w3id.org/alliance-kg/id/>
SELECT ?value WHERE {{ GRAPH <{PUBLIC}> {{ akr:Renault rdfs:seeAlso|rdfs:label ?value }} }}"""
#: Pages that are HTML, and must carry the headers.
HTML_PAGES = ["/", "/?editor=plain", "/doc/Renault", "/doc/Europe", "/doc/Europe.html", "/ontology"]
HTML_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy")
BLOCKED_HANDLER = re.compile(r"Executing inline event handler violates the following Content Security Policy "
                             r"directive 'script-src 'self''.*The action has been blocked\.$", re.DOTALL)


class Tags(HTMLParser):
    """Every start tag of a page, with its attributes."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def scheme(href: str) -> str | None:
    """The scheme of an href (lower case), ``None`` for a relative reference."""
    match = re.match(r"\s*([a-z][a-z0-9+.\-]*):", href, re.IGNORECASE)
    return match.group(1).lower() if match else None


# --- the resource pages, through the Flask client ---------------------------------------------


@pytest.fixture
def writer(kg):
    """A client of an app that takes writes, over a fresh graph holding the payloads."""
    client = create_app(Config.from_env({"ALLIANCE_KG_WRITE_TOKEN": TOKEN}), kg=kg).test_client()
    response = client.post("/sparql", data={"update": UPDATE}, headers=AUTH)
    assert response.status_code == 200, response.get_data(as_text=True)
    return client


@pytest.mark.parametrize("key", ["Renault", "XssProbe"])
def test_a_page_links_only_http_iris_and_escapes_labels(writer, key):
    html = writer.get(f"/doc/{key}").get_data(as_text=True)
    tags = Tags(html).tags
    # the template's own empty icon (href="data:,", so that no browser asks for /favicon.ico) aside
    hrefs = [attrs["href"] or "" for tag, attrs in tags if "href" in attrs and not (tag == "link" and attrs.get("rel") == "icon")]
    assert {scheme(h) for h in hrefs} <= {None, "http", "https"}, sorted(h for h in hrefs if scheme(h))
    # the only scripts are the service's own files (the search box's suggestions), never the data's
    scripts = [attrs.get("src") or "" for tag, attrs in tags if tag == "script"]
    assert all(src.startswith("/static/") for src in scripts), scripts
    assert [tag for tag, _ in tags if tag == "img"] == []
    assert [name for _, attrs in tags for name in attrs if name.startswith("on")] == []
    assert "&lt;img src=x onerror=" in html  # shown, as text
    if key == "Renault":
        assert "<script>" not in html and "&lt;script&gt;window.__xss=1" in html
        for iri in (JAVASCRIPT_IRI, DATA_IRI, "mailto:someone@example.org"):
            assert f'<span class="iri" title="{iri}">' in html.replace("&#39;", "'"), iri
        # http(s) IRIs and this service's pages are still links.
        assert 'href="/id/XssProbe"' in html and 'href="http://www.wikidata.org/entity/Q6686"' in html


# --- the headers of every page ------------------------------------------------------------------


@pytest.mark.parametrize("path", HTML_PAGES)
def test_every_html_page_carries_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/html"
    for name in HTML_HEADERS:
        assert response.headers.get(name), name
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self';" in policy and "frame-ancestors 'self'" in policy
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("path, status", [("/doc/NothingHere", 404), ("/no/such/path", 404),
                                          ("/doc/Renault.ttl", 200), ("/api/companies", 200)])
def test_other_answers_are_not_html_and_are_not_sniffed(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response.mimetype != "text/html"  # error pages are JSON: nothing there for a browser to run
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- in headless Chromium, on the real server -------------------------------------------------


@pytest.fixture(scope="module")
def ui_server() -> Iterator[Server]:
    """The real server with a write token, the payloads written (test_ui's ``page`` uses it by name)."""
    with running_server(env={"ALLIANCE_KG_WRITE_TOKEN": TOKEN}) as server:
        request = urllib.request.Request(server.sparql, data=urllib.parse.urlencode({"update": UPDATE}).encode(),
                                         headers=AUTH, method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
        yield server


@pytest.fixture
def watched(page):
    """The page, recording dialogs (dismissed) and every console message."""
    page.dialogs = []  # type: ignore[attr-defined]
    page.messages = []  # type: ignore[attr-defined]
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda message: page.messages.append(message.text))
    return page


def _nothing_ran(page, *, blocked_handlers: bool = False) -> None:
    """No dialog, no message, no ``window.__xss``; no other console error (``_offline``).

    With ``blocked_handlers``, reports that the CSP blocked an inline event handler are allowed:
    YASR cleans each value with DOMPurify, which parses the onerror payload in a detached
    document, and Chromium reports the handler it met there as blocked.
    """
    page.wait_for_timeout(500)  # time for a payload to run, had it been let
    assert page.dialogs == [], f"a dialog opened: {page.dialogs}"
    assert not [m for m in page.messages if "xss-payload" in m], page.messages
    assert page.evaluate("() => window.__xss") is None
    if blocked_handlers:
        page.problems[:] = [p for p in page.problems if not BLOCKED_HANDLER.match(p)]
    _offline(page)


def _hrefs(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "links => links.map(a => a.getAttribute('href') || '')")


@pytest.mark.processes
@pytest.mark.xdist_group(name="safe_pages_browser")
def test_the_payloads_do_not_run_on_a_resource_page(watched):
    page = watched
    page.goto(page.base + "/doc/Renault")
    javascript = page.get_by_text(JAVASCRIPT_IRI, exact=True)
    assert javascript.count() == 1
    assert {scheme(h) for h in _hrefs(page, "a[href]")} <= {None, "http", "https"}
    javascript.click()
    page.get_by_text(DATA_IRI, exact=True).click()
    assert page.url == page.base + "/doc/Renault"
    assert page.get_by_text(SCRIPT_LABEL, exact=True).count() == 1  # a label, shown as text
    _nothing_ran(page)


@pytest.mark.processes
@pytest.mark.xdist_group(name="safe_pages_browser")
@pytest.mark.parametrize("editor", ["yasgui", "plain"])
def test_the_payloads_do_not_run_on_the_query_page(watched, editor):
    page = watched
    page.goto(page.base + f"/?editor={editor}")
    page.wait_for_selector("body[data-ready]")
    assert page.get_attribute("body", "data-ready") == editor, INSTALL_YASGUI
    if editor == "yasgui":
        page.evaluate("q => window.queryPage.yasqe.setValue(q)", SELECT)
        page.click(".yasqe .yasqe_queryButton")
        table = ".yasr table.dataTable"
    else:
        page.fill("#query", SELECT)
        page.click("#run")
        table = "#plain-table"
    page.wait_for_function("t => document.querySelectorAll(t + ' tbody tr').length === 6", arg=table)
    text = page.inner_text(table)
    assert "javascript:window.__xss" in text and "<script>window.__xss" in text and "onerror=" in text
    hrefs = _hrefs(page, table + " a")
    assert "/id/XssProbe" in hrefs
    assert {scheme(h) for h in hrefs} <= {None, "http", "https"}, hrefs
    page.locator(table).get_by_text("javascript:window.__xss").click()
    _nothing_ran(page, blocked_handlers=editor == "yasgui")


@pytest.mark.processes
@pytest.mark.xdist_group(name="safe_pages_browser")
@pytest.mark.parametrize("path", ["/doc/Europe", "/ontology"])
def test_the_policy_lets_the_pages_render(page, path):
    # The resource pages and pyLODE's page style themselves with a <style> element: the CSP
    # allows it ('unsafe-inline' styles); a refused style or script would be a console error.
    page.goto(page.base + path)
    inline_rules = "() => Array.from(document.styleSheets).filter(s => !s.href).map(s => s.cssRules.length)"
    assert sum(page.evaluate(inline_rules)) > 0, "the inline <style> was not applied"
    _offline(page)
