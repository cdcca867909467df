"""What the fuzzers (tests/test_fuzz_*.py) found, each kept as a regression test."""

from __future__ import annotations

import pytest

from alliance_kg.config import Config
from alliance_kg.web import create_app
from fuzzing import check_envelope
from test_guard import dump

TOKEN = "a-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BOUNDARY = "fuzzboundary"


@pytest.fixture
def writer(kg):
    return create_app(Config.from_env({"ALLIANCE_KG_WRITE_TOKEN": TOKEN}), kg=kg).test_client()


def multipart(*dispositions: str) -> bytes:
    parts = [f"--{BOUNDARY}\r\nContent-Disposition: {d}\r\n\r\n<urn:a> <urn:b> <urn:c> .\r\n" for d in dispositions]
    return ("".join(parts) + f"--{BOUNDARY}--\r\n").encode()


@pytest.mark.parametrize("dispositions", [
    ("form-data",),                               # a part without a name: its name is None
    ('form-data; name=""', 'form-data; name="a"'),
    ("form-data", 'form-data; name="a"'),         # None beside a name: they could not be sorted
])
def test_a_multipart_part_without_a_name_or_file_is_a_400_not_a_500(writer, kg, dispositions):
    before = dump(kg)
    response = writer.post("/store?graph=https://example.org/g", data=multipart(*dispositions),
                           headers={**AUTH, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    assert response.status_code == 400
    error = check_envelope(400, response.content_type, response.get_data())
    assert "parts that are not files" in error["message"]
    assert dump(kg) == before


@pytest.mark.parametrize("method, path, kwargs", [
    ("post", "/api/companies?dryrun=true", {"json": {"label": "Typo Motors"}}),
    ("patch", "/api/assignments/assignment-Europe?dry-run=true", {"json": {"valid_to": "2030-12-31"}}),
    ("delete", "/api/assignments/assignment-Europe?dryrun=1", {}),
    ("put", "/store?graph=https://example.org/g&dryrun=true", {"data": "<urn:a> <urn:b> <urn:c> .",
                                                               "content_type": "text/turtle"}),
    ("post", "/store?grpah=https://example.org/g", {"data": "<urn:a> <urn:b> <urn:c> .", "content_type": "text/turtle"}),
])
def test_a_write_with_a_misspelt_parameter_is_a_400_and_changes_nothing(writer, kg, method, path, kwargs):
    """A typo for dry_run used to be ignored, and the write committed; one for graph made POST
    /store create a new graph."""
    before = dump(kg)
    response = getattr(writer, method)(path, headers=AUTH, **kwargs)
    assert response.status_code == 400
    assert "unknown parameter" in check_envelope(400, response.content_type, response.get_data())["message"]
    assert dump(kg) == before


@pytest.mark.parametrize("path", ["/api/assignments/assignment-Europe?as_of=2021-01-01", "/api/context.jsonld?v=2"])
def test_reads_that_ignored_unknown_parameters_refuse_them(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "unknown parameter" in check_envelope(400, response.content_type, response.get_data())["message"]


def test_the_graph_store_still_takes_its_own_parameters(writer):
    response = writer.put("/store?graph=https://example.org/g&dry_run=true", data="<urn:a> <urn:b> <urn:c> .",
                          headers=AUTH, content_type="text/turtle")
    assert response.status_code == 200 and response.get_json()["dry_run"] is True
    assert writer.get("/store?default").status_code == 200
