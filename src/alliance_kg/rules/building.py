"""What every write is built from: readable ids for new things, the quads of one write (a
:class:`Builder`), and the statements that cite a write's source.

Created things get readable ids: a company or model ``DongfengMotor`` from its label (letters
beyond ASCII transliterated, by anyascii), an assignment ``assignment-<scope>-<leader>-<valid_from>``;
a taken id gets a ``-2``, ``-3``… suffix. Every fact written carries its source, as an
``akg:Statement`` with a document (a known one, or one made for a URL), an optional quote and a
strength. A statement citing one of the seed documents goes into the seed graph; any other into
the public graph.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, overload
from urllib.parse import urlsplit

import pyoxigraph as ox
from anyascii import anyascii

from ..errors import BadRequest
from ..knowledge.catalog import AKG, catalog
from ..store import LAYER_GRAPHS, PREFIXES, Change, KnowledgeGraph, value
from .payload import Payload, http_url

AKR = PREFIXES["akr"]
RDF, RDFS, SKOS, OWL, ORG = (PREFIXES[p] for p in ("rdf", "rdfs", "skos", "owl", "org"))
SCHEMA, DCTERMS, XSD = PREFIXES["schema"], PREFIXES["dcterms"], PREFIXES["xsd"]
STRENGTHS = {"stated": "Stated", "implied": "Implied", "attributed": "Attributed", "opinion": "Opinion"}


def n(iri: str) -> ox.NamedNode:
    """The IRI ``iri`` as a term."""
    return ox.NamedNode(iri)


def en(text: str) -> ox.Literal:
    """``text`` as an English literal."""
    return ox.Literal(text, language="en")


def typed(value: str, datatype: str) -> ox.Literal:
    """``value`` as a literal of the XSD ``datatype``."""
    return ox.Literal(value, datatype=n(XSD + datatype))


# --- ids -------------------------------------------------------------------------------------------


def camel(label: str) -> str:
    """A readable id from a label.

    >>> camel("Dongfeng Motor Corporation")
    'DongfengMotorCorporation'
    >>> camel("Citroën ë-C4 (2021)")
    'CitroenEC42021'
    >>> camel("Øresund Motors"), camel("日産")
    ('OresundMotors', 'RiChan')
    """
    words = re.findall(r"[A-Za-z0-9]+", anyascii(label))
    return "".join(w[:1].upper() + w[1:] for w in words) or "item"


def slug(text: str) -> str:
    """A readable id part from a text: letters and digits, words joined by ``-``.

    >>> slug("CMF-C/D 2"), slug("Škoda Ø")
    ('CMF-C-D-2', 'Skoda-O')
    """
    return re.sub(r"[^A-Za-z0-9]+", "-", anyascii(text)).strip("-") or "item"


def fresh_id(kg: KnowledgeGraph, base: str, taken: Iterable[str] = ()) -> str:
    """``base``, or ``base-2``, ``base-3``… : the first that names nothing in the graph."""
    taken = set(taken)
    candidate, i = base, 1
    while candidate in taken or exists(kg, AKR + candidate):
        i += 1
        candidate = f"{base}-{i}"
    return candidate


def exists(kg: KnowledgeGraph, iri: str) -> bool:
    """Whether ``iri`` is the subject or object of a quad."""
    node = n(iri)
    return (
        next(iter(kg.quads(node, None, None, None)), None) is not None
        or next(iter(kg.quads(None, None, node, None)), None) is not None
    )


# --- sources ---------------------------------------------------------------------------------------


@dataclass
class Builder:
    """Quads of one write, and the graph (layer) they go to."""

    kg: KnowledgeGraph
    graph: str = LAYER_GRAPHS["public"]

    def __post_init__(self):
        self.quads: list[ox.Quad] = []
        self.taken: set[str] = set()

    def add(self, s, p: str, o) -> None:
        self.quads.append(ox.Quad(s, n(p), o, n(self.graph)))

    def new_id(self, base: str) -> str:
        chosen = fresh_id(self.kg, base, self.taken)
        self.taken.add(chosen)
        return chosen

    def labels(self, node: ox.NamedNode, label: str, alt_labels: Iterable[str] = ()) -> None:
        """Name ``node``: ``rdfs:label`` and ``skos:prefLabel`` (the same English text), and ``skos:altLabel``s."""
        self.add(node, RDFS + "label", en(label))
        self.add(node, SKOS + "prefLabel", en(label))
        for alt in alt_labels:
            self.add(node, SKOS + "altLabel", en(alt))

    def change(self) -> Change:
        return Change(added=frozenset(self.quads))


@dataclass(frozen=True)
class Source:
    """A source as a request gives it, resolved: the document, the quote, the strength, the layer."""

    document: str
    new_document: tuple[ox.Quad, ...]
    quote: str | None
    strength: str
    layer: str  # seed | public


@overload
def read_source(kg: KnowledgeGraph, payload: Payload | None, *, required: Literal[True] = ...) -> Source: ...
@overload
def read_source(kg: KnowledgeGraph, payload: Payload | None, *, required: bool) -> Source | None: ...
def read_source(kg: KnowledgeGraph, payload: Payload | None, *, required: bool = True) -> Source | None:
    """The ``source`` of a request: ``{"url" | "document", "quote"?, "strength"?, "title"?}``."""
    if payload is None:
        if required:
            raise BadRequest(
                "body.source is required: every fact needs its source",
                hint='e.g. "source": {"url": "https://…", "quote": "…"}',
            )
        return None
    url, document = payload.text("url"), payload.text("document")
    title = payload.text("title", limit=400)
    quote = payload.text("quote", limit=400, lines=True)
    strength = payload.text("strength") or "stated"
    payload.done()
    if strength not in STRENGTHS:
        raise BadRequest(
            f"{payload.where}.strength={strength!r} is not a strength", hint=f"use one of {', '.join(STRENGTHS)}"
        )
    if (url is None) == (document is None):
        raise BadRequest(f"{payload.where} needs exactly one of url or document")
    assert url is not None or document is not None
    cat = catalog(kg)
    new: list[ox.Quad] = []
    if document is not None:
        doc_iri = cat.resolve(document, ["document"], param=f"{payload.where}.document").iri
    elif url is not None:
        url = http_url(url, f"{payload.where}.url")
        found = [q.subject for q in kg.quads(None, n(SCHEMA + "url"), n(url), None)]
        if found:
            doc_iri = value(found[0])
        else:
            digest = hashlib.sha1(url.encode()).hexdigest()[:8]
            doc_iri = AKR + f"src-{slug(urlsplit(url).netloc)}-{digest}"
            g = n(LAYER_GRAPHS["public"])
            doc = n(doc_iri)
            for p, o in (
                (RDF + "type", n(AKG + "SourceDocument")),
                (RDFS + "label", en(title or url)),
                (SKOS + "prefLabel", en(title or url)),
                (DCTERMS + "title", ox.Literal(title or url)),
                (SCHEMA + "url", n(url)),
                (AKG + "layer", n(AKG + "PublicLayer")),
            ):
                new.append(ox.Quad(doc, n(p), o, g))
    seed_doc = any(True for _ in kg.quads(n(doc_iri), n(AKG + "layer"), n(AKG + "SeedLayer"), None))
    return Source(doc_iri, tuple(new), quote, STRENGTHS[strength], "seed" if seed_doc else "public")


def cite(
    b: Builder,
    source: Source,
    *,
    supports: ox.NamedNode | None = None,
    triple: tuple | None = None,
    about: str,
    kind: str | None = None,
) -> ox.NamedNode:
    """Add a statement citing ``source`` that supports a node or is about one triple."""
    fact = b.new_id(f"statement-{slug(about)}")  # its fact id is its id: /doc/<fact id> finds it
    statement = n(AKR + fact)
    b.quads.extend(source.new_document)
    b.add(statement, RDF + "type", n(AKG + "Statement"))
    b.labels(statement, f"{fact}: {about}")
    b.add(statement, AKG + "factId", ox.Literal(fact))
    b.add(statement, AKG + "document", n(source.document))
    b.add(statement, AKG + "strength", n(AKG + source.strength))
    b.add(statement, AKG + "layer", n(AKG + ("SeedLayer" if source.layer == "seed" else "PublicLayer")))
    if source.quote:
        b.add(statement, AKG + "quote", ox.Literal(source.quote))
    if supports is not None:
        b.add(statement, AKG + "supports", supports)
    if triple is not None:
        s, p, o = triple
        b.add(statement, RDF + "subject", s)
        b.add(statement, RDF + "predicate", n(p))
        b.add(statement, RDF + "object", o)
    if kind is not None:
        b.add(statement, AKG + "derivationKind", n(AKG + kind))
    return statement


def builder_for(kg: KnowledgeGraph, source: Source | None) -> Builder:
    """A builder writing to the layer of ``source`` (the public layer without one)."""
    return Builder(kg, LAYER_GRAPHS[source.layer] if source else LAYER_GRAPHS["public"])
