"""Slow queries cannot freeze the service (issue 13, finding 4): queries take query slots, at
most a few per client; past the slots and the queue a query is a quick 503 with Retry-After;
``/health`` and the JSON API keep answering on threads of their own; and a write never waits
for a running query."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from alliance_kg.errors import TooBusy
from alliance_kg.store.admission import QuerySlots
from server import running_server

TOKEN = "a-test-token-0123456789"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


# --- the slots, alone ------------------------------------------------------------------------


def hold(slots: QuerySlots, client: str, release: threading.Event, started: threading.Event | None = None):
    def run():
        with slots.admit(client):
            if started:
                started.set()
            release.wait(5)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_one_client_cannot_take_every_slot():
    slots = QuerySlots(slots=3, per_client=2, queue=4, wait_seconds=0.2)
    release = threading.Event()
    threads = [hold(slots, "greedy", release) for _ in range(2)]
    time.sleep(0.1)
    with slots.admit("other"):  # the third slot is still free for someone else
        assert slots.running() == 3
    with pytest.raises(TooBusy) as refused:
        with slots.admit("greedy"):
            pass
    assert "2 queries of this client already run" in refused.value.message
    assert refused.value.headers["Retry-After"].isdigit()
    release.set()
    for thread in threads:
        thread.join()


def test_a_waiting_query_runs_when_a_slot_frees():
    slots = QuerySlots(slots=1, per_client=1, queue=2, wait_seconds=2)
    release, started = threading.Event(), threading.Event()
    first = hold(slots, "a", release, started)
    started.wait(1)
    threading.Timer(0.2, release.set).start()
    began = time.monotonic()
    with slots.admit("b"):
        waited = time.monotonic() - began
    first.join()
    assert 0.1 < waited < 2


def test_past_the_queue_a_query_is_refused_at_once():
    slots = QuerySlots(slots=1, per_client=1, queue=2, wait_seconds=5)
    release = threading.Event()
    holders = [hold(slots, "a", release)]
    time.sleep(0.05)
    holders += [hold(slots, name, release) for name in ("b", "c")]  # both wait
    time.sleep(0.1)
    began = time.monotonic()
    with pytest.raises(TooBusy) as refused:
        with slots.admit("d"):
            pass
    assert time.monotonic() - began < 0.1, "refused at once, without waiting"
    assert "all 1 query slots are taken" in refused.value.message and "2 queries wait" in refused.value.message
    release.set()
    for thread in holders:
        thread.join()


def test_a_client_at_its_cap_does_not_block_the_queue_for_others():
    slots = QuerySlots(slots=2, per_client=1, queue=4, wait_seconds=1)
    release = threading.Event()
    holders = [hold(slots, "greedy", release)]
    time.sleep(0.05)
    holders.append(hold(slots, "greedy", release))  # waits behind its own cap
    time.sleep(0.05)
    began = time.monotonic()
    with slots.admit("other"):  # takes the free slot though the greedy one waits before it
        assert time.monotonic() - began < 0.5
    release.set()
    for thread in holders:
        thread.join()


# --- the real server -----------------------------------------------------------------------


def get(url: str, timeout: float = 30) -> tuple[int, dict, float, dict]:
    """Status, JSON, seconds and headers (names in lower case: HTTP's are case-insensitive, and
    granian sends them so)."""
    began = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body, status, headers = response.read(), response.status, response.headers
    except urllib.error.HTTPError as exc:
        body, status, headers = exc.read(), exc.code, exc.headers
    return status, json.loads(body or b"null"), time.monotonic() - began, {k.lower(): v for k, v in headers.items()}


@pytest.mark.processes
def test_twice_the_slots_of_runaway_queries_leave_health_and_the_api_answering():
    """Twelve Cartesian-product queries from one client froze /health for 10.7 s. Now, with these
    twelve (three times the slots) asked for at once: /health < 100 ms, the JSON API < 500 ms,
    the queries past the client's share a quick 503 with Retry-After; and a write does not wait
    for them."""
    env = {"ALLIANCE_KG_QUERY_TIMEOUT": "6", "ALLIANCE_KG_WRITE_TOKEN": TOKEN}
    with running_server(env=env) as server:
        slots = 4  # the default query_slots
        query_url = server.sparql + "?" + urllib.parse.urlencode({"query": RUNAWAY})
        outcomes: list[tuple[int, dict, float, dict]] = []
        runaway = [threading.Thread(target=lambda: outcomes.append(get(query_url))) for _ in range(3 * slots)]
        for thread in runaway:
            thread.start()
        time.sleep(1.0)  # the queries have started (or been refused)
        health, api = [], []
        for country in ("DE", "FR", "JP", "CN", "BR", "ID", "TR", "US"):
            health.append(get(server.url + "/health")[2])
            status, _, took, _ = get(server.url + f"/api/responsibility?country={country}")
            assert status == 200
            api.append(took)
        request = urllib.request.Request(
            server.url + "/store?graph=https://example.org/during", method="PUT", data=b"<urn:a> <urn:b> <urn:c> .",
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"})
        began = time.monotonic()
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 201
        write_took = time.monotonic() - began
        still_running = sum(thread.is_alive() for thread in runaway)
        for thread in runaway:
            thread.join(timeout=60)
    assert still_running, "the runaway queries should still run while the others are answered"
    assert max(health) < 0.1, f"/health took up to {max(health):.3f} s"
    assert max(api) < 0.5, f"the JSON API took up to {max(api):.3f} s"
    assert write_took < 2, f"a write waited {write_took:.1f} s behind queries"
    busy = [o for o in outcomes if o[0] == 503 and o[1]["error"]["code"] == "too_busy"]
    assert busy, [o[:2] for o in outcomes]
    assert all(o[3].get("retry-after", "").isdigit() for o in busy)
    assert any(o[2] < 1 for o in busy), "past the queue, a query is refused at once"
    assert all(o[0] == 503 for o in outcomes)  # the others ran into the time limit (or waited too long)
