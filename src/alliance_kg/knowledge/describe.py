"""What the graph says about one resource: the description behind its linked-data page, and the
resource a name on a page's path stands for.

A description is the resource's graph to **one hop of the things that describe it**, so that a
client that dereferences an IRI need not fetch anything else to read it:

1. every triple with the resource as subject (with the layer it comes from);
2. every triple with it as object (incoming links);
3. every triple of each node *about* it (``describe_about.rq``): the nodes that exist to say
   something of the things they link (a leadership assignment, a region or organisation
   membership, a shareholding, a sharing arrangement, a figure, a quotation, a statement) linked
   to it either way; any node that supports it or reifies one of its triples; and the statements
   that support or reify a node that names it. So a company's description holds each assignment
   it leads or follows with its scope, leader, followers and dates (``akg:validFrom``,
   ``akg:validTo``), and the statements behind each one with their document and quote;
4. the name and kind (``rdf:type``, ``skos:prefLabel``, ``rdfs:label``, ``dcterms:title``) of
   every other IRI those triples mention, except as a class (``describe_names.rq``): the scope of
   an assignment, the document of a statement, the subject of an incoming link.

It goes no further: the assignments of an assignment's scope, or the statements citing a
statement's document, are in their own descriptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..errors import BadRequest, NotFound
from ..store import BASE, PREFIXES, KnowledgeGraph, value
from ..store.queries import load_query
from .catalog import Catalog, Entity, catalog, local_id, normalise
from .names import fold
from .provenance import Source, layer_of, node_sources, source_from_row
from .search import best_fits, search_index

#: Properties whose values describe a resource in prose.
DESCRIPTIONS = [
    PREFIXES["rdfs"] + "comment",
    PREFIXES["skos"] + "definition",
    PREFIXES["akg"] + "describedAs",
    PREFIXES["akg"] + "note",
]
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


@dataclass(frozen=True)
class Linked:
    """A node about the resource (an assignment, a membership, a statement...) and its own triples."""

    node: Term
    arcs: list[Arc]


@dataclass
class Description:
    """One resource to one hop: see the module's docstring for what ``triples`` holds."""

    iri: str
    id: str
    label: str
    types: list[Term]
    descriptions: list[str]
    outgoing: list[Arc]
    incoming: list[Arc]
    sources: list[Source]
    about: list[tuple[Term, Source]] = field(default_factory=list)  # (property, statement) pairs
    linked: list[Linked] = field(default_factory=list)  # the nodes about it, with their triples
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
        return "/id/" + iri[len(BASE + "id/") :]
    if iri.startswith(BASE + "ontology"):
        return "/ontology" + iri[len(BASE + "ontology") :]
    if iri.startswith(BASE + "graph/"):
        return "/graph/" + iri[len(BASE + "graph/") :]
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
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def describe(kg: KnowledgeGraph, iri: str) -> Description:
    """``iri`` to one hop: its own triples, its incoming links, the nodes about it with their
    triples, and the names and kinds of everything these mention (see the module's docstring)."""
    node = ox.NamedNode(iri)
    out_rows = kg.canned("describe_out", node=node)
    in_rows = kg.canned("describe_in", node=node)
    outgoing = [Arc(term(kg, r["p"]), term(kg, r["o"]), layer_of(r["graph"].value)) for r in out_rows]
    incoming = [Arc(term(kg, r["p"]), term(kg, r["s"]), layer_of(r["graph"].value)) for r in in_rows]
    types = sorted(
        {a.other for a in outgoing if a.property.value == RDF_TYPE and a.other.kind == "iri"}, key=lambda t: t.label
    )
    descriptions = sorted({a.other.value for a in outgoing if a.property.value in DESCRIPTIONS})
    about = list(
        {
            (r["predicate"].value, r["statement"].value): (term(kg, r["predicate"]), source_from_row(r))
            for r in kg.canned("about_sources", subject=node)
        }.values()
    )
    triples = [ox.Triple(node, r["p"], r["o"]) for r in out_rows]
    triples += [ox.Triple(r["s"], r["p"], node) for r in in_rows]
    linked, linked_triples = _linked(kg, node)
    triples += linked_triples
    triples += _names(kg, triples, {node, *(ox.NamedNode(n.node.value) for n in linked)})
    return Description(
        iri=iri,
        id=local_id(iri),
        label=labels(kg).get(iri) or local_id(iri),
        types=types,
        descriptions=descriptions,
        outgoing=sorted(outgoing, key=lambda a: (a.property.value != RDF_TYPE, a.property.label, a.other.label)),
        incoming=sorted(incoming, key=lambda a: (a.property.label, a.other.label)),
        sources=node_sources(kg, iri),
        about=about,
        linked=linked,
        triples=sorted(dict.fromkeys(triples), key=lambda t: (t.subject != node, value(t.subject))),
    )


def _linked(kg: KnowledgeGraph, node: ox.NamedNode) -> tuple[list[Linked], list[ox.Triple]]:
    """The nodes about ``node`` (``describe_about.rq``), each with its own triples."""
    linked: list[Linked] = []
    triples: list[ox.Triple] = []
    for about in (r["about"] for r in kg.canned("describe_about", node=node)):
        rows = kg.canned("describe_out", node=about)
        arcs = [Arc(term(kg, r["p"]), term(kg, r["o"]), layer_of(r["graph"].value)) for r in rows]
        arcs.sort(key=lambda a: (a.property.value != RDF_TYPE, a.property.label, a.other.label))
        linked.append(Linked(term(kg, about), arcs))
        triples += [ox.Triple(about, r["p"], r["o"]) for r in rows]
    return linked, triples


def _names(kg: KnowledgeGraph, triples: list[ox.Triple], described: set[ox.NamedNode]) -> list[ox.Triple]:
    """The classes and labels (``describe_names.rq``) of every IRI ``triples`` mention other than
    as a class, except the ``described`` ones, whose triples are all there already."""
    mentioned = {
        end
        for t in triples
        if t.predicate.value != RDF_TYPE
        for end in (t.subject, t.object)
        if isinstance(end, ox.NamedNode)
    }
    return [
        ox.Triple(thing, r["p"], r["o"])
        for thing in sorted(mentioned - described, key=lambda n: n.value)
        for r in kg.canned("describe_names", thing=thing)
    ]


# --- which resource a key names --------------------------------------------------------------------


def resolve(kg: KnowledgeGraph, key: str) -> str:
    """The IRI of the resource ``key`` names, as a path of this service gives it (``/doc/{key}``).

    ``key`` is first an id: ``BASE + "id/" + key``, when the graph says anything of it. Otherwise
    it is a name, matched as the JSON API matches names (:meth:`Catalog.candidates`): an id in any
    case, a preferred, alternative or ``rdfs:`` label or a shorter form of one (case- and
    accent-insensitive), an ISO 3166 code, a document's short name; or else a person's family
    name (the last word of one of their names: ``Senard``). Where it names several things, the
    closest match wins (an id, then a name, then a shorter form of a name): ``japan`` is the region
    whose id is ``Japan``, not the country ``country-JP`` also named Japan; ``Spain`` is the
    country, not the plant "Palencia plant (Spain)". Names all weigh the same, so ``Mitsubishi``
    (the brand's label, the company's alternative label) names two things.

    >>> from alliance_kg.store import empty_graph
    >>> kg = empty_graph()
    >>> kg.load_data(b'<https://w3id.org/alliance-kg/id/country-DE> a <https://w3id.org/alliance-kg/ontology#Country> ;'
    ...              b' <http://www.w3.org/2004/02/skos/core#prefLabel> "Germany"@en .', "turtle", graph="seed")
    >>> resolve(kg, "country-DE") == resolve(kg, "GERMANY") == BASE + "id/country-DE"
    True

    :raises NotFound: ``key`` names nothing here (the message and ``details["suggestions"]``
        give the closest known names).
    :raises BadRequest: ``key`` names several things equally well (``details["candidates"]``).
    """
    exact = _known_id(kg, key)
    if exact is not None:
        return exact
    cat = catalog(kg)
    matches = [e for e in cat.candidates(key) if e.iri.startswith(BASE + "id/")]
    ranked = sorted(matches, key=lambda e: (_rank(e, key), e.iri))
    best = [e for e in ranked if _rank(e, key) == _rank(ranked[0], key)] if ranked else _family_name(cat, key)
    if len(best) == 1:
        return best[0].iri
    if best:
        raise _ambiguous(key, best)
    hits = [h for h in search_index(kg).search(key, limit=10) if h.entity.iri.startswith(BASE + "id/")]
    top_hits = best_fits(hits)
    by_id = [h for h in top_hits if fold(h.entity.id) == h.name.folded]  # as above, an id before a name
    top = [h.entity for h in (by_id if len(by_id) == 1 else top_hits)]
    if len(top) == 1:
        return top[0].iri
    if top:
        raise _ambiguous(key, top)
    raise _unknown(key, cat, [h.entity for h in hits])


def _known_id(kg: KnowledgeGraph, key: str) -> str | None:
    """``BASE + "id/" + key`` if it is an IRI the graph says something of."""
    try:
        node = ox.NamedNode(BASE + "id/" + key)
    except ValueError:  # a space, a ``>``…: no IRI, so no id
        return None
    return node.value if kg.canned("describe_known", node=node) else None


def _rank(entity: Entity, key: str) -> int:
    """How closely ``key`` names ``entity``: 0 its id or IRI, 1 one of its names (a label of any kind,
    a code), 2 a shorter form of a name (``Korea`` of "Korea (Republic of)")."""
    if key == entity.iri or key.casefold() == entity.id.casefold():
        return 0
    return 1 if normalise(key) in {normalise(name) for name in entity.names()} else 2


def _family_name(cat: Catalog, key: str) -> list[Entity]:
    """The people one of whose names ends with the word ``key`` (``Senard``: Jean-Dominique Senard)."""
    folded = normalise(key)
    return [
        e
        for e in cat.of_kind("person")
        if e.iri.startswith(BASE + "id/")
        and any(name.split() and normalise(name.split()[-1]) == folded for name in e.names())
    ]


def _choice(entity: Entity) -> dict:
    return {"id": entity.id, "iri": entity.iri, "label": entity.label, "page": local_path(entity.iri)}


def _ambiguous(key: str, entities: list[Entity]) -> BadRequest:
    listed = ", ".join(f"{e.label} (id {e.id})" for e in entities)
    error = BadRequest(f"{key!r} names more than one thing: {listed}", hint="use the id of the one you mean")
    error.details = {"candidates": [_choice(e) for e in entities]}
    return error


def _unknown(key: str, cat: Catalog, near: list[Entity]) -> NotFound:
    """The 404 of a name nothing fits: the things ``near`` it (the search's suggestions), else
    the closest known names by spelling."""
    suggestions = {e.iri: e for e in near}
    if not suggestions:
        names = cat.closest(key, {kind for e in cat.entities.values() for kind in e.kinds})
        suggestions = {e.iri: e for name in names for e in cat.candidates(name) if e.iri.startswith(BASE + "id/")}
    message = f"nothing here is named {key!r}"
    if suggestions:
        message += "; closest known names: " + ", ".join(e.label for e in suggestions.values())
    error = NotFound(
        message,
        hint="give an id (Europe, assignment-Europe), a label or alternative label, or a country's ISO 3166 code",
        kind="thing",
    )
    error.details = {"suggestions": [_choice(e) for e in suggestions.values()]}
    return error
