"""Who leads and who follows: for a reference region, a country, a technology or a segment, at a date.

The answer lists the leadership assignments that hold on the date, each with its scope, leader,
followers (and whether the sources state them or rule R-F derives them), validity, the chain
that led from the question to the scope (``via``) and the statements that support it.

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
from .errors import BadRequest, NotFound
from .provenance import Source, layer_of, node_sources, triple_sources
from .store import PREFIXES, KnowledgeGraph

LAYERS = {"seed": {"seed"}, "all": None}
RULES = {AKG + "FollowersDerived": "derived", AKG + "FollowersStated": "stated"}


@dataclass(frozen=True)
class ScopeRef:
    """A scope as the API shows it: id, IRI, label, kind and what narrows it."""

    id: str
    iri: str
    label: str
    kind: str
    alt_labels: tuple[str, ...]
    qualifiers: dict


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

    def holds_on(self, day: date) -> bool:
        """Whether the assignment holds on ``day`` (``valid_to`` is the last day it holds)."""
        start = _date(self.valid_from)
        end = _date(self.valid_to) if self.valid_to else None
        return start is not None and start <= day and (end is None or day <= end)


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
    leader_assigned: bool
    leaders: list[Ref]
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
    if info is not None:
        if info.technology:
            qualifiers["technology"] = cat.ref(info.technology)
        if info.segment:
            qualifiers["segment"] = cat.ref(info.segment)
        for name, iris in (("regions", info.regions), ("segments", info.segments), ("platforms", info.platforms)):
            if iris:
                qualifiers[name] = sorted((cat.ref(i) for i in iris), key=lambda r: r.label)
        if info.texts:
            qualifiers["text"] = sorted(info.texts)
    alt_labels = tuple(sorted(entity.alt_labels)) if entity else ()
    return ScopeRef(ref.id, ref.iri, ref.label, info.kind if info else "scope", alt_labels, qualifiers)


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
    return assignments


def _distinct_leaders(assignments: Iterable[Assignment]) -> list[Ref]:
    return sorted({a.leader for a in assignments}, key=lambda r: r.label)


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
            day: date, layer: str, layers, *, why_none: str = "", judgements=()) -> Responsibility:
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
    _with_sources(kg, holding, layers)
    matched_iris = {scope for scope, _ in matched}
    related_list = []
    for scope, relation in related.items():
        if scope in matched_iris:
            continue
        leaders = _distinct_leaders(a for a in scope_assignments(kg, scope, layers=layers) if a.holds_on(day))
        related_list.append(Related(scope_ref(cat, scope), relation, leaders))
    related_list.sort(key=lambda r: r.scope.label.casefold())
    leaders = _distinct_leaders(holding)
    iso = day.isoformat()
    if leaders:
        names = _and([r.label for r in leaders])
        verb = "is the leader" if len(leaders) == 1 else "are the leaders"
        scopes = sorted(label for label in {a.scope.label for a in holding} if label not in phrase)
        note = f"On {iso}, {names} {verb} for {phrase}" + (f" ({_and(scopes)})" if scopes else "") + "."
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
    return Responsibility(question, iso, layer, bool(leaders), leaders, holding, related_list, note, list(judgements))


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
    related: dict[str, str] = {}
    for iri in candidates:
        info = cat.scopes[iri]
        via, fits = _narrow(cat, info, region, seg)
        if fits:
            matched.append((iri, via))
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
    return _answer(kg, cat, question, phrase, matched, related, day, layer, layers)


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
