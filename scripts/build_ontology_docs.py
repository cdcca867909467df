"""Generate the ontology's HTML documentation with pyLODE: build/ontology.html.

Run by `make install`; the service serves the file at /ontology (and makes it itself if the file
is missing). Usage: python scripts/build_ontology_docs.py [ONTOLOGY.ttl] [OUT.html]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    from alliance_kg.web.pages import render_ontology

    source = Path(argv[1]) if len(argv) > 1 else ROOT / "ontology" / "alliance.ttl"
    out = Path(argv[2]) if len(argv) > 2 else ROOT / "build" / "ontology.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    html = render_ontology(source)
    out.write_text(html, encoding="utf-8")
    print(f"wrote {out} ({len(html):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
