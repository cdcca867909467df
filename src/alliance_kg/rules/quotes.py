"""Quotes of the two source articles (D000, D002), checked against fingerprints of their text.

The project does not carry the articles' text, so a quote cannot be checked by searching for it.
It carries *fingerprints* instead (``data/fingerprints/quotes.json``, built from the articles by
``scripts/build_quote_fingerprints.py``). For each article: its file name, the SHA-256 of the
file, its number of words, and a set of salted hashes, one for every run of 4 consecutive words
*with its position*: the 8-byte (16 hex digit) keyed BLAKE2b (RFC 7693) of
``f"{document}|{position}|{w1} {w2} {w3} {w4}"`` with the salt as its key, the words normalised
(:func:`words`). Keyed BLAKE2b is a MAC like HMAC-SHA256, at half its cost per hash here, and a
check hashes the quote's first run at every position of the article.

A quote **matches** an article when it has at least 4 words and there is a position ``p`` such
that each run of 4 words ``i`` of the quote is in the set at position ``p + i``: the quote occurs
there, its words in order and contiguous. Case, curly or straight quotes, the kind of dash,
punctuation and whitespace do not matter; every word does.

What the file reveals, and what not: it is not the text. Nobody can read the articles from it,
and no run of their words is in it as text. But the salt must be public for anyone to check a
quote, so the hashes are no secret either: someone who already holds a few words of an article
(a quote of the graph, say) can test guesses for the next word, one word at a time, and so
recover more of the text with a dictionary and patience. The fingerprints keep the text out of
the repository; they do not make it unrecoverable.

:func:`verify` gives a verdict. The shapes in ``shapes/quotes.ttl`` call it as the SPARQL function
``akf:quoteCheck`` (with ``akf:hasFingerprint``): :func:`oxigraph_functions` gives them to
Oxigraph's queries, :func:`register_rdflib_functions` to rdflib's (and so to plain pySHACL).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.plugins.sparql import operators
from rdflib.plugins.sparql.sparql import SPARQLError

from ..errors import ConfigurationError
from ..resources import shipped_root

#: The namespace of the project's SPARQL functions (prefix ``akf:``).
FUNCTIONS = "https://w3id.org/alliance-kg/functions#"
#: Words per shingle: a quote needs at least this many to be checked.
SHINGLE = 4
#: Hex digits kept of each hash (8 bytes).
DIGITS = 16
#: The keyed hash of a shingle, as the file states it (:func:`shingle_hash`).
HASH = (
    "BLAKE2b (RFC 7693), 8-byte digest in hex, key: the salt (from hex), message: "
    "'{document}|{position}|{w1} {w2} {w3} {w4}' in UTF-8, positions from 0"
)
#: The version of :func:`normalise` and :func:`words`; a change to either needs a new version
#: and a rebuilt file.
NORMALISATION = 1
NORMALISATION_RULES = (
    "Unicode NFKC; lower case; curly quotes and apostrophes to straight ones; every dash to "
    "'-'; words are runs of \\w characters (punctuation and whitespace only separate words)"
)

VERIFIED = "verified"
NOT_IN_DOCUMENT = "not in the document"
TOO_SHORT = "too short to verify (fewer than 4 words)"

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
    }
)
_DASHES = re.compile(r"[\u2010-\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d]")
_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """``text`` in the form fingerprints are made of: NFKC, lower case, straight quotes, '-' dashes.

    >>> normalise("It\u2019s the \u201cleader\u2013follower\u201d MODEL")
    'it\\'s the "leader-follower" model'
    """
    text = unicodedata.normalize("NFKC", text).lower().translate(_QUOTES)
    return _DASHES.sub("-", text)


def words(text: str) -> list[str]:
    """The normalised words of ``text``: runs of ``\\w``; anything else only separates them.

    >>> words("  Renault will be the leader\u2014for Europe, Russia… ")
    ['renault', 'will', 'be', 'the', 'leader', 'for', 'europe', 'russia']
    """
    return _WORD.findall(normalise(text))


def shingle_hash(salt: bytes, document: str, position: int, shingle: str) -> str:
    """The fingerprint of one run of 4 words (``"w1 w2 w3 w4"``) at ``position`` of ``document``:
    16 hex digits of a keyed BLAKE2b.

    >>> shingle_hash(bytes(16), "D000", 0, "make no mistake about")
    '...'
    >>> len(shingle_hash(bytes(16), "D000", 0, "make no mistake about"))
    16
    """
    message = f"{document}|{position}|{shingle}".encode()
    return hashlib.blake2b(message, key=salt, digest_size=DIGITS // 2).hexdigest()


def fingerprint_text(document: str, text: str, salt: bytes) -> dict:
    """The word count and the sorted shingle hashes of ``text``, as the file stores them."""
    found = words(text)
    hashes = {
        shingle_hash(salt, document, p, " ".join(found[p : p + SHINGLE])) for p in range(len(found) - SHINGLE + 1)
    }
    return {"words": len(found), "shingles": sorted(hashes)}


# --- the committed file ---------------------------------------------------------------------------


def fingerprints_path(data_dir: Path | None = None) -> Path:
    """Where the fingerprints of a graph are: ``data/fingerprints/quotes.json`` of its data
    directory (default: the shipped graph's). A generated graph (``bench/generate.py``) has its
    own, for the articles it makes up.

    >>> fingerprints_path(Path("/x")).as_posix()
    '/x/data/fingerprints/quotes.json'
    """
    return (data_dir or shipped_root()) / "data" / "fingerprints" / "quotes.json"


ABOUT = (
    "Fingerprints of the source articles, for checking quotes (alliance_kg.rules.quotes). Not the text: for each "
    "article, its file name, the SHA-256 of the file, its number of words, and for every run of 4 normalised "
    "words, with its position, a keyed hash (see 'hash'). The salt is public, so someone who knows some words "
    "of an article can test guesses for the next word, one at a time: the file keeps the text out of the "
    "repository, it does not make it unrecoverable. Rebuild: python scripts/build_quote_fingerprints.py"
)


def fingerprint_file(documents: dict[str, dict], salt: str) -> dict:
    """The content of a fingerprints file: ``documents`` maps each short name to its
    ``{"file", "sha256", "text"}``; the text itself is not kept, only its fingerprint.

    >>> content = fingerprint_file({"D9": {"file": "d9.txt", "sha256": "0", "text": "one two three four five"}}, "00" * 16)
    >>> content["documents"]["D9"]["words"], len(content["documents"]["D9"]["shingles"])
    (5, 2)
    """
    return {
        "about": ABOUT,
        "normalisation": {"version": NORMALISATION, "rules": NORMALISATION_RULES},
        "shingle_words": SHINGLE,
        "hash": HASH,
        "salt": salt,
        "documents": {
            name: {
                "file": doc["file"],
                "sha256": doc["sha256"],
                **fingerprint_text(name, doc["text"], bytes.fromhex(salt)),
            }
            for name, doc in sorted(documents.items())
        },
    }


def render(content: dict) -> str:
    """A fingerprints file's text: stable, one hash per line."""
    return json.dumps(content, indent=1, ensure_ascii=False) + "\n"


class Fingerprint:
    """One document's fingerprint: its word count and its shingle hashes (8 bytes each).

    The keyed hash state after ``"{document}|{position}|"`` is kept for every position, so trying
    a shingle at a position costs one short update.

    >>> f = Fingerprint("D000", bytes(16), 8, frozenset())
    >>> f.digest(3, b"a b c d").hex() == shingle_hash(bytes(16), "D000", 3, "a b c d")
    True
    """

    def __init__(self, document: str, salt: bytes, words: int, shingles: frozenset[bytes]):
        self.document = document
        self.words = words
        self.shingles = shingles
        self._at = []
        for position in range(max(words - SHINGLE + 1, 0)):
            state = hashlib.blake2b(key=salt, digest_size=DIGITS // 2)
            state.update(f"{document}|{position}|".encode())
            self._at.append(state)

    def digest(self, position: int, shingle: bytes) -> bytes:
        """The hash of ``shingle`` (``b"w1 w2 w3 w4"``) at ``position``."""
        state = self._at[position].copy()
        state.update(shingle)
        return state.digest()

    def contains(self, quote_words: list[str]) -> bool:
        """Whether ``quote_words`` (4 or more) occur in the document as a contiguous run.

        The first shingle is tried at every position; the others only where it matched.
        """
        runs = [" ".join(quote_words[i : i + SHINGLE]).encode() for i in range(len(quote_words) - SHINGLE + 1)]
        first, rest, shingles = runs[0], list(enumerate(runs[1:], 1)), self.shingles
        for p, state in enumerate(self._at[: self.words - len(quote_words) + 1]):
            state = state.copy()  # inlined digest(): this loop is the cost of a check
            state.update(first)
            if state.digest() in shingles and all(self.digest(p + i, run) in shingles for i, run in rest):
                return True
        return False


@lru_cache(maxsize=4)
def load_fingerprints(path: Path | None = None) -> dict[str, Fingerprint]:
    """The fingerprints of the file at ``path`` (default: the shipped graph's), by document short
    name; read once. A graph without the file has no fingerprinted document.

    >>> sorted(load_fingerprints())
    ['D000', 'D002']
    >>> load_fingerprints(Path("no/such/quotes.json"))
    {}

    :raises ConfigurationError: the file is unreadable or of another normalisation.
    """
    path = path or fingerprints_path()
    if not Path(path).exists():
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            f"cannot read the quote fingerprints {path}: {exc}",
            hint="rebuild them with scripts/build_quote_fingerprints.py",
        ) from exc
    if data.get("normalisation", {}).get("version") != NORMALISATION or data.get("hash") != HASH:
        raise ConfigurationError(
            f"the quote fingerprints {path} use another normalisation or hash than this version",
            hint="rebuild them with scripts/build_quote_fingerprints.py",
        )
    salt = bytes.fromhex(data["salt"])
    return {
        name: Fingerprint(name, salt, doc["words"], frozenset(bytes.fromhex(h) for h in doc["shingles"]))
        for name, doc in data["documents"].items()
    }


@lru_cache(maxsize=4096)
def verify(quote: str, document: str, fingerprints: Path | None = None) -> str | None:
    """Whether ``quote`` is the words of ``document`` (a short name, e.g. ``"D000"``): one of
    ``"verified"``, ``"not in the document"``, ``"too short to verify (fewer than 4 words)"``;
    ``None`` when the document has no fingerprint (news items of the public layer are not checked).
    ``fingerprints``: the file (default: the shipped graph's). Verdicts are cached: the
    fingerprints do not change while the process runs.

    >>> verify("Renault will be the leader for Europe, Russia, South America, and North Africa", "D000")
    'verified'
    >>> verify("RENAULT will be the LEADER \u2013 for   Europe", "D000")
    'verified'
    >>> verify("the Ariya is based on the Leaf", "D000")
    'not in the document'
    >>> verify("Renault will be the leader for Europe", "D002")
    'not in the document'
    >>> verify("for Europe, Russia", "D000")
    'too short to verify (fewer than 4 words)'
    >>> verify("anything at all, really", "src-example-org") is None
    True
    """
    fingerprint = load_fingerprints(fingerprints).get(document)
    if fingerprint is None:
        return None
    found = words(quote)
    if len(found) < SHINGLE:
        return TOO_SHORT
    return VERIFIED if fingerprint.contains(found) else NOT_IN_DOCUMENT


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, in hex: the fingerprints record the file they were made from."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --- the SPARQL functions, for Oxigraph and for rdflib -------------------------------------------


def oxigraph_functions(fingerprints: Path | None = None) -> dict:
    """The project's SPARQL functions for ``pyoxigraph.Store.query(custom_functions=...)``, over
    the fingerprints file ``fingerprints`` (default: the shipped graph's):
    ``akf:quoteCheck(?quote, ?shortName)``, the verdict or unbound, and
    ``akf:hasFingerprint(?shortName)``, true or false.

    Reads the fingerprints now, so a broken file fails before any query runs.

    >>> sorted(f.value for f in oxigraph_functions())
    ['https://w3id.org/alliance-kg/functions#hasFingerprint', 'https://w3id.org/alliance-kg/functions#quoteCheck']
    """
    known = load_fingerprints(fingerprints)

    def quote_check(quote, document):
        if not isinstance(quote, ox.Literal) or not isinstance(document, ox.Literal):
            return None
        verdict = verify(quote.value, document.value, fingerprints)
        return None if verdict is None else ox.Literal(verdict)

    def has_fingerprint(document):
        return ox.Literal(isinstance(document, ox.Literal) and document.value in known)

    return {
        ox.NamedNode(FUNCTIONS + "quoteCheck"): quote_check,
        ox.NamedNode(FUNCTIONS + "hasFingerprint"): has_fingerprint,
    }


def _rdflib_quote_check(quote, document):
    """``akf:quoteCheck`` for rdflib: the verdict, or an error (which leaves a ``BIND`` unbound)."""
    if not isinstance(quote, rdflib.Literal) or not isinstance(document, rdflib.Literal):
        raise SPARQLError("akf:quoteCheck takes two literals: the quote and the document's short name")
    verdict = verify(str(quote), str(document))
    if verdict is None:
        raise SPARQLError(f"no fingerprint of the document {document}")
    return rdflib.Literal(verdict)


def _rdflib_has_fingerprint(document):
    """``akf:hasFingerprint`` for rdflib."""
    return rdflib.Literal(isinstance(document, rdflib.Literal) and str(document) in load_fingerprints())


def register_rdflib_functions() -> None:
    """Register the project's SPARQL functions with rdflib, once per process, so that pySHACL
    (which runs SHACL-SPARQL constraints on rdflib) evaluates them as Oxigraph does."""
    for name, function in (("quoteCheck", _rdflib_quote_check), ("hasFingerprint", _rdflib_has_fingerprint)):
        operators.register_custom_function(rdflib.URIRef(FUNCTIONS + name), function, override=True)  # type: ignore[arg-type]
