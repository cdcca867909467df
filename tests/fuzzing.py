"""Helpers of the fuzz tests (``tests/test_fuzz_*.py``): the app they fuzz, the error-envelope
check every failing answer must pass, and a counter of the cases run.

How many examples each property runs is the Hypothesis profile's: ``ci`` (the default, a few
seconds in ``make test``) or ``fuzz`` (``make fuzz``, or ``HYPOTHESIS_PROFILE=fuzz``); both are
registered in ``conftest.py``, which also prints the number of cases run.
"""

from __future__ import annotations

import json
import re

import pytest

from alliance_kg.config import Config
from alliance_kg.rules.validation import validate
from alliance_kg.store import open_graph
from alliance_kg.web import create_app

TOKEN = "a-fuzzing-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
#: The answers that are not JSON although they are errors: a 422 asked for as the SHACL report graph.
REPORT_GRAPH_TYPES = ("text/turtle", "application/ld+json")
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def fuzz_app(config: Config, **settings: str):
    """An app that accepts writes with :data:`TOKEN`, over a fresh in-memory copy of the shipped
    graph. A runaway query is stopped after 2 s (the fuzzers make a few)."""
    env = {"ALLIANCE_KG_WRITE_TOKEN": TOKEN, "ALLIANCE_KG_QUERY_TIMEOUT": "2", **settings}
    return create_app(Config.from_env(env), kg=open_graph(config))


def check_envelope(status: int, content_type: str | None, body: bytes) -> dict:
    """Fail unless ``body`` is the JSON error envelope of an error answered with ``status``:
    ``{"error": {"status", "code", "message", "hint", ...}}`` and nothing else. Its ``error``."""
    assert (content_type or "").split(";")[0].strip() == "application/json", (status, content_type, body[:300])
    document = json.loads(body)
    assert isinstance(document, dict) and set(document) == {"error"}, document
    error = document["error"]
    assert error["status"] == status, error
    assert isinstance(error["code"], str) and _CODE.match(error["code"]), error
    assert isinstance(error["message"], str) and error["message"], error
    assert error["hint"] is None or isinstance(error["hint"], str), error
    return error


#: The one 5xx a client may cause: 503 for a query stopped at a limit of its process (time,
#: memory) or refused because every query slot is taken.
LIMIT_CODES = ("query_timeout", "query_memory_limit", "too_busy")


def check_answer(response, *, method: str = "GET") -> None:
    """The properties every answer of a fuzz test has: no server error (the one 5xx allowed is a
    503 for a limit: :data:`LIMIT_CODES`), and every error in the JSON envelope (or, for a 422,
    the SHACL report graph when the request's ``Accept`` asked for it)."""
    status = response.status_code
    assert status < 500 or status == 503, (status, response.get_data()[:500])
    if status < 400:
        return
    mimetype = response.mimetype
    if status == 422 and mimetype in REPORT_GRAPH_TYPES:
        assert b"ValidationReport" in response.get_data(), response.get_data()[:300]
        return
    if method == "HEAD":
        assert mimetype == "application/json", (status, mimetype)
        return
    error = check_envelope(status, response.content_type, response.get_data())
    if status == 503:
        assert error["code"] in LIMIT_CODES, error


def graph_conforms(app) -> bool:
    """Whether the graph of ``app`` conforms to the rules, by a full validation (not the guard's)."""
    kg = app.extensions["alliance_kg"].graph
    return validate(kg, app.config["ALLIANCE_KG_CONFIG"].shapes_dir).conforms


class Counter:
    """How many cases a fuzz test ran."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> None:
        self.n += 1


@pytest.fixture
def fuzz_cases(record_property):
    """Count the cases of one fuzz test; the count goes to the test's report (``fuzz_cases``),
    which ``conftest.py`` sums up at the end of the run."""
    counter = Counter()
    yield counter
    record_property("fuzz_cases", counter.n)
