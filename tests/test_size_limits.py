"""The result-row cap (a cut answer says so: a header, and a flag in SPARQL JSON) and the cap on
the size of one write (413, naming its setting)."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

import pyoxigraph as ox
import pytest

from alliance_kg.config import Config
from alliance_kg.web import create_app

TOKEN = "a-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON, XML, CSV = "application/sparql-results+json", "application/sparql-results+xml", "text/csv"
ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"


@pytest.fixture
def capped(kg):
    """An app whose answers hold at most 5 rows and whose writes change at most 3 quads."""
    config = Config.from_env({"ALLIANCE_KG_WRITE_TOKEN": TOKEN, "ALLIANCE_KG_MAX_RESULT_ROWS": "5",
                              "ALLIANCE_KG_MAX_CHANGE_QUADS": "3"})
    return create_app(config, kg=kg).test_client()


def ask(client, query, accept=JSON, **extra):
    return client.get("/sparql?query=" + quote(query), headers={"Accept": accept, **extra})


def values(n: int) -> str:
    return "SELECT ?n WHERE { VALUES ?n { %s } }" % " ".join(str(i) for i in range(n))


def test_a_select_past_the_cap_is_cut_and_says_so(capped):
    response = ask(capped, ALL)
    assert response.status_code == 200
    document = response.get_json()
    assert len(document["results"]["bindings"]) == 5 and document["truncated"] is True
    assert response.headers["X-SPARQL-MaxRows"] == "5"
    assert list(document) == ["head", "truncated", "results"]  # parseable by Oxigraph's reader too
    assert len(list(ox.parse_query_results(response.data, format=ox.QueryResultsFormat.JSON))) == 5


@pytest.mark.parametrize("accept", [XML, CSV, "text/tab-separated-values"])
def test_every_results_format_is_cut(capped, accept):
    response = ask(capped, ALL, accept)
    assert response.status_code == 200 and response.headers["X-SPARQL-MaxRows"] == "5"
    if accept == CSV:  # Oxigraph cannot read CSV back: count its lines
        assert len(list(csv.reader(io.StringIO(response.data.decode())))) == 1 + 5
    else:
        fmt = ox.QueryResultsFormat.from_media_type(accept)
        assert len(list(ox.parse_query_results(response.data, format=fmt))) == 5


def test_an_answer_within_the_cap_is_whole_and_plain(capped):
    response = ask(capped, values(5))
    assert "X-SPARQL-MaxRows" not in response.headers
    assert "truncated" not in response.get_json() and len(response.get_json()["results"]["bindings"]) == 5
    rows = list(csv.reader(io.StringIO(ask(capped, values(4), CSV).data.decode())))
    assert rows == [["n"], ["0"], ["1"], ["2"], ["3"]]


def test_a_construct_past_the_cap_is_cut(capped):
    response = ask(capped, "CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples")
    assert response.headers["X-SPARQL-MaxRows"] == "5"
    assert len(ox.Dataset(ox.parse(response.data, format=ox.RdfFormat.N_TRIPLES))) == 5


def test_ask_is_never_cut(capped):
    response = ask(capped, "ASK { ?s ?p ?o }")
    assert response.get_json() == {"head": {}, "boolean": True} and "X-SPARQL-MaxRows" not in response.headers


def test_a_browser_may_read_the_cut_header(capped):
    response = ask(capped, ALL, Origin="https://a.example")
    assert "X-SPARQL-MaxRows" in response.headers["Access-Control-Expose-Headers"]


def test_our_json_writer_agrees_with_oxigraphs_on_every_kind_of_term(client):
    """The capped answer is written here, not by Oxigraph: the two must say the same."""
    query = """SELECT ?iri ?blank ?lang ?dir ?typed ?plain ?unbound ?triple WHERE {
        BIND(<https://example.org/a> AS ?iri) BIND(BNODE("b") AS ?blank) BIND("chat"@fr AS ?lang)
        BIND("x"@ar--rtl AS ?dir) BIND(3 AS ?typed) BIND("s" AS ?plain)
        BIND(<<( <https://example.org/a> <https://example.org/p> "o"@en )>> AS ?triple) }"""
    ours = json.loads(ask(client, query).data)
    theirs = json.loads(ox.Store().query(query).serialize(format=ox.QueryResultsFormat.JSON))
    assert ours["results"]["bindings"][0].pop("blank")["type"] == theirs["results"]["bindings"][0].pop("blank")["type"]
    assert ours == theirs


def test_a_write_past_the_change_cap_is_413_and_changes_nothing(capped, kg):
    before = len(kg)
    triples = " ".join(f"<https://example.org/s{i}> <https://example.org/p> {i} ." for i in range(4))
    response = capped.post("/sparql", data={"update": "INSERT DATA { GRAPH <https://example.org/g> { %s } }" % triples},
                           headers=AUTH)
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "change_too_large" and "4" in error["message"] and "MAX_CHANGE_QUADS" in error["hint"]
    assert len(kg) == before


def test_a_write_within_the_change_cap_is_committed(capped, kg):
    triples = " ".join(f"<https://example.org/s{i}> <https://example.org/p> {i} ." for i in range(3))
    response = capped.post("/sparql", data={"update": "INSERT DATA { GRAPH <https://example.org/g> { %s } }" % triples},
                           headers=AUTH)
    assert response.status_code == 200 and response.get_json()["committed"] is True


def test_the_change_cap_holds_for_the_graph_store_too(capped, kg):
    body = "".join(f"<https://example.org/s{i}> <https://example.org/p> {i} .\n" for i in range(4))
    response = capped.put("/store?graph=https://example.org/g", data=body, headers={**AUTH, "Content-Type": "text/turtle"})
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "change_too_large"
    assert not kg.graph_exists(ox.NamedNode("https://example.org/g"))


@pytest.mark.parametrize("name, raw", [("MAX_RESULT_ROWS", "0"), ("MAX_CHANGE_QUADS", "many")])
def test_a_bad_cap_setting_is_refused(name, raw):
    with pytest.raises(ValueError, match=name):
        Config.from_env({f"ALLIANCE_KG_{name}": raw})
