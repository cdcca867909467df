"""SPARQL's default graph is a set (issue 14, part 2): a triple stated in two layers (Livina
derives from the Xpander in the seed and in the public layer) is one triple of the union, for
every query form; each layer's copy still shows with its graph under ``GRAPH ?g``; the Graph
Store's ``?default`` is the default graph the queries see."""

from __future__ import annotations

from urllib.parse import quote

import pyoxigraph as ox
import pytest

from alliance_kg.config import Config
from alliance_kg.store import LAYER_GRAPHS, PREFIXES, Change, open_graph
from alliance_kg.store.updates import OPERATOR
from alliance_kg.web import create_app

AKG, AKR = PREFIXES["akg"], PREFIXES["akr"]
PREFIX = f"PREFIX akg: <{AKG}> PREFIX akr: <{AKR}> PREFIX schema: <https://schema.org/>\n"
LIVINA, XPANDER, DERIVED = (ox.NamedNode(x) for x in (AKR + "NissanLivina", AKR + "MitsubishiXpander", AKG + "derivedFrom"))
TWICE = ox.Triple(LIVINA, DERIVED, XPANDER)
JSON = {"Accept": "application/sparql-results+json"}
TOKEN = "a-writer-token"


def in_layers(kg, triple: ox.Triple) -> list[str]:
    return sorted(q.graph_name.value for q in kg.quads(triple.subject, triple.predicate, triple.object))


def test_the_shipped_graph_states_the_triple_in_two_layers(shipped):
    assert in_layers(shipped, TWICE) == [LAYER_GRAPHS["public"], LAYER_GRAPHS["seed"]]


def select(client, query: str) -> list[dict]:
    response = client.get("/sparql?query=" + quote(PREFIX + query), headers=JSON)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]["bindings"] if "results" in response.get_json() else response.get_json()


QUERIES = {
    "SELECT": ("SELECT ?m ?p WHERE { ?m akg:derivedFrom ?p FILTER(?m = akr:NissanLivina) }", 1),
    "SELECT a literal": ("SELECT ?u WHERE { akr:D000 schema:url ?u }", 1),
    "COUNT": ("SELECT (COUNT(*) AS ?n) WHERE { akr:NissanLivina akg:derivedFrom ?p }", "1"),
    "COUNT DISTINCT-free": ("SELECT (COUNT(?p) AS ?n) WHERE { ?m akg:derivedFrom ?p FILTER(?m = akr:NissanLivina) }", "1"),
    "a path": ("SELECT ?p WHERE { akr:NissanLivina akg:derivedFrom/^akg:derivedFrom ?p }", 1),
    "a path of one or more": ("SELECT ?x WHERE { akr:NissanLivina akg:derivedFrom+ ?x }", 1),
}


@pytest.mark.parametrize("name", QUERIES)
def test_each_query_form_sees_the_triple_once(client, name):
    query, expected = QUERIES[name]
    rows = select(client, query)
    if isinstance(expected, str):
        assert rows[0]["n"]["value"] == expected
    else:
        assert len(rows) == expected, rows


def test_construct_and_describe_give_the_triple_once(client):
    for query in ("CONSTRUCT WHERE { akr:NissanLivina akg:derivedFrom ?p }", "DESCRIBE akr:NissanLivina"):
        response = client.get("/sparql?query=" + quote(PREFIX + query), headers={"Accept": "application/n-triples"})
        assert response.status_code == 200
        lines = [line for line in response.get_data(as_text=True).splitlines() if "derivedFrom" in line and "NissanLivina>" in line.split()[0]]
        assert len(lines) == 1, lines


def test_ask_and_an_aggregate_over_the_whole_graph_count_each_triple_once(client, shipped):
    distinct = {q.triple for q in shipped.quads()}
    rows = select(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(rows[0]["n"]["value"]) == len(distinct) < len(shipped)
    ask = client.get("/sparql?query=" + quote(PREFIX + "ASK { akr:NissanLivina akg:derivedFrom akr:MitsubishiXpander }"), headers=JSON)
    assert ask.get_json()["boolean"] is True


def test_graph_of_g_still_shows_each_layers_copy(client):
    rows = select(client, "SELECT ?g WHERE { GRAPH ?g { akr:NissanLivina akg:derivedFrom akr:MitsubishiXpander } }")
    assert sorted(r["g"]["value"] for r in rows) == [LAYER_GRAPHS["public"], LAYER_GRAPHS["seed"]]


def test_the_union_is_no_named_graph(client, shipped):
    rows = select(client, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert {r["g"]["value"] for r in rows} == {g.value for g in shipped.named_graphs()}
    assert all(not g.value.startswith("urn:uuid:") for g in shipped.named_graphs())
    assert len(shipped) == sum(shipped.triple_counts().values())


def test_internal_queries_see_the_set_too(shipped):
    assert len(shipped.select(PREFIX + "SELECT ?p WHERE { akr:NissanLivina akg:derivedFrom ?p }")) == 1
    assert len(shipped.select(PREFIX + "SELECT ?g WHERE { GRAPH ?g { akr:NissanLivina akg:derivedFrom ?p } }")) == 2


def test_get_store_default_is_the_default_graph_the_queries_see(client, shipped):
    response = client.get("/store?default", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    triples = {q.triple for q in ox.parse(response.data, format=ox.RdfFormat.N_TRIPLES)}
    assert triples == {q.triple for q in shipped.quads()}
    assert len(response.get_data(as_text=True).splitlines()) == len(triples)


def test_without_the_union_get_store_default_is_the_stores_own_default_graph(shipped):
    client = create_app(Config.from_env({"ALLIANCE_KG_UNION_DEFAULT_GRAPH": "false"}), kg=shipped).test_client()
    response = client.get("/store?default", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200 and response.data == b""
    rows = select(client, "SELECT ?p WHERE { akr:NissanLivina akg:derivedFrom ?p }")
    assert rows == []  # the store's own default graph holds nothing


def test_the_service_description_says_which_default_graph(client, shipped):
    def comment(c) -> str:
        sd = ox.Store()
        sd.load(c.get("/sparql", headers={"Accept": "text/turtle"}).data, ox.RdfFormat.TURTLE)
        (row,) = sd.query("SELECT ?c { ?d a <http://www.w3.org/ns/sparql-service-description#Graph> ; "
                          "<http://www.w3.org/2000/01/rdf-schema#comment> ?c }")
        return row["c"].value

    assert "each triple once" in comment(client)
    own = create_app(Config.from_env({"ALLIANCE_KG_UNION_DEFAULT_GRAPH": "false"}), kg=shipped).test_client()
    assert comment(own) == "the store's own default graph"


def test_the_union_follows_every_write(config):
    """A triple leaves the union when the last graph that holds it loses it, and not before."""
    kg = open_graph(config)
    seed, public = (ox.Quad(LIVINA, DERIVED, XPANDER, ox.NamedNode(LAYER_GRAPHS[x])) for x in ("seed", "public"))
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = int(kg.select(count)[0]["n"].value)
    kg.commit(Change(removed=frozenset([public])))
    assert len(kg.select(PREFIX + "SELECT ?p WHERE { akr:NissanLivina akg:derivedFrom ?p }")) == 1
    assert int(kg.select(count)[0]["n"].value) == before
    kg.commit(Change(removed=frozenset([seed])))
    assert kg.select(PREFIX + "SELECT ?p WHERE { akr:NissanLivina akg:derivedFrom ?p }") == []
    assert int(kg.select(count)[0]["n"].value) == before - 1
    kg.commit(Change(added=frozenset([seed, public])))
    assert len(kg.select(PREFIX + "SELECT ?p WHERE { akr:NissanLivina akg:derivedFrom ?p }")) == 1
    assert int(kg.select(count)[0]["n"].value) == before


def test_an_update_never_sees_or_writes_the_union(config):
    kg = open_graph(config)
    client = create_app(Config.from_env({"ALLIANCE_KG_ADMIN_TOKEN": TOKEN}), kg=kg).test_client()
    size = len(kg)
    response = client.post("/sparql?dry_run=true", data={"update": "DROP ALL"},
                           headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["removed"] == size  # every data quad; nothing of the union, which is no data
    change = kg.change_for_update("DELETE WHERE { GRAPH ?g { ?s ?p ?o } }", limits=OPERATOR)
    assert all(not q.graph_name.value.startswith("urn:uuid:") for q in change.removed)


def test_exports_of_a_triple_format_give_the_union_once(shipped):
    data = shipped.dump("nt")
    assert len(data.decode().splitlines()) == len({q.triple for q in shipped.quads()})
    nquads = shipped.dump("nq")
    assert len(nquads.decode().splitlines()) == len(shipped)


def test_a_store_on_disk_rebuilds_the_union_when_it_opens(tmp_path):
    config = Config.from_env({}, store=tmp_path / "store")
    first = open_graph(config)
    before = first.select(PREFIX + "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"].value
    first.close()
    del first
    again = open_graph(config)
    assert again.select(PREFIX + "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"].value == before
    assert len(again.select(PREFIX + "SELECT ?p WHERE { akr:NissanLivina akg:derivedFrom ?p }")) == 1


@pytest.mark.parametrize("data", [b"", b"<https://example.org/a> <https://example.org/p> \"1\" ."])
def test_the_union_never_shows_as_a_graph_even_in_a_store_without_named_graphs(data):
    """The union is hidden from ``GRAPH ?g`` whether or not the store has named graphs (a query
    that cannot say GRAPH is not given their list; one that can always is)."""
    from alliance_kg.store import empty_graph

    kg = empty_graph()
    if data:
        kg.load_data(data, "nt", graph="https://example.org/g")
    client = create_app(Config.from_env({"ALLIANCE_KG_SHIPPED": "false"}), kg=kg).test_client()
    rows = select(client, "SELECT ?g WHERE { GRAPH ?g { } }")
    assert [r["g"]["value"] for r in rows] == (["https://example.org/g"] if data else [])
    assert kg.select("SELECT ?g WHERE { GRAPH ?g { } }") == [] if not data else len(kg.select("SELECT ?g WHERE { GRAPH ?g { } }")) == 1
