"""The world map (``/map``) and the responsibility matrix (``/matrix``) in headless Chromium (Debian's
``chromium``, driven by Playwright), on the real server: what a person sees is what the API
answers. The colours of the countries are those of ``/api/responsibility?country=`` for the date;
moving the date recolours a country whose leader changed, without a reload; hover, focus, a click
and the keyboard show a country's region, leader and evidence; the SVG downloads; the matrix
cells are the API's, and sort and filter. Screenshots go to ``build/screenshots/``;
``ALLIANCE_KG_UPDATE_SCREENSHOT=1`` also writes the README's ``docs/map.png``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import urllib.parse
import urllib.request
import zlib
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from chromium import TIMEOUT_MS, new_page, offline
from server import Server, running_server

pytestmark = [pytest.mark.processes, pytest.mark.xdist_group(name="atlas_browser")]

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "build" / "screenshots"
README_SCREENSHOT = ROOT / "docs" / "map.png"
UPDATE_SCREENSHOT = os.environ.get("ALLIANCE_KG_UPDATE_SCREENSHOT") == "1"
TODAY = date.today().isoformat()
#: The fill, stroke and hatching of a country's shape as the browser paints them.
PAINT = """el => {
  const style = getComputedStyle(el);
  const pattern = /^url\\("?#([^")]+)"?\\)$/.exec(style.fill);
  const rects = pattern ? Array.from(document.getElementById(pattern[1]).querySelectorAll("rect")) : [];
  return {
    colours: pattern ? rects.filter(r => !r.classList.contains("hatch")).map(r => getComputedStyle(r).fill) : [style.fill],
    hatched: rects.some(r => r.classList.contains("hatch")),
    dashed: style.strokeDasharray !== "none",
  };
}"""


@pytest.fixture(scope="module")
def atlas_server() -> Iterator[Server]:
    with running_server() as server:
        yield server


@pytest.fixture
def page(browser, atlas_server):
    page = new_page(browser, atlas_server)
    yield page
    page.context.close()


def api(server: Server, path: str, **query) -> dict:
    url = server.url + path + ("?" + urllib.parse.urlencode(query) if query else "")
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def rgb(colour: str) -> str:
    """``#0072B2`` as a browser's computed style gives it: ``rgb(0, 114, 178)``."""
    return "rgb({}, {}, {})".format(*(int(colour[i:i + 2], 16) for i in (1, 3, 5)))


def expected_colours(server: Server, world: dict, country: dict) -> list[str]:
    """The colours a country must have on ``world``'s date: its leaders' by ``/api/responsibility``."""
    answer = api(server, "/api/responsibility", country=country["alpha2"], as_of=world["as_of"], layer=world["layer"])
    leaders = sorted({lead["id"] for lead in answer["leaders"]})
    colour = {c["id"]: c["colour"] for c in world["companies"]}
    return sorted(rgb(colour[c]) for c in leaders) or [rgb(world["no_leader_colour"])]


def open_map(page, as_of: str = TODAY) -> None:
    page.goto(f"{page.base}/map?as_of={as_of}")
    page.wait_for_selector(f"#atlas-map[data-ready='{as_of}']")


def paint(page, numeric: str) -> dict:
    return page.eval_on_selector(f"#map-canvas path.country[data-country='{numeric}']", PAINT)


# --- the map -------------------------------------------------------------------------------------------


def test_the_map_colours_each_country_by_the_leader_the_api_gives(page, atlas_server):
    open_map(page)
    world = api(atlas_server, "/api/map", as_of=TODAY)
    drawn = page.eval_on_selector_all(
        "#map-canvas path.country", "ps => ps.map(p => [p.dataset.country, getComputedStyle(p).fill])")
    coloured = [numeric for numeric, fill in drawn if numeric and fill not in ("none", "")]
    assert len(coloured) >= 150, f"only {len(coloured)} countries have a coloured shape"
    shapes = {numeric for numeric, _ in drawn}
    on_map = [c for c in world["countries"] if c["numeric"] in shapes]
    sample = [c for company in world["companies"] for c in on_map if company["id"] in {r["id"] for r in c["leaders"]}][::7]
    sample += [c for c in on_map if not c["leaders"]][::9]
    sample += [c for c in on_map if c["two_regions"]][:2] + [c for c in on_map if c["judgement_call"]][:3]
    assert len(sample) > 20 and {len(c["leaders"]) for c in sample} >= {0, 1}
    for country in sample:
        seen = paint(page, country["numeric"])
        assert sorted(seen["colours"]) == expected_colours(atlas_server, world, country), country["label"]
        assert seen["hatched"] == (country["two_regions"] and bool(country["leaders"])), country["label"]
        assert seen["dashed"] == country["judgement_call"], country["label"]
    # a world-atlas area the graph does not know is grey, and says so
    unknown = page.locator("#map-canvas path.country[data-country='']").first
    assert unknown.evaluate(PAINT)["colours"] == [rgb(world["no_leader_colour"])]
    assert "not in any reference region" in unknown.get_attribute("aria-label")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.mouse.move(0, 0)
    page.screenshot(path=str(SCREENSHOTS / "map.png"))
    offline(page)


def test_hover_shows_region_and_leader_and_a_click_opens_the_evidence(page, atlas_server):
    open_map(page)
    world = api(atlas_server, "/api/map", as_of=TODAY)
    by_numeric = {c["numeric"]: c for c in world["countries"]}
    # a country with a leader whose shape holds the middle of its box, so the pointer lands on it
    numeric, x, y = page.evaluate("""ids => {
      for (const p of document.querySelectorAll('#map-canvas path.country')) {
        if (!ids.includes(p.dataset.country)) continue;
        const box = p.getBoundingClientRect();
        const x = box.left + box.width / 2, y = box.top + box.height / 2;
        if (box.width > 30 && document.elementFromPoint(x, y) === p) return [p.dataset.country, x, y];
      }
    }""", [c["numeric"] for c in world["countries"] if c["leaders"]])
    country = by_numeric[numeric]
    page.mouse.move(x, y)
    tooltip = page.locator("#map-tooltip")
    tooltip.wait_for(state="visible")
    text = tooltip.inner_text()
    assert country["label"] in text and all(r["label"] in text for r in country["regions"])
    assert all(r["label"] in text for r in country["leaders"]), text
    page.mouse.click(x, y)
    panel = page.locator("#country-panel")
    panel.locator("section").first.wait_for()
    answer = api(atlas_server, "/api/responsibility", country=country["alpha2"], as_of=TODAY)
    shown = panel.inner_text()
    assert answer["note"] in shown
    for assignment in answer["assignments"]:
        for source in assignment["sources"]:
            assert source["document"]["title"] in shown and (source["quote"] or "") in shown
    assert panel.locator(f"a[href='/doc/{answer['assignments'][0]['id']}']").count() == 1
    href = panel.get_by_role("link", name="The answer as JSON").get_attribute("href")
    assert href == f"/api/responsibility?country={country['alpha2']}&as_of={TODAY}&layer=all"
    page.mouse.move(0, 0)
    tooltip.wait_for(state="hidden")
    offline(page)


def test_the_keyboard_reaches_a_country_and_opens_and_closes_its_answer(page, atlas_server):
    open_map(page)
    page.focus("form.question button[type=submit]")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.tagName, document.activeElement.getAttribute('class'), document.activeElement.dataset.country]")
    assert focused[0] == "path" and "country" in focused[1], focused
    label = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
    assert page.locator("#map-tooltip").is_visible()
    assert page.inner_text("#map-tooltip").split("\n")[0] in label
    stroke = page.evaluate("() => getComputedStyle(document.activeElement).strokeWidth")
    assert float(stroke.removesuffix("px")) >= 2, "the focused country is outlined"
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'country-panel'")
    assert page.locator("#country-panel-title").inner_text()
    page.keyboard.press("Escape")
    assert page.locator("#country-panel").is_hidden()
    assert page.evaluate("() => document.activeElement.dataset.country") == focused[2]

    # zoomed in, the focused country is brought into view (countries across the antimeridian,
    # drawn at both edges of the world, left out: the middle of their box is not in them)
    countries = page.eval_on_selector_all(
        "#map-canvas path.country[data-leaders]:not([data-leaders=''])",
        "ps => ps.filter(p => p.getBoundingClientRect().width < 200).map(p => p.dataset.country)")
    page.click("#zoom-in")
    page.click("#zoom-in")
    page.wait_for_selector("#map-canvas svg[data-zoom='4']")
    for numeric in countries[::12]:
        page.focus(f"#map-canvas path.country[data-country='{numeric}']")
        page.wait_for_timeout(50)
        frame = page.locator("#map-canvas svg").bounding_box()
        box = page.locator(f"#map-canvas path.country[data-country='{numeric}']").bounding_box()
        middle = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        assert frame["x"] <= middle[0] <= frame["x"] + frame["width"], numeric
        assert frame["y"] <= middle[1] <= frame["y"] + frame["height"], numeric
    page.click("#zoom-reset")
    page.wait_for_selector("#map-canvas svg[data-zoom='1']")
    offline(page)


def test_moving_the_date_recolours_a_country_whose_leader_changed_without_a_reload(page, atlas_server):
    world = api(atlas_server, "/api/map", as_of=TODAY)
    # a country and a date around the start or end of one of its assignments where its leaders differ
    found = None
    for country in (c for c in world["countries"] if c["leaders"]):
        answer = api(atlas_server, "/api/responsibility", country=country["alpha2"], as_of=TODAY)
        for a in answer["assignments"]:
            days = [date.fromisoformat(a["valid_from"]) - timedelta(days=1)]
            if a["valid_to"]:
                days.append(date.fromisoformat(a["valid_to"]) + timedelta(days=1))
            for day in days:
                then = api(atlas_server, "/api/map", as_of=day.isoformat())
                now = next(c for c in then["countries"] if c["id"] == country["id"])
                if now["leaders"] != country["leaders"] and country["numeric"]:
                    found = (country, day.isoformat(), then)
                    break
            if found:
                break
        if found:
            break
    assert found, "no country changes leader at the start or end of an assignment"
    country, day, then = found
    open_map(page)
    page.evaluate("() => { window.stillTheSamePage = true; }")
    before = paint(page, country["numeric"])
    assert sorted(before["colours"]) == expected_colours(atlas_server, world, country)
    legend_before = page.inner_text("#legend")
    page.fill("form.question input[name=as_of]", day)
    page.dispatch_event("form.question input[name=as_of]", "change")
    page.wait_for_selector(f"#atlas-map[data-ready='{day}']")
    after = paint(page, country["numeric"])
    assert sorted(after["colours"]) == expected_colours(atlas_server, then, country) != sorted(before["colours"])
    assert page.evaluate("() => window.stillTheSamePage") is True, "the page was reloaded"
    assert page.url.endswith(f"/map?as_of={day}&layer=all")
    assert page.inner_text("#map-date") == day
    # the legend and the table follow the date
    assert page.inner_text("#legend") != legend_before
    row = page.locator(f"#countries-table tr[data-alpha2='{country['alpha2']}']")
    assert row.get_attribute("data-leaders").split() == [r["id"] for r in next(
        c for c in then["countries"] if c["id"] == country["id"])["leaders"]]
    assert page.inner_text("#countries-title").startswith(f"Every country on {day}")
    offline(page)


def test_the_map_downloads_as_svg(page, atlas_server, tmp_path):
    open_map(page)
    world = api(atlas_server, "/api/map", as_of=TODAY)
    page.click("#zoom-in")  # the file has the whole world, however the map is zoomed
    page.wait_for_selector("#map-canvas svg[data-zoom='2']")
    with page.expect_download() as download:
        page.click("#download-svg")
    assert download.value.suggested_filename == f"alliance-kg-leaders-{TODAY}.svg"
    saved = tmp_path / "map.svg"
    download.value.save_as(saved)
    svg = saved.read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and 'xmlns="http://www.w3.org/2000/svg"' in svg
    assert len(re.findall(r'<path [^>]*class="country', svg)) >= 150
    assert all(company["label"] in svg for company in world["companies"]) and "no leader assigned" in svg
    assert world["companies"][0]["colour"] in svg and "<pattern" in svg and "tabindex" not in svg
    assert '<g class="zoom-layer">' in svg
    offline(page)


def test_the_map_page_fits_a_narrow_screen(browser, atlas_server):
    page = new_page(browser, atlas_server, width=360, height=740)
    try:
        open_map(page)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        box = page.locator("#map-canvas svg").bounding_box()
        assert box and box["width"] <= 360
        offline(page)
    finally:
        page.context.close()


def test_without_javascript_the_map_page_is_its_legend_and_table(browser, atlas_server):
    page = new_page(browser, atlas_server, javascript=False)
    try:
        page.goto(page.base + "/map?as_of=" + TODAY)
        world = api(atlas_server, "/api/map", as_of=TODAY)
        assert page.locator("#countries-table tbody tr").count() == world["count"]
        assert "the table below holds the same answers" in page.inner_text("#map-fallback")
        for company in world["companies"]:
            assert company["label"] in page.inner_text("#legend")
        page.get_by_role("link", name="Skip to the table of every country").click()
        assert page.url.endswith("#countries")
        offline(page)
    finally:
        page.context.close()


def test_the_readme_screenshot(browser, atlas_server):
    """The screenshot of the README: ``build/screenshots/map-readme.png``, and ``docs/map.png``
    itself with ALLIANCE_KG_UPDATE_SCREENSHOT=1."""
    target = README_SCREENSHOT if UPDATE_SCREENSHOT else SCREENSHOTS / "map-readme.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page = new_page(browser, atlas_server, width=900, height=900)
    try:
        open_map(page)
        page.mouse.move(0, 0)
        top = page.locator("main h1").bounding_box()
        bottom = page.locator("#map-canvas svg").bounding_box()
        clip = {"x": 0, "y": top["y"] - 8, "width": 900, "height": bottom["y"] + bottom["height"] - top["y"] + 16}
        page.screenshot(path=str(target), clip=clip, full_page=True)
        recompress(target)
        assert target.stat().st_size < 250_000
        offline(page)
    finally:
        page.context.close()


def recompress(path: Path) -> None:
    """Write the PNG at ``path`` again with its image data compressed at zlib's highest level."""
    data = path.read_bytes()
    chunks, at, idat = [], 8, b""
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        at += 12 + length
        if kind == b"IDAT":
            idat += body
            if data[at + 4:at + 8] != b"IDAT":
                chunks.append((b"IDAT", zlib.compress(zlib.decompress(idat), 9)))
        else:
            chunks.append((kind, body))
    out = data[:8] + b"".join(struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
                              for kind, body in chunks)
    path.write_bytes(out)


# --- the matrix -------------------------------------------------------------------------------------


def test_the_matrix_cells_are_the_api_answers_and_sort_and_filter(page, atlas_server):
    page.goto(f"{page.base}/matrix?as_of={TODAY}")
    page.wait_for_selector("#matrix[data-ready]")
    matrix = api(atlas_server, "/api/matrix", as_of=TODAY)
    shown = page.eval_on_selector_all("#matrix tbody tr", """rows => rows.map(r => [r.dataset.scope,
        Array.from(r.querySelectorAll('td[data-role]'), td => [td.dataset.company, td.innerText.trim()])])""")
    assert [scope for scope, _ in shown] == [row["scope"]["id"] for row in matrix["rows"]]
    for (scope, cells), row in zip(shown, matrix["rows"], strict=True):
        answer = api(atlas_server, "/api/responsibility", **{row["scope"]["kind"]: scope}, as_of=TODAY)
        leaders = {a["leader"]["id"] for a in answer["assignments"]}
        followers = {f["id"] for a in answer["assignments"] for f in a["followers"]}
        for company, text in cells:
            if company in leaders:
                assert text == "leader", (scope, company, text)
            elif company in followers:
                assert text.startswith("follower"), (scope, company, text)
            else:
                assert text == "", (scope, company, text)
    # a limited scope says what limits it
    limited = next(row["scope"] for row in matrix["rows"] if row["scope"]["limited_to"])
    header = page.inner_text(f"#matrix tr[data-scope='{limited['id']}'] th")
    assert "limited to" in header and limited["limited_to"][0]["label"] in header

    # sort by a company's column: its leads first, then its follows
    company = matrix["companies"][-1]
    page.locator(f"#matrix th[data-company='{company['id']}'] button").click()
    assert page.get_attribute(f"#matrix th[data-company='{company['id']}']", "aria-sort") == "ascending"
    roles = page.eval_on_selector_all(f"#matrix tbody td[data-company='{company['id']}']", "tds => tds.map(td => td.dataset.role)")
    rank = {"leader": 0, "follower": 1, "": 2}
    assert [rank[r] for r in roles] == sorted(rank[r] for r in roles) and roles[0] == "leader"
    page.locator(f"#matrix th[data-company='{company['id']}'] button").click()
    assert page.get_attribute(f"#matrix th[data-company='{company['id']}']", "aria-sort") == "descending"
    page.locator("#matrix thead th").first.locator("button").click()
    labels = page.eval_on_selector_all("#matrix tbody th", "ths => ths.map(th => th.dataset.value.toLowerCase())")
    assert labels == sorted(labels)

    # filter by kind on the page, without a reload
    page.evaluate("() => { window.stillTheSamePage = true; }")
    page.select_option("form.question select[name=kind]", "technology")
    technology = [s["id"] for s in api(atlas_server, "/api/scopes", kind="technology")["scopes"]]
    visible = page.eval_on_selector_all("#matrix tbody tr:not([hidden])", "rows => rows.map(r => r.dataset.scope)")
    assert sorted(visible) == sorted(technology)
    assert page.inner_text("#matrix-status").startswith(f"{len(technology)} scopes")
    assert "kind=technology" in page.url and page.evaluate("() => window.stillTheSamePage") is True
    page.select_option("form.question select[name=kind]", "")
    assert page.locator("#matrix tbody tr:not([hidden])").count() == matrix["count"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "matrix.png"), full_page=True)
    offline(page)


def test_the_matrix_page_fits_a_narrow_screen_and_filters_without_javascript(browser, atlas_server):
    page = new_page(browser, atlas_server, width=360, height=740, javascript=False)
    try:
        page.goto(f"{page.base}/matrix?as_of={TODAY}")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        page.select_option("form.question select[name=kind]", "segment")
        page.click("form.question button[type=submit]")
        page.wait_for_url(re.compile(r"kind=segment"))
        segments = [s["id"] for s in api(atlas_server, "/api/scopes", kind="segment")["scopes"]]
        assert page.eval_on_selector_all("#matrix tbody tr", "rows => rows.map(r => r.dataset.scope)") == segments
        offline(page)
    finally:
        page.context.close()
