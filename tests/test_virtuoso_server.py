"""tests/virtuoso.py starts a real Virtuoso Open Source 7 that answers SPARQL queries, updates
(digest authentication) and the Graph Store Protocol, and stops it afterwards."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest

import virtuoso
from virtuoso import virtuoso_server

SPARQL_JSON = "application/sparql-results+json"


def select(server, query: str) -> dict:
    request = urllib.request.Request(server.query_url + "?" + urllib.parse.urlencode({"query": query}),
                                     headers={"Accept": SPARQL_JSON})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        assert response.headers.get_content_type() == SPARQL_JSON
        return json.loads(response.read())


@pytest.mark.processes
def test_virtuoso_answers_queries_updates_and_the_graph_store_protocol(tmp_path):
    with virtuoso_server(tmp_path) as server:
        print(f"\nVirtuoso answered /sparql {server.started_in:.2f} s after the process started")
        process = server.process
        opener = server.opener()

        answer = select(server, "SELECT (1 AS ?one) {}")
        assert answer["head"]["vars"] == ["one"]
        assert answer["results"]["bindings"][0]["one"]["value"] == "1"

        update = urllib.request.Request(
            server.update_url,
            data=urllib.parse.urlencode({"update": 'INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> "c" } }'}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": SPARQL_JSON},
        )
        with opener.open(update, timeout=30) as response:
            assert response.status == 200
        rows = select(server, "SELECT ?s ?p ?o { GRAPH <urn:g> { ?s ?p ?o } }")["results"]["bindings"]
        assert rows == [{"s": {"type": "uri", "value": "urn:a"}, "p": {"type": "uri", "value": "urn:b"},
                         "o": {"type": "literal", "value": "c"}}]

        graph = server.gsp_url + "?" + urllib.parse.urlencode({"graph-uri": "urn:g2"})
        turtle = '<urn:x> <urn:y> "z" .\n<urn:x> <urn:y> "w"@en .\n'
        put = urllib.request.Request(graph, data=turtle.encode(), method="PUT",
                                     headers={"Content-Type": "text/turtle"})
        with opener.open(put, timeout=30) as response:
            assert response.status in (200, 201, 204)
        get = urllib.request.Request(graph, headers={"Accept": "application/n-triples"})
        with opener.open(get, timeout=30) as response:
            assert response.status == 200
            assert response.headers.get_content_type() == "application/n-triples"
            got = set(ox.parse(response.read(), format=ox.RdfFormat.N_TRIPLES))
        assert got == set(ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE))

        assert server.sql("SELECT 1;")  # isql reaches the SQL port as dba
    assert process.poll() is not None, "virtuoso-t still runs after the block"


def test_a_missing_virtuoso_is_an_error_that_names_make_install(tmp_path, monkeypatch):
    monkeypatch.setattr(virtuoso.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="make test-slow"), virtuoso_server(tmp_path):
        pass
    assert not any(tmp_path.iterdir()), "nothing is written when there is nothing to start"
