"""Search: one engine for the search box and for every name the JSON API accepts.

Every thing of the catalog is found by its labels, alternative labels, id, codes and the short
forms of a name with a parenthesis (:func:`.catalog.aliases`); a country also by its names in
other languages (pycountry's own gettext catalogues of ISO 3166-1) and its former names (ISO
3166-3, pycountry's historic countries: ``East Timor``, ``Burma``). A query meets a name at the
first of these levels that fits (:data:`LEVELS`):

* ``name``: the same words, ignoring case, accents and punctuation (``south-east asia``);
* ``spelling``: the same letters, ignoring spaces and hyphens (``Southeast Asia``, ``e-POWER``);
* ``word forms``: the same words once stemmed (Snowball's English stemmer: ``PHEVs``,
  ``autonomous drive``, ``battery technologies``);
* ``other language``: a country's name in another language (``Deutschland``, ``Brasil``);
* ``part of the name``: every word of the query is a word of the name (``Qashqai`` for each
  generation of the Nissan Qashqai);
* ``typo``: one edit away for a short name, two for a longer one (RapidFuzz's Levenshtein
  distance on the stemmed letters: ``Renualt``, ``germny``); ``typo in part of the name``: each
  word of the query is a word of the name or a typo of one (``batery``, ``Mitsubshi``): the
  candidate words come from the vocabulary of every name (RapidFuzz), the names from the postings
  of those words, never from a scan of every name;
* ``beginning``: the query starts the name (for suggestions as one types).

The index is built from the catalog on first use and follows it after each change (the entries
of the changed things only), like the catalog itself.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from ..errors import BadRequest, NotFound
from ..store import KnowledgeGraph
from .catalog import KIND_NAMES, Catalog, Entity, catalog
from .names import Name, allowed_edits, fold, names_of, plural, stem

#: The levels at which a query meets a name, best first, with the score of each.
LEVELS = {
    "name": 1.0,
    "spelling": 0.97,
    "word forms": 0.95,
    "other language": 0.93,
    "part of the name": 0.8,
    "typo": 0.75,
    "typo in part of the name": 0.7,
    "beginning": 0.6,
}
#: The levels a name given to the API may resolve at (a beginning is a suggestion, not a name).
RESOLVING = frozenset(LEVELS) - {"beginning"}


@dataclass(frozen=True)
class Hit:
    """A thing a query found: the thing, the name it met, the level it met it at, and the score."""

    entity: Entity
    kind: str
    name: Name
    level: str
    score: float

    def to_json(self) -> dict:
        ref = self.entity.ref()
        return {
            "id": ref.id,
            "iri": ref.iri,
            "label": ref.label,
            "kind": self.kind,
            "kind_name": KIND_NAMES[self.kind],
            "matched": self.name.text,
            "matched_as": self.name.source,
            "level": self.level,
            "score": self.score,
        }


class SearchIndex:
    """The names of every thing of a catalog, folded, compacted and stemmed for lookups."""

    def __init__(self, names: dict[str, list[Name]], entities: dict[str, Entity]):
        self.names = names
        self.entities = entities
        self._exact: dict[str, dict[str, set[tuple[str, Name]]]] = {"folded": {}, "compact": {}, "stemmed": {}}
        #: the names (not in another language) by each of their stemmed words
        self._postings: dict[str, set[tuple[str, Name]]] = {}
        for iri, entity_names in names.items():
            for key_map, key, entry in self._keys(iri, entity_names):
                key_map.setdefault(key, set()).add(entry)
        self._derive()

    def _derive(self) -> None:
        """What follows from the maps: the vocabulary typos are looked for in, and the compact
        names (not in another language), sorted: those a query begins are a range."""
        self._vocabulary = list(self._postings)
        self._prefixes = sorted(
            (
                (name.compact, iri, name)
                for iri, entity_names in self.names.items()
                for name in entity_names
                if not name.translated
            ),
            key=lambda entry: entry[0],
        )
        self._fuzzy: tuple[list[str], list[tuple[str, Name]]] | None = None

    @classmethod
    def build(cls, cat: Catalog) -> SearchIndex:
        return cls({iri: names_of(e) for iri, e in cat.entities.items()}, cat.entities)

    def patched(self, cat: Catalog, subjects: Iterable[str]) -> SearchIndex:
        """This index after changes of ``subjects``: their names read again from ``cat``, the
        entries of the others shared with this index (which stays as it was for its readers)."""
        new = object.__new__(SearchIndex)
        new.names, new.entities = dict(self.names), cat.entities
        new._exact = {field: dict(keys) for field, keys in self._exact.items()}
        new._postings = dict(self._postings)
        for iri in subjects:
            for key_map, key, entry in new._keys(iri, new.names.pop(iri, [])):
                left = key_map.get(key, set()) - {entry}  # a new set: the old index keeps its own
                if left:
                    key_map[key] = left
                else:
                    key_map.pop(key, None)
            if iri in cat.entities:
                new.names[iri] = names_of(cat.entities[iri])
                for key_map, key, entry in new._keys(iri, new.names[iri]):
                    key_map[key] = key_map.get(key, set()) | {entry}
        new._derive()
        return new

    def _keys(self, iri: str, entity_names: list[Name]) -> Iterator[tuple[dict, str, tuple[str, Name]]]:
        """Where each name of ``iri`` is filed: ``(map, key, entry)``."""
        folded, compact, stemmed = self._exact["folded"], self._exact["compact"], self._exact["stemmed"]
        for name in entity_names:
            entry = (iri, name)
            yield folded, name.folded, entry
            if name.compact != name.folded:
                yield compact, name.compact, entry
            if name.stemmed != name.folded:
                yield stemmed, name.stemmed, entry
            if not name.translated:
                for word in set(name.stemmed.split()):
                    yield self._postings, word, entry

    def _choices(self) -> tuple[list[str], list[tuple[str, Name]]]:
        """The stemmed, compacted names typos are looked for in (a country's names in other
        languages are only matched whole: they are many, and a typo of one is rarely meant)."""
        if self._fuzzy is None:
            keys, owners = [], []
            for iri, entity_names in self.names.items():
                for name in entity_names:
                    if not name.translated and len(name.compact) >= 3:
                        keys.append(name.stemmed.replace(" ", ""))
                        owners.append((iri, name))
            self._fuzzy = (keys, owners)
        return self._fuzzy

    def search(self, query: str, kinds: Sequence[str] = (), limit: int = 10) -> list[Hit]:
        """The things ``query`` finds among ``kinds`` (any kind when empty), best first: one hit
        per thing, at the best level any of its names meets the query."""
        folded = fold(query)
        if not folded:
            return []
        compact, stemmed = folded.replace(" ", ""), stem(folded)
        best: dict[str, Hit] = {}

        def offer(iri: str, name: Name, level: str) -> None:
            entity = self.entities.get(iri)
            if entity is None:
                return
            kind = _kind(entity, kinds)
            if kind is None:
                return
            score = LEVELS[level]
            if name.translated:  # a name in another language is a level below the thing's own
                level, score = "other language", LEVELS["other language"]
            held = best.get(iri)
            if held is None or score > held.score:
                best[iri] = Hit(entity, kind, name, level, score)

        for field, key, level in (
            ("folded", folded, "name"),
            ("compact", compact, "spelling"),
            ("folded", compact, "spelling"),  # a one-word name is its own compact form
            ("stemmed", stemmed, "word forms"),
            ("folded", stemmed, "word forms"),  # and a name no stemmer changes, its own stem
        ):
            for iri, name in self._exact[field].get(key, ()):
                offer(iri, name, level)
        words = set(stemmed.split())
        if max(map(len, words)) >= 3:  # "a b" is in too many names to mean any of them
            self._words(words, stemmed, offer)
        if len(compact) >= 2:
            start = bisect.bisect_left(self._prefixes, compact, key=lambda entry: entry[0])
            for _, iri, name in itertools.takewhile(lambda e: e[0].startswith(compact), self._prefixes[start:]):
                offer(iri, name, "beginning")
        if len(compact) >= 4:
            keys, owners = self._choices()
            squeezed = stemmed.replace(" ", "")
            allowed = allowed_edits(squeezed)
            for _, distance, index in process.extract(
                squeezed, keys, scorer=Levenshtein.distance, score_cutoff=allowed, limit=None
            ):
                if distance > 0:
                    iri, name = owners[index]
                    offer(iri, name, "typo")
        ranked = sorted(best.values(), key=lambda h: (-h.score, _KIND_ORDER.get(h.kind, 99), h.entity.label.casefold()))
        return ranked[:limit]

    def _words(self, words: set[str], stemmed: str, offer: Callable[[str, Name, str], None]) -> None:
        """Offer the names that hold every word of the query (part of the name), or each word or
        a typo of it (a typo, whole or in part of the name): the names come from the postings of
        the words, and the words a typo could mean from the vocabulary (RapidFuzz), never from a
        scan of every name."""
        exact = [self._postings.get(word, set()) for word in words]
        for iri, name in set.intersection(*exact) if all(exact) else ():
            if name.stemmed != stemmed:
                offer(iri, name, "part of the name")
        near: list[set[tuple[str, Name]]] = []
        for word in words:
            allowed = allowed_edits(word)
            meant = {word} | (
                {
                    v
                    for v, _, _ in process.extract(
                        word, self._vocabulary, scorer=Levenshtein.distance, score_cutoff=allowed, limit=None
                    )
                }
                if allowed
                else set()
            )
            postings = set().union(*(self._postings.get(v, ()) for v in meant))
            if not postings:
                return
            near.append(postings)
        for iri, name in set.intersection(*near):
            own = set(name.stemmed.split())
            if not words <= own:
                offer(iri, name, "typo" if len(words) == len(own) else "typo in part of the name")


#: Kinds in the order a tie is broken in: what people ask about most first.
_KIND_ORDER = {
    kind: i
    for i, kind in enumerate(
        ("company", "country", "region", "technology", "segment", "model", "platform", "person", "document")
    )
}


def _kind(entity: Entity, kinds: Sequence[str]) -> str | None:
    """The kind ``entity`` is found as: the first of ``kinds`` it has, or its own first kind."""
    if kinds:
        return next((k for k in kinds if k in entity.kinds), None)
    return min(entity.kinds, key=lambda k: (_KIND_ORDER.get(k, 99), k)) if entity.kinds else None


def search_index(kg: KnowledgeGraph) -> SearchIndex:
    """The search index of ``kg``'s current state: built on first use from the catalog, then
    patched after each change with the names of the things it touched."""
    return kg.cached(
        "search",
        lambda kg: SearchIndex.build(catalog(kg)),
        patch=lambda kg, old, subjects: old.patched(catalog(kg), subjects),
    )


#: How many names of a kind a "nothing is called that" answer lists in full.
LISTED = 40


def find(kg: KnowledgeGraph, key: str, kinds: Sequence[str], *, param: str) -> Entity:
    """The thing ``key`` names among ``kinds`` (in order of preference), for a question to the
    API: an id, IRI or name as :meth:`.Catalog.resolve` reads them; failing that, the one thing
    the search finds best at a resolving level (another word form or spelling, a name in another
    language, part of a name, a typo).

    :raises BadRequest: ``key`` is empty, or several things fit it equally well (the message and
        ``details["candidates"]`` list them: a model's name without its generation names each).
    :raises NotFound: nothing fits; the message tells a near miss (``details["suggestions"]``)
        from a name that is nothing like any in the graph (it then lists the kind's names).
    """
    cat = catalog(kg)
    try:
        return cat.resolve(key, kinds, param=param)
    except NotFound as missing:
        hits = search_index(kg).search(key, kinds, limit=20)
        best = best_fits(hits)
        if len(best) == 1:
            return best[0].entity
        if best:
            raise _several(key, best, param) from None
        raise _nothing(cat, key, kinds, hits, param, missing) from None


def best_fits(hits: list[Hit]) -> list[Hit]:
    """The hits a name given to the API (or a page) may resolve to: those at a resolving level
    with the best score of them. One is the answer; several fit equally well; none, nothing fits."""
    fitting = [h for h in hits if h.level in RESOLVING]
    return [h for h in fitting if h.score == fitting[0].score]


def _described(hit: Hit) -> str:
    shown = f"{hit.entity.label} (id {hit.entity.id}"
    if fold(hit.name.text) != fold(hit.entity.label):
        shown += f", as {hit.name.text!r}"
    return shown + ")"


def _several(key: str, hits: list[Hit], param: str) -> BadRequest:
    what = KIND_NAMES[hits[0].kind] if len({h.kind for h in hits}) == 1 else "thing"
    error = BadRequest(
        f"{param}={key!r} fits {len(hits)} {plural(what)} equally well: " + ", ".join(_described(h) for h in hits),
        hint="give the id of the one you mean",
    )
    error.details = {"candidates": [h.to_json() for h in hits]}
    return error


def _nothing(cat: Catalog, key: str, kinds: Sequence[str], hits: list[Hit], param: str, missing: NotFound) -> NotFound:
    what = " or ".join(dict.fromkeys(KIND_NAMES[k] for k in kinds))
    if hits:
        message = f"no {what} is known as {key!r} (parameter {param!r}); did you mean: " + ", ".join(
            _described(h) for h in hits[:5]
        )
    else:
        known = sorted({e.label for e in cat.of_kind(kinds[0])}, key=str.casefold)
        listed = ", ".join(known[:LISTED]) + (f" and {len(known) - LISTED} more" if len(known) > LISTED else "")
        message = f"nothing in the graph is called {key!r} (parameter {param!r})"
        message += f"; the {plural(KIND_NAMES[kinds[0]])} the sources name are: {listed}" if known else ""
    error = NotFound(message, hint=missing.hint, kind=missing.kind)
    error.details = {"suggestions": [h.to_json() for h in hits[:5]], "near_miss": bool(hits)}
    return error
