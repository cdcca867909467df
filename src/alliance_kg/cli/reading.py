"""Commands that read the graph: validate, query, export, stats."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import pyoxigraph as ox

from ..config import Config
from ..rules.validation import ENGINES
from ..rules.validation import validate as run_validation
from ..store import FORMATS, LAYER_GRAPHS, PREFIXES
from ..store.queries import load_query
from .common import EXIT_NOT_CONFORMING, EXIT_OK, fail, graph_of, summary_lines, term, with_config

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "xml": ox.QueryResultsFormat.XML,
}


@click.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "turtle", "jsonld"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default=None,
    help="The engine of the core SHACL constraints (default: turbo; over a remote store: sparql): "
    "pyshacl-turbo, shacl-rust (faster, misses ill-formed literals), sparql (every constraint a query "
    "the store answers, nothing copied), or pySHACL (the reference).",
)
@with_config
def validate(config: Config, files: tuple[Path, ...], fmt: str, engine: str | None) -> None:
    """Validate the shipped graph, plus candidate FILES, against the SHACL shapes.

    Exit 0: conforms; 1: does not conform; 2: could not run.
    """
    kg = graph_of(config)
    for path in files:
        kg.load_file(path, graph="candidate")
    report = run_validation(kg, config.shapes_dir, engine=engine)  # type: ignore[arg-type]
    if fmt == "json":
        click.echo(report.to_json())
    elif fmt in ("turtle", "jsonld"):
        click.echo(report.serialize("json-ld" if fmt == "jsonld" else "turtle"))
    else:
        for line in summary_lines(kg):
            click.echo(line)
        if files:
            click.echo(f"  candidate files: {', '.join(str(f) for f in files)}")
        click.echo(report.to_text())
    sys.exit(EXIT_OK if report.conforms else EXIT_NOT_CONFORMING)


@click.command()
@click.argument("sparql", required=False)
@click.option(
    "--file",
    "query_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Read the query from a file instead.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", *RESULT_FORMATS]),
    default="table",
    show_default=True,
    help="Format of SELECT/ASK results (CONSTRUCT/DESCRIBE print Turtle).",
)
@click.option(
    "--graph",
    "graphs",
    multiple=True,
    metavar="LAYER",
    help=f"Query only these graphs ({', '.join(LAYER_GRAPHS)} or an IRI); default: all.",
)
@with_config
def query(config: Config, sparql: str | None, query_file: Path | None, fmt: str, graphs: tuple[str, ...]) -> None:
    """Run a SPARQL 1.1 query over the graph (the default graph is the union of all graphs)."""
    if sparql is not None and query_file is None:
        text = sparql
    elif query_file is not None and sparql is None:
        text = query_file.read_text(encoding="utf-8")
    else:
        fail("give a query as an argument or with --file, not both")
        return
    kg = graph_of(config)
    results = kg.query(text, graphs=graphs or None)
    if isinstance(results, ox.QueryTriples):
        click.echo((ox.serialize(results, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b"").decode(), nl=False)
    elif fmt != "table":
        click.echo(results.serialize(format=RESULT_FORMATS[fmt]).decode(), nl=False)
    elif isinstance(results, ox.QueryBoolean):
        click.echo("true" if bool(results) else "false")
    else:
        click.echo(_table(results))


def _table(results) -> str:
    names = [v.value for v in results.variables]
    rows = [[term(s[n]) for n in names] for s in results]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    line = lambda cells: " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()  # noqa: E731
    out = [line(names), "-+-".join("-" * w for w in widths)] + [line(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["turtle", "nt", "jsonld", "trig", "nq", "xml"]),
    default="trig",
    show_default=True,
    help="TriG, N-Quads and JSON-LD keep the named graphs; the others export their union.",
)
@click.option("--graph", default=None, metavar="LAYER", help="Export one graph only (a layer name or an IRI).")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file (default: stdout)."
)
@with_config
def export(config: Config, fmt: str, graph: str | None, output: Path | None) -> None:
    """Export the graph, or one layer of it."""
    data = graph_of(config).dump(fmt, graph=graph)
    if output:
        output.write_bytes(data)
        click.echo(f"wrote {output} ({len(data):,} bytes, {FORMATS[fmt].media_type})", err=True)
    else:
        click.echo(data.decode(), nl=False)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@with_config
def stats(config: Config, fmt: str) -> None:
    """Triples per named graph and instances per class."""
    kg = graph_of(config)
    classes = {row["class"].value: int(row["instances"].value) for row in kg.select(load_query("class_counts"))}
    if fmt == "json":
        click.echo(json.dumps({"graphs": kg.triple_counts(), "classes": classes}, indent=2))
        return
    click.echo("Triples per named graph:")
    for graph, n in kg.triple_counts().items():
        click.echo(f"  {n:>7,}  {graph or '(default graph)'}")
    click.echo("Instances per class:")
    for cls, n in classes.items():
        click.echo(f"  {n:>7,}  {term(ox.NamedNode(cls))}")
