"""The JSON write API's domain: each function plans a write from a request body, as a
:class:`~alliance_kg.rules.guard.Plan` (the change, a summary, the thing it creates or changes).

Nothing here writes: :class:`~alliance_kg.rules.guard.Guard` calls the planner under its lock,
validates the change and commits it. The quads, ids and citations come from :mod:`.building`;
the body is read by :mod:`.payload`.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from ..errors import BadRequest, Conflict, NotFound
from ..knowledge.catalog import AKG, Entity, catalog, local_id
from ..store import LAYER_GRAPHS, Change, KnowledgeGraph, value
from .building import AKR, ORG, OWL, RDF, SCHEMA, Builder, Source, builder_for, camel, cite, n, read_source, slug, typed
from .guard import Plan
from .payload import Payload

#: Derivation kinds by the names the API accepts ("based_on" is the plain English for a derivative).
DERIVATION_KINDS = {
    "rebadge": "Rebadge",
    "derivative": "Derivative",
    "based_on": "Derivative",
    "follower_model": "FollowerModel",
}


def the_alliance(kg: KnowledgeGraph) -> str:
    alliances = catalog(kg).of_kind("alliance")
    if len(alliances) != 1:
        raise BadRequest(f"the graph has {len(alliances)} alliances: cannot tell which one to join")
    return alliances[0].iri


def create_company(kg: KnowledgeGraph, body: Any) -> Plan:
    p = Payload(body)
    label = p.text("label", required=True, limit=200)
    alt_labels = p.texts("alt_labels")
    member = p.boolean("member_of_alliance")
    same_as = p.iris("same_as")
    source = read_source(kg, p.obj("source"), required=False)
    p.done()
    cat = catalog(kg)
    clash = [e for e in cat.candidates(label) if "company" in e.kinds]
    if clash:
        raise Conflict(
            f"a company named {label!r} exists already (id {clash[0].id})",
            hint=f"the company {clash[0].id} is {clash[0].iri}",
        )
    b = builder_for(kg, source)
    company_id = b.new_id(camel(label))
    company = n(AKR + company_id)
    b.add(company, RDF + "type", n(AKG + "Company"))
    b.add(company, RDF + "type", n(SCHEMA + "Organization"))
    b.labels(company, label, alt_labels)
    for iri in same_as:
        b.add(company, OWL + "sameAs", n(iri))
    if member:
        alliance = n(the_alliance(kg))
        b.add(company, ORG + "memberOf", alliance)
        b.add(alliance, ORG + "hasMember", company)
    if source:
        cite(b, source, supports=company, about=company_id)
    return Plan(b.change(), f"create company {label}", company_id, company.value)


def _alliance_of(kg: KnowledgeGraph, leader: Entity, named: Entity | None) -> str | None:
    """The alliance an assignment led by ``leader`` is part of: the one the body names, else the
    leader's only alliance (None for a leader in none: the rules then say it is out).

    :raises BadRequest: the leader is a member of several alliances and the body names none.
    """
    if named is not None:
        return named.iri
    cat = catalog(kg)
    alliances = sorted(
        {value(q.object) for q in kg.quads(n(leader.iri), n(ORG + "memberOf"), None, None)}
        & {e.iri for e in cat.of_kind("alliance")}
    )
    if len(alliances) > 1:
        names = ", ".join(f"{cat.label(a)} ({cat.ref(a).id})" for a in alliances)
        raise BadRequest(
            f"{leader.label} is a member of {len(alliances)} alliances ({names}): "
            "cannot tell whose leader-follower model the assignment is part of",
            hint="name one with body.alliance, or list the followers with body.followers",
        )
    return alliances[0] if alliances else None


def _followers(kg: KnowledgeGraph, keys: list[str] | None, leader: str, alliance: str | None) -> tuple[list[str], str]:
    cat = catalog(kg)
    if keys is None:  # rule R-F: every other member of the alliance
        alliance = alliance or the_alliance(kg)
        members = {value(q.subject) for q in kg.quads(None, n(ORG + "memberOf"), n(alliance), None)}
        return sorted(members - {leader}), "FollowersDerived"
    return [cat.resolve(k, ["company"], param="body.followers").iri for k in keys], "FollowersStated"


def create_assignment(kg: KnowledgeGraph, body: Any) -> Plan:
    p = Payload(body)
    cat = catalog(kg)
    scope = cat.resolve(
        p.text("scope", required=True), ["region", "technology_scope", "segment_scope"], param="body.scope"
    )
    leader = cat.resolve(p.text("leader", required=True), ["company"], param="body.leader")
    follower_keys = p.texts("followers") if p.has("followers") else None
    alliance_key = p.text("alliance")
    named = cat.resolve(alliance_key, ["alliance"], param="body.alliance") if alliance_key else None
    valid_from = p.day("valid_from", required=True)
    valid_to = p.day("valid_to")
    source = read_source(kg, p.obj("source", required=True))
    p.done()
    # the alliance matters for followers derived by rule R-F; stated followers are the rules' to check
    alliance = _alliance_of(kg, leader, named) if follower_keys is None else None
    followers, rule = _followers(kg, follower_keys, leader.iri, alliance)
    b = builder_for(kg, source)
    assignment_id = b.new_id(f"assignment-{scope.id}-{leader.id}-{valid_from}")
    a = n(AKR + assignment_id)
    b.add(a, RDF + "type", n(AKG + "LeadershipAssignment"))
    b.labels(a, f"{leader.label} leads {scope.label} from {valid_from}")
    b.add(a, AKG + "scope", n(scope.iri))
    b.add(a, AKG + "leader", n(leader.iri))
    for f in followers:
        b.add(a, AKG + "follower", n(f))
    b.add(a, AKG + "followersRule", n(AKG + rule))
    if named is not None:
        b.add(a, AKG + "alliance", n(named.iri))
    b.add(a, AKG + "validFrom", typed(valid_from, "date"))
    if valid_to:
        b.add(a, AKG + "validTo", typed(valid_to, "date"))
    cite(b, source, supports=a, about=assignment_id)
    return Plan(b.change(), f"{leader.label} leads {scope.label} from {valid_from}", assignment_id, a.value)


def find_assignment(kg: KnowledgeGraph, key: str) -> ox.NamedNode:
    iri = key if key.startswith(("http://", "https://")) else AKR + key
    try:
        node = n(iri)
    except ValueError:
        raise NotFound(f"no assignment {key!r}") from None
    if not any(True for _ in kg.quads(node, n(RDF + "type"), n(AKG + "LeadershipAssignment"), None)):
        raise NotFound(f"no assignment {key!r}", hint="ids look like assignment-Europe", kind="assignment")
    return node


def _quads(kg: KnowledgeGraph, s=None, p=None, o=None) -> list[ox.Quad]:
    return list(kg.quads(s, n(p) if isinstance(p, str) else p, o, None))


def update_assignment(kg: KnowledgeGraph, key: str, body: Any) -> Plan:
    a = find_assignment(kg, key)
    p = Payload(body)
    cat = catalog(kg)
    scope_quads = _quads(kg, a, AKG + "scope")
    graph = scope_quads[0].graph_name if scope_quads else n(LAYER_GRAPHS["public"])
    removed: list[ox.Quad] = []
    added: list[ox.Quad] = []
    changes = []
    for field, prop in (("valid_from", "validFrom"), ("valid_to", "validTo")):
        if p.has(field):
            value = p.day(field)  # null clears it: a null valid_to reopens the assignment
            removed += _quads(kg, a, AKG + prop)
            if value is not None:
                added.append(ox.Quad(a, n(AKG + prop), typed(value, "date"), graph))
            changes.append(f"{field}={value}")
    if p.has("leader"):
        leader = cat.resolve(p.text("leader", required=True), ["company"], param="body.leader")
        removed += _quads(kg, a, AKG + "leader")
        added.append(ox.Quad(a, n(AKG + "leader"), n(leader.iri), graph))
        changes.append(f"leader={leader.label}")
    if p.has("followers"):
        keys = p.texts("followers")
        followers = [cat.resolve(k, ["company"], param="body.followers").iri for k in keys]
        removed += _quads(kg, a, AKG + "follower") + _quads(kg, a, AKG + "followersRule")
        added += [ox.Quad(a, n(AKG + "follower"), n(f), graph) for f in followers]
        added.append(ox.Quad(a, n(AKG + "followersRule"), n(AKG + "FollowersStated"), graph))
        changes.append("followers=" + ", ".join(cat.label(f) for f in followers))
    source = read_source(kg, p.obj("source"), required=False)
    p.done()
    if source:
        b = builder_for(kg, source)
        cite(b, source, supports=a, about=local_id(a.value))
        added += b.quads
        changes.append("source added")
    if not changes:
        raise BadRequest("body changes nothing", hint="give valid_from, valid_to, leader, followers or source")
    return Plan(
        Change(removed=frozenset(removed), added=frozenset(added)),
        f"update {local_id(a.value)}: " + "; ".join(changes),
        local_id(a.value),
        a.value,
    )


def delete_assignment(kg: KnowledgeGraph, key: str) -> Plan:
    """The assignment, the statements that support only it, and those about its triples."""
    a = find_assignment(kg, key)
    removed = set(_quads(kg, a))
    for q in _quads(kg, None, AKG + "supports", a):
        statement = q.subject
        others = [x for x in _quads(kg, statement, AKG + "supports") if x.object != a]
        removed |= {q} if others else set(_quads(kg, statement))
    for q in _quads(kg, None, RDF + "subject", a):
        removed |= set(_quads(kg, q.subject))
    removed |= set(_quads(kg, None, None, a))  # anything else pointing at it
    return Plan(Change(removed=frozenset(removed)), f"delete {local_id(a.value)}", local_id(a.value), a.value)


def create_derivation(kg: KnowledgeGraph, body: Any) -> Plan:
    p = Payload(body)
    cat = catalog(kg)
    model = cat.resolve(p.text("model", required=True), ["model"], param="body.model")
    ancestor = cat.resolve(p.text("derived_from", required=True), ["model"], param="body.derived_from")
    kind_name = p.text("kind")
    source = read_source(kg, p.obj("source", required=True))
    p.done()
    if kind_name is not None and kind_name not in DERIVATION_KINDS:
        raise BadRequest(
            f"body.kind={kind_name!r} is not a kind of derivation", hint=f"use one of {', '.join(DERIVATION_KINDS)}"
        )
    b = builder_for(kg, source)
    s, o = n(model.iri), n(ancestor.iri)
    b.add(s, AKG + "derivedFrom", o)
    cite(
        b,
        source,
        triple=(s, AKG + "derivedFrom", o),
        about=f"{model.id}-derivedFrom-{ancestor.id}",
        kind=DERIVATION_KINDS[kind_name] if kind_name else None,
    )
    return Plan(b.change(), f"{model.label} derives from {ancestor.label}", model.id, model.iri)


def _new_thing(
    kg: KnowledgeGraph, p: Payload, kind: str, cls: str
) -> tuple[Builder, ox.NamedNode, str, str, Source | None]:
    label = p.text("label", required=True, limit=200)
    alt_labels = p.texts("alt_labels")
    source = read_source(kg, p.obj("source"), required=False)
    cat = catalog(kg)
    clash = [e for e in cat.candidates(label) if kind in e.kinds]
    if clash:
        raise Conflict(f"a {kind} named {label!r} exists already (id {clash[0].id})")
    b = builder_for(kg, source)
    thing_id = b.new_id(camel(label) if kind == "model" else slug(label))
    node = n(AKR + thing_id)
    b.add(node, RDF + "type", n(AKG + cls))
    b.labels(node, label, alt_labels)
    return b, node, thing_id, label, source


def _linked(b: Builder, source: Source | None, s: ox.NamedNode, prop: str, o_iri: str, about: str) -> None:
    b.add(s, AKG + prop, n(o_iri))
    if source is not None:
        cite(b, source, triple=(s, AKG + prop, n(o_iri)), about=about)


def create_model(kg: KnowledgeGraph, body: Any) -> Plan:
    p = Payload(body)
    cat = catalog(kg)
    brand_key, platform_key = p.text("brand"), p.text("platform")
    released_by, developed_by = p.text("released_by"), p.text("developed_by")
    b, model, model_id, label, source = _new_thing(kg, p, "model", "VehicleModel")
    p.done()
    if brand_key:
        owner = cat.resolve(brand_key, ["brand", "company"], param="body.brand")
        brands = [owner.iri] if "brand" in owner.kinds else sorted(cat.brands_of_company.get(owner.iri, ()))
        if not brands:
            raise BadRequest(f"body.brand: {owner.label} has no brand in the graph")
        b.add(model, SCHEMA + "brand", n(brands[0]))
    if platform_key:
        platform = cat.resolve(platform_key, ["platform"], param="body.platform")
        _linked(b, source, model, "sitsOnPlatform", platform.iri, f"{model_id}-sitsOnPlatform-{platform.id}")
    for prop, key in (("releasedBy", released_by), ("developedBy", developed_by)):
        if key:
            company = cat.resolve(
                key, ["company"], param=f"body.{'released_by' if prop == 'releasedBy' else 'developed_by'}"
            )
            _linked(b, source, model, prop, company.iri, f"{model_id}-{prop}-{company.id}")
    if source and not (platform_key or released_by or developed_by):
        cite(b, source, supports=model, about=model_id)
    return Plan(b.change(), f"create model {label}", model_id, model.value)


def create_platform(kg: KnowledgeGraph, body: Any) -> Plan:
    p = Payload(body)
    cat = catalog(kg)
    variant_of = p.text("variant_of")
    developers = p.texts("developed_by")
    b, platform, platform_id, label, source = _new_thing(kg, p, "platform", "Platform")
    p.done()
    if variant_of:
        family = cat.resolve(variant_of, ["platform"], param="body.variant_of")
        _linked(b, source, platform, "platformVariantOf", family.iri, f"{platform_id}-variantOf-{family.id}")
    for key in developers:
        company = cat.resolve(key, ["company"], param="body.developed_by")
        _linked(b, source, platform, "developedBy", company.iri, f"{platform_id}-developedBy-{company.id}")
    if source and not (variant_of or developers):
        cite(b, source, supports=platform, about=platform_id)
    return Plan(b.change(), f"create platform {label}", platform_id, platform.value)
