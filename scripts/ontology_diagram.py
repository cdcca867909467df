"""Print a Mermaid class diagram of the ontology: akg classes, their parents and the object
properties between them (from rdfs:domain / rdfs:range). The README embeds its output between
the markers ``<!-- diagram:start -->`` and ``<!-- diagram:end -->``; a test keeps them in step.

Usage: python scripts/ontology_diagram.py [--write-readme]
"""

from __future__ import annotations

import sys
from pathlib import Path

from rdflib import OWL, RDF, RDFS, Graph, Namespace

AKG = Namespace("https://w3id.org/alliance-kg/ontology#")
ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- diagram:start -->", "<!-- diagram:end -->"


def _name(node) -> str | None:
    text = str(node)
    return text[len(str(AKG)):] if text.startswith(str(AKG)) else None


def mermaid(ontology: Path = ROOT / "ontology" / "alliance.ttl") -> str:
    g = Graph().parse(ontology)
    lines = ["```mermaid", "classDiagram", "    direction LR"]
    for cls in sorted(g.subjects(RDF.type, OWL.Class)):
        for parent in sorted(g.objects(cls, RDFS.subClassOf)):
            if _name(cls) and _name(parent):
                lines.append(f"    {_name(parent)} <|-- {_name(cls)}")
    for prop in sorted(g.subjects(RDF.type, OWL.ObjectProperty)):
        domain, range_ = _name(g.value(prop, RDFS.domain)), _name(g.value(prop, RDFS.range))
        if domain and range_ and _name(prop):
            lines.append(f"    {domain} --> {range_} : {_name(prop)}")
    lines.append("```")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    diagram = mermaid()
    if "--write-readme" in argv:
        readme = ROOT / "README.md"
        text = readme.read_text(encoding="utf-8")
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        readme.write_text(f"{head}{START}\n{diagram}\n{END}{tail}", encoding="utf-8")
    else:
        print(diagram)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
