"""The real server (``alliance-kg serve``) over HTTP, queried by SPARQLWrapper and rdflib."""

from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, POST, POSTDIRECTLY, TURTLE, URLENCODED, XML, SPARQLWrapper

from server import live_server  # noqa: F401  (a fixture)

# Every test talks to a real server: `make test-slow`. They share the module's server, so
# they run on one worker (--dist loadgroup).
pytestmark = [pytest.mark.processes, pytest.mark.xdist_group(name="test_server")]

AKG = "https://w3id.org/alliance-kg/ontology#"
AKR = "https://w3id.org/alliance-kg/id/"
RENAULT = AKR + "Renault"
LEADER = f"SELECT ?leader WHERE {{ <{AKR}assignment-Europe> <{AKG}leader> ?leader }}"
CONSTRUCT = (f"CONSTRUCT {{ ?a <{AKG}leader> ?leader }} WHERE {{ ?a <{AKG}leader> ?leader "
             f"FILTER(?a = <{AKR}assignment-Europe>) }}")


def wrapper(live_server, query: str, return_format: str) -> SPARQLWrapper:
    sparql = SPARQLWrapper(live_server.sparql)
    sparql.setQuery(query)
    sparql.setReturnFormat(return_format)
    return sparql


def test_health_answers_on_localhost(live_server):
    with urllib.request.urlopen(live_server.url + "/health", timeout=5) as response:
        assert json.load(response)["status"] == "ok"
    assert live_server.url.startswith("http://127.0.0.1:")


def test_sparqlwrapper_json_select(live_server):
    results = wrapper(live_server, LEADER, JSON).queryAndConvert()
    assert [b["leader"]["value"] for b in results["results"]["bindings"]] == [RENAULT]


@pytest.mark.parametrize("method", [URLENCODED, POSTDIRECTLY])
def test_sparqlwrapper_json_select_by_post(live_server, method):
    sparql = wrapper(live_server, LEADER, JSON)
    sparql.setMethod(POST)
    sparql.setRequestMethod(method)
    results = sparql.queryAndConvert()
    assert [b["leader"]["value"] for b in results["results"]["bindings"]] == [RENAULT]


def test_sparqlwrapper_xml_select(live_server):
    document = wrapper(live_server, LEADER, XML).queryAndConvert()  # an xml.dom.minidom Document
    assert [node.firstChild.data for node in document.getElementsByTagName("uri")] == [RENAULT]


def test_sparqlwrapper_csv_select(live_server):
    body = wrapper(live_server, LEADER, CSV).queryAndConvert()
    assert [row["leader"] for row in csv.DictReader(io.StringIO(body.decode()))] == [RENAULT]


def test_sparqlwrapper_turtle_construct(live_server):
    body = wrapper(live_server, CONSTRUCT, TURTLE).queryAndConvert()
    graph = rdflib.Graph().parse(data=body, format="turtle")
    assert set(graph) == {(rdflib.URIRef(AKR + "assignment-Europe"), rdflib.URIRef(AKG + "leader"), rdflib.URIRef(RENAULT))}


def test_sparqlwrapper_ask(live_server):
    results = wrapper(live_server, f"ASK {{ ?a <{AKG}leader> <{RENAULT}> }}", JSON).queryAndConvert()
    assert results["boolean"] is True


def test_rdflib_sparqlstore_select(live_server):
    store = SPARQLStore(query_endpoint=live_server.sparql)
    graph = rdflib.Graph(store=store)
    rows = list(graph.query(LEADER))
    assert [str(row.leader) for row in rows] == [RENAULT]


def test_syntax_error_over_http_is_a_400_envelope(live_server):
    url = live_server.sparql + "?" + urllib.parse.urlencode({"query": "SELECT ?x WHERE { ?x ?y ?z } LIMIT x"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(url, timeout=5)
    assert caught.value.code == 400
    assert caught.value.headers["Content-Type"] == "application/json"
    error = json.load(caught.value)["error"]
    assert error["code"] == "query_syntax_error"
    assert (error["line"], error["column"]) == (1, 36)


def test_unknown_method_over_http_is_405_with_allow(live_server):
    request = urllib.request.Request(live_server.sparql, method="DELETE")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 405
    assert "POST" in caught.value.headers["Allow"]
    assert json.load(caught.value)["error"]["status"] == 405


def test_service_description_over_http_names_the_public_endpoint(live_server):
    with urllib.request.urlopen(live_server.sparql, timeout=5) as response:
        graph = rdflib.Graph().parse(data=response.read(), format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert set(graph.objects(None, sd.endpoint)) == {rdflib.URIRef(live_server.sparql)}


def test_serve_with_a_store_keeps_the_graph_on_disk_and_loads_the_shipped_graph_once(tmp_path, shipped):
    import gc

    import pyoxigraph as ox

    from server import running_server

    def triples(server) -> int:
        with urllib.request.urlopen(server.url + "/health", timeout=5) as response:
            return json.load(response)["triples"]

    store = tmp_path / "store"
    with running_server("--store", str(store)) as server:
        first = triples(server)
    assert first == len(shipped)
    on_disk = ox.Store(str(store / "graph"))  # change the stored graph between two runs
    on_disk.remove(next(iter(on_disk.quads_for_pattern(None, None, None, None))))
    del on_disk
    gc.collect()
    with running_server("--store", str(store)) as server:  # a restart opens it and loads nothing
        assert triples(server) == first - 1
