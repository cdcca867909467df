"""The world map (``/map``, ``/api/map``) and the responsibility matrix (``/matrix``, ``/api/matrix``),
through the Flask client: their answers are those of ``/api/responsibility`` for the same question,
date and layer; the pages hold them as tables without a script; bad parameters are 400s that say
how to write them. The pages in Chromium: ``tests/test_atlas_browser.py``.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from html.parser import HTMLParser

import jsonschema
import pytest

from alliance_kg.knowledge.atlas import NO_LEADER_COLOUR, PALETTE
from alliance_kg.web import create_app
from alliance_kg.web.openapi import DESCRIPTION_FILE

DAY = date.today().isoformat()


@pytest.fixture(scope="module")
def atlas_client(config, shipped):
    """A client of an app of its own (the session's ``app`` is left as create_app makes it)."""
    return create_app(config, kg=shipped).test_client()


def get_json(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
    return response.get_json()


def leaders_of(answer: dict) -> set[str]:
    """The companies a responsibility answer gives as leaders of the whole question."""
    return {lead["id"] for lead in answer["leaders"]}


def start_dates(client) -> list[str]:
    """The first day of every assignment of a scope, from the API."""
    found = set()
    for scope in get_json(client, "/api/scopes")["scopes"]:
        answer = get_json(client, f"/api/responsibility?{scope['kind']}={scope['id']}")
        found |= {a["valid_from"] for a in answer["assignments"]}
    return sorted(found)


class Rows(HTMLParser):
    """The rows of the table ``table_id`` of a page: each row's attributes and its cells' attributes and text."""

    def __init__(self, table_id: str):
        super().__init__()
        self.table_id, self.inside, self.rows = table_id, False, []
        self.cell: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table" and attributes.get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append({"attrs": attributes, "cells": []})
        elif self.inside and tag in ("td", "th") and self.rows:
            self.cell = {"tag": tag, "attrs": attributes, "text": ""}
            self.rows[-1]["cells"].append(self.cell)

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif tag in ("td", "th"):
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell["text"] += data


def table_rows(html: str, table_id: str) -> list[dict]:
    """The body rows of the table ``table_id`` (its heading row left out)."""
    parser = Rows(table_id)
    parser.feed(html)
    return [row for row in parser.rows if not all(cell["tag"] == "th" for cell in row["cells"])]


def documented(path: str) -> jsonschema.Draft202012Validator:
    """A validator of the documented 200 answer of ``GET path``."""
    doc = json.loads(DESCRIPTION_FILE.read_text(encoding="utf-8"))
    schema = doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    return jsonschema.Draft202012Validator({**schema, "components": doc["components"]})


# --- the world map: /api/map -------------------------------------------------------------------------


@pytest.mark.parametrize("layer", ["all", "seed"])
def test_every_country_on_the_map_has_the_leaders_its_responsibility_answer_gives(atlas_client, layer):
    first = start_dates(atlas_client)[0]
    before = (date.fromisoformat(first) - timedelta(days=1)).isoformat()
    for day in (DAY, before):
        answer = get_json(atlas_client, f"/api/map?as_of={day}&layer={layer}")
        assert answer["as_of"] == day and answer["layer"] == layer
        assert answer["count"] == len(answer["countries"]) > 200
        for country in answer["countries"]:
            expected = get_json(atlas_client, f"/api/responsibility?country={country['id']}&as_of={day}&layer={layer}")
            assert {r["id"] for r in country["leaders"]} == leaders_of(expected), country["label"]
            assert country["assignments"] == sorted({lead["assignment"] for lead in expected["leaders"]})
            assert country["judgements"] == sorted(j["notation"] or j["id"] for j in expected["judgements"])
            via = {v["id"] for a in expected["assignments"] for v in a["via"]}
            assert via <= {r["id"] for r in country["regions"]}, country["label"]
        led = {c["id"]: sum(1 for x in answer["countries"] if c["id"] in {r["id"] for r in x["leaders"]})
               for c in answer["companies"]}
        assert answer["led"] == led
        assert answer["no_leader"] == sum(1 for x in answer["countries"] if not x["leaders"])
    # before the first assignment starts, no country has a leader: grey everywhere
    assert answer["no_leader"] == answer["count"]


def test_a_country_is_in_the_regions_its_responsibility_answer_goes_through(atlas_client):
    answer = get_json(atlas_client, f"/api/map?as_of={DAY}")
    with_leader = [c for c in answer["countries"] if c["leaders"]]
    assert with_leader
    for country in with_leader:
        expected = get_json(atlas_client, f"/api/responsibility?country={country['alpha2']}&as_of={DAY}")
        via = {(v["id"], v["basis"]) for a in expected["assignments"] for v in a["via"]}
        assert {(r["id"], r["basis"]) for r in country["regions"]} == via, country["label"]


def test_countries_carry_their_iso_codes(atlas_client, shipped):
    answer = get_json(atlas_client, f"/api/map?as_of={DAY}")
    for country in answer["countries"]:
        assert re.fullmatch(r"[A-Z]{2}", country["alpha2"]) and re.fullmatch(r"[A-Z]{3}", country["alpha3"])
        assert re.fullmatch(r"\d{3}", country["numeric"]), country
        assert get_json(atlas_client, f"/api/responsibility?country={country['alpha3']}")["question"]["country"]["id"] == country["id"]
    assert len({c["numeric"] for c in answer["countries"]}) == answer["count"]


def test_two_regions_and_judgement_calls_are_flagged(atlas_client):
    answer = get_json(atlas_client, f"/api/map?as_of={DAY}")
    judgement_ids = set()
    for country in answer["countries"]:
        expected = get_json(atlas_client, f"/api/responsibility?country={country['id']}")
        judgement_ids |= {j["id"] for j in expected["judgements"]}
        assert country["two_regions"] == (len({r["id"] for r in country["regions"]}) > 1)
        assert country["judgement_call"] == (
            bool(expected["judgements"]) or any(r["judgement_basis"] for r in country["regions"]))
    for country in answer["countries"]:
        for region in country["regions"]:
            assert region["judgement_basis"] == (region["basis_id"] in judgement_ids), (country["label"], region)
    # the data has each case: the tests above are not vacuous
    assert any(c["two_regions"] and c["leaders"] for c in answer["countries"])
    assert any(r["judgement_basis"] for c in answer["countries"] for r in c["regions"])
    assert any(c["judgement_call"] and not c["leaders"] for c in answer["countries"])


def test_companies_have_distinct_okabe_ito_colours_in_the_order_of_the_companies_api(atlas_client):
    companies = get_json(atlas_client, "/api/companies")["companies"]
    for url in (f"/api/map?as_of={DAY}", f"/api/matrix?as_of={DAY}"):
        answer = get_json(atlas_client, url)
        listed = answer["companies"]
        assert [c["id"] for c in listed][: len(companies)] == [c["id"] for c in companies]
        assert [c["colour"] for c in listed] == list(PALETTE[: len(listed)])
    assert get_json(atlas_client, "/api/map")["no_leader_colour"] == NO_LEADER_COLOUR not in PALETTE


def test_the_map_answer_is_as_documented(atlas_client):
    for url in (f"/api/map?as_of={DAY}", "/api/map?layer=seed&as_of=2019-01-01"):
        documented("/api/map").validate(get_json(atlas_client, url))


def test_without_as_of_the_map_is_for_today(atlas_client):
    assert get_json(atlas_client, "/api/map")["as_of"] == date.today().isoformat()


# --- the world map page: /map ------------------------------------------------------------------------


def test_the_map_page_holds_the_legend_and_the_table_of_every_country_without_a_script(atlas_client):
    answer = get_json(atlas_client, f"/api/map?as_of={DAY}")
    response = atlas_client.get(f"/map?as_of={DAY}")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    rows = table_rows(html, "countries-table")
    assert len(rows) == answer["count"]
    by_code = {c["alpha2"]: c for c in answer["countries"]}
    for row in rows:
        country = by_code[row["attrs"]["data-alpha2"]]
        assert row["attrs"]["data-country"] == country["numeric"]
        assert row["attrs"]["data-leaders"].split() == [r["id"] for r in country["leaders"]]
        text = [" ".join(cell["text"].split()) for cell in row["cells"]]
        assert text[0] == country["label"]
        if country["leaders"]:
            assert text[3] == ", ".join(r["label"] for r in country["leaders"])
        else:
            assert text[3] == "no leader assigned"
        for region in country["regions"]:
            assert f"{region['label']} ({region['basis']})" in text[2]
    for company in answer["companies"]:
        legend = re.search(rf'<li data-company="{company["id"]}" data-colour="{company["colour"]}">.*?</li>', html, re.S)
        assert legend and company["label"] in legend.group(0) and f"({answer['led'][company['id']]} countries)" in legend.group(0)
    assert f"no leader assigned <span class=\"muted\">({answer['no_leader']} countries)</span>" in html
    assert 'href="#countries"' in html  # the text alternative is a link away
    assert f'<input type="date" name="as_of" value="{DAY}" required>' in html
    for script in ("/vendor/d3.min.js", "/vendor/topojson-client.min.js", "/static/views/map.js"):
        assert f'<script src="{script}" defer></script>' in html


def test_the_map_page_links_each_country_to_its_answer_and_its_evidence(atlas_client):
    html = atlas_client.get("/map?as_of=2021-06-01&layer=seed").get_data(as_text=True)
    answer = get_json(atlas_client, "/api/map?as_of=2021-06-01&layer=seed")
    for country in answer["countries"][:40]:
        assert f'href="/api/responsibility?country={country["alpha2"]}&amp;as_of=2021-06-01&amp;layer=seed"' in html
        for assignment in country["assignments"]:
            assert f'href="/doc/{assignment}"' in html
    links = sorted(set(re.findall(r'(?:src|href)="(/[^"#]*)"', html)))
    countries = [link for link in links if link.startswith("/doc/country-")]
    for link in [link for link in links if link not in countries] + countries[:10]:
        response = atlas_client.get(link.replace("&amp;", "&"), follow_redirects=True)
        assert response.status_code == 200, link
        response.close()


@pytest.mark.parametrize("url, says", [
    ("/map?as_of=yesterday", "YYYY-MM-DD"),
    ("/map?as_of=2021-02-30", "YYYY-MM-DD"),
    ("/map?layer=public", "layer=seed"),
    ("/map?date=2021-01-01", "as_of="),
    ("/map?as_of=2021-01-01&as_of=2021-01-02", "give each parameter once"),
    ("/matrix?as_of=31/01/2021", "YYYY-MM-DD"),
    ("/matrix?kind=brand", "kind=region"),
])
def test_a_bad_parameter_of_a_page_is_a_400_page_that_says_how_to_write_it(atlas_client, url, says):
    response = atlas_client.get(url)
    assert response.status_code == 400 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and says in html
    assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize("url, says", [
    ("/api/map?as_of=2021-13-01", "YYYY-MM-DD"),
    ("/api/map?as_of=today", "YYYY-MM-DD"),
    ("/api/map?kind=region", "unknown parameter 'kind'"),
    ("/api/matrix?kind=platform", "kind=region"),
    ("/api/matrix?layer=regions", "layer=seed"),
])
def test_a_bad_parameter_of_the_api_is_a_400_error_envelope(atlas_client, url, says):
    response = atlas_client.get(url)
    assert response.status_code == 400 and response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == 400 and error["code"] == "bad_request"
    assert says in error["message"] + " " + (error["hint"] or "")


# --- the responsibility matrix: /api/matrix ----------------------------------------------------------


@pytest.mark.parametrize("layer", ["all", "seed"])
def test_every_cell_of_the_matrix_is_what_the_responsibility_answer_of_its_scope_says(atlas_client, layer):
    scopes = get_json(atlas_client, "/api/scopes")["scopes"]
    answer = get_json(atlas_client, f"/api/matrix?as_of={DAY}&layer={layer}")
    assert [row["scope"] for row in answer["rows"]] == scopes
    columns = [c["id"] for c in answer["companies"]]
    for row in answer["rows"]:
        scope = row["scope"]
        expected = get_json(atlas_client, f"/api/responsibility?{scope['kind']}={scope['id']}&as_of={DAY}&layer={layer}")
        assert row["leader_assigned"] == expected["leader_assigned"] and row["note"] == expected["note"]
        assert row["assignments"] == expected["assignments"]
        assert [cell["company"] for cell in row["cells"]] == columns
        for cell in row["cells"]:
            leads = [a["id"] for a in expected["assignments"] if a["leader"]["id"] == cell["company"]]
            follows = [a["id"] for a in expected["assignments"] if cell["company"] in {f["id"] for f in a["followers"]}]
            if leads:
                assert (cell["role"], cell["assignments"]) == ("leader", leads)
            elif follows:
                assert (cell["role"], cell["assignments"]) == ("follower", follows)
                assert cell["followers_rule"] in {"derived", "stated", "derived, stated"}
            else:
                assert (cell["role"], cell["assignments"]) == (None, [])
    roles = [cell["role"] for row in answer["rows"] for cell in row["cells"]]
    assert "leader" in roles and "follower" in roles


def test_a_scope_led_only_in_the_public_layer_has_an_empty_row_with_the_seed_alone(atlas_client):
    every = get_json(atlas_client, f"/api/matrix?as_of={DAY}")
    seed = {row["scope"]["id"]: row for row in get_json(atlas_client, f"/api/matrix?as_of={DAY}&layer=seed")["rows"]}
    public_only = [row["scope"]["id"] for row in every["rows"]
                   if row["assignments"] and all(a["layer"] == "public" for a in row["assignments"])]
    assert public_only, "the shipped data has scopes led in the public layer only"
    for scope in public_only:
        assert not seed[scope]["leader_assigned"] and {c["role"] for c in seed[scope]["cells"]} == {None}


def test_before_the_first_assignment_the_matrix_is_empty(atlas_client):
    before = (date.fromisoformat(start_dates(atlas_client)[0]) - timedelta(days=1)).isoformat()
    answer = get_json(atlas_client, f"/api/matrix?as_of={before}")
    assert answer["count"] > 0
    assert {cell["role"] for row in answer["rows"] for cell in row["cells"]} == {None}
    assert all("assignments exist only at other dates" in row["note"] for row in answer["rows"])


@pytest.mark.parametrize("kind", ["region", "technology", "segment"])
def test_the_matrix_filters_by_kind(atlas_client, kind):
    answer = get_json(atlas_client, f"/api/matrix?kind={kind}&as_of={DAY}")
    scopes = get_json(atlas_client, f"/api/scopes?kind={kind}")["scopes"]
    assert answer["kind"] == kind and [row["scope"] for row in answer["rows"]] == scopes
    assert answer["count"] == len(scopes) > 0
    html = atlas_client.get(f"/matrix?kind={kind}&as_of={DAY}").get_data(as_text=True)
    rows = table_rows(html, "matrix")
    assert [row["attrs"]["data-scope"] for row in rows] == [s["id"] for s in scopes]
    assert {row["attrs"]["data-kind"] for row in rows} == {kind}
    assert f'<option value="{kind}" selected>' in html


def test_the_matrix_answer_is_as_documented(atlas_client):
    for url in (f"/api/matrix?as_of={DAY}", "/api/matrix?kind=technology&layer=seed&as_of=2019-01-01"):
        documented("/api/matrix").validate(get_json(atlas_client, url))


# --- the matrix page: /matrix ------------------------------------------------------------------------


def test_the_matrix_page_holds_every_cell_with_a_link_to_its_evidence(atlas_client):
    answer = get_json(atlas_client, f"/api/matrix?as_of={DAY}")
    response = atlas_client.get(f"/matrix?as_of={DAY}")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    rows = table_rows(html, "matrix")
    assert len(rows) == answer["count"]
    for row, expected in zip(rows, answer["rows"], strict=True):
        scope = expected["scope"]
        assert row["attrs"]["data-scope"] == scope["id"] and row["attrs"]["data-kind"] == scope["kind"]
        header = " ".join(row["cells"][0]["text"].split())
        assert header.startswith(scope["label"])
        if scope["limited_to"]:
            assert "limited to" in header and all(r["label"] in header for r in scope["limited_to"])
        else:
            assert "limited to" not in header
        cells = [c for c in row["cells"] if "data-role" in c["attrs"]]
        for cell, want in zip(cells, expected["cells"], strict=True):
            assert cell["attrs"]["data-company"] == want["company"]
            assert cell["attrs"]["data-role"] == (want["role"] or "")
            text = cell["text"].strip()
            assert text.startswith(want["role"]) if want["role"] else text == ""
    for row in answer["rows"]:
        for cell in row["cells"]:
            for assignment in cell["assignments"]:
                assert f'<a href="/doc/{assignment}" title="{assignment}">' in html
        for source in (s for a in row["assignments"] for s in a["sources"]):
            assert source["quote"] is None or source["quote"].replace('"', "&#34;") in html
    assert '<script src="/static/views/matrix.js" defer></script>' in html


def test_the_matrix_page_before_the_first_assignment_has_empty_cells(atlas_client):
    before = (date.fromisoformat(start_dates(atlas_client)[0]) - timedelta(days=1)).isoformat()
    rows = table_rows(atlas_client.get(f"/matrix?as_of={before}").get_data(as_text=True), "matrix")
    assert rows and all(cell["text"].strip() == "" for row in rows for cell in row["cells"] if "data-role" in cell["attrs"])
