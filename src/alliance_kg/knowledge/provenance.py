"""Provenance: the statements behind a fact, each with its document, quote, strength and layer.

A statement (``akg:Statement``) supports a node with ``akg:supports`` (an assignment, a figure)
or a single triple with ``rdf:subject`` / ``rdf:predicate`` / ``rdf:object`` (a derivation,
a platform). The layer of a statement is the named graph it lives in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import pyoxigraph as ox

from ..store import LAYER_GRAPHS, KnowledgeGraph
from .catalog import local_id

#: Which facts an answer is built from: the two articles only (``seed``) or every layer (``all``).
Layer = Literal["seed", "all"]
#: The layers each :data:`Layer` keeps (``None``: all of them).
LAYERS: dict[str, set[str] | None] = {"seed": {"seed"}, "all": None}
#: The order layers are shown in: the articles first, then the region mapping, then public facts.
LAYER_ORDER = ("seed", "regions", "public")
#: Strengths from strongest to weakest.
STRENGTHS = ("stated", "implied", "attributed", "opinion")
_LAYER_BY_GRAPH = {iri: name for name, iri in LAYER_GRAPHS.items()}


def layer_of(graph: str) -> str:
    """The layer a named graph holds (``seed``, ``regions``, ``public``), or the graph's IRI.

    >>> layer_of("https://w3id.org/alliance-kg/graph/public")
    'public'
    """
    return _LAYER_BY_GRAPH.get(graph, graph)


def layers_of(layer: Layer) -> set[str] | None:
    """The layers an answer built from ``layer`` may use (``None``: all).

    >>> layers_of("seed"), layers_of("all")
    ({'seed'}, None)
    """
    try:
        return LAYERS[layer]
    except KeyError:
        raise ValueError(f"{layer!r} is not a layer: seed or all") from None


def strongest(strengths: Iterable[str]) -> str | None:
    """The strongest of ``strengths``.

    >>> strongest(["implied", "stated"])
    'stated'
    """
    ranked = sorted((s for s in strengths if s in STRENGTHS), key=STRENGTHS.index)
    return ranked[0] if ranked else None


@dataclass(frozen=True)
class Document:
    id: str
    iri: str
    title: str | None
    file: str | None
    url: str | None


@dataclass(frozen=True)
class Source:
    """One statement supporting a fact."""

    statement: str
    statement_iri: str
    fact_id: str | None
    document: Document
    quote: str | None
    stated_as: str | None
    strength: str | None
    layer: str
    inferred_by: str | None = None


def _value(row: dict, name: str) -> str | None:
    term = row.get(name)
    return term.value if term is not None else None


def source_from_row(row: dict) -> Source:
    """A statement row of ``node_sources.rq`` / ``triple_sources.rq`` / ``about_sources.rq`` as a :class:`Source`."""
    document = row["document"].value
    strength = _value(row, "strength")
    return Source(
        statement=local_id(row["statement"].value),
        statement_iri=row["statement"].value,
        fact_id=_value(row, "factId"),
        document=Document(
            id=_value(row, "shortName") or local_id(document),
            iri=document,
            title=_value(row, "title"),
            file=_value(row, "file"),
            url=_value(row, "url"),
        ),
        quote=_value(row, "quote"),
        stated_as=_value(row, "statedAs"),
        strength=local_id(strength).lower() if strength else None,
        layer=layer_of(row["graph"].value),
        inferred_by=_value(row, "inferredBy"),
    )


def _unique(sources: Iterable[Source], layers: set[str] | None) -> list[Source]:
    kept: dict[tuple, Source] = {}
    for source in sources:
        if layers is None or source.layer in layers:
            kept.setdefault((source.statement, source.document.iri, source.layer), source)
    return list(kept.values())


def node_sources(kg: KnowledgeGraph, node: str, *, layers: set[str] | None = None) -> list[Source]:
    """The statements supporting ``node`` (``akg:supports``), optionally only from ``layers``."""
    rows = kg.canned("node_sources", target=ox.NamedNode(node))
    return _unique(map(source_from_row, rows), layers)


def triple_sources(
    kg: KnowledgeGraph, subject: str, predicate: str, obj: str | None, *, layers: set[str] | None = None
) -> tuple[list[Source], set[str]]:
    """The statements about one triple (any object when ``obj`` is None), and the derivation
    kinds they give (e.g. ``Rebadge``)."""
    bindings = {"subject": ox.NamedNode(subject), "predicate": ox.NamedNode(predicate)}
    if obj is not None:
        bindings["object"] = ox.NamedNode(obj)
    rows = kg.canned("triple_sources", **bindings)
    kinds = {local_id(r["derivationKind"].value) for r in rows if "derivationKind" in r}
    return _unique(map(source_from_row, rows), layers), kinds


def strength_by_layer(sources: Iterable[Source]) -> dict[str, str | None]:
    """The strongest strength of ``sources`` in each layer, layer by layer (never mixed).

    >>> doc = Document("D", "x:D", None, None, None)
    >>> strength_by_layer([Source("a", "x:a", None, doc, None, None, "stated", "public"),
    ...                    Source("b", "x:b", None, doc, None, None, "implied", "seed")])
    {'seed': 'implied', 'public': 'stated'}
    """
    sources = list(sources)
    layers = sorted(
        {s.layer for s in sources},
        key=lambda name: (LAYER_ORDER.index(name) if name in LAYER_ORDER else len(LAYER_ORDER), name),
    )
    return {name: strongest(s.strength or "" for s in sources if s.layer == name) for name in layers}
