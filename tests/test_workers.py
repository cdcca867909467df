"""Several worker processes (``serve --workers``, issue 18): one truth across them. A write accepted
by one process is in every answer of every process after it (read-your-writes, no stale answer),
through the answers each keeps, and a rejected write changes nothing anywhere."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message

import pytest

from server import running_server

pytestmark = pytest.mark.processes
TOKEN = "workers-test-token"
AKR = "https://w3id.org/alliance-kg/id/"


def get(url: str) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, headers={"Connection": "close"})  # a new connection: any worker
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers, response.read()  # names case-insensitive


def post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json", "Connection": "close"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def workers():
    with running_server(workers=2, env={"ALLIANCE_KG_WRITE_TOKEN": TOKEN}) as server:
        yield server


def processes(server, *, at_least: int = 2, tries: int = 200) -> dict[str, dict]:
    """The graph version each process gives in /health's headers, asked on new connections until
    ``at_least`` answered: {process: {"graph_version": …}}."""
    seen: dict[str, dict] = {}
    for _ in range(tries):
        headers = get(server.url + "/health")[1]
        seen[headers["X-Process"]] = {"graph_version": int(headers["X-Graph-Version"])}
        if len(seen) >= at_least:
            break
    return seen


def test_two_processes_answer(workers):
    seen = processes(workers)
    assert len(seen) == 2, seen
    assert len({h["graph_version"] for h in seen.values()}) == 1


def test_a_write_through_one_process_is_read_through_every_other(workers):
    companies = workers.url + "/api/companies"
    before = json.loads(get(companies)[2])  # kept by the process that answered (the cheap path)
    for _ in range(20):  # every process answers (and keeps) the list before the write
        get(companies)
    status, created = post(companies, {"label": "Worker Test Motors"})
    assert status == 201, created
    # every answer after the acknowledged write holds it, whichever process gives it
    for _ in range(40):
        after = json.loads(get(companies)[2])
        assert len(after["companies"]) == len(before["companies"]) + 1
        assert any(c["label"] == "Worker Test Motors" for c in after["companies"])
        status, _, body = get(workers.url + "/api/companies/WorkerTestMotors")
        assert status == 200, body
    assert len({h["graph_version"] for h in processes(workers).values()}) == 1


def test_a_rejected_write_changes_nothing_in_any_process(workers):
    versions = {h["graph_version"] for h in processes(workers).values()}
    status, answer = post(workers.url + "/api/assignments", {
        "scope": "Europe", "leader": "Nissan", "valid_from": "2021-01-01",
        "source": {"url": "https://example.org/a", "quote": "Nissan leads Europe"}})
    assert status == 422, answer
    assert {h["graph_version"] for h in processes(workers).values()} == versions


def test_writes_through_both_processes_in_turn_are_all_kept(workers):
    """Each process validates against the other's writes first: ten companies, each written on a
    new connection, all listed by both processes."""
    for n in range(10):
        status, created = post(workers.url + "/api/companies", {"label": f"Turn Motors {n}"})
        assert status == 201, created
    for _ in range(20):
        labels = {c["label"] for c in json.loads(get(workers.url + "/api/companies")[2])["companies"]}
        assert {f"Turn Motors {n}" for n in range(10)} <= labels
    query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/alliance-kg/graph/changes> { ?c a ?t } }"
    counts = set()
    for _ in range(20):
        body = get(workers.url + "/sparql?" + urllib.parse.urlencode({"query": query}) + "&format=json")[2]
        counts.add(json.loads(body)["results"]["bindings"][0]["n"]["value"])
    assert len(counts) == 1, counts  # the change log is the same in both
