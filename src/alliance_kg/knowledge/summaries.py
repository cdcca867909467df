"""What a resource page says first: a resource's names, its matches elsewhere and its key facts,
and its statements grouped by property, from its :class:`~alliance_kg.knowledge.describe.Description`.

A page leads with what the thing is (its kinds and descriptions), its key roles (the answers of
:mod:`.responsibility`, :mod:`.companies` or :mod:`.lineage`), its other key facts and its links;
the raw statements follow, one row per property and layer, so that fifty member countries are one
row, not fifty.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..store import PREFIXES
from .describe import DESCRIPTIONS, RDF_TYPE, Arc, Description, Term

#: Properties a page shows elsewhere than among the key facts: the kinds, the names, the prose.
NAMES = {PREFIXES["rdfs"] + "label", PREFIXES["skos"] + "prefLabel", PREFIXES["skos"] + "altLabel"}
#: Properties that say the thing is (nearly) the same as one described elsewhere.
MATCHES = (
    PREFIXES["owl"] + "sameAs",
    PREFIXES["skos"] + "exactMatch",
    PREFIXES["skos"] + "closeMatch",
)
#: Further reading, not a fact about the thing: listed with the statements only.
SEE_ALSO = PREFIXES["rdfs"] + "seeAlso"
#: At most this many properties among the key facts.
MAX_FACTS = 8


@dataclass(frozen=True)
class ArcGroup:
    """The values of one property in one layer, in the order the description gives them."""

    property: Term
    layer: str
    values: list[Term] = field(default_factory=list)


@dataclass(frozen=True)
class Summary:
    """The first lines of a page: other names, matches elsewhere, key facts (by property)."""

    also_called: list[str]
    matches: list[Term]
    facts: list[ArcGroup]


def grouped(arcs: list[Arc], *, by_layer: bool = True) -> list[ArcGroup]:
    """``arcs`` as one group per property (and per layer, if ``by_layer``), in order of first appearance.

    >>> p, q = Term("iri", "p:1", "p"), Term("iri", "q:1", "q")
    >>> v = [Term("literal", str(i), str(i)) for i in range(3)]
    >>> [(g.property.label, g.layer, [t.value for t in g.values])
    ...  for g in grouped([Arc(p, v[0], "seed"), Arc(q, v[1], "seed"), Arc(p, v[2], "seed")])]
    [('p', 'seed', ['0', '2']), ('q', 'seed', ['1'])]
    """
    groups: dict[tuple[str, str], ArcGroup] = {}
    for arc in arcs:
        key = (arc.property.value, arc.layer if by_layer else "")
        group = groups.setdefault(key, ArcGroup(arc.property, arc.layer))
        group.values.append(arc.other)
    return list(groups.values())


def summarise(description: Description, *, covered: frozenset[str] = frozenset()) -> Summary:
    """The summary of ``description``: ``covered`` names the properties the page's key roles show
    already (a company's alliance, a model's platform), left out of the key facts."""
    shown_apart = {RDF_TYPE, SEE_ALSO, *NAMES, *DESCRIPTIONS, *MATCHES, *covered}
    also_called = sorted(
        {a.other.value for a in description.outgoing if a.property.value == PREFIXES["skos"] + "altLabel"}
        - {description.label},
        key=str.casefold,
    )
    matches = [a.other for a in description.outgoing if a.property.value in MATCHES and a.other.kind == "iri"]
    facts = [g for g in grouped(description.outgoing, by_layer=False) if g.property.value not in shown_apart]
    return Summary(also_called, list({m.value: m for m in matches}.values()), facts[:MAX_FACTS])
