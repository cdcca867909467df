"""Safe parsing: RDF/XML that declares a DOCTYPE or entities is refused before any parser sees it,
quickly, and without echoing what the entities would have read."""

from __future__ import annotations

import socket

import pytest

from alliance_kg.cli import cli
from alliance_kg.config import Config
from alliance_kg.web import create_app
from test_guard import dump

TOKEN = "a-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/rdf+xml"}
HEAD = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">'
        '<rdf:Description rdf:about="http://example.org/a"><ex:p>{}</ex:p></rdf:Description></rdf:RDF>')


def billion_laughs(levels: int = 12) -> bytes:
    """Nested entities: a few hundred bytes that expand to 10**levels characters."""
    entities = ['<!ENTITY e0 "lol">'] + [f'<!ENTITY e{i} "{("&e%d;" % (i - 1)) * 10}">' for i in range(1, levels)]
    return (f'<?xml version="1.0"?><!DOCTYPE rdf:RDF [{"".join(entities)}]>' + HEAD.format(f"&e{levels - 1};")).encode()


EXTERNAL = ('<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!ENTITY secret SYSTEM "file:///etc/hostname">]>'
            + HEAD.format("&secret;")).encode()


@pytest.fixture
def writer(kg):
    return create_app(Config.from_env({"ALLIANCE_KG_WRITE_TOKEN": TOKEN}), kg=kg).test_client()


@pytest.mark.parametrize("document", [billion_laughs(), EXTERNAL, b'<!doctype rdf:RDF>' + HEAD.format("x").encode()],
                         ids=["billion laughs", "external entity", "lower-case doctype"])
def test_rdf_xml_with_a_doctype_is_refused_and_changes_nothing(writer, kg, document):
    before = dump(kg)  # expanding 10**12 characters would exhaust memory: refusing first is the test
    response = writer.put("/store?graph=https://example.org/upload", data=document, headers=AUTH)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "rdf_syntax_error" and "DOCTYPE" in error["message"]
    assert socket.gethostname() not in response.get_data(as_text=True)
    assert "lollol" not in response.get_data(as_text=True)
    assert dump(kg) == before


def test_plain_rdf_xml_is_still_accepted(writer):
    document = ('<?xml version="1.0" encoding="utf-8"?>' + HEAD.format("plain")).encode()
    assert writer.put("/store?graph=https://example.org/upload", data=document, headers=AUTH).status_code == 201


def test_rdf_xml_that_is_not_utf8_is_refused(writer):
    response = writer.put("/store?graph=https://example.org/upload", data=HEAD.format("x").encode("utf-16"), headers=AUTH)
    assert response.status_code == 400 and "UTF-8" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("command", ["validate", "load"])
def test_the_cli_refuses_rdf_xml_with_a_doctype(runner, tmp_path, command):
    path = tmp_path / "upload.rdf"
    path.write_bytes(EXTERNAL)
    args = ["--store", str(tmp_path / "store"), "load", str(path)] if command == "load" else ["validate", str(path)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert "DOCTYPE" in result.output
    assert socket.gethostname() not in result.output
