"""What the graph says about one resource: the description behind its linked-data page.

A description holds every triple with the resource as subject (with the layer it comes from),
every triple with it as object (incoming links), and the statements that support it or are about
one of its triples, with their documents and quotes. As RDF it is those triples plus the
statements' own triples, so a client that dereferences an IRI also gets the evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from .catalog import local_id
from .provenance import Source, layer_of, node_sources, source_from_row
from .queries import load_query
from .store import BASE, PREFIXES, KnowledgeGraph

#: Properties whose values describe a resource in prose.
DESCRIPTIONS = [PREFIXES["rdfs"] + "comment", PREFIXES["skos"] + "definition",
                PREFIXES["akg"] + "describedAs", PREFIXES["akg"] + "note"]
RDF_TYPE = PREFIXES["rdf"] + "type"
#: What a page may make an href of: an http(s) IRI, or a path on this service (``/…`` but not ``//host``).
LINKABLE = re.compile(r"https?:|/(?![/\\])", re.IGNORECASE)


@dataclass(frozen=True)
class Term:
    """A node or a literal as a page shows it."""

    kind: str  # iri | literal | blank
    value: str
    label: str
    local: str | None = None  # the resource's path on this service (/id/…), for IRIs of the dataset
    language: str | None = None
    datatype: str | None = None


@dataclass(frozen=True)
class Arc:
    """One triple seen from the resource: the other end, the property, the layer."""

    property: Term
    other: Term
    layer: str


@dataclass
class Description:
    iri: str
    id: str
    label: str
    types: list[Term]
    descriptions: list[str]
    outgoing: list[Arc]
    incoming: list[Arc]
    sources: list[Source]
    about: list[tuple[Term, Source]] = field(default_factory=list)  # (property, statement) pairs
    triples: list[ox.Triple] = field(default_factory=list)

    @property
    def exists(self) -> bool:
        return bool(self.outgoing or self.incoming)


def labels(kg: KnowledgeGraph) -> dict[str, str]:
    """A label for every labelled IRI (``skos:prefLabel`` first, then ``rdfs:label``, English first)."""

    def build(kg: KnowledgeGraph) -> dict[str, str]:
        best: dict[str, tuple] = {}
        for row in kg.select(load_query("all_labels")):
            literal = row["label"]
            rank = (int(row["kind"].value), 0 if literal.language in (None, "en") else 1, literal.value)
            iri = row["thing"].value
            if iri not in best or rank < best[iri]:
                best[iri] = rank
        return {iri: rank[2] for iri, rank in best.items()}

    return kg.cached("labels", build)


def local_path(iri: str) -> str | None:
    """The path that serves ``iri`` on this service, for IRIs of the dataset and ontology.

    >>> local_path("https://w3id.org/alliance-kg/id/Europe")
    '/id/Europe'
    >>> local_path("https://w3id.org/alliance-kg/ontology#Company")
    '/ontology#Company'
    >>> local_path("https://example.org/x") is None
    True
    """
    if iri.startswith(BASE + "id/"):
        return "/id/" + iri[len(BASE + "id/"):]
    if iri.startswith(BASE + "ontology"):
        return "/ontology" + iri[len(BASE + "ontology"):]
    if iri.startswith(BASE + "graph/"):
        return "/graph/" + iri[len(BASE + "graph/"):]
    return None


def may_link(target: str) -> bool:
    """Whether a page may make ``target`` the href of a link: an http(s) IRI or a path on this service.

    Any other scheme (``javascript:``, ``data:``, ``vbscript:``, ``file:``, ``urn:``, ``mailto:``…)
    is shown as text: whoever may write to the graph must not put a script behind a click.

    >>> [may_link(t) for t in ("https://example.org/x", "HTTP://example.org/", "/id/Europe", "/ontology#Company")]
    [True, True, True, True]
    >>> [may_link(t) for t in ("javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "vbscript:x",
    ...                        "file:///etc/passwd", "urn:isbn:0451450523", "mailto:a@example.org",
    ...                        " https://example.org/", "//example.org/", "/\\\\example.org/", "id/Europe", "")]
    [False, False, False, False, False, False, False, False, False, False, False, False]
    """
    return LINKABLE.match(target) is not None


def link_target(iri: str) -> str | None:
    """The href of a link to ``iri``: its page on this service, else the IRI itself if it may be a link.

    >>> link_target("https://w3id.org/alliance-kg/id/Europe"), link_target("http://www.wikidata.org/entity/Q6686")
    ('/id/Europe', 'http://www.wikidata.org/entity/Q6686')
    >>> link_target("javascript:alert(document.domain)") is None
    True
    """
    target = local_path(iri) or iri
    return target if may_link(target) else None


def term(kg: KnowledgeGraph, node) -> Term:
    if isinstance(node, ox.NamedNode):
        return Term("iri", node.value, labels(kg).get(node.value) or _short(node.value), local_path(node.value))
    if isinstance(node, ox.BlankNode):
        return Term("blank", node.value, f"_:{node.value}")
    datatype = node.datatype.value if node.datatype else None
    plain = datatype in (None, PREFIXES["xsd"] + "string", PREFIXES["rdf"] + "langString")
    return Term("literal", node.value, node.value, None, node.language, None if plain else datatype)


def _short(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def describe(kg: KnowledgeGraph, iri: str) -> Description:
    """Everything the graph says of ``iri`` and everything it links to it with."""
    node = ox.NamedNode(iri)
    out_rows = kg.canned("describe_out", node=node)
    in_rows = kg.canned("describe_in", node=node)
    outgoing = [Arc(term(kg, r["p"]), term(kg, r["o"]), layer_of(r["graph"].value)) for r in out_rows]
    incoming = [Arc(term(kg, r["p"]), term(kg, r["s"]), layer_of(r["graph"].value)) for r in in_rows]
    types = sorted({a.other for a in outgoing if a.property.value == RDF_TYPE and a.other.kind == "iri"},
                   key=lambda t: t.label)
    descriptions = sorted({a.other.value for a in outgoing if a.property.value in DESCRIPTIONS})
    sources = node_sources(kg, iri)
    about = list({(r["predicate"].value, r["statement"].value): (term(kg, r["predicate"]), source_from_row(r))
                  for r in kg.canned("about_sources", subject=node)}.values())
    triples = [ox.Triple(node, r["p"], r["o"]) for r in out_rows]
    triples += [ox.Triple(r["s"], r["p"], node) for r in in_rows]
    statements = {ox.NamedNode(s.statement_iri) for s in sources}
    statements |= {ox.NamedNode(s.statement_iri) for _, s in about}
    for statement in sorted(statements, key=lambda n: n.value):
        triples += [ox.Triple(statement, r["p"], r["o"]) for r in kg.canned("describe_out", node=statement)]
    label = labels(kg).get(iri) or local_id(iri)
    return Description(
        iri=iri, id=local_id(iri), label=label, types=types, descriptions=descriptions,
        outgoing=sorted(outgoing, key=lambda a: (a.property.value != RDF_TYPE, a.property.label, a.other.label)),
        incoming=sorted(incoming, key=lambda a: (a.property.label, a.other.label)),
        sources=sources, about=about, triples=list(dict.fromkeys(triples)),
    )
