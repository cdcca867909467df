"""The lineage diagrams, through the Flask client: ``/lineage/<key>`` and the figure on the pages
of models and platforms (``/doc/<id>``). What a script draws is tested in Chromium
(tests/test_diagrams_browser.py); here, what every reader gets without one: the table of every
link with its sources, the same links ``/api/lineage/<key>`` answers, and the same errors.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import pytest

from alliance_kg.knowledge.catalog import catalog

DATA_EDGE = re.compile(r'<tr data-edge="([^"]+)"')


def items(kg) -> list[str]:
    """The id of every model and platform of the graph."""
    return sorted(e.id for e in catalog(kg).entities.values() if e.kinds & {"model", "platform"})


def api_edges(client, key: str, query: str = "") -> list[str]:
    """The links /api/lineage/<key> answers, as the table writes them: subject, relation, object."""
    answer = client.get(f"/api/lineage/{quote(key)}{query}").json
    return sorted(f"{e['subject']['id']} {e['relation']} {e['object']['id']}" for e in answer["edges"])


def table_edges(page: str) -> list[str]:
    return sorted(html.unescape(e) for e in DATA_EDGE.findall(page))


def deepest(client, kg) -> str:
    """The model or platform whose lineage reaches furthest (then has most links), by the API."""

    def reach(key: str) -> tuple[int, int]:
        answer = client.get(f"/api/lineage/{key}").json
        depth = max((n["depth"] for n in answer["ancestors"] + answer["descendants"]), default=0)
        return depth, len(answer["edges"])

    return max(items(kg), key=reach)


def test_every_model_and_platform_has_its_page_with_the_links_the_api_answers(client, shipped):
    keys = items(shipped)
    assert len(keys) > 20
    for key in keys:
        response = client.get(f"/lineage/{key}")
        assert response.status_code == 200, key
        assert response.mimetype == "text/html"
        page = response.get_data(as_text=True)
        expected = api_edges(client, key)
        assert table_edges(page) == expected, key
        if expected:
            assert f'data-source="/api/lineage/{key}"' in page, key
            assert 'href="#lineage-list"' in page and 'id="lineage-list"' in page, key
        else:
            assert "<svg" not in page and "nothing to draw" in page, key


def test_the_table_gives_each_link_its_relation_strength_and_sources(client, shipped):
    answer = client.get("/api/lineage/NissanLivina").json
    page = client.get("/lineage/NissanLivina").get_data(as_text=True)
    (edge,) = answer["edges"]
    row = page[page.index('<tr data-edge="NissanLivina derived_from MitsubishiXpander"') :]
    row = row[: row.index("</tr>")]
    assert "derived from" in row and f"{edge['strength']} <span" in row
    for layer, strength in edge["strength_by_layer"].items():  # the seed implies, a public source states
        assert f"{layer}: {strength}" in row
    for source in edge["sources"]:
        assert f'href="/doc/{source["statement"]}"' in row, source["statement"]
        if source["quote"]:
            assert source["quote"] in html.unescape(row)
    assert 'href="/doc/MitsubishiXpander"' in row


def test_the_deepest_tree_is_a_platform_family_with_its_models(client, shipped):
    key = deepest(client, shipped)
    answer = client.get(f"/api/lineage/{key}").json
    assert answer["item"]["kind"] == "platform"
    assert max(n["depth"] for n in answer["descendants"]) >= 3  # family, variant, model, derived model
    assert {e["relation"] for e in answer["edges"]} == {"derived_from", "sits_on_platform", "platform_variant_of"}
    page = client.get(f"/lineage/{key}").get_data(as_text=True)
    assert table_edges(page) == api_edges(client, key)


@pytest.mark.parametrize(
    "name, layer",
    [
        ("Nissan Livina", None),
        ("nissan livina", None),
        ("https://w3id.org/alliance-kg/id/NissanLivina", None),
        ("Nissan Livina", "seed"),
    ],
)
def test_a_name_answers_303_to_the_page_at_the_id(client, name, layer):
    query = f"?layer={layer}" if layer else ""
    response = client.get(f"/lineage/{quote(name)}{query}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/lineage/NissanLivina{query}"
    # the page at the id is what the API answers for the name
    assert table_edges(client.get(response.headers["Location"]).get_data(as_text=True)) == api_edges(
        client, name, query
    )


@pytest.mark.parametrize("key", ["Nissan Livinaa", "Renault", "Europe", "no such thing at all"])
def test_a_key_that_names_no_model_or_platform_is_the_apis_error(client, key):
    response = client.get(f"/lineage/{quote(key)}")
    api = client.get(f"/api/lineage/{quote(key)}")
    if api.status_code == 200:  # a typo the API forgives is a name: 303 to the page at its id
        assert response.status_code == 303
        assert response.headers["Location"] == f"/lineage/{api.json['item']['id']}"
        return
    # unknown (404, with the closest names) or naming several things (400, listing them): as the API
    assert response.status_code == api.status_code
    assert response.status_code in (400, 404)
    assert response.json == api.json
    assert response.json["error"]["message"]


def test_an_unknown_key_is_a_404_with_a_message(client):
    response = client.get("/lineage/Zzyzx%20Qwerty")
    assert response.status_code == 404
    assert "Zzyzx Qwerty" in response.json["error"]["message"]


@pytest.mark.parametrize(
    "query, message",
    [
        ("?layer=both", "is not a layer"),
        ("?as_of=2021-01-01", "unknown parameter"),
        ("?layer=seed&layer=all", "more than once"),
    ],
)
def test_bad_parameters_are_400s_that_say_why(client, query, message):
    response = client.get(f"/lineage/CMF{query}")
    assert response.status_code == 400
    assert message in response.json["error"]["message"]


def test_the_seed_layer_keeps_the_articles_links_only(client, shipped):
    for key in ("NissanLivina", "CMF"):
        page = client.get(f"/lineage/{key}?layer=seed").get_data(as_text=True)
        assert table_edges(page) == api_edges(client, key, "?layer=seed"), key
    livina = client.get("/lineage/NissanLivina?layer=seed").get_data(as_text=True)
    assert 'data-source="/api/lineage/NissanLivina?layer=seed"' in livina
    assert "B-15" not in livina  # the public news item is not in the seed layer
    assert 'aria-current="page">the two articles only' in livina


def test_model_and_platform_pages_carry_the_figure(client, shipped):
    for key in items(shipped):
        page = client.get(f"/doc/{key}").get_data(as_text=True)
        edges = api_edges(client, key)
        assert (f'data-source="/api/lineage/{key}"' in page) == bool(edges), key
        if edges:
            assert table_edges(page) == edges, key
            assert f'href="/lineage/{key}"' in page
            assert '<script src="/static/views/lineage.js" defer>' in page


@pytest.mark.parametrize("key", ["Renault", "Europe", "country-DE", "D000"])
def test_other_pages_have_no_lineage_figure(client, key):
    page = client.get(f"/doc/{key}").get_data(as_text=True)
    assert "lineage-svg" not in page and "lineage.js" not in page


def test_every_link_of_the_page_answers(client):
    page = client.get("/lineage/CMF").get_data(as_text=True)
    links = sorted(set(re.findall(r'(?:src|href)="(/[^"#]*)"', page)))
    for required in (
        "/vendor/dagre.min.js",
        "/static/views/lineage.js",
        "/static/views/lineage.css",
        "/api/lineage/CMF",
        "/doc/CMF-B",
        "/doc/B-10a",
    ):
        assert required in links, required
    for link in links:
        response = client.get(html.unescape(link), follow_redirects=True)
        assert response.status_code == 200, link
        response.close()


def test_the_page_loads_nothing_from_elsewhere(client):
    response = client.get("/lineage/CMF")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    page = response.get_data(as_text=True)
    assert "<script>" not in page  # no inline script: the policy would refuse it
    for url in re.findall(r'(?:src|href)="([^"]*)"', page):
        assert url.startswith(("/", "#")) or url == "data:,", url  # data:, the empty icon of every page
