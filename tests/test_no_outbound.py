"""No outbound calls on a caller's behalf: a listener on a loopback port must never receive a
connection, whatever a query, an update or an upload names."""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import quote

import pytest

from alliance_kg.config import Config
from alliance_kg.web import create_app

TOKEN = "a-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def listener():
    """A TCP listener on 127.0.0.1 that records every connection it receives."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    connections: list[str] = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            connections.append(conn.recv(200).decode(errors="replace"))
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}"
    yield url, connections
    stop.set()
    thread.join(timeout=2)
    server.close()


@pytest.fixture
def writer(kg):
    return create_app(Config.from_env({"ALLIANCE_KG_WRITE_TOKEN": TOKEN}), kg=kg).test_client()


def settle(connections: list[str]) -> list[str]:
    time.sleep(0.3)  # give a stray connection time to arrive before saying none did
    return connections


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <{url}/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { VALUES ?endpoint { <{url}/sparql> } SERVICE ?endpoint { ?s ?p ?o } }",
    "ASK { SERVICE SILENT <{url}/sparql> { ?s ?p ?o } }",
])
def test_service_is_refused_and_never_called(writer, listener, query):
    url, connections = listener
    response = writer.get("/sparql?query=" + quote(query.replace("{url}", url)))
    assert response.status_code == 400 and "SERVICE" in response.get_json()["error"]["message"]
    assert settle(connections) == []


@pytest.mark.parametrize("update, status", [("LOAD <{url}/data.ttl>", 400), ("LOAD SILENT <{url}/data.ttl>", 200),
                                            ("LOAD <{url}/data.ttl> INTO GRAPH <https://example.org/g>", 400)])
def test_load_never_fetches(writer, listener, update, status):
    url, connections = listener
    response = writer.post("/sparql", data={"update": update.replace("{url}", url)}, headers=AUTH)
    assert response.status_code == status
    assert settle(connections) == []


def test_from_names_a_local_graph_and_never_fetches(writer, listener):
    url, connections = listener
    query = f"SELECT * FROM <{url}/data.ttl> FROM NAMED <file:///etc/hostname> WHERE {{ ?s ?p ?o }}"
    response = writer.get("/sparql?query=" + quote(query), headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert response.get_json()["results"]["bindings"] == []  # no such graph in the store: empty
    assert settle(connections) == []


def test_a_remote_json_ld_context_is_refused_and_never_fetched(writer, listener):
    url, connections = listener
    document = '{"@context": "%s/context.jsonld", "@id": "https://example.org/a", "name": "x"}' % url
    response = writer.put("/store?graph=https://example.org/g", data=document,
                          headers={**AUTH, "Content-Type": "application/ld+json"})
    assert response.status_code == 400
    assert settle(connections) == []


def test_owl_imports_are_not_followed_during_validation(writer, listener):
    url, connections = listener
    document = f"<https://example.org/onto> <http://www.w3.org/2002/07/owl#imports> <{url}/ontology.ttl> ."
    response = writer.put("/store?graph=https://example.org/g", data=document,
                          headers={**AUTH, "Content-Type": "text/turtle"})
    assert response.status_code == 201
    assert writer.get("/api/validation").get_json()["conforms"] is True
    assert settle(connections) == []
