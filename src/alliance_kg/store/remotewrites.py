"""The SPARQL Update texts a remote store (:mod:`.remote`) is sent: a guarded write, conditional on
the store's version token; the token replaced after a bulk load; a bulk load's ``INSERT DATA``.

Each is standard SPARQL 1.1 and written so that Virtuoso runs it as the Oxigraph server does
(docs/virtuoso-notes.md): Virtuoso skips the whole template of a ``DELETE ... INSERT ... WHERE``
whose ``WHERE`` is only an ``OPTIONAL`` that does not match, so the token is replaced
unconditionally by a ``DELETE WHERE`` and an ``INSERT DATA``; it refuses blank nodes in ``INSERT
DATA``, so triples with blank nodes go as ``INSERT { ... } WHERE {}``. Virtuoso stores numbers by
value and reads an ``xsd:decimal`` without a point in a template (``"15"^^xsd:decimal``) as an
``xsd:integer``: given ``virtuoso=True``, such a literal is written ``"15.0"^^xsd:decimal``, the
same value, which it keeps an ``xsd:decimal`` (and gives back as ``"15"``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyoxigraph as ox

from .change import Change
from .names import BASE, CHANGES_GRAPH

#: The triple that holds the version token: in the change log graph, which only alliance-kg writes.
VERSION_SUBJECT = ox.NamedNode(CHANGES_GRAPH)
VERSION_PREDICATE = ox.NamedNode(BASE + "ontology#version")
_VERSION = f"<{VERSION_SUBJECT.value}> <{VERSION_PREDICATE.value}>"
XSD_DECIMAL = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
_INTEGRAL = re.compile(r"[+-]?[0-9]+")


def conditional_update(change: Change, expected: str | None, token: str, *, virtuoso: bool = False) -> str:
    """One update that applies ``change`` and replaces the version token ``expected`` (``None``:
    none yet) by ``token``, only if the token is still ``expected``."""
    if expected is None:
        where = f"FILTER NOT EXISTS {{ GRAPH <{CHANGES_GRAPH}> {{ {_VERSION} ?old }} }}"
    else:
        where = f"GRAPH <{CHANGES_GRAPH}> {{ {_VERSION} ?old }} FILTER(?old = {ox.Literal(expected)})"
    return (
        f"DELETE {{ {_blocks(change.removed, virtuoso)} GRAPH <{CHANGES_GRAPH}> {{ {_VERSION} ?old }} }}\n"
        f"INSERT {{ {_blocks(change.added, virtuoso)} GRAPH <{CHANGES_GRAPH}> {{ {_VERSION} {ox.Literal(token)} }} }}\n"
        f"WHERE {{ {where} }}"
    )


def replace_token(token: str) -> str:
    """The version token replaced by ``token``, whatever it was (after a bulk load)."""
    return (
        f"DELETE WHERE {{ GRAPH <{CHANGES_GRAPH}> {{ {_VERSION} ?old }} }} ;\n"
        f"INSERT DATA {{ GRAPH <{CHANGES_GRAPH}> {{ {_VERSION} {ox.Literal(token)} }} }}"
    )


def insert_data(graph: ox.NamedNode, triples: list[ox.Triple], *, virtuoso: bool = False) -> str:
    """``triples`` added to ``graph``: ``INSERT DATA``, or ``INSERT ... WHERE {}`` when a triple
    has a blank node (which one request keeps one node)."""
    body = " ".join(_triple(t.subject, t.predicate, t.object, virtuoso) for t in triples)
    if any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples):
        return f"INSERT {{ GRAPH <{graph.value}> {{ {body} }} }} WHERE {{}}"
    return f"INSERT DATA {{ GRAPH <{graph.value}> {{ {body} }} }}"


def _blocks(quads: Iterable[ox.Quad], virtuoso: bool) -> str:
    by_graph: dict[str, list[str]] = {}
    for q in quads:
        by_graph.setdefault(str(q.graph_name), []).append(_triple(q.subject, q.predicate, q.object, virtuoso))
    return " ".join(f"GRAPH {g} {{ {' '.join(ts)} }}" for g, ts in by_graph.items())


def _triple(subject, predicate, object, virtuoso: bool) -> str:
    """A triple in N-Triples, its object written as Virtuoso keeps it if ``virtuoso`` (see the module).

    >>> _triple(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("15", datatype=XSD_DECIMAL), True)
    '<urn:s> <urn:p> "15.0"^^<http://www.w3.org/2001/XMLSchema#decimal> .'
    """
    if (
        virtuoso
        and isinstance(object, ox.Literal)
        and object.datatype == XSD_DECIMAL
        and _INTEGRAL.fullmatch(object.value)
    ):
        object = ox.Literal(object.value + ".0", datatype=XSD_DECIMAL)
    return f"{subject} {predicate} {object} ."
