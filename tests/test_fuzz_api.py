"""Fuzzing the JSON API from its OpenAPI description: Schemathesis generates requests for every
operation of the description the app serves at ``/openapi.json``, sends them to the app in
process (WSGI), and checks each answer: no server error, a status the description lists, a
content type it lists, and a body that conforms to the schema it gives (for an error, the error
envelope). Under the ``ci`` profile (``make test``) the requests are valid ones; under ``fuzz``
(``make fuzz``) half are invalid on purpose. Writes carry a valid token (most of them) and may be
accepted: the graph must still conform at the end.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from alliance_kg.web.openapi import DESCRIPTION_FILE
from fuzzing import AUTH, fuzz_app, fuzz_cases, graph_conforms  # noqa: F401 - fuzz_cases is a fixture

# One worker runs the module in order (--dist loadgroup): the last test checks the graph the others fuzzed.
pytestmark = pytest.mark.xdist_group(name="fuzz_api")


def no_server_error(ctx, response, case):
    """Schemathesis's ``not_a_server_error``, but for a SPARQL query stopped at its time limit (a
    503 ``query_timeout``, as the description says): ``timeout=`` may ask for a tiny limit."""
    if response.status_code == 503 and case.path == "/sparql":
        if response.json()["error"]["code"] == "query_timeout":
            return None
    return not_a_server_error(ctx, response, case)


CHECKS = [no_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ = settings.get_current_profile_name() != "ci"  # the quick profile of make test; fuzz (or any other) goes further

#: The description the app serves (tests/test_openapi.py checks that /openapi.json is this file).
schema = schemathesis.openapi.from_path(DESCRIPTION_FILE)
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


@pytest.fixture(scope="module")
def writable_app(config):
    return fuzz_app(config)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
@given(data=st.data())
def test_every_operation_answers_as_described(operation, writable_app, fuzz_cases, data):
    negative = FUZZ and data.draw(st.booleans(), label="invalid request")
    case = data.draw(operation.as_strategy(GenerationMode.NEGATIVE if negative else GenerationMode.POSITIVE))
    headers = AUTH if data.draw(st.integers(0, 9), label="token") else {}
    fuzz_cases()
    case.call_and_validate(app=writable_app, headers=headers, checks=CHECKS)


def test_the_graph_still_conforms_after_the_fuzzing(writable_app):
    assert graph_conforms(writable_app)
