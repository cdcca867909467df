"""The data steward's pages, through the Flask client: the change log (``/changes``), the
validation report (``/validation``) and the page of a rejected write (``Accept: text/html``).

Expected values come from the JSON API (``/api/changes``, ``/api/validation``, the write's own
answer) and from the rulebook, never copied from the data."""

from __future__ import annotations

import html
import re

import pyoxigraph as ox
import pytest
import rdflib
from markupsafe import escape
from rdflib.namespace import RDF
from rdflib.namespace import SH as SHACL

from alliance_kg.config import Config
from alliance_kg.knowledge.describe import link_target
from alliance_kg.rules.reports import load_shapes
from alliance_kg.rules.rulebook import AKS, RULES, UNKNOWN_RULE, rule_for
from alliance_kg.store import LAYER_GRAPHS, PREFIXES, Change
from alliance_kg.web import create_app

TOKEN = "a-steward-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SOURCE = {"url": "https://example.org/alliance-news", "quote": "a short quote"}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SH = "http://www.w3.org/ns/shacl#"


@pytest.fixture
def writer(kg):
    """A client of an app that accepts writes with TOKEN, over a fresh copy of the shipped graph."""
    return create_app(Config.from_env({"ALLIANCE_KG_WRITE_TOKEN": TOKEN}), kg=kg).test_client()


def page_text(response) -> str:
    """The text a person reads on the page: tags dropped, entities decoded, spaces collapsed."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def section(response, element_id: str) -> str:
    """The HTML of the <section> with id ``element_id`` (sections do not nest on these pages)."""
    body = response.get_data(as_text=True)
    found = re.search(rf'<section[^>]*\bid="{re.escape(element_id)}".*?</section>', body, flags=re.S)
    assert found, f"no section #{element_id}"
    return found.group(0)


def dump(kg) -> frozenset[ox.Quad]:
    return frozenset(kg.quads())


# --- the rulebook ----------------------------------------------------------------------------------


def test_every_shape_has_a_plain_rule_and_every_particular_fix_matches_one_of_its_messages(config):
    shapes = load_shapes(config.shapes_dir)
    node_shapes = {str(s) for s in shapes.subjects(RDF.type, SHACL.NodeShape) if str(s).startswith(AKS)}
    assert node_shapes and {s.removeprefix(AKS) for s in node_shapes} == set(RULES)
    for shape in node_shapes:
        messages = _messages(shapes, shape)
        for words, _fix in rule_for(shape).fixes:
            assert any(words in m for m in messages), (shape, words, messages)
    assert rule_for("https://example.org/shapes#Mine") is UNKNOWN_RULE


def _messages(shapes, shape: str) -> list[str]:
    """Every sh:message of ``shape``: its own, its constraints' and its property shapes'."""
    node = rdflib.URIRef(shape)
    owners = [node, *shapes.objects(node, SHACL.property), *shapes.objects(node, SHACL.sparql)]
    return [str(m) for owner in owners for m in shapes.objects(owner, SHACL.message)]


# --- /validation -----------------------------------------------------------------------------------


def test_the_validation_page_says_plainly_that_the_graph_conforms(client):
    assert client.get("/api/validation").get_json()["conforms"] is True
    response = client.get("/validation")
    assert response.status_code == 200 and response.mimetype == "text/html"
    text = page_text(response)
    assert "The graph conforms to every rule" in text
    assert "does not conform" not in text and 'class="rule"' not in response.get_data(as_text=True)
    # the rules it was checked against, each in plain words
    for rule in RULES.values():
        assert rule.statement in text


@pytest.fixture
def broken(kg, config):
    """A client of an app over a graph that does not conform: an assignment that ends before it
    starts, put in the store past the guard (as a load of a bad file could)."""
    japan = ox.NamedNode(PREFIXES["akr"] + "assignment-Japan")
    end = ox.Literal("2019-01-01", datatype=ox.NamedNode(PREFIXES["xsd"] + "date"))
    kg.commit(Change(added=frozenset([ox.Quad(japan, ox.NamedNode(PREFIXES["akg"] + "validTo"), end,
                                              ox.NamedNode(LAYER_GRAPHS["seed"]))])))
    return create_app(config, kg=kg).test_client()


def test_the_validation_page_shows_each_broken_rule_its_statement_focus_link_and_fix(broken):
    report = broken.get("/api/validation").get_json()
    assert report["conforms"] is False and report["results"]
    response = broken.get("/validation")
    assert response.status_code == 200
    text = page_text(response)
    assert "The graph does not conform" in text and "conforms to every rule" not in text
    for result in report["results"]:
        shape_id = result["source_shape"].removeprefix(AKS)
        group = section(response, f"rule-{shape_id}")
        rule = rule_for(result["source_shape"])
        assert str(escape(rule.statement)) in group
        focus_id = result["focus_node"].removeprefix(PREFIXES["akr"])
        assert str(escape(rule.fix_for(result["message"], focus_id))) in group
        assert str(escape(result["message"])) in group
        assert f'href="{link_target(result["focus_node"])}"' in group
        assert f"aks:{shape_id}" in group  # the source shape
        if result["value"]:
            assert str(escape(result["value"])) in group


def test_the_validation_page_gives_the_other_formats_by_accept(broken):
    as_json = broken.get("/validation", headers={"Accept": "application/json"})
    assert as_json.mimetype == "application/json"
    assert as_json.get_json() == broken.get("/api/validation").get_json()
    as_turtle = broken.get("/validation", headers={"Accept": "text/turtle"})
    assert as_turtle.mimetype == "text/turtle"
    predicates = {t.predicate.value for t in ox.parse(as_turtle.data, format=ox.RdfFormat.TURTLE)}
    assert SH + "sourceShape" in predicates
    assert broken.get("/validation", headers={"Accept": BROWSER_ACCEPT}).mimetype == "text/html"
    assert "Accept" in broken.get("/validation").headers["Vary"]
    refused = broken.get("/validation", headers={"Accept": "image/png"})
    assert refused.status_code == 406 and "text/html" in refused.get_json()["error"]["message"]
    assert broken.get("/validation?format=json").status_code == 400


# --- /changes --------------------------------------------------------------------------------------


def test_the_change_log_page_without_writes_says_so_and_that_the_graph_conforms(client):
    assert client.get("/api/changes").get_json()["count"] == 0
    response = client.get("/changes")
    assert response.status_code == 200 and response.mimetype == "text/html"
    text = page_text(response)
    assert "No write has been accepted" in text
    assert "Writes are disabled on this server" in text
    assert "The graph conforms to every rule" in text
    assert 'href="/validation"' in response.get_data(as_text=True)


def test_the_change_log_page_lists_writes_newest_first_with_who_what_and_links(writer):
    created = writer.post("/api/companies", headers=AUTH, json={"label": "Dacia Motors"})
    assert created.status_code == 201
    ended = writer.patch("/api/assignments/assignment-Japan", headers=AUTH, json={"valid_to": "2031-12-31"})
    assert ended.status_code == 200
    entries = writer.get("/api/changes").get_json()["changes"]
    assert len(entries) == 2

    response = writer.get("/changes")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    positions = [body.index(f'id="{e["id"]}"') for e in entries]
    assert positions == sorted(positions), "newest first, as /api/changes"
    text = page_text(response)
    for entry in entries:
        assert entry["summary"] in text and entry["agent"] in text and entry["endpoint"] in text
        assert f"+{entry['added']} added" in text and f"−{entry['removed']} removed" in text
        assert entry["time"][:10] in text
    # what was added, linked to the thing's page: the new company and the changed assignment
    assert f'href="{link_target(created.get_json()["iri"])}"' in body
    assert 'href="/id/assignment-Japan"' in body
    assert "2031-12-31" in text
    assert "The graph conforms to every rule" in text and "Writes are enabled" in text


def test_the_change_log_page_shows_what_a_write_removed(writer):
    assert writer.delete("/api/assignments/assignment-Oceania", headers=AUTH).status_code == 200
    [entry] = writer.get("/api/changes").get_json()["changes"]
    assert entry["removed"] > 0
    response = writer.get("/changes")
    body = response.get_data(as_text=True)
    assert body.count('<tr class="removed">') == entry["removed"]
    assert 'class="added"' not in body
    assert "/id/assignment-Oceania" in body  # the removed thing, by its id: it has no label any more


def test_the_change_log_page_filters_like_the_api(writer):
    assert writer.post("/api/companies", headers=AUTH, json={"label": "Dacia Motors"}).status_code == 201
    later = writer.get("/changes?since=2999-01-01")
    assert later.status_code == 200 and "No write has been accepted since 2999-01-01" in page_text(later)
    assert 'href="/api/changes?since=2999-01-01"' in later.get_data(as_text=True)
    assert writer.post("/api/companies", headers=AUTH, json={"label": "Alpine Motors"}).status_code == 201
    assert writer.get("/changes").get_data(as_text=True).count('<tr class="change"') == 2
    assert writer.get("/changes?limit=1").get_data(as_text=True).count('<tr class="change"') == 1


@pytest.mark.parametrize(
    "query, words",
    [("limit=0", "limit must be between"), ("since=yesterday", "since"), ("sinse=2020-01-01", "unknown parameter")],
)
def test_the_change_log_page_refuses_bad_parameters(client, query, words):
    response = client.get(f"/changes?{query}")
    assert response.status_code == 400 and words in response.get_json()["error"]["message"]


# --- a rejected write, as a page -------------------------------------------------------------------


def test_a_rejected_write_asked_as_html_is_the_report_page_and_changes_nothing(writer, kg):
    before = dump(kg)
    as_json = writer.patch("/api/assignments/assignment-Japan", headers=AUTH, json={"valid_to": "2019-01-01"})
    assert as_json.status_code == 422 and as_json.mimetype == "application/json"  # JSON stays the default
    [result] = as_json.get_json()["error"]["report"]["results"]

    response = writer.patch("/api/assignments/assignment-Japan", headers={**AUTH, "Accept": "text/html"},
                            json={"valid_to": "2019-01-01"})
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert "Accept" in response.headers["Vary"]
    text = page_text(response)
    assert "The write was rejected" in text and "Nothing was changed" in text
    group = section(response, f"rule-{result['source_shape'].removeprefix(AKS)}")
    rule = rule_for(result["source_shape"])
    assert str(escape(rule.statement)) in group
    assert str(escape(rule.fix_for(result["message"], "assignment-Japan"))) in group
    assert "PATCH /api/assignments/assignment-Japan" in group  # the fix names the assignment to change
    assert 'href="/id/assignment-Japan"' in group
    assert dump(kg) == before
    assert writer.get("/api/changes").get_json()["count"] == 0


def test_a_rejected_sparql_update_from_a_browser_is_the_report_page(writer, kg):
    before = dump(kg)
    livina = PREFIXES["akr"] + "NissanLivina"
    update = (f"INSERT DATA {{ GRAPH <{LAYER_GRAPHS['public']}> {{ <{livina}> <{PREFIXES['akg']}derivedFrom> "
              f"<{livina}> }} }}")
    response = writer.post("/sparql", headers={**AUTH, "Accept": BROWSER_ACCEPT}, data={"update": update})
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert "rule-IrreflexiveDerivationShape" in response.get_data(as_text=True)
    assert str(escape(RULES["IrreflexiveDerivationShape"].statement)) in response.get_data(as_text=True)
    assert dump(kg) == before


def test_a_node_the_rejected_write_would_add_is_named_but_not_linked(writer):
    response = writer.post("/api/models", headers={**AUTH, "Accept": "text/html"},
                           json={"label": "Unsourced Car", "platform": "CMF-B"})
    assert response.status_code == 422
    group = section(response, "rule-LineageSourceShape")
    assert "Unsourced Car" in group and "this write adds it" in page_text(response)
    # no link to a page that does not exist
    assert 'href="/id/UnsourcedCar"' not in group and 'href="/id/CMF-B"' in group
    assert writer.get("/id/UnsourcedCar").status_code == 404


# --- the entity page: a summary first, long tables folded ------------------------------------------


def test_an_entity_page_leads_with_a_summary_of_its_roles_and_links(client):
    roles = client.get("/api/companies/Renault").get_json()
    response = client.get("/doc/Renault")
    body = response.get_data(as_text=True)
    summary = body[body.index('<section class="summary"') : body.index("</section>", body.index('<section class="summary"'))]
    assert body.index('<section class="summary"') < body.index("<table"), "the summary comes before the tables"
    assert f"{len(roles['leads'])} scopes" in summary and f"{len(roles['follows'])} scopes" in summary
    for lead in roles["leads"]:
        assert f'href="{link_target(lead["scope"]["iri"])}"' in summary
    for alliance in roles["member_of"]:
        assert f'href="{link_target(alliance["iri"])}"' in summary
    api = re.search(r'<a href="([^"]+)">JSON API answer</a>', summary)
    assert api and client.get(html.unescape(api.group(1))).get_json() == roles


@pytest.mark.parametrize("key", ["Renault", "Europe", "NissanLivina", "country-ID", "assignment-Europe"])
def test_an_entity_page_folds_the_tables_longer_than_ten_rows(client, key):
    body = client.get(f"/doc/{key}").get_data(as_text=True)
    sections = re.findall(r'<section id="(\w+)" class="table-section">(.*?)</section>', body, flags=re.S)
    assert sections
    for name, content in sections:
        rows = content.count("<tr>") - 1  # the header row
        folded = content.lstrip().startswith("<details>")
        assert folded == (rows > 10), (name, rows)
    api = re.search(r'<a href="([^"]+)">JSON API answer</a>', body)
    assert api and client.get(html.unescape(api.group(1))).status_code == 200


def test_an_entity_page_shows_a_property_with_many_values_as_one_row(client, shipped):
    europe = ox.NamedNode(PREFIXES["akr"] + "Europe")
    countries = [q for q in shipped.quads(europe, ox.NamedNode(PREFIXES["akg"] + "hasMemberCountry"))]
    assert len(countries) > 10
    body = client.get("/doc/Europe").get_data(as_text=True)
    statements = re.search(r'<section id="statements".*?</section>', body, flags=re.S).group(0)
    [row] = [r for r in statements.split("<tr>") if "hasMemberCountry" in r]
    for quad in countries:
        assert f'href="{link_target(quad.object.value)}"' in row
    assert f"and {len(countries) - 12} more" in row
