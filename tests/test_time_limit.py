"""The query time limit: a runaway query is stopped (its process killed) and answered 503 naming
the setting, while the service keeps answering."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

from alliance_kg.config import Config
from alliance_kg.store import processes
from alliance_kg.web import create_app
from server import running_server

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture
def limited(shipped):
    return create_app(Config.from_env({"ALLIANCE_KG_QUERY_TIMEOUT": "1"}), kg=shipped).test_client()


def test_a_runaway_query_is_stopped_with_a_503_naming_the_setting(limited):
    before = set(processes.LIVE)  # query processes of other tests, waiting for work
    response = limited.get("/sparql", query_string={"query": RUNAWAY})
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "query_timeout" and "1 s" in error["message"]
    assert "ALLIANCE_KG_QUERY_TIMEOUT" in error["hint"]
    assert processes.LIVE <= before  # the process that ran it is gone


def test_a_request_may_ask_for_a_lower_limit_but_not_a_higher_one(limited):
    assert limited.get("/sparql", query_string={"query": RUNAWAY, "timeout": "0.3"}).status_code == 503
    too_long = limited.get("/sparql", query_string={"query": "ASK {}", "timeout": "60"})
    assert too_long.status_code == 400 and "at most 1 seconds" in too_long.get_json()["error"]["message"]
    assert limited.get("/sparql", query_string={"query": "ASK {}", "timeout": "soon"}).status_code == 400


def test_errors_of_the_query_process_keep_their_status_and_position(limited):
    response = limited.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "query_syntax_error" and error["line"] == 1


def test_a_bad_timeout_setting_is_refused():
    with pytest.raises(ValueError, match="QUERY_TIMEOUT"):
        Config.from_env({"ALLIANCE_KG_QUERY_TIMEOUT": "forever"})


@pytest.mark.processes
def test_the_service_keeps_answering_while_a_runaway_query_runs():
    with running_server(env={"ALLIANCE_KG_QUERY_TIMEOUT": "3"}) as server:
        outcome = {}

        def runaway():
            url = server.sparql + "?" + urllib.parse.urlencode({"query": RUNAWAY})
            try:
                urllib.request.urlopen(url, timeout=30)
            except urllib.error.HTTPError as exc:
                outcome["status"] = exc.code
                outcome["error"] = json.load(exc)["error"]["code"]

        thread = threading.Thread(target=runaway)
        thread.start()
        answers = []
        for _ in range(5):  # while the runaway query runs
            with urllib.request.urlopen(server.url + "/health", timeout=5) as response:
                answers.append(response.status)
            with urllib.request.urlopen(server.url + "/api/responsibility?region=Europe", timeout=5) as response:
                answers.append(response.status)
        still_running = thread.is_alive()
        thread.join(timeout=30)
        assert still_running, "the runaway query should still be running while the others are answered"
        assert answers == [200] * 10
        assert outcome == {"status": 503, "error": "query_timeout"}


@pytest.mark.parametrize("value", ["0.05", "5e-324", "0"])
def test_a_time_limit_too_short_to_start_a_query_is_400(client, value):
    """Below 0.1 s every query would be stopped while its process starts: a 503 the request
    caused itself. Say so instead."""
    response = client.get("/sparql", query_string={"query": "ASK {}", "timeout": value})
    assert response.status_code == 400 and "at least 0.1" in response.get_json()["error"]["message"]
