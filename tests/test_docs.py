"""The README documents every command, exit code and setting, and the commands CI runs; its
figures (triples per graph, VoID counts) are what the code says."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from alliance_kg.cli import cli
from alliance_kg.config import SETTINGS
from alliance_kg.knowledge.void import describe_dataset
from alliance_kg.store import LAYER_GRAPHS, PREFIXES, KnowledgeGraph

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_documents_every_command():
    for name in cli.commands:
        assert f"alliance-kg {name}" in README, name


def test_readme_documents_every_setting():
    for setting in SETTINGS:
        assert f"ALLIANCE_KG_{setting.name.upper()}" in README, setting.name


def test_readme_documents_the_exit_codes():
    for code in ("| 0 |", "| 1 |", "| 2 |"):
        assert code in README


def test_ci_runs_the_readme_test_command():
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    assert "make test" in ci
    assert "make test" in README and "make run" in README


def test_readme_documents_every_endpoint_and_method_with_a_curl_example(app):
    import re

    readme = README.replace("\\|", "|")
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            assert re.search(rf"`(?:[A-Z]+\|)*{method}(?:\|[A-Z]+)* {re.escape(path)}", readme), f"{method} {path}"
        example = path.split("{")[0].rstrip("/")
        assert re.search(rf"curl [^\n]*'http://127\.0\.0\.1:8000{re.escape(example)}", readme), path


# --- the README's figures come from the code -------------------------------------------------------

LAYERS = ("ontology", "seed", "regions", "public")
NUMBER = r"\d{1,3}(?:,\d{3})+|\d+"
VOID_SUBJECT = re.compile(r"^<https://w3id\.org/alliance-kg/(?:dataset|graph/(\w+))>")
LAYER_WORD = re.compile(rf"\b({'|'.join(LAYERS)})\s+(?:layer|graph)\b|graph/({'|'.join(LAYERS)})\b")
PROSE = re.compile(rf"(?<![\w.,])({NUMBER}) triples\b(?: in ({NUMBER}) graphs \(([^)]*)\))?")


@dataclass(frozen=True)
class Claim:
    """A figure the README states: its line, what it counts (a key of :func:`code_figures`) and the number."""

    line: int
    what: str
    stated: int


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def _scope(layer: str | None) -> str:
    return f" in {layer}" if layer else ""


def _void_claims(line: str, layer: str | None) -> list[tuple[str, int]]:
    """``void:triples``, ``void:entities`` and class partitions, of the dataset or of one graph."""
    found = []
    for cls, n in re.findall(rf"void:class (\S+) ; void:entities ({NUMBER})", line):
        found.append((f"{cls} entities{_scope(layer)}", _number(n)))
    rest = re.sub(r"void:class \S+ ; void:entities \S+", "", line)
    found += [(f"triples{_scope(layer)}", _number(n)) for n in re.findall(rf"void:triples ({NUMBER})", rest)]
    found += [(f"entities{_scope(layer)}", _number(n)) for n in re.findall(rf"void:entities ({NUMBER})", rest)]
    return found


def _prose_claims(line: str) -> list[tuple[str, int]]:
    """"N triples" (of the graph named on the line, else of the whole graph), "in K graphs (seed N, …)"
    and the ``/health`` answer's ``"triples": N``."""
    layers = {a or b for a, b in LAYER_WORD.findall(line)}
    scope = _scope(layers.pop()) if len(layers) == 1 else (" in ?" if layers else "")
    found = [("triples", _number(n)) for n in re.findall(rf'"triples": ({NUMBER})', line)]
    for n, graphs, parts in PROSE.findall(line):
        found.append((f"triples{scope}", _number(n)))
        if graphs:
            found.append(("graphs", _number(graphs)))
            found += [(f"triples in {name}", _number(k)) for name, k in re.findall(rf"(\w+) ({NUMBER})", parts)]
    return found


def _table_claims(cells: list[str], column: int) -> list[tuple[str, int]]:
    """A row of a table with a "triples" column: the graph it names (or "total") and the count."""
    if column >= len(cells) or not re.fullmatch(NUMBER, cells[column].strip("* ")):
        return []
    named = {c.strip("`* ").rsplit("/", 1)[-1] for c in cells} & {*LAYERS, "total"}
    what = "triples" if named == {"total"} else (f"triples in {named.pop()}" if len(named) == 1 else "triples in ?")
    return [(what, _number(cells[column].strip("* ")))]


def readme_claims(text: str) -> list[Claim]:
    """Every triple count, graph count and VoID count that ``text`` states, with its line number."""
    claims, layer, column = [], None, None
    for number, line in enumerate(text.splitlines(), 1):
        subject = VOID_SUBJECT.match(line)
        layer = subject.group(1) if subject else layer
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else None
        if cells is None:
            column = None
        elif column is None:
            column = next((i for i, c in enumerate(cells) if c.lower() == "triples"), None)
            cells = None  # the header row
        found = _void_claims(line, layer) + _prose_claims(line) + (_table_claims(cells, column) if cells and column is not None else [])
        claims += [Claim(number, what, n) for what, n in found]
    return claims


def code_figures(kg: KnowledgeGraph) -> dict[str, int]:
    """What the code says: ``alliance-kg stats --format json`` for the triples of each graph, the
    VoID description (``/.well-known/void``) for entities and class partitions."""
    result = CliRunner().invoke(cli, ["stats", "--format", "json"])
    assert result.exit_code == 0, result.output
    graphs = json.loads(result.output)["graphs"]
    short = {iri: name for name, iri in LAYER_GRAPHS.items()}
    figures = {"triples": sum(graphs.values()), "graphs": len(graphs)}
    figures |= {f"triples in {short.get(g, g)}": n for g, n in graphs.items()}
    return figures | _void_figures(describe_dataset(kg, endpoint="http://x/sparql", store_url="http://x/store"))


def _void_figures(triples: list[ox.Triple]) -> dict[str, int]:
    void = "http://rdfs.org/ns/void#"
    short = {iri: name for name, iri in LAYER_GRAPHS.items()}
    values = {(t.subject, t.predicate.value): t.object for t in triples}
    figures = {}
    for t in triples:
        layer = short.get(t.subject.value) if isinstance(t.subject, ox.NamedNode) else None
        if layer and t.predicate.value == void + "entities":
            figures[f"entities in {layer}"] = int(t.object.value)
        if layer and t.predicate.value == void + "classPartition":
            cls = values[(t.object, void + "class")].value.replace(PREFIXES["akg"], "akg:")
            figures[f"{cls} entities in {layer}"] = int(values[(t.object, void + "entities")].value)
    return figures


def wrong_figures(claims: list[Claim], figures: dict[str, int]) -> list[str]:
    """One message per claim that the code does not bear out, naming the README's line."""
    return [f"README.md line {c.line}: says {c.stated:,} {c.what}, but the code says "
            + (f"{figures[c.what]:,}" if c.what in figures else "nothing of it (which graph?)")
            for c in claims if figures.get(c.what) != c.stated]


@pytest.fixture(scope="module")
def figures(shipped) -> dict[str, int]:
    return code_figures(shipped)


def test_the_readme_states_the_size_of_the_graph_and_of_a_layer():
    stated = {c.what for c in readme_claims(README)}
    assert "triples" in stated and stated & {f"triples in {layer}" for layer in LAYERS}, stated


def test_every_figure_of_the_readme_is_what_the_code_says(figures):
    wrong = wrong_figures(readme_claims(README), figures)
    assert not wrong, "\n".join(wrong)


def _with_wrong_figure(line_of: str, figures: dict[str, int]) -> tuple[str, int]:
    """The README with the figure of the first line that holds ``line_of`` off by one, and the line's number."""
    lines = README.splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line_of in line)
    claim = next(c for c in readme_claims(README) if c.line == number)
    wrong = figures[claim.what] + 1
    lines[number - 1] = re.sub(rf"\b{claim.stated:,}\b|\b{claim.stated}\b", f"{wrong:,}", lines[number - 1], count=1)
    return "\n".join(lines), number


@pytest.mark.parametrize("line_of", ["triples (in memory)", '"triples": ', "graph/seed> void:triples"])
def test_a_wrong_figure_in_the_readme_is_reported_with_its_line(figures, line_of):
    text, number = _with_wrong_figure(line_of, figures)
    before = set(wrong_figures(readme_claims(README), figures))
    messages = [m for m in wrong_figures(readme_claims(text), figures) if m not in before]
    assert len(messages) == 1 and messages[0].startswith(f"README.md line {number}: says "), messages


@pytest.mark.parametrize("template, what", [
    ("The seed layer holds {n} triples.", "triples in seed"),
    ("alliance-kg 0.1.0: {total} triples in {graphs} graphs (ontology {ontology}, seed {n})", "triples in seed"),
    ("| layer | triples |\n|---|---|\n| `seed` | {n} |", "triples in seed"),
    ("| named graph | triples |\n|---|---|\n| total | {n} |", "triples"),
])
def test_other_ways_of_stating_a_figure_are_checked(figures, template, what):
    right = {"total": f"{figures['triples']:,}", "graphs": figures["graphs"], "ontology": figures["triples in ontology"]}
    assert wrong_figures(readme_claims(template.format(n=f"{figures[what]:,}", **right)), figures) == []
    messages = wrong_figures(readme_claims(template.format(n=f"{figures[what] + 1:,}", **right)), figures)
    assert len(messages) == 1 and f"{what}, but the code says {figures[what]:,}" in messages[0], messages


# --- the architecture ------------------------------------------------------------------------------


def test_the_architecture_diagram_is_what_the_code_imports():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "architecture.py"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_no_module_of_the_package_is_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "src").rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}, "split these by responsibility: " + ", ".join(f"{p} ({n})" for p, n in long.items())


def test_the_readme_layout_points_to_the_architecture():
    assert "(docs/architecture.md)" in README.split("## Repository layout", 1)[1]
