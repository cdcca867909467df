"""The analyst's overviews: who leads each country of the world on a date (the world map), and
who leads and follows each scope (the responsibility matrix).

Both are built from :func:`~alliance_kg.knowledge.responsibility.responsibility`, question by
question, so a country's colour on the map and a cell of the matrix always say what
``/api/responsibility`` says for the same country or scope, date and layer. "No leader is
assigned" stays an answer (an empty cell, a grey country), never a guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pycountry

from ..store import KnowledgeGraph
from .assignments import SCOPE_KINDS, Assignment, ScopeKind, ScopeRef, list_scopes
from .catalog import Ref, catalog, local_id
from .companies import list_companies
from .provenance import Layer
from .responsibility import responsibility

#: The Okabe-Ito palette (Okabe and Ito, *Color Universal Design*, 2008), told apart by people with
#: any common colour-vision deficiency; companies take them in the order of :func:`companies`.
#: Yellow and black come last: yellow is faint on white, black is the outline of a judgement call.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000")
#: The fill of a country no company leads on the date (or that no reference region holds).
NO_LEADER_COLOUR = "#c9c9c9"


@dataclass(frozen=True)
class Company:
    """A company of the legend or a column of the matrix: id, IRI, label and its colour."""

    id: str
    iri: str
    label: str
    colour: str


@dataclass(frozen=True)
class Membership:
    """A country's membership of a reference region: the region, the basis of the membership in
    words (as ``via`` gives it in a responsibility answer) and whether that basis is a judgement
    call of the region analysis (J1: Mexico in North America) rather than a rule such as UN M49."""

    id: str
    iri: str
    label: str
    basis: str
    basis_id: str | None
    judgement_basis: bool


@dataclass(frozen=True)
class CountryOnMap:
    """One country on the map: its names and codes, its reference regions, and who leads it."""

    id: str
    iri: str
    label: str
    alpha2: str | None
    alpha3: str | None
    #: ISO 3166-1 numeric, three digits: the key of the country's shape in the world atlas.
    numeric: str | None
    regions: list[Membership]
    #: The companies that lead the country on the date, each once (empty: no leader is assigned).
    leaders: list[Ref]
    #: The ids of the assignments that make them the leaders.
    assignments: list[str]
    #: The notations of the judgement calls that concern the country (``J4``).
    judgements: list[str]
    #: In two reference regions or more (Indonesia: South East Asia and the ASEAN countries).
    two_regions: bool
    #: Its place rests on a judgement call: a membership whose basis is one, or a judgement that
    #: names the country (Türkiye is not in Europe: J4).
    judgement_call: bool
    #: The responsibility answer's note, in words.
    note: str


@dataclass(frozen=True)
class WorldMap:
    """Every country of the graph on a date, with the leader of its reference region."""

    as_of: str
    layer: str
    companies: list[Company]
    no_leader_colour: str
    #: How many countries each company leads, by the company's id.
    led: dict[str, int]
    #: How many countries have no leader.
    no_leader: int
    count: int
    countries: list[CountryOnMap]


@dataclass(frozen=True)
class Cell:
    """What one company is for one scope on the date: ``leader``, ``follower`` or nothing (``None``)."""

    company: str
    role: str | None
    #: The assignments behind the role (none when the role is ``None``).
    assignments: list[str]
    #: For a follower: ``derived`` (rule R-F: every other member of the alliance) or ``stated``.
    followers_rule: str | None


@dataclass(frozen=True)
class Row:
    """One scope of the matrix: a cell per company, and the assignments that fill them."""

    scope: ScopeRef
    leader_assigned: bool
    cells: list[Cell]
    assignments: list[Assignment]
    note: str


@dataclass(frozen=True)
class Matrix:
    """Who leads and follows each scope on a date: a row per scope, a column per company."""

    as_of: str
    layer: str
    kind: str | None
    companies: list[Company]
    count: int
    rows: list[Row]


def companies(kg: KnowledgeGraph, more: Iterable[Ref] = ()) -> list[Company]:
    """The companies of the alliance (as ``/api/companies`` lists them), then any other company in
    ``more``, each with its colour of :data:`PALETTE`, in that stable order."""
    refs = [Ref(c["id"], c["iri"], c["label"]) for c in list_companies(kg)]
    refs += sorted({r for r in more if r not in refs}, key=lambda r: r.label)
    return [Company(r.id, r.iri, r.label, PALETTE[i % len(PALETTE)]) for i, r in enumerate(refs)]


def world_map(kg: KnowledgeGraph, *, as_of: date | None = None, layer: Layer = "all") -> WorldMap:
    """Every country of the graph on ``as_of`` (default: today) from the facts of ``layer``: its
    codes, its reference regions with the basis of each membership, and its leaders, which are
    those of ``responsibility(country=…)`` for the same date and layer. Countries by label."""
    day = as_of or date.today()
    cat = catalog(kg)
    codes = {row["country"].value: row for row in kg.canned("atlas_countries")}
    regions = _memberships(kg)
    found = []
    for iri in sorted(codes, key=lambda i: cat.label(i).casefold()):
        answer = responsibility(kg, country=iri, as_of=day, layer=layer)
        leaders = sorted({Ref(lead.id, lead.iri, lead.label) for lead in answer.leaders}, key=lambda r: r.label)
        mine = regions.get(iri, [])
        judgements = sorted(j.notation or j.id for j in answer.judgements)
        row = codes[iri]
        alpha2 = row["alpha2"].value if "alpha2" in row else None
        ref = cat.ref(iri)
        found.append(
            CountryOnMap(
                id=ref.id,
                iri=iri,
                label=ref.label,
                alpha2=alpha2,
                alpha3=row["alpha3"].value if "alpha3" in row else None,
                numeric=row["numeric"].value if "numeric" in row else _numeric(alpha2),
                regions=mine,
                leaders=leaders,
                assignments=sorted({lead.assignment for lead in answer.leaders}),
                judgements=judgements,
                two_regions=len({m.iri for m in mine}) > 1,
                judgement_call=bool(judgements) or any(m.judgement_basis for m in mine),
                note=answer.note,
            )
        )
    legend = companies(kg, [r for c in found for r in c.leaders])
    led = {c.id: sum(1 for x in found if any(r.iri == c.iri for r in x.leaders)) for c in legend}
    none = sum(1 for x in found if not x.leaders)
    return WorldMap(day.isoformat(), layer, legend, NO_LEADER_COLOUR, led, none, len(found), found)


def _memberships(kg: KnowledgeGraph) -> dict[str, list[Membership]]:
    """Every country's memberships of reference regions, by the country's IRI, by region; the
    basis in the words of a responsibility answer's ``via``."""
    cat = catalog(kg)
    found: dict[str, dict[tuple[str, str | None], Membership]] = {}
    for row in kg.canned("atlas_memberships"):
        region = cat.ref(row["region"].value)
        basis = row["basisLabel"].value if "basisLabel" in row else "no basis recorded"
        if "memberSince" in row:
            basis += f", member since {row['memberSince'].value}"
        basis_id = local_id(row["basis"].value) if "basis" in row else None
        judgement = "judgementBasis" in row and row["judgementBasis"].value == "true"
        membership = Membership(region.id, region.iri, region.label, basis, basis_id, judgement)
        found.setdefault(row["country"].value, {}).setdefault((region.iri, basis_id), membership)
    return {
        country: sorted(mine.values(), key=lambda m: (m.label.casefold(), m.basis)) for country, mine in found.items()
    }


def _numeric(alpha2: str | None) -> str | None:
    """The ISO 3166-1 numeric code of ``alpha2`` from pycountry, for a country the graph gives none.

    >>> _numeric("DE"), _numeric("XK"), _numeric(None)
    ('276', None, None)
    """
    found = pycountry.countries.get(alpha_2=alpha2) if alpha2 else None
    return found.numeric if found is not None else None


def matrix(
    kg: KnowledgeGraph, *, as_of: date | None = None, layer: Layer = "all", kind: ScopeKind | None = None
) -> Matrix:
    """Who leads and who follows each scope (of ``kind``, or every scope) on ``as_of`` (default:
    today) from the facts of ``layer``: a row per scope, in the order of ``/api/scopes``, whose
    cells are the roles of each company in the assignments that ``responsibility`` gives for that
    scope asked by its id. A scope nobody leads on the date has a row of empty cells."""
    if kind is not None and kind not in SCOPE_KINDS:
        raise ValueError(f"{kind!r} is not a kind of scope: {', '.join(SCOPE_KINDS)}")
    day = as_of or date.today()
    answers = [
        (scope, responsibility(kg, **{scope.kind: scope.iri}, as_of=day, layer=layer))
        for scope in list_scopes(kg, kind)
    ]
    people = {r for _, a in answers for x in a.assignments for r in (x.leader, *x.followers)}
    columns = companies(kg, people)
    rows = []
    for scope, answer in answers:
        cells = [_cell(company.iri, company.id, answer.assignments) for company in columns]
        rows.append(Row(scope, answer.leader_assigned, cells, answer.assignments, answer.note))
    return Matrix(day.isoformat(), layer, kind, columns, len(rows), rows)


def _cell(iri: str, company: str, assignments: list[Assignment]) -> Cell:
    """The role of the company ``iri`` in ``assignments``: leader if it leads one, else follower
    if it follows one, else nothing.

    >>> nissan, renault = Ref("Nissan", "x:Nissan", "Nissan"), Ref("Renault", "x:Renault", "Renault")
    >>> scope = ScopeRef("China", "x:China", "China", "region", (), {})
    >>> a = Assignment("assignment-China", "x:a", scope, nissan, [renault], "derived", "2020-05-27", None, "seed")
    >>> _cell("x:Nissan", "Nissan", [a]).role, _cell("x:Renault", "Renault", [a]).followers_rule
    ('leader', 'derived')
    >>> _cell("x:Other", "Other", [a])
    Cell(company='Other', role=None, assignments=[], followers_rule=None)
    """
    leads = [a for a in assignments if a.leader.iri == iri]
    if leads:
        return Cell(company, "leader", [a.id for a in leads], None)
    follows = [a for a in assignments if any(f.iri == iri for f in a.followers)]
    if follows:
        rules = sorted({a.followers_rule for a in follows if a.followers_rule})
        return Cell(company, "follower", [a.id for a in follows], ", ".join(rules) or None)
    return Cell(company, None, [], None)
