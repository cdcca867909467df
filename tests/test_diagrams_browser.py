"""The lineage diagrams in headless Chromium, on the real server: what a person sees.

The expected nodes and links come from ``/api/lineage/<key>`` of the same server, never from a
list copied from the data. Screenshots go to ``build/screenshots/lineage-<key>.png``;
``ALLIANCE_KG_UPDATE_SCREENSHOT=1`` also writes the README's figure, ``docs/lineage.png`` (the
deepest tree, about 900 px wide, as a small palette PNG).
"""

from __future__ import annotations

import base64
import json
import os
import struct
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from alliance_kg.knowledge.catalog import catalog
from chromium import new_page
from chromium import offline as _offline
from server import Server, running_server

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "build" / "screenshots"
README_FIGURE = ROOT / "docs" / "lineage.png"
UPDATE_SCREENSHOT = os.environ.get("ALLIANCE_KG_UPDATE_SCREENSHOT") == "1"
#: The relations as the diagram names them on its lines (static/views/lineage.js: RELATIONS).
RELATIONS = {"derived_from": "derived from", "sits_on_platform": "on platform", "platform_variant_of": "variant of"}
STRENGTHS = ["stated", "implied", "attributed", "opinion"]
#: The smallest a name (14 px in the stylesheet) may be drawn and still be read.
SMALLEST_NAME_PX = 11.5


def in_chromium(test):
    """Mark a test that drives Chromium on the real server (slow: ``make test-slow``)."""
    return pytest.mark.processes(pytest.mark.xdist_group(name="diagrams_browser")(test))


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with running_server() as running:
        yield running


@pytest.fixture
def open_page(browser, server):
    """``open_page(width, javascript=True)``: a fresh page of that width that may fetch from the
    server only (any other request is refused and recorded in ``page.elsewhere``)."""
    pages = []

    def make(width: int = 1440, *, javascript: bool = True):
        pages.append(new_page(browser, server, width=width, javascript=javascript))
        return pages[-1]

    yield make
    for page in pages:
        page.context.close()


# --- what the API answers ---------------------------------------------------------------------


def api(server: Server, path: str) -> dict:
    with urllib.request.urlopen(server.url + path) as response:
        return json.load(response)


def expected_tree(answer: dict) -> dict[str, str]:
    """Every model and platform of a lineage answer, by id: ``model`` or ``platform``."""
    kinds = {answer["item"]["id"]: answer["item"]["kind"]}
    for node in answer["ancestors"] + answer["descendants"]:
        kinds[node["id"]] = node["kind"]
    for ref in answer["platforms"] + answer["platform_families"]:
        kinds[ref["id"]] = "platform"
    for edge in answer["edges"]:
        kinds.setdefault(edge["subject"]["id"], "platform" if edge["relation"] == "platform_variant_of" else "model")
        kinds.setdefault(edge["object"]["id"], "model" if edge["relation"] == "derived_from" else "platform")
    return kinds


def main_source(edge: dict) -> dict:
    """The source an edge's label links to: the strongest of the edge's own layer."""
    own = [s for s in edge["sources"] if s["layer"] == edge["layer"]] or edge["sources"]
    return min(own, key=lambda s: STRENGTHS.index(s["strength"]) if s["strength"] in STRENGTHS else len(STRENGTHS))


@pytest.fixture(scope="module")
def deepest(server, shipped) -> str:
    """The model or platform whose lineage reaches furthest (then has most links), by the API."""

    def reach(key: str) -> tuple[int, int]:
        answer = api(server, f"/api/lineage/{key}")
        depth = max((n["depth"] for n in answer["ancestors"] + answer["descendants"]), default=0)
        return depth, len(answer["edges"])

    keys = [e.id for e in catalog(shipped).entities.values() if e.kinds & {"model", "platform"}]
    return max(sorted(keys), key=reach)


# --- what the page shows ----------------------------------------------------------------------


def drawn(page) -> dict:
    """What the diagram shows: its nodes, its edge labels, its scale and its direction."""
    page.wait_for_selector("svg.lineage-svg[data-drawn]")
    return page.evaluate(
        """() => {
        const svg = document.querySelector('svg.lineage-svg');
        const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
        return {
          direction: svg.dataset.direction,
          scale: svg.getBoundingClientRect().width / svg.viewBox.baseVal.width,
          nodes: Array.from(svg.querySelectorAll('g[data-node]'), g => ({
            id: g.dataset.node, kind: g.dataset.kind, item: g.classList.contains('node-item'),
            href: g.querySelector('a') && g.querySelector('a').getAttribute('href'),
            text: g.textContent, box: box(g.querySelector('rect.box')),
            names: Array.from(g.querySelectorAll('text'), box) })),
          labels: Array.from(svg.querySelectorAll('g.edge-label[data-edge]'), g => ({
            edge: g.dataset.edge, text: Array.from(g.querySelectorAll('text'), t => t.textContent),
            href: g.querySelector('a') && g.querySelector('a').getAttribute('href'), box: box(g.querySelector('rect.bg')) })),
          lines: svg.querySelectorAll('g.edge[data-edge] path').length,
          pageWidth: document.documentElement.scrollWidth, viewport: window.innerWidth,
        };
      }"""
    )


def overlap(a, b, margin: float = 0.5) -> bool:
    return a[0] < b[2] - margin and b[0] < a[2] - margin and a[1] < b[3] - margin and b[1] < a[3] - margin


def inside(inner, outer, margin: float = 1.0) -> bool:
    return (
        inner[0] >= outer[0] - margin
        and inner[1] >= outer[1] - margin
        and inner[2] <= outer[2] + margin
        and inner[3] <= outer[3] + margin
    )


def check_against_the_api(shown: dict, answer: dict) -> None:
    """One node per model and platform of the tree, each linked to its page; one labelled line per
    link, its label linked to its source."""
    tree = expected_tree(answer)
    ids = [n["id"] for n in shown["nodes"]]
    assert sorted(ids) == sorted(tree), "the diagram's nodes are not the tree's"
    models = sorted(i for i, kind in tree.items() if kind == "model")
    assert sorted(n["id"] for n in shown["nodes"] if n["kind"] == "model") == models
    assert [n["id"] for n in shown["nodes"] if n["item"]] == [answer["item"]["id"]]
    for node in shown["nodes"]:
        assert node["href"] == f"/doc/{node['id']}", node
        assert ("platform" if tree[node["id"]] == "platform" else "model") in node["text"], node
    edges = {f"{e['subject']['id']} {e['relation']} {e['object']['id']}": e for e in answer["edges"]}
    assert sorted(label["edge"] for label in shown["labels"]) == sorted(edges)
    assert shown["lines"] == len(edges)
    for label in shown["labels"]:
        edge = edges[label["edge"]]
        assert label["text"][0] == f"{RELATIONS[edge['relation']]} · {edge['strength'] or 'no strength'}", label
        assert label["href"] == f"/doc/{main_source(edge)['statement']}", label


def check_readable(shown: dict) -> None:
    """Names large enough to read; no box over another box or label; every text in its box."""
    assert shown["scale"] * 14 >= SMALLEST_NAME_PX, f"names drawn at {shown['scale'] * 14:.1f} px"
    boxes = [n["box"] for n in shown["nodes"]] + [label["box"] for label in shown["labels"]]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not overlap(a, b), (a, b)
    for node in shown["nodes"]:
        for text in node["names"]:
            assert inside(text, node["box"]), node["id"]
    assert shown["pageWidth"] <= shown["viewport"], "the page scrolls sideways (only the figure may)"


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"lineage-{name}.png"), full_page=True)


# --- the tests --------------------------------------------------------------------------------


@in_chromium
def test_the_deepest_tree_has_one_node_per_model_and_is_readable(open_page, server, deepest):
    answer = api(server, f"/api/lineage/{deepest}")
    page = open_page(1440)
    page.goto(f"{page.base}/lineage/{deepest}")
    shown = drawn(page)
    check_against_the_api(shown, answer)
    check_readable(shown)
    models = sum(1 for kind in expected_tree(answer).values() if kind == "model")
    status = page.inner_text(".lineage-status")
    assert status.startswith(f"{models} models, ") and f"{len(answer['edges'])} links" in status, status
    screenshot(page, deepest)
    if UPDATE_SCREENSHOT:
        page.mouse.move(0, 0)
        README_FIGURE.write_bytes(small_png(page, "figure.lineage-figure", 900))
    _offline(page)


@in_chromium
@pytest.mark.parametrize("key", ["NissanLivina", "RenaultAustral", "MitsubishiASX2023", "CMF-B"])
def test_models_and_platforms_up_and_down(open_page, server, key):
    answer = api(server, f"/api/lineage/{key}")
    page = open_page(1280)
    page.goto(f"{page.base}/lineage/{key}")
    shown = drawn(page)
    check_against_the_api(shown, answer)
    check_readable(shown)
    screenshot(page, key)
    _offline(page)


@in_chromium
def test_at_360_px_the_deepest_tree_is_read_by_scrolling_the_figure_only(open_page, server, deepest):
    answer = api(server, f"/api/lineage/{deepest}")
    page = open_page(360)
    page.goto(f"{page.base}/lineage/{deepest}")
    shown = drawn(page)
    check_against_the_api(shown, answer)
    check_readable(shown)
    screenshot(page, f"{deepest}-360")
    # the list is one block per link, every cell labelled: nothing to scroll sideways
    cells = page.eval_on_selector_all(
        "#lineage-list tbody td", "tds => tds.map(td => getComputedStyle(td, '::before').content)"
    )
    assert cells and all(c.startswith('"') for c in cells), cells[:5]
    _offline(page)


@in_chromium
def test_a_small_tree_fits_360_px_without_scrolling(open_page, server):
    page = open_page(360)
    page.goto(f"{page.base}/lineage/RenaultAustral")
    shown = drawn(page)
    check_readable(shown)
    scroller = page.eval_on_selector(".lineage-scroll", "e => [e.scrollWidth, e.clientWidth]")
    assert scroller[0] <= scroller[1], scroller
    assert shown["direction"] == "TB"
    screenshot(page, "RenaultAustral-360")
    _offline(page)


@in_chromium
def test_the_resource_page_of_a_model_shows_its_diagram(open_page, server):
    answer = api(server, "/api/lineage/RenaultAustral")
    page = open_page(1440)
    page.goto(f"{page.base}/doc/RenaultAustral")
    shown = drawn(page)
    check_against_the_api(shown, answer)
    assert page.get_by_role("heading", name="Lineage diagram").is_visible()
    screenshot(page, "doc-RenaultAustral")
    _offline(page)
    page.goto(f"{page.base}/doc/Renault")  # a company: no diagram
    assert page.locator("svg.lineage-svg").count() == 0


@in_chromium
def test_keyboard_reaches_every_node_and_label_and_follows_a_link(open_page, server):
    answer = api(server, "/api/lineage/RenaultAustral")
    page = open_page(1280)
    page.goto(f"{page.base}/lineage/RenaultAustral")
    drawn(page)
    page.focus("figcaption a[href='#lineage-list']")
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const a = document.activeElement; const g = a && a.closest('svg [data-node], svg [data-edge]');
                       if (!g) return null;
                       const ring = a.querySelector('.ring');
                       return {key: g.dataset.node || g.dataset.edge, ring: ring && getComputedStyle(ring).visibility}; }"""
        )
        if focused is None:
            if reached:
                break
            continue
        assert focused["ring"] == "visible", (focused, reached)  # the focus is visible
        reached.append(focused["key"])
    tree = expected_tree(answer)
    edges = [f"{e['subject']['id']} {e['relation']} {e['object']['id']}" for e in answer["edges"]]
    assert sorted(reached) == sorted([*tree, *edges])
    # the first stop is the top of the tree; Enter opens its page
    page.focus("figcaption a[href='#lineage-list']")
    page.keyboard.press("Tab")
    first = page.evaluate("() => document.activeElement.closest('[data-node]').dataset.node")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/doc/{first}")
    assert first == answer["platform_families"][0]["id"]  # CMF, above CMF-C/D, above the Austral


@in_chromium
def test_the_diagram_as_a_list(open_page, server):
    answer = api(server, "/api/lineage/CMF-B")
    page = open_page(1280)
    page.goto(f"{page.base}/lineage/CMF-B")
    drawn(page)
    page.get_by_role("link", name="The diagram as a list").click()
    assert page.url.endswith("#lineage-list")
    table = page.locator("#lineage-list")
    assert table.is_visible()
    rows = page.eval_on_selector_all("#lineage-list tbody tr", "rows => rows.map(r => r.dataset.edge)")
    assert sorted(rows) == sorted(f"{e['subject']['id']} {e['relation']} {e['object']['id']}" for e in answer["edges"])
    _offline(page)


@in_chromium
def test_without_javascript_the_list_is_there(open_page, server):
    answer = api(server, "/api/lineage/RenaultAustral")
    page = open_page(1280, javascript=False)
    page.goto(f"{page.base}/lineage/RenaultAustral")
    rows = page.locator("#lineage-list tbody tr")
    assert rows.count() == len(answer["edges"])
    assert "the list" in page.inner_text(".lineage-status")
    assert page.locator("svg.lineage-svg *").count() == 0


# --- the README's figure ------------------------------------------------------------------------

QUANTIZE = """async ([data, width]) => {
  // The screenshot, scaled to `width`, as at most 256 colours: the most frequent (by 15-bit
  // colour), each pixel given the nearest. A diagram is flat colours and anti-aliased edges.
  const img = new Image();
  img.src = 'data:image/png;base64,' + data;
  await img.decode();
  const height = Math.round(img.height * width / img.width);
  const canvas = document.createElement('canvas');
  canvas.width = width; canvas.height = height;
  const context = canvas.getContext('2d');
  context.imageSmoothingQuality = 'high';
  context.drawImage(img, 0, 0, width, height);
  const px = context.getImageData(0, 0, width, height).data;
  const buckets = new Map();
  for (let i = 0; i < px.length; i += 4) {
    const key = (px[i] >> 3) << 10 | (px[i + 1] >> 3) << 5 | (px[i + 2] >> 3);
    const b = buckets.get(key) || [0, 0, 0, 0];
    b[0]++; b[1] += px[i]; b[2] += px[i + 1]; b[3] += px[i + 2];
    buckets.set(key, b);
  }
  const palette = Array.from(buckets.values()).sort((a, b) => b[0] - a[0]).slice(0, 256)
    .map(b => [Math.round(b[1] / b[0]), Math.round(b[2] / b[0]), Math.round(b[3] / b[0])]);
  const nearest = new Map();
  const out = new Uint8Array(width * height);
  for (let i = 0, j = 0; i < px.length; i += 4, j++) {
    const key = (px[i] >> 3) << 10 | (px[i + 1] >> 3) << 5 | (px[i + 2] >> 3);
    let best = nearest.get(key);
    if (best === undefined) {
      let d = Infinity;
      palette.forEach((c, k) => {
        const e = (c[0] - px[i]) ** 2 + (c[1] - px[i + 1]) ** 2 + (c[2] - px[i + 2]) ** 2;
        if (e < d) { d = e; best = k; }
      });
      nearest.set(key, best);
    }
    out[j] = best;
  }
  let binary = '';
  for (let i = 0; i < out.length; i += 8192) binary += String.fromCharCode.apply(null, out.subarray(i, i + 8192));
  return {width, height, palette: palette.flat(), indices: btoa(binary)};
}"""


def small_png(page, selector: str, width: int) -> bytes:
    """A screenshot of ``selector`` about ``width`` px wide, as a palette PNG (a fraction of the
    size of the browser's true-colour one): scaled and quantized in the page, encoded here."""
    shot = base64.b64encode(page.locator(selector).screenshot()).decode()
    image = page.evaluate(QUANTIZE, [shot, width])
    return palette_png(image["width"], image["height"], image["palette"], base64.b64decode(image["indices"]))


def palette_png(width: int, height: int, palette: list[int], indices: bytes) -> bytes:
    """An 8-bit palette PNG (colour type 3) of ``indices``, one byte per pixel, row by row.

    >>> png = palette_png(2, 1, [255, 255, 255, 0, 0, 0], bytes([0, 1]))
    >>> png[:8], png[12:16], struct.unpack(">II", png[16:24])
    (b'\\x89PNG\\r\\n\\x1a\\n', b'IHDR', (2, 1))
    """

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + indices[y * width : (y + 1) * width] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"PLTE", bytes(palette))
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def test_palette_png_is_a_png_of_the_given_pixels():
    png = palette_png(3, 2, [255, 255, 255, 0, 0, 0], bytes([0, 1, 0, 1, 0, 1]))
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png.endswith(b"IEND\xaeB`\x82")
    idat = png.index(b"IDAT")
    (length,) = struct.unpack(">I", png[idat - 4 : idat])
    assert zlib.decompress(png[idat + 4 : idat + 4 + length]) == b"\x00\x00\x01\x00\x00\x01\x00\x01"
