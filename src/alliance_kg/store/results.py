"""SPARQL answers cut at a number of rows: the result-row cap of the endpoint.

Oxigraph writes a whole answer and cannot be told to stop, so a capped answer is built here: the
first rows are taken, written as SPARQL JSON (https://www.w3.org/TR/sparql11-results-json/), and
Oxigraph turns that into XML, CSV or TSV. A cut SPARQL JSON answer says so with
``"truncated": true`` between ``head`` and ``results``; every format says so in a header
(:data:`TRUNCATED_HEADER`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import islice

import pyoxigraph as ox

#: The header of a cut answer, with the cap as its value: the name Virtuoso uses for the same.
TRUNCATED_HEADER = "X-SPARQL-MaxRows"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"


def term_json(term) -> dict:
    """One RDF term as a SPARQL JSON value.

    >>> term_json(ox.Literal("x", language="en"))
    {'type': 'literal', 'value': 'x', 'xml:lang': 'en'}
    >>> term_json(ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
    {'type': 'literal', 'value': '3', 'datatype': 'http://www.w3.org/2001/XMLSchema#integer'}
    """
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        value = {"type": "literal", "value": term.value}
        if term.language:
            value["xml:lang"] = term.language
            if term.direction is not None:
                value["its:dir"] = str(term.direction)
        elif term.datatype.value not in (XSD_STRING, RDF_LANG_STRING, RDF_DIR_LANG_STRING):
            value["datatype"] = term.datatype.value
        return value
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": term_json(term.subject),
                "predicate": term_json(term.predicate),
                "object": term_json(term.object),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")


def capped_solutions(results: ox.QuerySolutions, format: ox.QueryResultsFormat, max_rows: int) -> tuple[bytes, bool]:
    """The first ``max_rows`` solutions of ``results`` in ``format``, and whether there were more.

    >>> answer = ox.Store().query("SELECT ?n WHERE { VALUES ?n { 1 2 3 } }")
    >>> body, cut = capped_solutions(answer, ox.QueryResultsFormat.CSV, 2)
    >>> body.decode().split(), cut
    (['n', '1', '2'], True)
    """
    variables = [v.value for v in results.variables]
    rows = list(islice(results, max_rows + 1))
    truncated = len(rows) > max_rows
    document = solutions_json(variables, rows[:max_rows])
    if format != ox.QueryResultsFormat.JSON:
        body = json.dumps(document, ensure_ascii=False).encode()
        return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON).serialize(
            format=format
        ) or b"", truncated
    if truncated:  # before "results": parsers such as Oxigraph's read nothing after the bindings
        document = {"head": document["head"], "truncated": True, "results": document["results"]}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(), truncated


def solutions_json(variables: list[str], rows: Iterable[ox.QuerySolution]) -> dict:
    """SPARQL JSON results of ``rows`` over ``variables`` (unbound variables left out)."""
    bindings = []
    for row in rows:
        binding = {}
        for name in variables:
            term = row[name]
            if term is not None:
                binding[name] = term_json(term)
        bindings.append(binding)
    return {"head": {"vars": variables}, "results": {"bindings": bindings}}


def capped_triples(triples: Iterable[ox.Triple], max_rows: int) -> tuple[list[ox.Triple], bool]:
    """The first ``max_rows`` of ``triples``, and whether there were more.

    >>> t = ox.Triple(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p"), ox.Literal("1"))
    >>> capped_triples([t, t, t], 2)[1], capped_triples([t], 2)[1]
    (True, False)
    """
    kept = list(islice(triples, max_rows + 1))
    return kept[:max_rows], len(kept) > max_rows
