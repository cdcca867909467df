"""The catalog: every thing the API can name, and how a key someone types finds it.

A key is a thing's id (the last segment of its IRI), its full IRI, one of its labels
(case- and accent-insensitive), or, for a country, its ISO 3166 alpha-2 or alpha-3 code.
The catalog is built from the graph once per change of the graph (:meth:`KnowledgeGraph.cached`).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..errors import BadRequest, NotFound
from ..store import PREFIXES, KnowledgeGraph
from ..store.queries import load_query

AKG = PREFIXES["akg"]
SKOS = PREFIXES["skos"]

#: The kind of a thing, by its class.
KINDS = {
    AKG + "ReferenceRegion": "region",
    AKG + "TechnologyScope": "technology_scope",
    AKG + "SegmentScope": "segment_scope",
    AKG + "Technology": "technology",
    AKG + "VehicleSegment": "segment",
    AKG + "Country": "country",
    AKG + "Company": "company",
    AKG + "Alliance": "alliance",
    AKG + "VehicleModel": "model",
    AKG + "Platform": "platform",
    AKG + "Brand": "brand",
    AKG + "SourceDocument": "document",
    AKG + "BusinessModel": "business_model",
    AKG + "GoverningBody": "organisation",
    AKG + "Government": "organisation",
    AKG + "Plant": "plant",
    AKG + "Announcement": "announcement",
    "https://schema.org/Organization": "organisation",
    "https://schema.org/Person": "person",
}
#: The kind of scope each scope class is, as the API names it.
SCOPE_KINDS = {"region": "region", "technology_scope": "technology", "segment_scope": "segment"}

#: Readable names of kinds, for messages.
KIND_NAMES = {
    "region": "reference region",
    "technology_scope": "technology scope",
    "segment_scope": "segment scope",
    "technology": "technology",
    "segment": "vehicle segment",
    "country": "country",
    "company": "company",
    "alliance": "alliance",
    "model": "vehicle model",
    "platform": "platform",
    "brand": "brand",
    "document": "source document",
    "business_model": "business model",
    "organisation": "organisation",
    "plant": "plant",
    "announcement": "announcement",
    "person": "person",
}


def local_id(iri: str) -> str:
    """The last segment of an IRI: its id in the API.

    >>> local_id("https://w3id.org/alliance-kg/id/Europe")
    'Europe'
    >>> local_id("https://w3id.org/alliance-kg/ontology#Company")
    'Company'
    """
    return re.split(r"[/#]", iri.rstrip("/#"))[-1]


def aliases(name: str) -> list[str]:
    """Shorter forms of a name with a parenthesis: the part before it, and the part inside when
    that is itself a name (every word capitalised).

    >>> aliases("Türkiye (Turkey)")
    ['Türkiye', 'Turkey']
    >>> aliases("Korea (Republic of)")
    ['Korea']
    >>> aliases("Nissan Livina (2019)")
    ['Nissan Livina']
    """
    match = re.fullmatch(r"\s*(.+?)\s*\((.+)\)\s*", name)
    if not match:
        return []
    out = [match.group(1)]
    if all(word[:1].isupper() for word in match.group(2).split()):
        out.append(match.group(2))
    return out


def normalise(name: str) -> str:
    """A name folded for matching: case, accents, punctuation spacing and runs of spaces ignored.

    >>> normalise("  Türkiye ") == normalise("turkiye")
    True
    >>> normalise("South-East  Asia")
    'south-east asia'
    """
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


@dataclass(frozen=True)
class Ref:
    """A named thing, as the API shows it: ``{"id", "iri", "label"}``."""

    id: str
    iri: str
    label: str


@dataclass
class Entity:
    """A thing the catalog knows: its IRI, kinds, preferred label and other names."""

    iri: str
    kinds: set[str] = field(default_factory=set)
    pref_labels: list[str] = field(default_factory=list)
    rdfs_labels: list[str] = field(default_factory=list)
    alt_labels: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return local_id(self.iri)

    @property
    def label(self) -> str:
        for labels in (self.pref_labels, self.rdfs_labels):
            if labels:
                return sorted(labels)[0]
        return self.id

    def names(self) -> list[str]:
        return [*self.pref_labels, *self.alt_labels, *self.rdfs_labels, *self.codes]

    def ref(self) -> Ref:
        return Ref(self.id, self.iri, self.label)


@dataclass(frozen=True)
class ScopeInfo:
    """What a scope is about (a region itself, a technology, a segment) and what narrows it."""

    iri: str
    kind: str  # region | technology | segment
    technology: str | None = None
    segment: str | None = None
    regions: frozenset[str] = frozenset()
    segments: frozenset[str] = frozenset()
    platforms: frozenset[str] = frozenset()
    texts: frozenset[str] = frozenset()


class Catalog:
    """Names, kinds and scopes of the graph, for lookups and labels."""

    def __init__(
        self,
        entities: dict[str, Entity],
        scopes: dict[str, ScopeInfo],
        broader: dict[str, set[str]],
        related: dict[str, set[str]],
        brands: dict[str, set[str]],
    ):
        self.entities = entities
        self.scopes = scopes
        self.broader = broader
        self.related = related
        self.brands_of_company = brands
        self._by_name: dict[str, list[Entity]] = {}
        self._by_id: dict[str, list[Entity]] = {}
        for entity in entities.values():
            self._by_id.setdefault(entity.id.casefold(), []).append(entity)
            for key in _name_keys(entity):
                self._by_name.setdefault(key, []).append(entity)

    @classmethod
    def build(cls, kg: KnowledgeGraph) -> Catalog:
        entities = _entities(kg.select(load_query("names")))
        scopes = _scopes(kg.select(load_query("scopes")))
        return cls(entities, scopes, *_links(kg), _brands(kg))

    def patched(self, kg: KnowledgeGraph, subjects: set[str]) -> Catalog:
        """This catalog after changes of the triples of ``subjects``: only their entries are read
        again (each query of the catalog reads a thing's own triples), so the cost follows the
        change, not the graph. A new catalog: the old one stays as it was for whoever holds it.
        """
        new = object.__new__(Catalog)
        new.entities, new.scopes = dict(self.entities), dict(self.scopes)
        new._by_name, new._by_id = dict(self._by_name), dict(self._by_id)
        concepts = brands = False
        for iri in subjects:
            old = new.entities.pop(iri, None)
            if old is not None:
                concepts = concepts or bool(old.kinds & _LINKED_KINDS)
                brands = brands or "brand" in old.kinds
                new._by_id[old.id.casefold()] = [e for e in new._by_id.get(old.id.casefold(), []) if e is not old]
                for key in _name_keys(old):
                    new._by_name[key] = [e for e in new._by_name.get(key, []) if e is not old]
            thing = ox.NamedNode(iri)
            for entity in _entities(kg.select(load_query("names"), bindings={"thing": thing})).values():
                concepts = concepts or bool(entity.kinds & _LINKED_KINDS)
                brands = brands or "brand" in entity.kinds
                new.entities[iri] = entity
                new._by_id[entity.id.casefold()] = [*new._by_id.get(entity.id.casefold(), []), entity]
                for key in _name_keys(entity):
                    new._by_name[key] = [*new._by_name.get(key, []), entity]
            new.scopes.pop(iri, None)
            new.scopes.update(_scopes(kg.select(load_query("scopes"), bindings={"scope": thing})))
        new.broader, new.related = _links(kg) if concepts else (self.broader, self.related)
        new.brands_of_company = _brands(kg) if brands else self.brands_of_company
        return new

    # --- reading ---------------------------------------------------------------------------------

    def ref(self, iri: str) -> Ref:
        """The ``{"id", "iri", "label"}`` of ``iri``, known or not."""
        entity = self.entities.get(iri)
        return entity.ref() if entity else Ref(local_id(iri), iri, local_id(iri))

    def label(self, iri: str) -> str:
        return self.ref(iri).label

    def of_kind(self, *kinds: str) -> list[Entity]:
        wanted = set(kinds)
        return sorted((e for e in self.entities.values() if e.kinds & wanted), key=lambda e: e.label.casefold())

    def ancestors(self, iri: str) -> set[str]:
        """Everything ``iri`` is narrower than (``skos:broader``, transitively)."""
        seen: set[str] = set()
        todo = list(self.broader.get(iri, ()))
        while todo:
            item = todo.pop()
            if item not in seen:
                seen.add(item)
                todo.extend(self.broader.get(item, ()))
        return seen

    def narrower(self, iri: str) -> set[str]:
        """Everything narrower than ``iri`` (``skos:broader``, transitively, inverted)."""
        return {other for other in self.broader if iri in self.ancestors(other)}

    # --- looking up ------------------------------------------------------------------------------

    def resolve(self, key: str, kinds: Sequence[str], *, param: str) -> Entity:
        """The thing ``key`` names among ``kinds`` (in order of preference).

        Raises :class:`NotFound` naming the closest known names, or :class:`BadRequest` when
        ``key`` is empty or names several things of the same kind.
        """
        key = (key or "").strip()
        what = " or ".join(dict.fromkeys(KIND_NAMES[k] for k in kinds))
        if not key:
            raise BadRequest(f"parameter {param!r} is empty", hint=f"give the id, IRI or label of a {what}")
        candidates = self.candidates(key)
        for kind in kinds:
            matches = [e for e in candidates if kind in e.kinds]
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                listed = ", ".join(f"{e.label} (id {e.id})" for e in matches)
                raise BadRequest(
                    f"{param}={key!r} names more than one {KIND_NAMES[kind]}: {listed}",
                    hint="use the id or the IRI of the one you mean",
                )
        closest = self.closest(key, kinds)
        message = f"no {what} is known as {key!r} (parameter {param!r})"
        if closest:
            message += "; closest known names: " + ", ".join(closest)
        hint = f"give an id, IRI or label of a {what}"
        if kinds[0] == "country":
            hint += "; a country may also be given by its ISO 3166 alpha-2 or alpha-3 code"
        raise NotFound(message, hint=hint, kind=kinds[0])

    def candidates(self, key: str) -> list[Entity]:
        """Every thing ``key`` names: by IRI, id or label, of any kind."""
        if key in self.entities:
            return [self.entities[key]]
        found = list(self._by_id.get(key.casefold(), []))
        for entity in self._by_name.get(normalise(key), []):
            if entity not in found:
                found.append(entity)
        return found

    def closest(self, key: str, kinds: Iterable[str], n: int = 5) -> list[str]:
        """Up to ``n`` known names of ``kinds`` that look most like ``key``."""
        wanted = set(kinds)
        names: dict[str, str] = {}
        for entity in self.entities.values():
            if entity.kinds & wanted:
                for name in (*entity.pref_labels, *entity.alt_labels, entity.id):
                    names.setdefault(normalise(name), name)
        best = difflib.get_close_matches(normalise(key), list(names), n=n, cutoff=0.6)
        prefix = [k for k in names if k.startswith(normalise(key)[:3])] if len(key) >= 3 else []
        return list(dict.fromkeys(names[k] for k in [*best, *sorted(prefix)]))[:n]


def catalog(kg: KnowledgeGraph) -> Catalog:
    """The catalog of ``kg``'s current state: built on first use, then patched after each change
    with the entries of the things the change touched."""
    return kg.cached("catalog", Catalog.build, patch=lambda kg, old, subjects: old.patched(kg, subjects))


#: Kinds of things with concept links (broader, related): a change of one reads the links again.
_LINKED_KINDS = {"technology", "segment"}


def _name_keys(entity: Entity) -> list[str]:
    """The normalised forms of every name of ``entity``, each once."""
    return list(dict.fromkeys(normalise(form) for name in entity.names() for form in (name, *aliases(name))))


def _entities(rows: Iterable[dict]) -> dict[str, Entity]:
    entities: dict[str, Entity] = {}
    for row in rows:
        iri = row["thing"].value
        entity = entities.setdefault(iri, Entity(iri))
        entity.kinds.add(KINDS[row["class"].value])
        if "name" in row:
            name, kind = row["name"].value, row["nameKind"].value
            target = {
                "pref": entity.pref_labels,
                "alt": entity.alt_labels,
                "rdfs": entity.rdfs_labels,
                "code": entity.codes,
            }[kind]
            if name not in target:
                target.append(name)
    return entities


def _scopes(rows: Iterable[dict]) -> dict[str, ScopeInfo]:
    parts: dict[str, dict[str, set[str]]] = {}
    for row in rows:
        scope = parts.setdefault(row["scope"].value, {"class": set()})
        scope["class"].add(SCOPE_KINDS[KINDS[row["class"].value]])
        for name in (
            "technology",
            "segment",
            "qualifierRegion",
            "qualifierSegment",
            "qualifierPlatform",
            "qualifierText",
        ):
            if name in row:
                scope.setdefault(name, set()).add(row[name].value)
    return {
        iri: ScopeInfo(
            iri=iri,
            kind=sorted(p["class"])[0],
            technology=min(p.get("technology", ()), default=None),
            segment=min(p.get("segment", ()), default=None),
            regions=frozenset(p.get("qualifierRegion", ())),
            segments=frozenset(p.get("qualifierSegment", ())),
            platforms=frozenset(p.get("qualifierPlatform", ())),
            texts=frozenset(p.get("qualifierText", ())),
        )
        for iri, p in parts.items()
    }


def _links(kg: KnowledgeGraph) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    broader: dict[str, set[str]] = {}
    related: dict[str, set[str]] = {}
    for row in kg.select(load_query("concept_links")):
        a, b = row["from"].value, row["to"].value
        if row["relation"].value == SKOS + "broader":
            broader.setdefault(a, set()).add(b)
        else:
            related.setdefault(a, set()).add(b)
            related.setdefault(b, set()).add(a)
    return broader, related


def _brands(kg: KnowledgeGraph) -> dict[str, set[str]]:
    brands: dict[str, set[str]] = {}
    for row in kg.select(load_query("brands")):
        brands.setdefault(row["company"].value, set()).add(row["brand"].value)
    return brands
