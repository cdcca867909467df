"""Queries, updates and documents are parsed and run in confined processes: whatever the text
says, no connection is made (even with the reading of the text bypassed on purpose), a text that
crashes the engine ends its process and not the service (a 400), and memory is bounded (a 503
naming the setting). Findings 1, 2, 3 and 8 of issue 13 each have a test here."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest

from alliance_kg.config import Config
from alliance_kg.store import sparqlparse
from alliance_kg.store.confine import Confinement, probe
from alliance_kg.store.processes import Limits, run_isolated
from alliance_kg.web import create_app
from server import running_server
from test_guard import dump

TOKEN = "a-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture
def secret_endpoint():
    """A SPARQL endpoint on 127.0.0.1 whose every answer holds a secret, and the requests it got."""
    received: list[str] = []
    answer = b'{"head":{"vars":["a"]},"results":{"bindings":[{"a":{"type":"literal","value":"the-secret"}}]}}'

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            received.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


def settle(received: list[str]) -> list[str]:
    time.sleep(0.3)  # give a stray connection time to arrive before saying none did
    return received


@pytest.fixture
def writer(kg):
    return create_app(Config.from_env({"ALLIANCE_KG_WRITE_TOKEN": TOKEN}), kg=kg).test_client()


def test_this_platform_confines_query_processes():
    """The guarantee rests on this: on the machines CI runs on, a confined process cannot open a
    socket (the service prints the same line at start-up)."""
    found = probe(memory_bytes=2**30)
    assert found.no_network, found.describe()
    assert found.memory_limit == 2**30


def test_a_confined_child_cannot_open_a_socket_of_any_family():
    def work():
        refused = []
        for family, kind in ((socket.AF_INET, socket.SOCK_STREAM), (socket.AF_INET6, socket.SOCK_DGRAM),
                             (socket.AF_UNIX, socket.SOCK_STREAM)):
            try:
                socket.socket(family, kind).close()
            except OSError:
                refused.append(family.name)
        return json.dumps(refused).encode(), {}

    body, _ = run_isolated(work, Limits(timeout=5))
    assert json.loads(body) == ["AF_INET", "AF_INET6", "AF_UNIX"]


# --- finding 1: the reading of the text disagreed with Oxigraph's parser -------------------------


@pytest.mark.parametrize("query", [
    "SELECT ?a { BIND(1 AS ?x) .SERVICE <{url}/json> { ?a ?b ?c } }",      # a dot glued to the keyword
    "SELECT ?a { <urn:a\\u0041'> ?p ?o . SERVICE <{url}/json> { ?a ?b ?c } }",  # an escaped IRI with a quote
    "SELECT ?a { ?s ?p ?o # <{url}> '\n SERVICE <{url}/json> { ?a ?b ?c } }",
    "PREFIX r: <{url}/> SELECT ?a { SERVICE r:json { ?a ?b ?c } }",
])
def test_service_written_any_way_is_refused_and_never_called(client, secret_endpoint, query):
    url, received = secret_endpoint
    response = client.get("/sparql?query=" + quote(query.replace("{url}", url)), headers=JSON)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "federation_disabled" and "SERVICE" in error["message"]
    assert b"the-secret" not in response.data
    assert settle(received) == []


@pytest.fixture
def blind(monkeypatch, kg):
    """An app whose reading of the text sees nothing: no SERVICE, no LOAD, no FROM. What keeps it
    from calling out is then the confinement alone."""
    from alliance_kg.store import endpoint, updates

    monkeypatch.setattr(endpoint, "read_query", lambda text, base=None, **_: sparqlparse.NOTHING)
    monkeypatch.setattr(updates, "read_update", lambda text, base=None: sparqlparse.NOTHING)
    return create_app(Config.from_env({"ALLIANCE_KG_WRITE_TOKEN": TOKEN}), kg=kg).test_client()


@pytest.mark.parametrize("query", [
    "SELECT ?a { SERVICE <{url}/sparql> { ?a ?b ?c } }",
    "SELECT ?a { SERVICE SILENT <{url}/sparql> { ?a ?b ?c } }",
    "SELECT ?a { VALUES ?e { <{url}/sparql> } SERVICE ?e { ?a ?b ?c } }",
])
def test_with_the_reading_bypassed_a_query_still_calls_nobody(blind, secret_endpoint, query):
    url, received = secret_endpoint
    response = blind.get("/sparql?query=" + quote(query.replace("{url}", url)), headers=JSON)
    assert response.status_code in (200, 400)
    assert b"the-secret" not in response.data
    if response.status_code == 400:  # the call failed: the message says nothing of the other host
        message = response.get_json()["error"]["message"]
        assert "content" not in message.lower() and url not in message
    assert settle(received) == []


@pytest.mark.parametrize("update", [
    "LOAD <{url}/data.ttl> INTO GRAPH <https://example.org/g>",
    "LOAD SILENT <{url}/data.ttl>",
    "INSERT { <urn:a> <urn:b> ?a } WHERE { SERVICE <{url}/sparql> { ?a ?b ?c } }",
])
def test_with_the_reading_bypassed_an_update_still_fetches_nothing(blind, kg, secret_endpoint, update):
    url, received = secret_endpoint
    before = dump(kg)
    response = blind.post("/sparql", data={"update": update.replace("{url}", url)}, headers=AUTH)
    assert response.status_code in (200, 400)
    assert dump(kg) == before
    assert settle(received) == []


def test_a_failing_allowed_service_does_not_tell_what_the_other_host_answered(kg):
    """For a target that is not a SPARQL endpoint, the message used to confirm the connection
    and give the content type the host answered."""
    answered: list[str] = []

    class Html(BaseHTTPRequestHandler):
        def do_POST(self):
            answered.append(self.path)
            body = b"<html>admin console</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=secret-charset")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Html)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}/admin"
    try:
        client = create_app(Config.from_env({"ALLIANCE_KG_SERVICE_ALLOWLIST": endpoint}), kg=kg).test_client()
        response = client.get("/sparql?query=" + quote(f"SELECT * {{ SERVICE <{endpoint}> {{ ?a ?b ?c }} }}"))
    finally:
        server.shutdown()
        server.server_close()
    assert answered, "the allowed endpoint is called"
    assert response.status_code == 400
    message = json.dumps(response.get_json())
    assert "text/html" not in message and "secret-charset" not in message and "admin console" not in message


# --- finding 2: LOAD and SERVICE in updates ------------------------------------------------------


@pytest.mark.parametrize("update", [
    "INSERT DATA { <urn:a\\u0041'> <urn:p> 1 } ; LOAD <{url}/x> INTO GRAPH <https://example.org/g> ; "
    "INSERT DATA { <urn:b> <urn:p> 2 }",
    "INSERT DATA { <urn:a> <urn:p> 1 } ;LOAD <{url}/x>",
    "INSERT { <urn:a> <urn:p> ?a } WHERE { BIND(1 AS ?x) .SERVICE <{url}/sparql> { ?a ?b ?c } }",
])
def test_load_and_service_in_updates_are_refused_and_nothing_changes(writer, kg, secret_endpoint, update):
    url, received = secret_endpoint
    before = dump(kg)
    response = writer.post("/sparql", data={"update": update.replace("{url}", url)}, headers=AUTH)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "federation_disabled"
    assert dump(kg) == before
    assert settle(received) == []


def test_an_update_cannot_hold_the_writer_lock_on_a_slow_host(blind, kg):
    """An update that waited on a slow target held the writer lock for as long (another write
    waited 29 s). Now nothing is fetched: the update fails or succeeds at once."""
    slow = socket.socket()
    slow.bind(("127.0.0.1", 0))
    slow.listen(8)  # accepts into the backlog and never answers
    url = f"http://127.0.0.1:{slow.getsockname()[1]}"
    try:
        started = time.monotonic()
        first = blind.post("/sparql", data={"update": f"LOAD SILENT <{url}/slow.ttl>"}, headers=AUTH)
        second = blind.post("/sparql", data={"update": "INSERT DATA { GRAPH <https://example.org/g> "
                                                       "{ <urn:a> <urn:p> 1 } }"}, headers=AUTH)
        took = time.monotonic() - started
    finally:
        slow.close()
    assert first.status_code == 200 and second.status_code == 200
    assert took < 5, f"two writes took {took:.1f} s"


# --- finding 3: one request killed the server ---------------------------------------------------


DEEP = 5_000


@pytest.fixture(scope="module")
def real_server():
    """The real server (a crash would end it, not the test run)."""
    with running_server(env={"ALLIANCE_KG_WRITE_TOKEN": TOKEN, "ALLIANCE_KG_QUERY_TIMEOUT": "5"}) as server:
        yield server


def http(server, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(server.url + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


@pytest.mark.processes
@pytest.mark.xdist_group(name="confinement_real_server")
@pytest.mark.parametrize("kind, path, body, content_type, code", [
    ("an update nested 5,000 braces deep, as a dry run", "/sparql?dry_run=true",
     ("INSERT { <urn:a> <urn:b> 1 } WHERE " + "{" * DEEP + "}" * DEEP).encode(), "application/sparql-update",
     "too_deeply_nested"),
    ("a query nested 5,000 braces deep", "/sparql", ("SELECT * WHERE " + "{" * DEEP + "}" * DEEP).encode(),
     "application/sparql-query", "too_deeply_nested"),
    ("a query nested 5,000 parentheses deep", "/sparql",
     ("ASK { FILTER(" + "(" * DEEP + "1" + ")" * DEEP + ") }").encode(), "application/sparql-query",
     "too_deeply_nested"),
    ("a chain of 50,000 UNIONs (no nesting)", "/sparql",
     ("SELECT * WHERE { {} " + "UNION {} " * 50_000 + "}").encode(), "application/sparql-query",
     "query_too_complex"),
    ("a sum of 50,000 terms", "/sparql", ("SELECT (1" + "+1" * 50_000 + " AS ?x) {}").encode(),
     "application/sparql-query", "query_too_complex"),
    ("JSON-LD objects nested 5,000 deep", "/store?graph=https://example.org/deep",
     ('{"@id":"urn:a","urn:b":' * DEEP + "1" + "}" * DEEP).encode(), "application/ld+json", "too_deeply_nested"),
    ("JSON nested 100,000 deep", "/api/companies", b"[" * 100_000 + b"]" * 100_000, "application/json",
     "too_deeply_nested"),
])
def test_no_request_crashes_the_server(real_server, kind, path, body, content_type, code):
    method = "POST" if not path.startswith("/store") else "PUT"
    status, answer = http(real_server, method, path, body, {**AUTH, "Content-Type": content_type})
    assert status == 400, (kind, status, answer)
    assert answer["error"]["code"] == code, answer
    assert real_server.process.poll() is None, f"the server died of {kind}"
    assert http(real_server, "GET", "/health")[0] == 200


def test_the_nesting_limit_is_named_in_the_error(client):
    response = client.post("/sparql", data="ASK " + "{" * 300 + "}" * 300,
                           content_type="application/sparql-query")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "too_deeply_nested" and f"the limit is {sparqlparse.MAX_NESTING}" in error["message"]


def test_a_query_nested_within_the_limit_is_answered(client):
    depth = sparqlparse.MAX_NESTING - 6
    response = client.post("/sparql", data="ASK " + "{" * depth + "}" * depth,
                           content_type="application/sparql-query", headers=JSON)
    assert response.status_code == 200 and response.get_json()["boolean"] is True


# --- finding 8: memory -------------------------------------------------------------------------


DOUBLING = ("SELECT (STRLEN(?v27) AS ?n) WHERE { BIND('x' AS ?v0) "
            + " ".join(f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(27)) + " }")
CARTESIAN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g ?c ?f ?i"


@pytest.fixture
def lean(shipped):
    env = {"ALLIANCE_KG_QUERY_MEMORY_MB": "150", "ALLIANCE_KG_QUERY_TIMEOUT": "20"}
    return create_app(Config.from_env(env), kg=shipped).test_client()


@pytest.mark.parametrize("query", [DOUBLING, CARTESIAN], ids=["doubling CONCAT", "cartesian ORDER BY"])
def test_a_query_past_the_memory_limit_is_stopped_with_a_503_naming_the_setting(lean, query):
    started = time.monotonic()
    response = lean.get("/sparql?query=" + quote(query), headers=JSON)
    assert response.status_code == 503, response.data[:300]
    error = response.get_json()["error"]
    assert error["code"] == "query_memory_limit" and "150 MB" in error["message"]
    assert "ALLIANCE_KG_QUERY_MEMORY_MB" in error["hint"]
    assert time.monotonic() - started < 20  # stopped by the memory limit, not the time limit


def test_memory_limit_zero_means_none(shipped):
    client = create_app(Config.from_env({"ALLIANCE_KG_QUERY_MEMORY_MB": "0"}), kg=shipped).test_client()
    small = ("SELECT (STRLEN(?v20) AS ?n) WHERE { BIND('x' AS ?v0) "
             + " ".join(f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(20)) + " }")
    response = client.get("/sparql?query=" + quote(small), headers=JSON)
    assert response.status_code == 200
    assert response.get_json()["results"]["bindings"][0]["n"]["value"] == str(2 ** 20)


def test_the_confinement_is_described_for_the_start_up_message():
    assert "no network" in Confinement(seccomp=True).describe()
    assert "NETWORK NOT BLOCKED" in Confinement().describe()


@pytest.mark.processes
def test_serve_says_how_query_processes_are_confined():
    import subprocess

    from server import COMMAND, free_port, stop

    process = subprocess.Popen([*COMMAND, "serve", "--port", str(free_port())], stderr=subprocess.PIPE, text=True)
    try:
        lines = [process.stderr.readline() for _ in range(2)]
    finally:
        stop(process)
    assert lines[0].startswith("alliance-kg ") and "serving http://127.0.0.1:" in lines[0]
    assert lines[1].startswith("query processes: no network (seccomp filter"), lines
    assert "memory limit 1,024 MB" in lines[1] and "4 at once (2 per client)" in lines[1]


def test_a_reading_that_misses_a_service_never_opens_the_network(monkeypatch, kg, secret_endpoint):
    """With an allow-list, a query whose SERVICE calls are all allowed runs where the network is
    open. Should rdflib's reading miss a call (a parser bug), the lexer's count of SERVICE
    keywords disagrees, and the query is refused: the other host is never called."""
    from alliance_kg.store import endpoint

    url, received = secret_endpoint
    allowed, evil = url + "/allowed", url + "/evil"
    real = endpoint.read_query

    def missing_one(text, base=None, **options):
        reading = real(text, base, **options)
        return type(reading)(services=tuple(s for s in reading.services if s.iri != evil))

    monkeypatch.setattr(endpoint, "read_query", missing_one)
    client = create_app(Config.from_env({"ALLIANCE_KG_SERVICE_ALLOWLIST": allowed}), kg=kg).test_client()
    query = f"SELECT * {{ SERVICE <{allowed}> {{ ?a ?b ?c }} SERVICE <{evil}> {{ ?d ?e ?f }} }}"
    response = client.get("/sparql?query=" + quote(query), headers=JSON)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "federation_disabled"
    assert settle(received) == []
    plain = client.get("/sparql?query=" + quote(f"SELECT * {{ SERVICE <{allowed}> {{ ?a ?b ?c }} }}"), headers=JSON)
    assert plain.status_code == 200 and b"the-secret" in plain.data  # the allowed endpoint still works
    assert received == ["/allowed"]
