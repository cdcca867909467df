"""Who leads and who follows: for a reference region, a country, a technology or a segment, at a date.

The answer lists the leadership assignments that hold on the date, each with its scope, leader,
followers (and whether the sources state them or rule R-F derives them), validity, the chain
that led from the question to the scope (``via``) and the statements that support it.

Every leader is given with the scope it leads. A lead whose scope covers the whole question is in
``leaders``; a lead whose scope is limited to regions, segments or platforms the question did not
ask for (Nissan leads *connected technology in China*, asked about connected technology) is in
``limited_leaders``, and never reads as a leader of the whole.

"No leader is assigned" is an answer: it comes with a note that says why, and nothing is ever
guessed: not the leader of a nearby region, not the regional leader for a technology question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pyoxigraph as ox

from ..errors import BadRequest
from ..store import KnowledgeGraph
from .assignments import (
    Assignment,
    Lead,
    ScopeRef,
    Via,
    distinct_leaders,
    leads_of,
    scope_assignments,
    scope_ref,
    with_sources,
)
from .catalog import Catalog, Ref, catalog, local_id
from .matching import and_list, limits_beyond, narrow, neighbours, qualified_by
from .provenance import Layer, layers_of
from .search import find


@dataclass(frozen=True)
class Related:
    """A scope near the question but not the same, with its leaders on the date."""

    scope: ScopeRef
    relation: str
    leaders: list[Ref]


@dataclass(frozen=True)
class Judgement:
    id: str
    notation: str | None
    label: str | None
    comment: str | None
    alternative_reading: str | None


@dataclass
class Responsibility:
    """The answer to "who is responsible for this?"."""

    question: dict
    as_of: str
    layer: str
    #: Whether a leader is assigned for the whole of the question (``leaders`` is not empty).
    leader_assigned: bool
    #: The leads whose scope covers the whole question, each with its scope.
    leaders: list[Lead]
    #: The leads of scopes limited to regions, segments or platforms the question did not ask for.
    limited_leaders: list[Lead]
    #: Every assignment behind ``leaders`` (first) and ``limited_leaders``.
    assignments: list[Assignment]
    related: list[Related]
    note: str
    judgements: list[Judgement] = field(default_factory=list)


# --- the question ----------------------------------------------------------------------------------


def responsibility(
    kg: KnowledgeGraph,
    *,
    region: str | None = None,
    country: str | None = None,
    technology: str | None = None,
    segment: str | None = None,
    as_of: date | None = None,
    layer: Layer = "all",
) -> Responsibility:
    """Who leads and follows for a region, a country, a technology or a segment on ``as_of``
    (default: today), from the facts of ``layer``.

    Exactly one of ``region``, ``country``, ``technology``, ``segment`` is the subject;
    ``technology`` may be narrowed by ``region`` and/or ``segment``, ``segment`` by ``region``.
    """
    given = {
        k: v
        for k, v in (("region", region), ("country", country), ("technology", technology), ("segment", segment))
        if v is not None
    }
    if not given:
        raise BadRequest(
            "give one of region=, country=, technology= or segment=",
            hint="e.g. country=DE or technology=autonomous driving",
        )
    if country is not None and len(given) > 1:
        raise BadRequest(
            "country= cannot be combined with " + ", ".join(f"{k}=" for k in given if k != "country"),
            hint="ask about one country, or about a technology narrowed by region= and segment=",
        )
    day = as_of or date.today()
    layers = layers_of(layer)
    cat = catalog(kg)
    if technology is not None:
        return _for_concept(kg, cat, "technology", technology, region, segment, day, layer, layers)
    if segment is not None:
        return _for_concept(kg, cat, "segment", segment, region, None, day, layer, layers)
    if country is not None:
        return _for_country(kg, cat, country, day, layer, layers)
    return _for_region(kg, cat, region, day, layer, layers)  # type: ignore[arg-type]


def _answer(
    kg,
    cat,
    question: dict,
    phrase: str,
    matched: list[tuple[str, list[Via]]],
    related: dict[str, str],
    day: date,
    layer: str,
    layers,
    *,
    why_none: str = "",
    judgements=(),
    beyond: dict[str, list[Ref]] | None = None,
) -> Responsibility:
    """The answer from the scopes ``matched``; ``beyond`` maps a scope to what limits it beyond the
    question (its leads go to ``limited_leaders``, never to ``leaders``)."""
    beyond = beyond or {}
    holding, other_dates, other_layer = _holding(kg, matched, day, layers)
    with_sources(kg, holding, layers)
    covering = [a for a in holding if not beyond.get(a.scope.iri)]
    limited = [a for a in holding if beyond.get(a.scope.iri)]
    related_list = _related(kg, cat, related, {scope for scope, _ in matched}, day, layers)
    iso = day.isoformat()
    if holding:
        note = _found_note(iso, phrase, covering, limited, beyond)
    else:
        reasons = [why_none.rstrip(".")] if why_none else []
        if other_dates:
            spans = sorted({f"from {a.valid_from}" + (f" to {a.valid_to}" if a.valid_to else "") for a in other_dates})
            reasons.append("assignments exist only at other dates (" + ", ".join(spans) + ")")
        if other_layer:
            reasons.append("the public layer assigns one: ask with layer=all")
        if not matched and not why_none:
            reasons.append("no scope of the sources covers it")
        if related_list:
            reasons.append("see related for nearby scopes, which are not the same")
        note = (
            f"The sources assign no leader for {phrase} on {iso}" + (": " + "; ".join(reasons) if reasons else "") + "."
        )
    return Responsibility(
        question,
        iso,
        layer,
        bool(covering),
        leads_of(covering),
        leads_of(limited),
        covering + limited,
        related_list,
        note,
        list(judgements),
    )


def _holding(
    kg, matched: list[tuple[str, list[Via]]], day: date, layers
) -> tuple[list[Assignment], list[Assignment], bool]:
    """The assignments of the ``matched`` scopes that hold on ``day``, those that hold on other
    dates, and whether another layer has one that holds on ``day``."""
    holding: list[Assignment] = []
    other_dates: list[Assignment] = []
    other_layer = False
    for scope, via in matched:
        every = scope_assignments(kg, scope, layers=None)
        mine = [a for a in every if layers is None or a.layer in layers]
        for a in mine:
            a.via = list(via)
            (holding if a.holds_on(day) else other_dates).append(a)
        if not any(a.holds_on(day) for a in mine) and any(a.holds_on(day) for a in every):
            other_layer = True
    return holding, other_dates, other_layer


def _related(kg, cat: Catalog, related: dict[str, str], matched: set[str], day: date, layers) -> list[Related]:
    """The scopes near the question but not the same, each with its leaders on ``day``."""
    found = []
    for scope, relation in related.items():
        if scope in matched:
            continue
        leaders = distinct_leaders(a for a in scope_assignments(kg, scope, layers=layers) if a.holds_on(day))
        found.append(Related(scope_ref(cat, scope), relation, leaders))
    return sorted(found, key=lambda r: r.scope.label.casefold())


def _found_note(
    iso: str, phrase: str, covering: list[Assignment], limited: list[Assignment], beyond: dict[str, list[Ref]]
) -> str:
    """The note of an answer with a leader: who leads the whole of ``phrase``, and who leads
    only a narrower scope, with what limits it; a narrower lead is never said to be the whole.

    >>> ref = Ref("Nissan", "x:Nissan", "Nissan")
    >>> china = ScopeRef("c", "x:c", "connected technology in China", "technology", (), {})
    >>> a = Assignment("a", "x:a", china, ref, [], None, "2020-05-27", None, "seed")
    >>> _found_note("2021-01-01", "connected technology", [], [a], {"x:c": [Ref("China", "x:China", "China")]})
    'On 2021-01-01, Nissan leads connected technology in China; no leader is assigned for connected technology elsewhere.'
    """
    parts = []
    if covering:
        leaders = distinct_leaders(covering)
        verb = "is the leader" if len(leaders) == 1 else "are the leaders"
        scopes = sorted(label for label in {a.scope.label for a in covering} if label not in phrase)
        parts.append(
            f"{and_list([r.label for r in leaders])} {verb} for {phrase}" + (f" ({and_list(scopes)})" if scopes else "")
        )
    narrower = []
    for scope in sorted({a.scope.iri: a.scope for a in limited}.values(), key=lambda s: s.label.casefold()):
        leaders = distinct_leaders(a for a in limited if a.scope.iri == scope.iri)
        limits = [r.label for r in beyond[scope.iri]]
        said = all(label in scope.label for label in limits)  # "connected technology in China" says it
        narrower.append(
            f"{and_list([r.label for r in leaders])} {'leads' if len(leaders) == 1 else 'lead'} {scope.label}"
            + ("" if said else f" (limited to {and_list(limits)})")
        )
    if covering and narrower:
        parts.append("for narrower scopes, " + "; ".join(narrower))
    elif narrower:
        parts += narrower + [f"no leader is assigned for {phrase} elsewhere"]
    return f"On {iso}, " + "; ".join(parts) + "."


def _for_region(kg, cat: Catalog, key: str, day, layer, layers) -> Responsibility:
    region = find(kg, key, ["region"], param="region")
    related = qualified_by(cat, {region.iri})
    for row in kg.canned("region_overlaps", region=ox.NamedNode(region.iri)):
        related.setdefault(row["other"].value, f"shares {row['shared'].value} member countries with {region.label}")
    return _answer(kg, cat, {"region": region.ref()}, region.label, [(region.iri, [])], related, day, layer, layers)


def _for_country(kg, cat: Catalog, key: str, day, layer, layers) -> Responsibility:
    country = find(kg, key, ["country"], param="country")
    rows = kg.canned("country_regions", country=ox.NamedNode(country.iri))
    matched: dict[str, list[Via]] = {}
    for row in sorted(rows, key=lambda r: r["region"].value):
        region = cat.ref(row["region"].value)
        basis = row["basisLabel"].value if "basisLabel" in row else "no basis recorded"
        if "memberSince" in row:
            basis += f", member since {row['memberSince'].value}"
        basis_id = local_id(row["basis"].value) if "basis" in row else None
        matched.setdefault(region.iri, []).append(Via(region.id, region.iri, region.label, basis, basis_id))
    judgements, areas = [], []
    for row in kg.canned("country_judgements", country=ox.NamedNode(country.iri)):
        if "judgement" in row:
            judgements.append(
                Judgement(
                    id=local_id(row["judgement"].value),
                    notation=row["notation"].value if "notation" in row else None,
                    label=row["label"].value if "label" in row else None,
                    comment=row["comment"].value if "comment" in row else None,
                    alternative_reading=row["alternative"].value if "alternative" in row else None,
                )
            )
        if "m49Label" in row:
            areas.append(row["m49Label"].value)
    judgements.sort(key=lambda j: j.id)
    why = ""
    if not matched:
        why = "it is in no reference region under the project's region mapping"
        if areas:
            why += f" ({and_list(sorted(areas))})"
        for j in judgements:
            why += f"; judgement {j.notation or j.id}: {(j.comment or j.label or '').rstrip('.')}"
            if j.alternative_reading:
                why += f" (alternative reading: {j.alternative_reading.rstrip('.')})"
    phrase = country.label
    if matched:
        phrase += ", through " + and_list([f"{v[0].label} ({v[0].basis})" for v in matched.values()])
    related = qualified_by(cat, set(matched))
    return _answer(
        kg,
        cat,
        {"country": country.ref()},
        phrase,
        list(matched.items()),
        related,
        day,
        layer,
        layers,
        why_none=why,
        judgements=judgements,
    )


def _for_concept(kg, cat: Catalog, kind: str, key: str, region_key, segment_key, day, layer, layers) -> Responsibility:
    """A technology (or a segment), optionally narrowed by a region and a segment."""
    scope_kind = f"{kind}_scope"
    thing = find(kg, key, [kind, scope_kind], param=kind)
    question: dict = {kind: thing.ref()}
    region = find(kg, region_key, ["region"], param="region") if region_key is not None else None
    seg = find(kg, segment_key, ["segment"], param="segment") if segment_key is not None else None
    if region:
        question["region"] = region.ref()
    if seg:
        question["segment"] = seg.ref()
    attribute = "technology" if kind == "technology" else "segment"
    if kind in thing.kinds:
        concept = thing.iri
        candidates = [i for i, s in cat.scopes.items() if getattr(s, attribute) == concept]
    else:
        concept = getattr(cat.scopes[thing.iri], attribute)
        candidates = [thing.iri]
    matched: list[tuple[str, list[Via]]] = []
    beyond: dict[str, list[Ref]] = {}
    related: dict[str, str] = {}
    for iri in candidates:
        info = cat.scopes[iri]
        via, fits = narrow(cat, info, region, seg)
        if fits:
            matched.append((iri, via))
            # a scope asked by name is the whole question; a concept's scope may be narrower
            beyond[iri] = limits_beyond(cat, info, region, seg) if kind in thing.kinds else []
        else:
            related[iri] = f"the same {kind} for another " + (
                "region" if region and info.regions and region.iri not in info.regions else "segment"
            )
    if concept:
        label = cat.label(concept)
        for other, relation in neighbours(cat, concept):
            for iri, info in cat.scopes.items():
                if getattr(info, attribute) == other and iri not in related:
                    related[iri] = (
                        f"{relation} {kind} than {label}"
                        if relation in ("broader", "narrower")
                        else f"a {kind} related to {label}"
                    )
    if kind == "segment" and concept:
        family = {concept} | cat.ancestors(concept)
        for iri, info in cat.scopes.items():
            if info.kind == "technology" and info.segments & family:
                related.setdefault(iri, f"a technology scope for {cat.label(concept)}")
    phrase = thing.label
    if region:
        phrase += f" in {region.label}"
    if seg:
        phrase += f" for the {seg.label}"
    return _answer(kg, cat, question, phrase, matched, related, day, layer, layers, beyond=beyond)
