"""The ``alliance-kg`` command line: validate, query, export, stats, load, update, serve, recover.

Exit codes: 0 success (and, for ``validate``, the graph conforms); 1 the graph does not conform;
2 the command could not run (bad input, unreadable file, broken installation).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import threading
from dataclasses import replace
from pathlib import Path

import click
import pyoxigraph as ox

from . import __version__
from .config import Config
from .errors import AllianceKGError, BadRequest, JournalDamaged
from .store.queries import load_query
from .store import FORMATS, LAYER_GRAPHS, PREFIXES, Change, Journal, KnowledgeGraph, holding_store, open_graph
from .rules.validation import validate as run_validation

EXIT_OK, EXIT_NOT_CONFORMING, EXIT_ERROR = 0, 1, 2
RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "xml": ox.QueryResultsFormat.XML,
}


def _fail(message: str) -> None:
    click.echo(f"alliance-kg: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def handles_errors(command):
    """Turn alliance-kg errors into one line on stderr and exit code 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except AllianceKGError as exc:
            _fail(str(exc))
        except BrokenPipeError:  # the reader (e.g. `head`) went away: not an error of ours
            sys.stderr.close()
            sys.exit(EXIT_OK)
        except OSError as exc:
            _fail(f"{exc.filename or 'I/O'}: {exc.strerror or exc}")

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="alliance-kg")
@click.option("--store", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory of a persistent store (default: in memory; env ALLIANCE_KG_STORE).")
@click.option("--data-dir", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="Root of the shipped graph: ontology/, data/, shapes/ (env ALLIANCE_KG_DATA_DIR).")
@click.option("--empty", is_flag=True, default=False,
              help="Start with an empty graph: do not load the shipped data (env ALLIANCE_KG_SHIPPED=false).")
@click.pass_context
def cli(ctx: click.Context, store: Path | None, data_dir: Path | None, empty: bool) -> None:
    """alliance-kg: the Renault-Nissan-Mitsubishi leader-follower knowledge graph."""
    try:
        ctx.obj = Config.from_env(store=store, data_dir=data_dir, shipped=False if empty else None)
    except ValueError as exc:
        _fail(str(exc))


def summary_lines(kg: KnowledgeGraph) -> list[str]:
    counts = kg.triple_counts()
    short = {iri: layer for layer, iri in LAYER_GRAPHS.items()}
    parts = ", ".join(f"{short.get(g, g or 'default')} {n:,}" for g, n in counts.items())
    lines = [f"alliance-kg {__version__}: {sum(counts.values()):,} triples in {len(counts)} graphs ({parts})."]
    for row in kg.select(load_query("assignment_summary")):
        layer = short.get(row["graph"].value, row["graph"].value)
        lines.append(f"  {layer}: {int(row['assignments'].value)} leadership assignments, "
                     f"{int(row['statements'].value)} source statements")
    return lines


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "turtle", "jsonld"]), default="text",
              show_default=True, help="Report format.")
@click.pass_obj
@handles_errors
def validate(config: Config, files: tuple[Path, ...], fmt: str) -> None:
    """Validate the shipped graph, plus candidate FILES, against the SHACL shapes.

    Exit 0: conforms; 1: does not conform; 2: could not run.
    """
    kg = open_graph(config)
    for path in files:
        kg.load_file(path, graph="candidate")
    report = run_validation(kg, config.shapes_dir)
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


@cli.command()
@click.argument("sparql", required=False)
@click.option("--file", "query_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Read the query from a file instead.")
@click.option("--format", "fmt", type=click.Choice(["table", *RESULT_FORMATS]), default="table", show_default=True,
              help="Format of SELECT/ASK results (CONSTRUCT/DESCRIBE print Turtle).")
@click.option("--graph", "graphs", multiple=True, metavar="LAYER",
              help=f"Query only these graphs ({', '.join(LAYER_GRAPHS)} or an IRI); default: all.")
@click.pass_obj
@handles_errors
def query(config: Config, sparql: str | None, query_file: Path | None, fmt: str, graphs: tuple[str, ...]) -> None:
    """Run a SPARQL 1.1 query over the graph (the default graph is the union of all graphs)."""
    if (sparql is None) == (query_file is None):
        _fail("give a query as an argument or with --file, not both")
    text = sparql if sparql is not None else query_file.read_text(encoding="utf-8")
    kg = open_graph(config)
    results = kg.query(text, graphs=graphs or None)
    if isinstance(results, ox.QueryTriples):
        click.echo(ox.serialize(results, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES).decode(), nl=False)
    elif fmt != "table":
        click.echo(results.serialize(format=RESULT_FORMATS[fmt]).decode(), nl=False)
    elif isinstance(results, ox.QueryBoolean):
        click.echo("true" if bool(results) else "false")
    else:
        click.echo(_table(results))


def _term(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, ns in PREFIXES.items():
            if term.value.startswith(ns):
                return f"{prefix}:{term.value[len(ns):]}"
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def _table(results) -> str:
    names = [v.value for v in results.variables]
    rows = [[_term(s[n]) for n in names] for s in results]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    line = lambda cells: " | ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    out = [line(names), "-+-".join("-" * w for w in widths)] + [line(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["turtle", "nt", "jsonld", "trig", "nq", "xml"]),
              default="trig", show_default=True,
              help="TriG, N-Quads and JSON-LD keep the named graphs; the others export their union.")
@click.option("--graph", default=None, metavar="LAYER", help="Export one graph only (a layer name or an IRI).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file (default: stdout).")
@click.pass_obj
@handles_errors
def export(config: Config, fmt: str, graph: str | None, output: Path | None) -> None:
    """Export the graph, or one layer of it."""
    data = open_graph(config).dump(fmt, graph=graph)
    if output:
        output.write_bytes(data)
        click.echo(f"wrote {output} ({len(data):,} bytes, {FORMATS[fmt].media_type})", err=True)
    else:
        click.echo(data.decode(), nl=False)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
@handles_errors
def stats(config: Config, fmt: str) -> None:
    """Triples per named graph and instances per class."""
    kg = open_graph(config)
    classes = {row["class"].value: int(row["instances"].value) for row in kg.select(load_query("class_counts"))}
    if fmt == "json":
        click.echo(json.dumps({"graphs": kg.triple_counts(), "classes": classes}, indent=2))
        return
    click.echo("Triples per named graph:")
    for graph, n in kg.triple_counts().items():
        click.echo(f"  {n:>7,}  {graph or '(default graph)'}")
    click.echo("Instances per class:")
    for cls, n in classes.items():
        click.echo(f"  {n:>7,}  {_term(ox.NamedNode(cls))}")


def _guarded(config: Config, kg: KnowledgeGraph, change_or_builder, *, endpoint: str, summary: str, dry_run: bool) -> None:
    """Run a write through the guard; print the outcome; exit 1 if it was rejected."""
    from .rules.guard import Guard

    result = Guard(kg, config.shapes_dir).write(change_or_builder, agent="cli", endpoint=endpoint,
                                                summary=summary, dry_run=dry_run)
    if not result.accepted:
        click.echo(f"rejected: nothing was changed ({result.mode} validation).", err=True)
        click.echo(result.report.to_text(), err=True)
        sys.exit(EXIT_NOT_CONFORMING)
    verb = "would add" if dry_run else "added"
    click.echo(f"{'dry run: ' if dry_run else ''}{verb} {result.added:,} and "
               f"{'would remove' if dry_run else 'removed'} {result.removed:,} quads "
               f"({result.mode} validation: the graph conforms)" + (f"; change {result.change_id}" if result.change_id else ""))


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--graph", "graph", default="public", show_default=True, metavar="LAYER|IRI",
              help="Named graph to load into (triple formats); TriG and N-Quads keep their own graphs.")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default=None,
              help="RDF format (default: from each file's extension).")
@click.option("--dry-run", is_flag=True, help="Validate only; change nothing.")
@click.pass_obj
@handles_errors
def load(config: Config, files: tuple[Path, ...], graph: str, fmt: str | None, dry_run: bool) -> None:
    """Load RDF FILES into the store, validated as a whole before anything is committed.

    If the result does not conform, nothing is loaded and the report says why (exit 1).
    Use with --store DIR (or ALLIANCE_KG_STORE): an in-memory graph is gone when the command ends.
    """
    from .store.safety import check_rdf_xml
    from .store import format_for, graph_iri

    kg = open_graph(config)
    target = ox.NamedNode(graph_iri(graph))
    quads: set[ox.Quad] = set()
    with click.progressbar(files, label="reading", file=sys.stderr, show_pos=True) as bar:
        for path in bar:
            info = format_for(fmt, path=path)
            data = path.read_bytes()
            if info.format == ox.RdfFormat.RDF_XML:
                check_rdf_xml(data, source=str(path))
            try:
                for quad in ox.parse(data, format=info.format, rename_blank_nodes=True):
                    graph_name = target if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name
                    quads.add(ox.Quad(quad.subject, quad.predicate, quad.object, graph_name))
            except SyntaxError as exc:
                _fail(f"{path}: {exc}")
    click.echo(f"read {len(quads):,} quads from {len(files)} file(s); validating…", err=True)
    _guarded(config, kg, Change(added=frozenset(quads)), endpoint="alliance-kg load",
             summary=f"load {', '.join(p.name for p in files)}", dry_run=dry_run)


@cli.command()
@click.argument("sparql")
@click.option("--dry-run", is_flag=True, help="Validate only; change nothing.")
@click.pass_obj
@handles_errors
def update(config: Config, sparql: str, dry_run: bool) -> None:
    """Run a SPARQL 1.1 Update, validated before it is committed (exit 1 if rejected).

    As on the endpoint, the update sees the data graphs only: the change log is left alone.
    """
    from .store.updates import OPERATOR

    kg = open_graph(config)
    change = kg.change_for_update(sparql, limits=OPERATOR)
    _guarded(config, kg, change, endpoint="alliance-kg update", summary="SPARQL Update", dry_run=dry_run)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--threads", default=None, type=click.IntRange(1, 256),
              help="Request threads of the WSGI server (default: query_slots + query_queue + 4, so that "
                   "/health and the JSON API always have threads of their own).")
@click.option("--write-tokens", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="File of write tokens, one 'name: token' per line (env ALLIANCE_KG_WRITE_TOKENS).")
@click.pass_obj
@handles_errors
def serve(config: Config, host: str, port: int, threads: int, write_tokens: Path | None) -> None:
    """Serve the SPARQL endpoint and the JSON API on waitress (a production WSGI server).

    Without --store the graph is in memory, loaded from the shipped data; with --store DIR it is
    kept on disk there, and the shipped data is loaded on the first start only. Writes need a
    bearer token from ALLIANCE_KG_WRITE_TOKEN or --write-tokens; without one they are disabled.
    """
    from waitress.server import create_server

    from .web import create_app

    from .store.confine import probe

    if write_tokens is not None:
        config = replace(config, write_tokens=write_tokens)
    reserved = config.query_slots + config.query_queue
    threads = threads or reserved + 4
    app = create_app(config)
    server = create_server(app, host=host, port=port, threads=threads, ident="alliance-kg")
    kg = app.extensions["alliance_kg"].graph
    where = f"store {config.store}" if config.store else "in memory"
    writers = len(app.extensions["alliance_kg"].tokens)
    click.echo(f"alliance-kg {__version__}: {len(kg):,} triples ({where}); "
               f"serving http://{host}:{server.effective_port}/ (SPARQL at /sparql, API at /api); "
               + (f"writes enabled for {writers} token(s)" if writers else "writes disabled"), err=True)
    click.echo(f"query processes: {probe(memory_bytes=config.query_memory_bytes).describe()}; "
               f"{config.query_slots} at once ({config.query_slots_per_client} per client), "
               f"{config.query_queue} waiting at most", err=True)
    if threads < reserved + 2:
        click.echo(f"alliance-kg: warning: {threads} threads leave /health and the JSON API waiting behind "
                   f"queries: give --threads {reserved + 4} or more (query_slots + query_queue + 4)", err=True)
    threading.Thread(target=_warm, args=(app,), daemon=True, name="alliance-kg-warm-up").start()
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("alliance-kg: stopped", err=True)
    finally:
        server.close()


def _warm(app) -> None:
    """Build, while the server already answers, what the first requests would otherwise wait
    for: the catalog of names, rdflib's SPARQL parser (which query processes then inherit), and
    (when writes are enabled) the guard's validation graph. On a large graph each takes seconds;
    on the shipped one, a fraction of a second."""
    from .knowledge.catalog import catalog
    from .store.sparqlparse import prepare

    services = app.extensions["alliance_kg"]
    with services.graph.reading():
        catalog(services.graph)
    prepare()
    if services.tokens:
        services.guard.warm()


@cli.command()
@click.option("--discard-incomplete", is_flag=True,
              help="Move a damaged or incomplete journal aside (never delete it), then open and validate the store.")
@click.pass_obj
@handles_errors
def recover(config: Config, discard_incomplete: bool) -> None:
    """Say what the write journal of the store (--store DIR) holds, or set a damaged one aside.

    Without --discard-incomplete: the journal is none, complete and readable (applied when the
    store next opens), incomplete (dropped when the store next opens), or damaged (which file,
    and how). A damaged journal stops every command that opens the store.

    With --discard-incomplete: a damaged or incomplete journal is moved, unchanged, into
    DIR/journal-discarded-<UTC time>/ (nothing is deleted); a complete, readable one is applied
    instead, as on any open. Then the store is opened and validated in full. The write a journal
    records was never acknowledged to its client, but a damaged one may have been partly applied
    to the store before the crash: the validation says whether the graph still conforms.

    \b
    Exit codes:
      0  the journal is none or readable; with --discard-incomplete: the graph conforms
      1  with --discard-incomplete: the graph does not conform
      2  the journal is damaged (without --discard-incomplete), or the command could not run
    """
    store = _existing_store(config)
    journal = Journal(store / "journal")
    if not discard_incomplete:
        with holding_store(store):
            click.echo(f"journal of the store {store}: {_journal_state(journal)}")
        return
    with holding_store(store):
        _set_aside(journal)
    kg = open_graph(config)
    report = run_validation(kg, config.shapes_dir)
    for line in [*summary_lines(kg), report.to_text()]:
        click.echo(line)
    if report.conforms:
        click.echo(f"the store {store} opens and the graph conforms.")
        sys.exit(EXIT_OK)
    click.echo(f"the graph does not conform: the interrupted write may have been partly applied to the store "
               f"before the crash; restore {store} from a backup or an export, or correct the graph "
               "(alliance-kg update).")
    sys.exit(EXIT_NOT_CONFORMING)


def _existing_store(config: Config) -> Path:
    """The store directory ``config`` names; an error if it names none or it does not exist."""
    if config.store is None:
        raise BadRequest("recover needs a store on disk", hint="give --store DIR or set ALLIANCE_KG_STORE")
    if not config.store.is_dir():
        raise BadRequest(f"no store at {config.store}: it is not a directory", hint="give the --store DIR of an existing store")
    return config.store


def _journal_state(journal: Journal) -> str:
    """What ``journal`` holds, in words. :raises JournalDamaged: it is damaged."""
    change = journal.pending()
    if change is not None:
        return (f"complete and readable ({len(change.removed):,} quads to remove, {len(change.added):,} to add): "
                "it is applied when the store next opens.")
    if journal.files():
        return "incomplete (a write cut short before it was journaled in full, never applied): it is dropped when the store next opens."
    return "none: the store opens as it is on disk."


def _set_aside(journal: Journal) -> None:
    """Move a damaged or incomplete ``journal`` aside and say so; leave a complete, readable one to be applied."""
    partly = ""
    try:
        if journal.pending() is not None:
            click.echo("journal: complete and readable: it is applied as the store opens, not set aside.")
            return
        if not journal.files():
            click.echo("journal: none: nothing to set aside.")
            return
        click.echo("journal: incomplete: a write cut short before it was journaled in full, never applied.")
    except JournalDamaged as exc:
        click.echo(f"journal: damaged: {exc.path} {exc.problem}.")
        partly = "; it may have been partly applied to the store before the crash"
    folder = journal.set_aside()
    moved = ", ".join(sorted(p.name for p in folder.iterdir())) if folder else "nothing"
    click.echo(f"set it aside: moved {moved}, unchanged, to {folder}{os.sep} (nothing was deleted). "
               f"The write it records was never acknowledged to its client{partly}.")


def main() -> None:
    cli(prog_name="alliance-kg")
