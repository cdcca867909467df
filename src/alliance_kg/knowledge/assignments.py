"""Leadership assignments as the API shows them: a leader for a scope over a period, with its
followers, its validity and the statements that support it; read from the graph by scope, by
company or by id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import pyoxigraph as ox

from ..errors import NotFound
from ..store import PREFIXES, KnowledgeGraph
from .catalog import AKG, Catalog, Ref, catalog, local_id
from .provenance import (
    Source,
    layer_of,
    node_sources,
    strength_by_layer,
    triple_sources,
)

#: How the followers of an assignment are known, by the rule that gives them.
RULES = {AKG + "FollowersDerived": "derived", AKG + "FollowersStated": "stated"}
#: The kinds of scope.
ScopeKind = Literal["region", "technology", "segment"]
SCOPE_KINDS: tuple[ScopeKind, ...] = ("region", "technology", "segment")


@dataclass(frozen=True)
class ScopeRef:
    """A scope as the API shows it: id, IRI, label, kind and what narrows it."""

    id: str
    iri: str
    label: str
    kind: str
    alt_labels: tuple[str, ...]
    qualifiers: dict
    #: The regions, segments and platforms the scope is limited to; empty: it is not limited.
    limited_to: list[Ref] = field(default_factory=list)


@dataclass(frozen=True)
class Via:
    """One step from the question to a scope, e.g. a country's region and the basis of membership."""

    id: str
    iri: str
    label: str
    basis: str
    basis_id: str | None = None


@dataclass
class Assignment:
    """One leadership assignment: a leader for a scope over a period, with followers and sources."""

    id: str
    iri: str
    scope: ScopeRef
    leader: Ref
    followers: list[Ref]
    followers_rule: str | None
    valid_from: str
    valid_to: str | None
    layer: str
    via: list[Via] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    #: The statements that date the assignment (its ``valid_from``), apart from those of the claim.
    valid_from_sources: list[Source] = field(default_factory=list)
    #: The strongest strength of ``sources`` in each layer, e.g. ``{"seed": "stated"}``.
    strength_by_layer: dict[str, str | None] = field(default_factory=dict)

    def holds_on(self, day: date) -> bool:
        """Whether the assignment holds on ``day`` (``valid_to`` is the last day it holds)."""
        start = _date(self.valid_from)
        end = _date(self.valid_to) if self.valid_to else None
        return start is not None and start <= day and (end is None or day <= end)


@dataclass(frozen=True)
class Lead:
    """A leader with the scope it leads and the assignment that says so: never a bare company.

    ``id``, ``iri`` and ``label`` are the company's, ``scope`` the scope it leads (with its
    qualifiers and ``limited_to``), ``assignment`` the id of the assignment.
    """

    id: str
    iri: str
    label: str
    scope: ScopeRef
    assignment: str


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def scope_ref(cat: Catalog, iri: str) -> ScopeRef:
    """The scope ``iri`` as the API shows it, with its kind and qualifiers."""
    info = cat.scopes.get(iri)
    entity = cat.entities.get(iri)
    ref = cat.ref(iri)
    qualifiers: dict = {}
    limited_to: list[Ref] = []
    if info is not None:
        if info.technology:
            qualifiers["technology"] = cat.ref(info.technology)
        if info.segment:
            qualifiers["segment"] = cat.ref(info.segment)
        for name, iris in (("regions", info.regions), ("segments", info.segments), ("platforms", info.platforms)):
            if iris:
                qualifiers[name] = refs(cat, iris)
        if info.texts:
            qualifiers["text"] = sorted(info.texts)
        limited_to = refs(cat, info.regions) + refs(cat, info.segments) + refs(cat, info.platforms)
    alt_labels = tuple(sorted(entity.alt_labels)) if entity else ()
    return ScopeRef(ref.id, ref.iri, ref.label, info.kind if info else "scope", alt_labels, qualifiers, limited_to)


def refs(cat: Catalog, iris: Iterable[str]) -> list[Ref]:
    """The things ``iris`` name, as refs sorted by label."""
    return sorted((cat.ref(i) for i in iris), key=lambda r: r.label)


def list_scopes(kg: KnowledgeGraph, kind: ScopeKind | None = None) -> list[ScopeRef]:
    """Every scope, or those of one ``kind``."""
    if kind is not None and kind not in SCOPE_KINDS:
        raise ValueError(f"{kind!r} is not a kind of scope: {', '.join(SCOPE_KINDS)}")
    cat = catalog(kg)
    refs = [scope_ref(cat, iri) for iri, info in cat.scopes.items() if not kind or info.kind == kind]
    return sorted(refs, key=lambda s: (s.kind, s.label.casefold()))


def read_assignments(cat: Catalog, rows: Iterable[dict], layers: set[str] | None) -> list[Assignment]:
    """The assignments in ``rows`` (of the canned queries ``scope_assignments``,
    ``company_assignments``, ``assignment``) from ``layers`` (all when None), by start and id."""
    found: dict[str, Assignment] = {}
    for row in rows:
        layer = layer_of(row["graph"].value)
        if layers is not None and layer not in layers:
            continue
        iri = row["assignment"].value
        a = found.get(iri)
        if a is None:
            rule = row.get("rule")
            a = found[iri] = Assignment(
                id=local_id(iri),
                iri=iri,
                scope=scope_ref(cat, row["scope"].value),
                leader=cat.ref(row["leader"].value),
                followers=[],
                followers_rule=RULES.get(rule.value) if rule is not None else None,
                valid_from=row["validFrom"].value,
                valid_to=row["validTo"].value if "validTo" in row else None,
                layer=layer,
            )
        if "follower" in row:
            follower = cat.ref(row["follower"].value)
            if follower not in a.followers:
                a.followers.append(follower)
    for a in found.values():
        a.followers.sort(key=lambda r: r.label)
        if a.followers_rule is None and a.followers:
            a.followers_rule = "stated"
    return sorted(found.values(), key=lambda a: (a.valid_from, a.id))


def scope_assignments(kg: KnowledgeGraph, scope: str, *, layers: set[str] | None) -> list[Assignment]:
    """Every assignment of ``scope``, at any date, from ``layers`` (all when None)."""
    rows = kg.canned("scope_assignments", scope=ox.NamedNode(scope))
    return read_assignments(catalog(kg), rows, layers)


def with_sources(kg: KnowledgeGraph, assignments: list[Assignment], layers: set[str] | None) -> list[Assignment]:
    """``assignments``, each given its statements from ``layers`` (all when None)."""
    for a in assignments:
        a.sources = node_sources(kg, a.iri, layers=layers)
        a.valid_from_sources = triple_sources(kg, a.iri, AKG + "validFrom", None, layers=layers)[0]
        a.strength_by_layer = strength_by_layer(a.sources)
    return assignments


def distinct_leaders(assignments: Iterable[Assignment]) -> list[Ref]:
    """The leaders of ``assignments``, each once, by label."""
    return sorted({a.leader for a in assignments}, key=lambda r: r.label)


def leads_of(assignments: Iterable[Assignment]) -> list[Lead]:
    """Each assignment's leader with its scope, scope by scope."""
    leads = [Lead(a.leader.id, a.leader.iri, a.leader.label, a.scope, a.id) for a in assignments]
    return sorted(leads, key=lambda lead: (lead.scope.label.casefold(), lead.label, lead.assignment))


def assignment_by_id(kg: KnowledgeGraph, key: str) -> Assignment:
    """One assignment by its id or IRI, at any date, with its sources."""
    iri = key if key.startswith(("http://", "https://")) else PREFIXES["akr"] + key
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        raise NotFound(f"no assignment {key!r}", kind="assignment") from None
    rows = [r for r in kg.canned("assignment", assignment=node)]
    found = read_assignments(catalog(kg), rows, None)
    if not found:
        raise NotFound(f"no assignment {key!r}", hint="ids look like assignment-Europe", kind="assignment")
    return with_sources(kg, found, None)[0]
