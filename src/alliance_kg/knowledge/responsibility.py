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

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Iterable

import pyoxigraph as ox

from .catalog import AKG, Catalog, Ref, ScopeInfo, catalog, local_id
from ..errors import BadRequest, NotFound
from .provenance import Source, layer_of, node_sources, strongest, triple_sources
from ..store import PREFIXES, KnowledgeGraph

LAYERS = {"seed": {"seed"}, "all": None}
RULES = {AKG + "FollowersDerived": "derived", AKG + "FollowersStated": "stated"}
#: The order layers are shown in: the articles first, then the region mapping, then public facts.
LAYER_ORDER = ("seed", "regions", "public")


def strength_by_layer(sources: Iterable[Source]) -> dict[str, str | None]:
    """The strongest strength of ``sources`` in each layer, layer by layer (never mixed).

    >>> from alliance_kg.knowledge.provenance import Document
    >>> doc = Document("D", "x:D", None, None, None)
    >>> strength_by_layer([Source("a", "x:a", None, doc, None, None, "stated", "public"),
    ...                    Source("b", "x:b", None, doc, None, None, "implied", "seed")])
    {'seed': 'implied', 'public': 'stated'}
    """
    sources = list(sources)
    layers = sorted({s.layer for s in sources},
                    key=lambda name: (LAYER_ORDER.index(name) if name in LAYER_ORDER else len(LAYER_ORDER), name))
    return {name: strongest(s.strength or "" for s in sources if s.layer == name) for name in layers}


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


@dataclass
class CompanyRoles:
    """What a company leads and follows on a date."""

    company: Ref
    member_of: list[Ref]
    as_of: str
    layer: str
    leads: list[Assignment]
    follows: list[Assignment]


# --- parameters ------------------------------------------------------------------------------------


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def parse_as_of(text: str | None) -> date:
    """The ``as_of`` parameter as a date; today when absent.

    >>> parse_as_of("2020-05-27")
    datetime.date(2020, 5, 27)
    """
    if text is None or text == "":
        return date.today()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise BadRequest(f"as_of={text!r} is not a date", hint="write it as YYYY-MM-DD, e.g. as_of=2021-01-31")
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise BadRequest(f"as_of={text!r} is not a valid date: {exc}", hint="write it as YYYY-MM-DD") from None


def parse_layer(text: str | None) -> str:
    layer = text or "all"
    if layer not in LAYERS:
        raise BadRequest(f"layer={text!r} is not a layer", hint="use layer=seed (the two articles only) or layer=all")
    return layer


# --- building blocks -------------------------------------------------------------------------------


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
                qualifiers[name] = _refs(cat, iris)
        if info.texts:
            qualifiers["text"] = sorted(info.texts)
        limited_to = _refs(cat, info.regions) + _refs(cat, info.segments) + _refs(cat, info.platforms)
    alt_labels = tuple(sorted(entity.alt_labels)) if entity else ()
    return ScopeRef(ref.id, ref.iri, ref.label, info.kind if info else "scope", alt_labels, qualifiers, limited_to)


def _refs(cat: Catalog, iris: Iterable[str]) -> list[Ref]:
    """The things ``iris`` name, as refs sorted by label."""
    return sorted((cat.ref(i) for i in iris), key=lambda r: r.label)


def list_scopes(kg: KnowledgeGraph, kind: str | None = None) -> list[ScopeRef]:
    """Every scope, or those of one ``kind`` (``region``, ``technology``, ``segment``)."""
    if kind not in (None, "", "region", "technology", "segment"):
        raise BadRequest(f"kind={kind!r} is not a kind of scope", hint="use kind=region, kind=technology or kind=segment")
    cat = catalog(kg)
    refs = [scope_ref(cat, iri) for iri, info in cat.scopes.items() if not kind or info.kind == kind]
    return sorted(refs, key=lambda s: (s.kind, s.label.casefold()))


def _assignments(cat: Catalog, rows: Iterable[dict], layers: set[str] | None) -> list[Assignment]:
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
    return _assignments(catalog(kg), rows, layers)


def _with_sources(kg: KnowledgeGraph, assignments: list[Assignment], layers: set[str] | None) -> list[Assignment]:
    for a in assignments:
        a.sources = node_sources(kg, a.iri, layers=layers)
        a.valid_from_sources = triple_sources(kg, a.iri, AKG + "validFrom", None, layers=layers)[0]
        a.strength_by_layer = strength_by_layer(a.sources)
    return assignments


def _distinct_leaders(assignments: Iterable[Assignment]) -> list[Ref]:
    return sorted({a.leader for a in assignments}, key=lambda r: r.label)


def _leads(assignments: Iterable[Assignment]) -> list[Lead]:
    """Each assignment's leader with its scope, scope by scope."""
    leads = [Lead(a.leader.id, a.leader.iri, a.leader.label, a.scope, a.id) for a in assignments]
    return sorted(leads, key=lambda l: (l.scope.label.casefold(), l.label, l.assignment))


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# --- the question ----------------------------------------------------------------------------------


def responsibility(
    kg: KnowledgeGraph,
    *,
    region: str | None = None,
    country: str | None = None,
    technology: str | None = None,
    segment: str | None = None,
    as_of: str | None = None,
    layer: str | None = None,
) -> Responsibility:
    """Who leads and follows for a region, a country, a technology or a segment on ``as_of``.

    Exactly one of ``region``, ``country``, ``technology``, ``segment`` is the subject;
    ``technology`` may be narrowed by ``region`` and/or ``segment``, ``segment`` by ``region``.
    """
    given = {k: v for k, v in (("region", region), ("country", country), ("technology", technology),
                                ("segment", segment)) if v is not None}
    if not given:
        raise BadRequest("give one of region=, country=, technology= or segment=",
                         hint="e.g. /api/responsibility?country=DE or ?technology=autonomous driving")
    if country is not None and len(given) > 1:
        raise BadRequest("country= cannot be combined with " + ", ".join(f"{k}=" for k in given if k != "country"),
                         hint="ask about one country, or about a technology narrowed by region= and segment=")
    day = parse_as_of(as_of)
    layer = parse_layer(layer)
    layers = LAYERS[layer]
    cat = catalog(kg)
    if technology is not None:
        return _for_concept(kg, cat, "technology", technology, region, segment, day, layer, layers)
    if segment is not None:
        return _for_concept(kg, cat, "segment", segment, region, None, day, layer, layers)
    if country is not None:
        return _for_country(kg, cat, country, day, layer, layers)
    return _for_region(kg, cat, region, day, layer, layers)  # type: ignore[arg-type]


def _answer(kg, cat, question: dict, phrase: str, matched: list[tuple[str, list[Via]]], related: dict[str, str],
            day: date, layer: str, layers, *, why_none: str = "", judgements=(),
            beyond: dict[str, list[Ref]] | None = None) -> Responsibility:
    """The answer from the scopes ``matched``; ``beyond`` maps a scope to what limits it beyond the
    question (its leads go to ``limited_leaders``, never to ``leaders``)."""
    beyond = beyond or {}
    holding, other_dates, other_layer = _holding(kg, matched, day, layers)
    _with_sources(kg, holding, layers)
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
        note = f"The sources assign no leader for {phrase} on {iso}" + (": " + "; ".join(reasons) if reasons else "") + "."
    return Responsibility(question, iso, layer, bool(covering), _leads(covering), _leads(limited), covering + limited,
                          related_list, note, list(judgements))


def _holding(kg, matched: list[tuple[str, list[Via]]], day: date, layers) -> tuple[list[Assignment], list[Assignment], bool]:
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
        leaders = _distinct_leaders(a for a in scope_assignments(kg, scope, layers=layers) if a.holds_on(day))
        found.append(Related(scope_ref(cat, scope), relation, leaders))
    return sorted(found, key=lambda r: r.scope.label.casefold())


def _found_note(iso: str, phrase: str, covering: list[Assignment], limited: list[Assignment],
                beyond: dict[str, list[Ref]]) -> str:
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
        leaders = _distinct_leaders(covering)
        verb = "is the leader" if len(leaders) == 1 else "are the leaders"
        scopes = sorted(label for label in {a.scope.label for a in covering} if label not in phrase)
        parts.append(f"{_and([r.label for r in leaders])} {verb} for {phrase}" + (f" ({_and(scopes)})" if scopes else ""))
    narrower = []
    for scope in sorted({a.scope.iri: a.scope for a in limited}.values(), key=lambda s: s.label.casefold()):
        leaders = _distinct_leaders(a for a in limited if a.scope.iri == scope.iri)
        limits = [r.label for r in beyond[scope.iri]]
        said = all(label in scope.label for label in limits)  # "connected technology in China" says it
        narrower.append(f"{_and([r.label for r in leaders])} {'leads' if len(leaders) == 1 else 'lead'} {scope.label}"
                        + ("" if said else f" (limited to {_and(limits)})"))
    if covering and narrower:
        parts.append("for narrower scopes, " + "; ".join(narrower))
    elif narrower:
        parts += narrower + [f"no leader is assigned for {phrase} elsewhere"]
    return f"On {iso}, " + "; ".join(parts) + "."


def _for_region(kg, cat: Catalog, key: str, day, layer, layers) -> Responsibility:
    region = cat.resolve(key, ["region"], param="region")
    related = _qualified_by(cat, {region.iri})
    for row in kg.canned("region_overlaps", region=ox.NamedNode(region.iri)):
        related.setdefault(row["other"].value, f"shares {row['shared'].value} member countries with {region.label}")
    return _answer(kg, cat, {"region": region.ref()}, region.label, [(region.iri, [])], related, day, layer, layers)


def _qualified_by(cat: Catalog, regions: set[str]) -> dict[str, str]:
    return {
        iri: f"a {info.kind} scope limited to {_and(sorted(cat.label(r) for r in info.regions & regions))}"
        for iri, info in cat.scopes.items()
        if info.regions & regions
    }


def _for_country(kg, cat: Catalog, key: str, day, layer, layers) -> Responsibility:
    country = cat.resolve(key, ["country"], param="country")
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
            judgements.append(Judgement(
                id=local_id(row["judgement"].value),
                notation=row["notation"].value if "notation" in row else None,
                label=row["label"].value if "label" in row else None,
                comment=row["comment"].value if "comment" in row else None,
                alternative_reading=row["alternative"].value if "alternative" in row else None,
            ))
        if "m49Label" in row:
            areas.append(row["m49Label"].value)
    judgements.sort(key=lambda j: j.id)
    why = ""
    if not matched:
        why = "it is in no reference region under the project's region mapping"
        if areas:
            why += f" ({_and(sorted(areas))})"
        for j in judgements:
            why += f"; judgement {j.notation or j.id}: {(j.comment or j.label or '').rstrip('.')}"
            if j.alternative_reading:
                why += f" (alternative reading: {j.alternative_reading.rstrip('.')})"
    phrase = country.label
    if matched:
        phrase += ", through " + _and([f"{v[0].label} ({v[0].basis})" for v in matched.values()])
    related = _qualified_by(cat, set(matched))
    return _answer(kg, cat, {"country": country.ref()}, phrase, list(matched.items()), related, day, layer, layers,
                   why_none=why, judgements=judgements)


def _for_concept(kg, cat: Catalog, kind: str, key: str, region_key, segment_key, day, layer, layers) -> Responsibility:
    """A technology (or a segment), optionally narrowed by a region and a segment."""
    scope_kind = f"{kind}_scope"
    thing = cat.resolve(key, [kind, scope_kind], param=kind)
    question: dict = {kind: thing.ref()}
    region = cat.resolve(region_key, ["region"], param="region") if region_key is not None else None
    seg = cat.resolve(segment_key, ["segment"], param="segment") if segment_key is not None else None
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
        via, fits = _narrow(cat, info, region, seg)
        if fits:
            matched.append((iri, via))
            # a scope asked by name is the whole question; a concept's scope may be narrower
            beyond[iri] = _beyond(cat, info, region, seg) if kind in thing.kinds else []
        else:
            related[iri] = f"the same {kind} for another " + ("region" if region and info.regions and region.iri not in info.regions else "segment")
    if concept:
        label = cat.label(concept)
        for other, relation in _neighbours(cat, concept):
            for iri, info in cat.scopes.items():
                if getattr(info, attribute) == other and iri not in related:
                    related[iri] = f"{relation} {kind} than {label}" if relation in ("broader", "narrower") else f"a {kind} related to {label}"
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


def _beyond(cat: Catalog, info: ScopeInfo, region, seg) -> list[Ref]:
    """What limits a scope that fits the question beyond what the question asks: its regions when
    no region is asked, its segments when no segment is asked, and its platforms (never asked)."""
    limits = []
    if region is None:
        limits += _refs(cat, info.regions)
    if seg is None:
        limits += _refs(cat, info.segments)
    return limits + _refs(cat, info.platforms)


def _narrow(cat: Catalog, info: ScopeInfo, region, seg) -> tuple[list[Via], bool]:
    via: list[Via] = []
    if region is not None:
        if info.regions:
            if region.iri not in info.regions:
                return [], False
            via.append(Via(region.id, region.iri, region.label, "the scope is limited to this region"))
        else:
            via.append(Via(region.id, region.iri, region.label, "the scope is not limited to a region"))
    if seg is not None:
        family = {seg.iri} | cat.ancestors(seg.iri)
        if info.segments:
            hits = info.segments & family
            if not hits:
                return [], False
            basis = "the scope is limited to this segment" if seg.iri in hits else \
                f"the scope is limited to the {_and(sorted(cat.label(h) for h in hits))}, which includes it"
            via.append(Via(seg.id, seg.iri, seg.label, basis))
        elif info.segment is None:
            via.append(Via(seg.id, seg.iri, seg.label, "the scope is not limited to a segment"))
    return via, True


def _neighbours(cat: Catalog, concept: str) -> list[tuple[str, str]]:
    out = [(b, "broader") for b in sorted(cat.ancestors(concept))]
    out += [(n, "narrower") for n in sorted(cat.narrower(concept))]
    out += [(r, "related") for r in sorted(cat.related.get(concept, ()))]
    return out


# --- companies -------------------------------------------------------------------------------------


def list_companies(kg: KnowledgeGraph) -> list[dict]:
    """Every company, with the alliance it is a member of."""
    cat = catalog(kg)
    members: dict[str, set[str]] = {}
    for row in kg.canned("alliance_members"):
        members.setdefault(row["company"].value, set())
        if "alliance" in row:
            members[row["company"].value].add(row["alliance"].value)
    return [
        {**asdict(cat.ref(iri)), "alt_labels": sorted(cat.entities[iri].alt_labels) if iri in cat.entities else [],
         "member_of": [cat.ref(a) for a in sorted(alliances)]}
        for iri, alliances in sorted(members.items(), key=lambda kv: cat.label(kv[0]))
    ]


def company_roles(kg: KnowledgeGraph, key: str, *, as_of: str | None = None, layer: str | None = None) -> CompanyRoles:
    """The assignments ``key`` leads and follows on ``as_of``."""
    day = parse_as_of(as_of)
    layer = parse_layer(layer)
    layers = LAYERS[layer]
    cat = catalog(kg)
    company = cat.resolve(key, ["company"], param="company")
    rows = kg.canned("company_assignments", company=ox.NamedNode(company.iri))
    holding = [a for a in _assignments(cat, rows, layers) if a.holds_on(day)]
    _with_sources(kg, holding, layers)
    leads = [a for a in holding if a.leader.iri == company.iri]
    follows = [a for a in holding if any(f.iri == company.iri for f in a.followers)]
    member_of = sorted({cat.ref(r["alliance"].value) for r in kg.canned("alliance_members")
                        if r["company"].value == company.iri and "alliance" in r}, key=lambda r: r.label)
    key_fn = lambda a: (a.scope.kind, a.scope.label.casefold())  # noqa: E731
    return CompanyRoles(company.ref(), member_of, day.isoformat(), layer, sorted(leads, key=key_fn), sorted(follows, key=key_fn))


def assignment_by_id(kg: KnowledgeGraph, key: str) -> Assignment:
    """One assignment by its id or IRI, at any date, with its sources."""
    iri = key if key.startswith(("http://", "https://")) else PREFIXES["akr"] + key
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        raise NotFound(f"no assignment {key!r}") from None
    rows = [r for r in kg.canned("assignment", assignment=node)]
    found = _assignments(catalog(kg), rows, None)
    if not found:
        raise NotFound(f"no assignment {key!r}", hint="ids look like assignment-Europe; /api/companies/{key} lists them")
    return _with_sources(kg, found, None)[0]
