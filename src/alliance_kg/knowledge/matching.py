"""How a question meets the scopes: which scopes fit a question narrowed by a region and a
segment, what limits a scope beyond the question, and which concepts and scopes are near it.
"""

from __future__ import annotations

from .assignments import Via, refs
from .catalog import Catalog, Ref, ScopeInfo


def and_list(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``.

    >>> and_list(["a"]), and_list(["a", "b", "c"])
    ('a', 'a, b and c')
    """
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def qualified_by(cat: Catalog, regions: set[str]) -> dict[str, str]:
    """The scopes limited to one of ``regions``, each with why it is related."""
    return {
        iri: f"a {info.kind} scope limited to {and_list(sorted(cat.label(r) for r in info.regions & regions))}"
        for iri, info in cat.scopes.items()
        if info.regions & regions
    }


def limits_beyond(cat: Catalog, info: ScopeInfo, region, seg) -> list[Ref]:
    """What limits a scope that fits the question beyond what the question asks: its regions when
    no region is asked, its segments when no segment is asked, and its platforms (never asked)."""
    limits = []
    if region is None:
        limits += refs(cat, info.regions)
    if seg is None:
        limits += refs(cat, info.segments)
    return limits + refs(cat, info.platforms)


def narrow(cat: Catalog, info: ScopeInfo, region, seg) -> tuple[list[Via], bool]:
    """Whether a scope (``info``) fits a question narrowed by ``region`` and ``seg``, and the
    steps (``via``) from the question to it."""
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
            basis = (
                "the scope is limited to this segment"
                if seg.iri in hits
                else f"the scope is limited to the {and_list(sorted(cat.label(h) for h in hits))}, which includes it"
            )
            via.append(Via(seg.id, seg.iri, seg.label, basis))
        elif info.segment is None:
            via.append(Via(seg.id, seg.iri, seg.label, "the scope is not limited to a segment"))
    return via, True


def neighbours(cat: Catalog, concept: str) -> list[tuple[str, str]]:
    """The concepts broader than, narrower than and related to ``concept``, with the relation."""
    out = [(b, "broader") for b in sorted(cat.ancestors(concept))]
    out += [(n, "narrower") for n in sorted(cat.narrower(concept))]
    out += [(r, "related") for r in sorted(cat.related.get(concept, ()))]
    return out
