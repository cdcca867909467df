"""Companies: every company with its alliance, and what one leads and follows on a date."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

import pyoxigraph as ox

from ..store import KnowledgeGraph
from .assignments import Assignment, read_assignments, with_sources
from .catalog import Ref, catalog
from .provenance import Layer, layers_of
from .search import find


@dataclass
class CompanyRoles:
    """What a company leads and follows on a date."""

    company: Ref
    member_of: list[Ref]
    as_of: str
    layer: str
    leads: list[Assignment]
    follows: list[Assignment]


def list_companies(kg: KnowledgeGraph) -> list[dict]:
    """Every company, with the alliance it is a member of."""
    cat = catalog(kg)
    members: dict[str, set[str]] = {}
    for row in kg.canned("alliance_members"):
        members.setdefault(row["company"].value, set())
        if "alliance" in row:
            members[row["company"].value].add(row["alliance"].value)
    return [
        {
            **asdict(cat.ref(iri)),
            "alt_labels": sorted(cat.entities[iri].alt_labels) if iri in cat.entities else [],
            "member_of": [cat.ref(a) for a in sorted(alliances)],
        }
        for iri, alliances in sorted(members.items(), key=lambda kv: cat.label(kv[0]))
    ]


def company_roles(kg: KnowledgeGraph, key: str, *, as_of: date | None = None, layer: Layer = "all") -> CompanyRoles:
    """The assignments ``key`` leads and follows on ``as_of`` (default: today), from ``layer``."""
    day = as_of or date.today()
    layers = layers_of(layer)
    cat = catalog(kg)
    company = find(kg, key, ["company"], param="company")
    rows = kg.canned("company_assignments", company=ox.NamedNode(company.iri))
    holding = [a for a in read_assignments(cat, rows, layers) if a.holds_on(day)]
    with_sources(kg, holding, layers)
    leads = [a for a in holding if a.leader.iri == company.iri]
    follows = [a for a in holding if any(f.iri == company.iri for f in a.followers)]
    member_of = sorted(
        {
            cat.ref(r["alliance"].value)
            for r in kg.canned("alliance_members")
            if r["company"].value == company.iri and "alliance" in r
        },
        key=lambda r: r.label,
    )
    key_fn = lambda a: (a.scope.kind, a.scope.label.casefold())  # noqa: E731
    return CompanyRoles(
        company.ref(), member_of, day.isoformat(), layer, sorted(leads, key=key_fn), sorted(follows, key=key_fn)
    )
