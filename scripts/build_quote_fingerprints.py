"""Build the quote fingerprints (data/fingerprints/quotes.json) from the two source articles.

Reads each source document that data/seed/documents.ttl names (``akg:shortName``, ``akg:fileName``)
from the seeds folder and writes, for each, the file name, the SHA-256 of the file, the word count
and the salted hashes of every run of 4 words with its position (alliance_kg.rules.quotes says how, and
what the file reveals). The articles' text is not written. The salt of the existing file is kept,
so a rebuild from the same articles gives the same file; --new-salt draws a new one.

Usage: python scripts/build_quote_fingerprints.py [--seeds DIR] [--out FILE] [--new-salt] [--check]
(defaults: ../shared/seeds and data/fingerprints/quotes.json). --check writes nothing and exits 1
when the file would change. Exit 2: the seeds folder or an article is missing.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from pathlib import Path

import pyoxigraph as ox

from alliance_kg.rules import quotes

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEEDS = ROOT.parent / "shared" / "seeds"
DEFAULT_OUT = ROOT / "data" / "fingerprints" / "quotes.json"
DOCUMENTS = ROOT / "data" / "seed" / "documents.ttl"
AKG = "https://w3id.org/alliance-kg/ontology#"
def source_documents(path: Path = DOCUMENTS) -> dict[str, str]:
    """The file name of each source document, by short name, as documents.ttl states them."""
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    rows = store.query(f"SELECT ?name ?file WHERE {{ ?d <{AKG}shortName> ?name ; <{AKG}fileName> ?file }}")
    return {row["name"].value: row["file"].value for row in rows}


def current_salt(path: Path) -> str | None:
    """The salt of the fingerprints file at ``path``, if there is one."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))["salt"]
    except (OSError, ValueError, KeyError):
        return None


def build(seeds: Path, salt: str) -> dict:
    """The fingerprints file's content for the articles in ``seeds``."""
    documents = {}
    for name, file_name in sorted(source_documents().items()):
        path = seeds / file_name
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: documents.ttl names it as the file of {name}")
        documents[name] = {"file": file_name, "sha256": quotes.file_sha256(path),
                           "text": path.read_bytes().decode("utf-8")}
    return quotes.fingerprint_file(documents, salt)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS, help="the folder of the source articles")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the fingerprints file to write")
    parser.add_argument("--new-salt", action="store_true", help="draw a new salt instead of keeping the file's")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the file would change")
    args = parser.parse_args(argv)
    if not args.seeds.is_dir():
        print(f"error: the seeds folder {args.seeds} is absent: the fingerprints are built from the source "
              "articles, which the project does not carry (give their folder with --seeds)", file=sys.stderr)
        return 2
    salt = None if args.new_salt else current_salt(args.out) or current_salt(DEFAULT_OUT)
    try:
        text = quotes.render(build(args.seeds, salt or secrets.token_hex(16)))
    except (FileNotFoundError, UnicodeDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out} is {'up to date' if same else 'out of date'}")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    counts = ", ".join(f"{name} ({doc['words']} words)" for name, doc in json.loads(text)["documents"].items())
    print(f"wrote {args.out}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
