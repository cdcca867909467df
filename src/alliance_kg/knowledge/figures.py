"""Figures and targets: every number the sources give, as stated, with its qualifiers and sources."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ..store import PREFIXES, KnowledgeGraph
from .catalog import AKG, Ref, catalog, local_id
from .lineage import snake
from .provenance import Layer, Source, layer_of, layers_of, node_sources

SCHEMA = PREFIXES["schema"]
RDFS = PREFIXES["rdfs"]
#: Readable units for UN/CEFACT codes that come without a unit text.
_UNITS = {"P1": "percent"}
_PARTIES = {"about": "about", "estimatedBy": "estimated_by", "provider": "provider", "recipient": "recipient"}


@dataclass
class Figure:
    id: str
    iri: str
    label: str
    measure: str | None
    value: float | None
    unit: str | None
    unit_code: str | None
    bound: str | None  # exact | approximate | upper_bound
    as_stated: str | None
    target_year: str | None
    qualifiers: list[str]
    parties: dict[str, list[Ref]]  # every party of each role (a figure may be about two companies)
    notes: list[str]
    layer: str
    sources: list[Source]


def list_figures(kg: KnowledgeGraph, *, layer: Layer = "all") -> list[Figure]:
    """Every figure and target (``akg:Figure``) with its sources; ``layer=seed`` keeps the articles' own."""
    layers = layers_of(layer)
    cat = catalog(kg)
    props: dict[str, dict[str, list[str]]] = {}
    graphs: dict[str, set[str]] = {}
    for row in kg.canned("figures"):
        iri = row["figure"].value
        props.setdefault(iri, {}).setdefault(row["property"].value, []).append(row["value"].value)
        graphs.setdefault(iri, set()).add(layer_of(row["graph"].value))
    figures = []
    for iri, p in props.items():
        layer_name = "seed" if "seed" in graphs[iri] else sorted(graphs[iri])[0]
        if layers is not None and layer_name not in layers:
            continue
        first = functools.partial(_first, p)
        value = first(SCHEMA + "value")
        bound = first(AKG + "bound")
        figures.append(
            Figure(
                id=local_id(iri),
                iri=iri,
                label=first(RDFS + "label") or local_id(iri),
                measure=first(AKG + "measure"),
                value=float(value) if value is not None else None,
                unit=first(SCHEMA + "unitText")
                or _UNITS.get(first(SCHEMA + "unitCode") or "", first(SCHEMA + "unitCode")),
                unit_code=first(SCHEMA + "unitCode"),
                bound=snake(local_id(bound)) if bound else None,
                as_stated=first(AKG + "asStated"),
                target_year=first(AKG + "targetYear"),
                qualifiers=sorted(p.get(AKG + "qualifierText", [])),
                parties={
                    name: sorted((cat.ref(v) for v in dict.fromkeys(p[AKG + prop])), key=lambda r: r.id)
                    for prop, name in _PARTIES.items()
                    if p.get(AKG + prop)
                },
                notes=sorted(
                    p.get(AKG + "note", [])
                    + [f"recipient as stated: {r}" for r in p.get(AKG + "recipientAsStated", [])]
                ),
                layer=layer_name,
                sources=node_sources(kg, iri, layers=layers),
            )
        )
    return sorted(figures, key=lambda f: (f.layer != "seed", f.label.casefold()))


def _first(values: dict[str, list], name: str):
    """The first value of the property ``name`` in ``values``, or None."""
    return (values.get(name) or [None])[0]
