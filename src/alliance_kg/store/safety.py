"""Safe parsing of documents from outside: RDF/XML with a DOCTYPE is refused before any parser
sees it, and JSON (JSON-LD too) nested deeper than a limit.

pyoxigraph's RDF/XML parser expands internal entities: a few hundred bytes of nested entities
("billion laughs") become gigabytes. RDF needs no DTD, so a document that declares one is refused
outright, quickly and with bounded memory, and its content is never echoed in the error.

Parsers recurse: Python's ``json`` raises ``RecursionError`` about a thousand levels down, and
pyoxigraph's JSON-LD parser overflows its stack a few thousand down. JSON is read by Python's
parser first and its nesting measured without recursion, so anything deeper than
:data:`MAX_JSON_DEPTH` is a 400 that names the limit.
"""

from __future__ import annotations

import json
import re

from ..errors import RDFSyntaxError, TooDeeplyNested

#: How deep a JSON document (a JSON API body, a JSON-LD document) may nest arrays and objects.
MAX_JSON_DEPTH = 64

_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def check_rdf_xml(data: bytes, *, source: str = "the document") -> None:
    """Refuse RDF/XML that is not UTF-8 or that declares a DOCTYPE or entities.

    >>> check_rdf_xml(b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>')
    >>> check_rdf_xml(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>')
    Traceback (most recent call last):
    ...
    alliance_kg.errors.RDFSyntaxError: the document declares a DOCTYPE or entities, which RDF/XML here may not ...

    :raises RDFSyntaxError: a DOCTYPE or an entity declaration, or a body that is not UTF-8.
    """
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RDFSyntaxError(
            f"{source} is not valid UTF-8 (byte {exc.start})", hint="RDF/XML is read as UTF-8"
        ) from None
    if _DECLARATION.search(data):
        raise RDFSyntaxError(
            f"{source} declares a DOCTYPE or entities, which RDF/XML here may not",
            hint="remove the DOCTYPE: RDF needs none, and entities could expand without bound or read files",
        )


def json_nesting(document) -> int:
    """How deeply ``document`` (parsed JSON) nests arrays and objects, measured without recursion.

    >>> json_nesting({"a": [1, {"b": []}]}), json_nesting(1)
    (4, 0)
    """
    deepest = 0
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            deepest = max(deepest, depth)
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            deepest = max(deepest, depth)
            pending.extend((item, depth + 1) for item in value)
    return deepest


def too_deep(source: str = "the body") -> TooDeeplyNested:
    return TooDeeplyNested(
        f"{source} nests arrays and objects more than {MAX_JSON_DEPTH} deep",
        hint=f"the limit is {MAX_JSON_DEPTH} levels",
    )


def check_json_nesting(data: bytes | str, *, source: str = "the body") -> None:
    """Refuse JSON ``data`` nested deeper than :data:`MAX_JSON_DEPTH`; other faults are left to
    the parser that reads it next.

    >>> check_json_nesting(b"[" * 100 + b"]" * 100, source="the document")
    Traceback (most recent call last):
    ...
    alliance_kg.errors.TooDeeplyNested: the document nests arrays and objects more than 64 deep ...
    """
    try:
        document = json.loads(data)
    except RecursionError:
        raise too_deep(source) from None
    except ValueError:
        return
    if json_nesting(document) > MAX_JSON_DEPTH:
        raise too_deep(source)
