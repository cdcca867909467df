"""Where a model or a platform comes from, and what comes from it, with the evidence for each link.

Links point upwards: a model ``akg:derivedFrom`` the model it derives from and
``akg:sitsOnPlatform`` its platform; a platform is an ``akg:platformVariantOf`` its family.
Ancestors follow derivation and variant links upwards; descendants of a platform are its
variants, the models on it (or on a variant) and the models derived from those; descendants
of a model are the models derived from it.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..store import PREFIXES, KnowledgeGraph, value
from .catalog import AKG, Catalog, Ref, catalog
from .provenance import Layer, Source, layer_of, layers_of, strength_by_layer, triple_sources
from .search import find

SCHEMA = PREFIXES["schema"]
RELATIONS = {
    AKG + "derivedFrom": "derived_from",
    AKG + "sitsOnPlatform": "sits_on_platform",
    AKG + "platformVariantOf": "platform_variant_of",
    AKG + "developedBy": "developed_by",
    AKG + "releasedBy": "released_by",
    SCHEMA + "brand": "brand",
}


def snake(name: str) -> str:
    """``FollowerModel`` as ``follower_model``.

    >>> snake("FollowerModel")
    'follower_model'
    """
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@dataclass(frozen=True)
class Maker:
    """A company that developed or released an item, with the evidence.

    ``strength`` is the strongest source's within ``layer``; ``strength_by_layer`` gives each layer's.
    """

    id: str
    iri: str
    label: str
    relation: str  # developed_by | released_by
    layer: str
    strength: str | None
    sources: list[Source]
    strength_by_layer: dict[str, str | None] = field(default_factory=dict)


@dataclass
class Node:
    """A model or platform in a lineage."""

    id: str
    iri: str
    label: str
    kind: str  # model | platform
    brand: Ref | None
    developer: list[Ref]
    platforms: list[Ref]
    depth: int = 0
    direct: bool | None = None


@dataclass(frozen=True)
class Edge:
    """One link: ``subject`` --relation--> ``object``, with its kind, layer, strength and sources.

    ``layer`` is the layer that holds the link (the seed when several do) and ``strength`` the
    strongest of that layer's sources (``None`` when it has none): never another layer's strength
    under its name. ``strength_by_layer`` gives the strongest source of each layer.
    """

    subject: Ref
    relation: str
    object: Ref
    kind: str | None
    strength: str | None
    layer: str
    sources: list[Source]
    #: The strongest source in each layer: the seed may imply what a public source states.
    strength_by_layer: dict[str, str | None]


@dataclass
class Lineage:
    item: Node
    brand: Ref | None
    developer: list[Maker]
    platforms: list[Ref]
    ancestors: list[Node]
    descendants: list[Node]
    edges: list[Edge]
    layer: str
    note: str = ""
    platform_families: list[Ref] = field(default_factory=list)


def _kind(cat: Catalog, iri: str) -> str:
    kinds = cat.entities[iri].kinds if iri in cat.entities else set()
    return "platform" if "platform" in kinds else "model" if "model" in kinds else "other"


def _links(kg: KnowledgeGraph, iri: str, layers) -> dict[str, dict[str, str]]:
    """``relation -> {target: layer}`` for one item."""
    links: dict[str, dict[str, str]] = {}
    for row in kg.canned("item_links", item=ox.NamedNode(iri)):
        layer = layer_of(row["graph"].value)
        if layers is not None and layer not in layers:
            continue
        targets = links.setdefault(RELATIONS[row["link"].value], {})
        target = row["target"].value
        if target not in targets or (layer == "seed" and targets[target] != "seed"):
            targets[target] = layer  # a link in several layers is shown in the seed layer
    return links


def _node(kg: KnowledgeGraph, cat: Catalog, iri: str, layers, depth: int = 0) -> Node:
    links = _links(kg, iri, layers)
    ref = cat.ref(iri)
    brands = sorted(links.get("brand", {}))
    makers = {*links.get("developed_by", {}), *links.get("released_by", {})}
    return Node(
        id=ref.id,
        iri=ref.iri,
        label=ref.label,
        kind=_kind(cat, iri),
        brand=cat.ref(brands[0]) if brands else None,
        developer=sorted((cat.ref(m) for m in makers), key=lambda r: r.label),
        platforms=sorted((cat.ref(p) for p in links.get("sits_on_platform", {})), key=lambda r: r.label),
        depth=depth,
    )


DERIVED_FROM, VARIANT_OF, SITS_ON = (
    ox.NamedNode(AKG + name) for name in ("derivedFrom", "platformVariantOf", "sitsOnPlatform")
)


def links_above(kg: KnowledgeGraph, item: str) -> list[tuple[str, str, str, str]]:
    """Every derivation and platform-variant link above ``item``, its whole chain of ancestors,
    as (subject, predicate, object, layer): followed one hop at a time through the indexes, so
    the cost follows the chain, not the graph.

    >>> from alliance_kg.store import Change, empty_graph
    >>> kg = empty_graph(); g = ox.NamedNode("https://w3id.org/alliance-kg/graph/seed")
    >>> kg.commit(Change(added=frozenset([ox.Quad(ox.NamedNode("x:b"), DERIVED_FROM, ox.NamedNode("x:a"), g),
    ...                                   ox.Quad(ox.NamedNode("x:a"), VARIANT_OF, ox.NamedNode("x:p"), g)])))
    >>> sorted(links_above(kg, "x:b"))  # doctest: +NORMALIZE_WHITESPACE
    [('x:a', 'https://w3id.org/alliance-kg/ontology#platformVariantOf', 'x:p', 'seed'),
     ('x:b', 'https://w3id.org/alliance-kg/ontology#derivedFrom', 'x:a', 'seed')]
    """
    found, seen, todo = [], {item}, [ox.NamedNode(item)]
    while todo:
        node = todo.pop()
        for link in (DERIVED_FROM, VARIANT_OF):
            for quad in kg.quads(node, link, None, None):
                if isinstance(quad.graph_name, ox.NamedNode):
                    found.append(_row(quad))
                if isinstance(quad.object, ox.NamedNode) and quad.object.value not in seen:
                    seen.add(quad.object.value)
                    todo.append(quad.object)
    return found


def links_below(kg: KnowledgeGraph, item: str) -> list[tuple[str, str, str, str]]:
    """Every link below ``item``: its platform variants, the models on it or on one of them, and
    the models derived from any of those, at any depth (``derivedFrom* / sitsOnPlatform? /
    platformVariantOf*`` up to ``item``), as (subject, predicate, object, layer)."""
    variants = _backwards(kg, {item}, VARIANT_OF)
    placed = variants | {
        q.subject.value
        for v in variants
        for q in kg.quads(None, SITS_ON, ox.NamedNode(v), None)
        if isinstance(q.subject, ox.NamedNode)
    }
    below = _backwards(kg, placed, DERIVED_FROM)
    found = []
    for node in below:
        for link in (DERIVED_FROM, VARIANT_OF, SITS_ON):
            for quad in kg.quads(ox.NamedNode(node), link, None, None):
                if isinstance(quad.graph_name, ox.NamedNode) and value(quad.object) in below:
                    found.append(_row(quad))
    return found


def _backwards(kg: KnowledgeGraph, start: set[str], link: ox.NamedNode) -> set[str]:
    """``start`` and every node with a chain of ``link`` to one of them."""
    seen, todo = set(start), [ox.NamedNode(n) for n in start]
    while todo:
        for quad in kg.quads(None, link, todo.pop(), None):
            if isinstance(quad.subject, ox.NamedNode) and quad.subject.value not in seen:
                seen.add(quad.subject.value)
                todo.append(quad.subject)
    return seen


def _row(quad: ox.Quad) -> tuple[str, str, str, str]:
    return value(quad.subject), quad.predicate.value, value(quad.object), layer_of(value(quad.graph_name))


def _edges(kg: KnowledgeGraph, cat: Catalog, triples, layers) -> list[Edge]:
    found: dict[tuple[str, str, str], str] = {}
    for s, p, o, layer in triples:
        if layers is not None and layer not in layers:
            continue
        key = (s, p, o)
        if key not in found or (layer == "seed" and found[key] != "seed"):
            found[key] = layer
    edges = []
    for (s, p, o), layer in sorted(found.items()):
        sources, kinds = triple_sources(kg, s, p, o, layers=layers)
        by_layer = strength_by_layer(sources)
        edges.append(
            Edge(
                subject=cat.ref(s),
                relation=RELATIONS[p],
                object=cat.ref(o),
                kind=", ".join(sorted(snake(k) for k in kinds)) or None,
                strength=by_layer.get(layer),
                layer=layer,
                sources=sources,
                strength_by_layer=by_layer,
            )
        )
    return edges


def _walk(start: str, edges: list[Edge], upwards: bool) -> dict[str, int]:
    """Depth of every node reachable from ``start`` along ``edges`` (breadth first)."""
    step: dict[str, list[str]] = {}
    for e in edges:
        a, b = (e.subject.iri, e.object.iri) if upwards else (e.object.iri, e.subject.iri)
        step.setdefault(a, []).append(b)
    depth = {start: 0}
    todo = deque([start])
    while todo:
        node = todo.popleft()
        for nxt in step.get(node, ()):
            if nxt not in depth:
                depth[nxt] = depth[node] + 1
                todo.append(nxt)
    depth.pop(start)
    return depth


def lineage(kg: KnowledgeGraph, key: str, *, layer: Layer = "all") -> Lineage:
    """The lineage of the model or platform ``key``: ancestors, descendants, platforms, makers."""
    layers = layers_of(layer)
    cat = catalog(kg)
    thing = find(kg, key, ["model", "platform"], param="key")
    item = _node(kg, cat, thing.iri, layers)
    links = _links(kg, thing.iri, layers)
    up = _edges(kg, cat, links_above(kg, thing.iri), layers)
    down = _edges(kg, cat, links_below(kg, thing.iri), layers)
    # the item's own platforms, and the families they are variants of, are where it comes from too
    on_platforms = [
        (thing.iri, AKG + "sitsOnPlatform", p, layer_) for p, layer_ in links.get("sits_on_platform", {}).items()
    ]
    for platform in links.get("sits_on_platform", {}):
        on_platforms += links_above(kg, platform)
    platform_edges = _edges(kg, cat, on_platforms, layers)
    ancestors = [_node(kg, cat, iri, layers, d) for iri, d in _walk(thing.iri, up, upwards=True).items()]
    below = _walk(thing.iri, down, upwards=False)
    direct = {e.subject.iri for e in down if e.object.iri == thing.iri}
    descendants = []
    for iri, d in below.items():
        node = _node(kg, cat, iri, layers, d)
        node.direct = iri in direct
        descendants.append(node)
    order = lambda n: (n.depth, n.label.casefold())  # noqa: E731
    makers = []
    for relation in ("developed_by", "released_by"):
        predicate = AKG + ("developedBy" if relation == "developed_by" else "releasedBy")
        for company, company_layer in sorted(links.get(relation, {}).items()):
            sources, _ = triple_sources(kg, thing.iri, predicate, company, layers=layers)
            ref = cat.ref(company)
            by_layer = strength_by_layer(sources)
            makers.append(
                Maker(
                    ref.id, ref.iri, ref.label, relation, company_layer, by_layer.get(company_layer), sources, by_layer
                )
            )
    families = sorted({e.object for e in platform_edges if e.relation == "platform_variant_of"}, key=lambda r: r.label)
    edges = _unique_edges([*platform_edges, *up, *down])
    result = Lineage(
        item=item,
        brand=item.brand,
        developer=makers,
        platforms=item.platforms,
        ancestors=sorted(ancestors, key=order),
        descendants=sorted(descendants, key=order),
        edges=edges,
        layer=layer,
        platform_families=families,
    )
    result.note = _note(result)
    return result


def _unique_edges(edges: list[Edge]) -> list[Edge]:
    seen: dict[tuple[str, str, str], Edge] = {}
    for e in edges:
        seen.setdefault((e.subject.iri, e.relation, e.object.iri), e)
    return list(seen.values())


def _note(lineage: Lineage) -> str:
    name = lineage.item.label
    parts = []
    if lineage.item.kind == "model":
        on = ", ".join(p.label for p in lineage.platforms)
        parts.append(f"{name} sits on {on}" if on else f"no platform is recorded for {name}")
        chain = " -> ".join(a.label for a in lineage.ancestors)
        parts.append(f"it derives from {chain}" if chain else "it derives from no recorded model")
    elif lineage.ancestors:
        parts.append(f"{name} is a variant of " + " -> ".join(a.label for a in lineage.ancestors))
    if lineage.descendants:
        direct = sum(1 for d in lineage.descendants if d.direct)
        parts.append(f"{len(lineage.descendants)} descendant(s), {direct} linked to it directly")
    text = "; ".join(parts) if parts else f"no lineage is recorded for {name}"
    suffix = " (seed layer only)" if lineage.layer == "seed" else ""
    return text[0].upper() + text[1:] + suffix + "."


# --- models ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSummary:
    id: str
    iri: str
    label: str
    brand: Ref | None
    platforms: list[Ref]


def _above(parents: dict[str, set[str]], node: str) -> set[str]:
    """Every node above ``node`` by ``parents``, at any depth (``platformVariantOf+``).

    >>> sorted(_above({"a": {"b"}, "b": {"c"}, "x": {"a"}}, "x"))
    ['a', 'b', 'c']
    """
    seen: set[str] = set()
    todo = list(parents.get(node, ()))
    while todo:
        if (found := todo.pop()) not in seen:
            seen.add(found)
            todo.extend(parents.get(found, ()))
    return seen


def list_models(kg: KnowledgeGraph, *, brand: str | None = None, platform: str | None = None) -> list[ModelSummary]:
    """Every model, optionally of one brand (or company) and on one platform (or a variant of it)."""
    cat = catalog(kg)
    brands: set[str] | None = None
    if brand is not None:
        owner = find(kg, brand, ["brand", "company"], param="brand")
        brands = {owner.iri} if "brand" in owner.kinds else cat.brands_of_company.get(owner.iri, set())
    wanted_platform = find(kg, platform, ["platform"], param="platform").iri if platform is not None else None
    parents: dict[str, set[str]] = {}
    for row in kg.canned("platform_families"):
        parents.setdefault(row["platform"].value, set()).add(row["family"].value)
    families = {platform: _above(parents, platform) for platform in parents}
    found: dict[str, dict] = {}
    for row in kg.canned("models"):
        entry = found.setdefault(row["model"].value, {"brands": set(), "platforms": set()})
        if "brand" in row:
            entry["brands"].add(row["brand"].value)
        if "platform" in row:
            entry["platforms"].add(row["platform"].value)
    out = []
    for iri, entry in found.items():
        if brands is not None and not entry["brands"] & brands:
            continue
        if wanted_platform is not None and not any(
            p == wanted_platform or wanted_platform in families.get(p, ()) for p in entry["platforms"]
        ):
            continue
        ref = cat.ref(iri)
        out.append(
            ModelSummary(
                ref.id,
                ref.iri,
                ref.label,
                cat.ref(min(entry["brands"])) if entry["brands"] else None,
                sorted((cat.ref(p) for p in entry["platforms"]), key=lambda r: r.label),
            )
        )
    return sorted(out, key=lambda m: m.label.casefold())
