"""Repeated SPARQL queries are answered from a cache that every accepted write empties: never a
stale answer."""

from __future__ import annotations

import threading
from urllib.parse import quote

import pytest

from alliance_kg.config import Config
from alliance_kg.store.pool import WorkerPool
from alliance_kg.web import create_app

TOKEN = "a-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {"Accept": "application/sparql-results+json"}
COUNTER = "https://example.org/counter"
VALUE = f"SELECT ?n WHERE {{ GRAPH <{COUNTER}> {{ <{COUNTER}> <{COUNTER}#value> ?n }} }}"


@pytest.fixture
def runs(monkeypatch):
    """How many queries were really run (each in its own process)."""
    count = [0]
    real = WorkerPool.run

    def counting(self, *args, **kwargs):
        count[0] += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(WorkerPool, "run", counting)
    return count


def make_client(kg, **settings):
    env = {"ALLIANCE_KG_WRITE_TOKEN": TOKEN, **{f"ALLIANCE_KG_{k.upper()}": v for k, v in settings.items()}}
    return create_app(Config.from_env(env), kg=kg).test_client()


def value(client) -> int | None:
    rows = client.get("/sparql?query=" + quote(VALUE), headers=JSON).get_json()["results"]["bindings"]
    return int(rows[0]["n"]["value"]) if rows else None


def set_value(client, n: int):
    update = (f"DELETE WHERE {{ GRAPH <{COUNTER}> {{ <{COUNTER}> <{COUNTER}#value> ?old }} }} ; "
              f"INSERT DATA {{ GRAPH <{COUNTER}> {{ <{COUNTER}> <{COUNTER}#value> {n} }} }}")
    response = client.post("/sparql", data={"update": update}, headers=AUTH)
    assert response.status_code == 200, response.get_json()


def test_a_repeated_query_is_not_run_again(kg, runs):
    client = make_client(kg)
    first = client.get("/sparql?query=" + quote("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"), headers=JSON)
    second = client.get("/sparql?query=" + quote("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"), headers=JSON)
    assert first.data == second.data and runs[0] == 1


def test_each_accept_header_has_its_own_answer(kg, runs):
    client = make_client(kg)
    query = "/sparql?query=" + quote("SELECT ?x WHERE { BIND(1 AS ?x) }")
    as_json = client.get(query, headers=JSON)
    as_csv = client.get(query, headers={"Accept": "text/csv"})
    assert as_json.mimetype == "application/sparql-results+json" and as_csv.mimetype == "text/csv"
    assert client.get(query, headers={"Accept": "text/csv"}).data == as_csv.data and runs[0] == 2


def test_every_accepted_write_empties_the_cache(kg, runs):
    client = make_client(kg)
    assert value(client) is None
    for n in range(3):
        set_value(client, n)
        assert value(client) == n and value(client) == n
    assert runs[0] == 4  # once before the writes, then once after each


def test_a_graph_store_write_empties_it_too(kg):
    client = make_client(kg)
    set_value(client, 1)
    assert value(client) == 1
    response = client.put(f"/store?graph={COUNTER}", data=f"<{COUNTER}> <{COUNTER}#value> 7 .",
                          headers={**AUTH, "Content-Type": "text/turtle"})
    assert response.status_code == 200
    assert value(client) == 7


def test_a_rejected_write_keeps_the_answers(kg, runs):
    client = make_client(kg)
    value(client)
    response = client.post("/sparql", data={"update": "INSERT DATA { <https://w3id.org/alliance-kg/id/Renault> "
                                                      "<https://w3id.org/alliance-kg/ontology#derivedFrom> "
                                                      "<https://w3id.org/alliance-kg/id/Renault> }"}, headers=AUTH)
    assert response.status_code in (400, 422)
    value(client)
    assert runs[0] == 1


def test_the_cache_can_be_turned_off(kg, runs):
    client = make_client(kg, answer_cache_bytes="0")
    value(client), value(client)
    assert runs[0] == 2


def test_readers_never_see_an_answer_older_than_an_acknowledged_write(kg):
    """A writer raises the counter while readers query it: an answer to a query sent after a
    write was acknowledged is never older than that write."""
    writer, acknowledged, stale, stop = make_client(kg), [0], [], threading.Event()
    set_value(writer, 0)

    def read():
        client = make_client(kg)
        while not stop.is_set():
            floor = acknowledged[0]
            seen = value(client)
            if seen < floor:
                stale.append((floor, seen))

    readers = [threading.Thread(target=read) for _ in range(2)]
    for thread in readers:
        thread.start()
    for n in range(1, 9):
        set_value(writer, n)
        acknowledged[0] = n
    stop.set()
    for thread in readers:
        thread.join()
    assert stale == [] and value(writer) == 8


def test_a_repeated_json_question_is_answered_from_the_cache_until_a_write(kg, monkeypatch):
    import alliance_kg.knowledge.companies as companies

    calls = [0]
    real = companies.company_roles

    def counting(*args, **kwargs):
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(companies, "company_roles", counting)
    client = make_client(kg)
    first = client.get("/api/companies/Nissan?as_of=2030-01-01")
    assert client.get("/api/companies/Nissan?as_of=2030-01-01").data == first.data and calls[0] == 1
    response = client.post("/api/assignments", headers=AUTH, json={
        "scope": "all-solid-state batteries", "leader": "Nissan", "valid_from": "2029-06-01",
        "source": {"url": "https://example.org/batteries", "quote": "Nissan will lead batteries"}})
    assert response.status_code == 201, response.get_json()
    after = client.get("/api/companies/Nissan?as_of=2030-01-01")
    assert calls[0] == 2 and after.data != first.data
    assert response.get_json()["id"] in after.data.decode()


def test_without_the_cache_no_query_process_answers_from_an_older_graph(kg):
    """Query processes hold a snapshot of the graph: a write must retire them."""
    client = make_client(kg, answer_cache_bytes="0")
    for n in range(3):
        set_value(client, n)
        assert value(client) == n and value(client) == n
