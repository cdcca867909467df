"""The catalog is patched after a change, not rebuilt: the patched catalog must equal a rebuilt one."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from alliance_kg.knowledge.catalog import Catalog, catalog
from alliance_kg.store import PREFIXES, Change

AKR, AKG, SKOS, RDFS = PREFIXES["akr"], PREFIXES["akg"], PREFIXES["skos"], PREFIXES["rdfs"]
RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
PUBLIC = ox.NamedNode("https://w3id.org/alliance-kg/graph/public")


def summary(cat: Catalog) -> dict:
    return {
        "entities": {iri: (sorted(e.kinds), e.pref_labels, e.alt_labels, e.rdfs_labels, e.codes)
                     for iri, e in cat.entities.items()},
        "scopes": cat.scopes,
        "broader": cat.broader, "related": cat.related, "brands": cat.brands_of_company,
        "by_name": {k: sorted(e.iri for e in v) for k, v in cat._by_name.items() if v},
        "by_id": {k: sorted(e.iri for e in v) for k, v in cat._by_id.items() if v},
    }


def quad(s, p, o) -> ox.Quad:
    return ox.Quad(ox.NamedNode(s), ox.NamedNode(p), o if not isinstance(o, str) else ox.NamedNode(o), PUBLIC)


def existing(kg, subject: str) -> frozenset[ox.Quad]:
    return frozenset(kg.quads(ox.NamedNode(subject), None, None, None))


CHANGES = {
    "a new company with labels": lambda kg: Change(added=frozenset([
        quad(AKR + "Newco", str(RDF_TYPE.value), AKG + "Company"),
        quad(AKR + "Newco", SKOS + "prefLabel", ox.Literal("Newco Motors", language="en")),
        quad(AKR + "Newco", SKOS + "altLabel", ox.Literal("Newco", language="en"))])),
    "a company renamed": lambda kg: Change(
        removed=frozenset(q for q in existing(kg, AKR + "Renault") if q.predicate.value == SKOS + "prefLabel"),
        added=frozenset([quad(AKR + "Renault", SKOS + "prefLabel", ox.Literal("Groupe Renault", language="en"))])),
    "a thing removed": lambda kg: Change(removed=existing(kg, AKR + "MitsubishiMotors")),
    "a technology narrowed": lambda kg: Change(added=frozenset([
        quad(AKR + "NewTech", str(RDF_TYPE.value), AKG + "Technology"),
        quad(AKR + "NewTech", RDFS + "label", ox.Literal("new tech")),
        quad(AKR + "NewTech", SKOS + "broader", next(iter(catalog(kg).of_kind("technology"))).iri)])),
    "a brand added": lambda kg: Change(added=frozenset([
        quad(AKR + "NewBrand", str(RDF_TYPE.value), AKG + "Brand"),
        quad(AKR + "NewBrand", AKG + "brandOf", AKR + "Renault")])),
    "a scope changed": lambda kg: Change(added=frozenset([
        quad(next(iri for iri, s in catalog(kg).scopes.items() if s.kind == "technology"),
             AKG + "qualifierText", ox.Literal("only here"))])),
}


@pytest.mark.parametrize("name", CHANGES)
def test_a_patched_catalog_equals_a_rebuilt_one(kg, name):
    catalog(kg)  # built once
    kg.commit(CHANGES[name](kg))
    assert kg.changed_subjects(kg.version - 1)  # the change is known: the catalog is patched
    assert summary(catalog(kg)) == summary(Catalog.build(kg))


def test_several_changes_in_a_row(kg):
    catalog(kg)
    for name in CHANGES:
        kg.commit(CHANGES[name](kg))
    assert summary(catalog(kg)) == summary(Catalog.build(kg))


def test_the_old_catalog_is_left_as_it_was(kg):
    before = catalog(kg)
    renault = before.entities[AKR + "Renault"]
    kg.commit(CHANGES["a company renamed"](kg))
    assert catalog(kg) is not before and before.entities[AKR + "Renault"] is renault
    assert catalog(kg).entities[AKR + "Renault"].pref_labels == ["Groupe Renault"]


def test_a_change_of_unknown_extent_rebuilds(kg):
    catalog(kg)
    kg.load_data(b'<https://w3id.org/alliance-kg/id/Loaded> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/alliance-kg/ontology#Company> .',
                 "nt", graph="public")
    assert kg.changed_subjects(kg.version - 1) is None
    assert AKR + "Loaded" in catalog(kg).entities
