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


@pytest.mark.parametrize("query, named", [
    ("SELECT * FROM <{url}/data.ttl> WHERE { ?s ?p ?o }", "FROM <{url}/data.ttl>"),
    ("SELECT * FROM NAMED <file:///etc/hostname> WHERE { GRAPH ?g { ?s ?p ?o } }", "FROM NAMED <file:///etc/hostname>"),
    ("BASE <file:///etc/> SELECT * FROM <hostname> WHERE { ?s ?p ?o }", "FROM <file:///etc/hostname>"),
    ("PREFIX r: <{url}/> ASK FROM r:data.ttl { ?s ?p ?o }", "FROM <{url}/data.ttl>"),
])
def test_from_a_graph_the_store_lacks_is_refused_and_never_fetched(writer, listener, query, named):
    url, connections = listener
    response = writer.get("/sparql?query=" + quote(query.replace("{url}", url)))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "unknown_graph" and named.replace("{url}", url) in error["message"]
    assert ("never reads files" in error["message"]) == ("file:" in named)
    assert settle(connections) == []


def test_from_a_graph_of_the_store_is_read(writer):
    query = ("PREFIX akg: <https://w3id.org/alliance-kg/ontology#> "
             "ASK FROM <https://w3id.org/alliance-kg/graph/seed> { ?c a akg:Company }")
    assert writer.get("/sparql?query=" + quote(query)).get_json()["boolean"] is True


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
def test_a_protocol_dataset_the_store_lacks_is_an_empty_graph_never_fetched(writer, listener, parameter):
    """The protocol's own dataset parameters select graphs; one the store lacks is empty (the W3C
    protocol tests send graphs of their own and expect an answer)."""
    url, connections = listener
    response = writer.get(f"/sparql?query={quote('ASK { ?s ?p ?o }')}&{parameter}={quote(url + '/g')}")
    assert response.status_code == 200 and response.get_json()["boolean"] is False
    assert settle(connections) == []


@pytest.mark.parametrize("update, parameters", [
    ("INSERT { <https://example.org/a> <https://example.org/p> 1 } USING <{url}/g> WHERE { ?s ?p ?o }", {}),
    ("INSERT { <https://example.org/a> <https://example.org/p> 1 } USING NAMED <file:///etc/hostname> WHERE { }", {}),
])
def test_using_a_graph_the_store_lacks_is_refused(writer, listener, kg, update, parameters):
    url, connections = listener
    before = len(kg)
    form = {"update": update.replace("{url}", url), **{k: v.replace("{url}", url) for k, v in parameters.items()}}
    response = writer.post("/sparql", data=form, headers=AUTH)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "unknown_graph"
    assert len(kg) == before
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


@pytest.fixture
def remote_endpoint():
    """A SPARQL endpoint on 127.0.0.1 that answers every query with one row, ?x = <https://example.org/remote>."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received: list[str] = []
    answer = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"uri","value":"https://example.org/remote"}}]}}'

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            received.append(self.path + " " + self.rfile.read(length).decode(errors="replace"))
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def federating(kg, remote_endpoint):
    endpoint, _ = remote_endpoint
    config = Config.from_env({"ALLIANCE_KG_SERVICE_ALLOWLIST": f"https://example.org/other {endpoint}"})
    return create_app(config, kg=kg).test_client()


def test_service_calls_an_allowed_endpoint(federating, remote_endpoint):
    endpoint, received = remote_endpoint
    response = federating.get("/sparql?query=" + quote(f"SELECT ?x WHERE {{ SERVICE <{endpoint}> {{ ?x ?p ?o }} }}"),
                              headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert [b["x"]["value"] for b in response.get_json()["results"]["bindings"]] == ["https://example.org/remote"]
    assert len(received) == 1


@pytest.mark.parametrize("query, says", [
    ("SELECT * WHERE { SERVICE <{url}/sparql> { ?s ?p ?o } }", "is not an endpoint this service may call"),
    ("SELECT * WHERE { VALUES ?e { <{endpoint}> } SERVICE ?e { ?s ?p ?o } }", "only a named endpoint"),
])
def test_service_to_any_other_endpoint_is_still_refused(federating, remote_endpoint, listener, query, says):
    endpoint, received = remote_endpoint
    url, connections = listener
    response = federating.get("/sparql?query=" + quote(query.replace("{url}", url).replace("{endpoint}", endpoint)))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "federation_disabled" and says in error["message"] and endpoint in error["hint"]
    assert settle(connections) == [] and received == []


def test_an_update_never_calls_out_even_to_an_allowed_endpoint(kg, remote_endpoint):
    endpoint, received = remote_endpoint
    config = Config.from_env({"ALLIANCE_KG_SERVICE_ALLOWLIST": endpoint, "ALLIANCE_KG_WRITE_TOKEN": TOKEN})
    client = create_app(config, kg=kg).test_client()
    update = f"INSERT {{ ?x <https://example.org/p> 1 }} WHERE {{ SERVICE <{endpoint}> {{ ?x ?p ?o }} }}"
    response = client.post("/sparql", data={"update": update}, headers=AUTH)
    assert response.status_code == 400 and received == []
