"""Names as people write them: folded (case, accents, punctuation), stemmed (Snowball's English
stemmer), read from ids (``NissanLivina``), and for a country, its names in other languages and
its former names from pycountry. What :mod:`.search` matches queries with.
"""

from __future__ import annotations

import functools
import gettext
import os
import re
import time
import unicodedata
from dataclasses import dataclass

import pycountry
import snowballstemmer

from .catalog import Entity, aliases

_STEMMER = snowballstemmer.stemmer("english")
_NOT_WORD = re.compile(r"[^\w]+|_")
#: Every combining mark (accents once a text is decomposed).
_COMBINING = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in range(0x300, 0x20000) if unicodedata.combining(chr(c))) + "]"
)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])")


def fold(text: str) -> str:
    """``text`` folded for matching: no accents, no case, punctuation and hyphens as spaces.

    >>> fold("South-East  Asia"), fold("Türkiye"), fold("e-POWER"), fold("C–D segments")
    ('south east asia', 'turkiye', 'e power', 'c d segments')
    """
    stripped = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return " ".join(_NOT_WORD.sub(" ", stripped.casefold()).split())


def stem(folded: str) -> str:
    """The words of a folded text, each stemmed.

    >>> stem("phevs"), stem("autonomous drive") == stem("autonomous driving"), stem("technologies")
    ('phev', True, 'technolog')
    """
    return " ".join(_STEMMER.stemWords(folded.split()))


def id_words(identifier: str) -> str:
    """An id read as words: ``NissanLivina`` as ``Nissan Livina``, ``country-DE`` as ``country DE``.

    >>> id_words("MitsubishiMotors"), id_words("CMF-CD"), id_words("NissanQashqaiIII")
    ('Mitsubishi Motors', 'CMF CD', 'Nissan Qashqai III')
    """
    return " ".join(_CAMEL.sub(" ", part) for part in re.split(r"[-_]", identifier) if part)


@dataclass(frozen=True)
class Name:
    """One name of a thing, and how it came: ``label``, ``alternative label``, ``id``, ``code``,
    ``short form``, ``name in <language>``, ``former name``."""

    text: str
    source: str
    folded: str
    compact: str
    stemmed: str
    translated: bool = False

    @classmethod
    def of(cls, text: str, source: str, translated: bool = False) -> Name:
        """The name ``text`` with its keys; a name in another language is not stemmed (the
        stemmer is English's)."""
        folded = fold(text)
        return cls(text, source, folded, folded.replace(" ", ""), folded if translated else stem(folded), translated)


def allowed_edits(word: str) -> int:
    """The edits a word may be away from a name: none below 4 letters, one up to 6, then two."""
    return 0 if len(word) < 4 else 1 if len(word) <= 6 else 2


def names_of(entity: Entity) -> list[Name]:
    """Every name ``entity`` is found by, each once: labels, alternative labels, codes, the id
    (also read as words), short forms, and for a country its names in other languages and former
    names."""
    out: dict[str, Name] = {}

    def add(text: str, source: str, translated: bool = False) -> None:
        name = Name.of(text, source, translated)
        if name.folded and name.folded not in out:
            out[name.folded] = name

    for label in entity.pref_labels + entity.rdfs_labels:
        add(label, "label")
    for label in entity.alt_labels:
        add(label, "alternative label")
    for code in entity.codes:
        add(code, "code")
    for label in [*entity.pref_labels, *entity.alt_labels, *entity.rdfs_labels]:
        for short in aliases(label):
            add(short, "short form")
    add(entity.id, "id")
    add(id_words(entity.id), "id")
    if "country" in entity.kinds:
        for code in entity.codes:
            if len(code) == 2:
                for name in _country_name_keys(code.upper()):
                    out.setdefault(name.folded, name)
    return list(out.values())


@functools.cache
def _country_name_keys(alpha_2: str) -> tuple[Name, ...]:
    """:func:`country_names` with their keys, computed once per process."""
    return tuple(Name.of(text, source, translated=True) for text, source in country_names(alpha_2))


@functools.cache
def _languages() -> tuple[str, ...]:
    """The languages of pycountry's gettext catalogues of ISO 3166-1 country names."""
    root = pycountry.LOCALES_DIR
    return tuple(
        language
        for language in sorted(os.listdir(root))
        if os.path.exists(os.path.join(root, language, "LC_MESSAGES", "iso3166-1.mo"))
    )


@functools.cache
def _catalogue(language: str) -> gettext.NullTranslations:
    """pycountry's catalogue of ISO 3166-1 country names in ``language`` (about 3 ms to read)."""
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])


def preload(pause: float = 0.0) -> None:
    """Read every catalogue and every country's names now, resting ``pause`` seconds after each
    few milliseconds of work: a server warming up in a thread (about a second of CPU) then never
    holds up the requests it answers meanwhile."""
    for language in _languages():
        _catalogue(language)
        time.sleep(pause)
    for country in pycountry.countries:
        _country_name_keys(country.alpha_2)
        time.sleep(pause)


@functools.cache
def country_names(alpha_2: str) -> tuple[tuple[str, str], ...]:
    """The names of the country ``alpha_2`` in other languages (pycountry's translations of its
    ISO 3166-1 names), and its former names (ISO 3166-3), each with where it comes from.

    >>> names = dict(country_names("DE")); names["Deutschland"]
    'name in de (ISO 3166-1, pycountry)'
    >>> dict(country_names("TL"))["East Timor"]
    'former name (ISO 3166-3, pycountry)'
    """
    country = pycountry.countries.get(alpha_2=alpha_2)
    if country is None:
        return ()
    english: set[str] = {n for f in ("name", "official_name", "common_name") if (n := getattr(country, f, None))}
    out: dict[str, str] = {}
    for language in _languages():
        catalogue = _catalogue(language)
        for name in sorted(english):
            translated = catalogue.gettext(name)
            if translated not in english:
                out.setdefault(translated, f"name in {language} (ISO 3166-1, pycountry)")
    for former in pycountry.historic_countries:
        if getattr(former, "alpha_4", "")[2:] == alpha_2:
            out.setdefault(former.name, "former name (ISO 3166-3, pycountry)")
    return tuple(out.items())


def plural(noun: str) -> str:
    """The plural of a kind's name.

    >>> plural("technology"), plural("country"), plural("vehicle model"), plural("thing")
    ('technologies', 'countries', 'vehicle models', 'things')
    """
    return noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s"
