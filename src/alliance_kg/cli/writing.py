"""Commands that write: load and update (through the guard), and recover (the journal)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
import pyoxigraph as ox

from ..config import Config
from ..errors import BadRequest, JournalDamaged
from ..rules.guard import Guard
from ..rules.validation import validate as run_validation
from ..store import FORMATS, Change, Journal, KnowledgeGraph, format_for, graph_iri, holding_store
from ..store.documents import read_rdf
from ..store.updates import OPERATOR
from .common import EXIT_NOT_CONFORMING, EXIT_OK, graph_of, summary_lines, with_config


def _guarded(
    config: Config, kg: KnowledgeGraph, change_or_builder, *, endpoint: str, summary: str, dry_run: bool
) -> None:
    """Run a write through the guard; print the outcome; exit 1 if it was rejected."""
    result = Guard(kg, config.shapes_dir).write(
        change_or_builder, agent="cli", endpoint=endpoint, summary=summary, dry_run=dry_run
    )
    if not result.accepted:
        click.echo(f"rejected: nothing was changed ({result.mode} validation).", err=True)
        click.echo(result.report.to_text(), err=True)
        sys.exit(EXIT_NOT_CONFORMING)
    verb = "would add" if dry_run else "added"
    click.echo(
        f"{'dry run: ' if dry_run else ''}{verb} {result.added:,} and "
        f"{'would remove' if dry_run else 'removed'} {result.removed:,} quads "
        f"({result.mode} validation: the graph conforms)" + (f"; change {result.change_id}" if result.change_id else "")
    )


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--graph",
    "graph",
    default="public",
    show_default=True,
    metavar="LAYER|IRI",
    help="Named graph to load into (triple formats); TriG and N-Quads keep their own graphs.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default=None,
    help="RDF format (default: from each file's extension).",
)
@click.option("--dry-run", is_flag=True, help="Validate only; change nothing.")
@with_config
def load(config: Config, files: tuple[Path, ...], graph: str, fmt: str | None, dry_run: bool) -> None:
    """Load RDF FILES into the store, validated as a whole before anything is committed.

    If the result does not conform, nothing is loaded and the report says why (exit 1).
    Use with --store DIR (or ALLIANCE_KG_STORE): an in-memory graph is gone when the command ends.
    """
    kg = graph_of(config)
    target = ox.NamedNode(graph_iri(graph))
    quads: set[ox.Quad] = set()
    with click.progressbar(files, label="reading", file=sys.stderr, show_pos=True) as bar:
        for path in bar:
            quads |= read_rdf(path.read_bytes(), format_for(fmt, path=path).format, into=target, source=str(path))
    click.echo(f"read {len(quads):,} quads from {len(files)} file(s); validating…", err=True)
    _guarded(
        config,
        kg,
        Change(added=frozenset(quads)),
        endpoint="alliance-kg load",
        summary=f"load {', '.join(p.name for p in files)}",
        dry_run=dry_run,
    )


@click.command()
@click.argument("sparql")
@click.option("--dry-run", is_flag=True, help="Validate only; change nothing.")
@with_config
def update(config: Config, sparql: str, dry_run: bool) -> None:
    """Run a SPARQL 1.1 Update, validated before it is committed (exit 1 if rejected).

    As on the endpoint, the update sees the data graphs only: the change log is left alone.
    """
    kg = graph_of(config)
    change = kg.change_for_update(sparql, limits=OPERATOR)
    _guarded(config, kg, change, endpoint="alliance-kg update", summary="SPARQL Update", dry_run=dry_run)


@click.command()
@click.option(
    "--discard-incomplete",
    is_flag=True,
    help="Move a damaged or incomplete journal aside (never delete it), then open and validate the store.",
)
@with_config
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
    kg = graph_of(config)
    report = run_validation(kg, config.shapes_dir)
    for line in [*summary_lines(kg), report.to_text()]:
        click.echo(line)
    if report.conforms:
        click.echo(f"the store {store} opens and the graph conforms.")
        sys.exit(EXIT_OK)
    click.echo(
        f"the graph does not conform: the interrupted write may have been partly applied to the store "
        f"before the crash; restore {store} from a backup or an export, or correct the graph "
        "(alliance-kg update)."
    )
    sys.exit(EXIT_NOT_CONFORMING)


def _existing_store(config: Config) -> Path:
    """The store directory ``config`` names; an error if it names none or it does not exist."""
    if config.store is None:
        raise BadRequest("recover needs a store on disk", hint="give --store DIR or set ALLIANCE_KG_STORE")
    if not config.store.is_dir():
        raise BadRequest(
            f"no store at {config.store}: it is not a directory", hint="give the --store DIR of an existing store"
        )
    return config.store


def _journal_state(journal: Journal) -> str:
    """What ``journal`` holds, in words. :raises JournalDamaged: it is damaged."""
    change = journal.pending()
    if change is not None:
        return (
            f"complete and readable ({len(change.removed):,} quads to remove, {len(change.added):,} to add): "
            "it is applied when the store next opens."
        )
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
    click.echo(
        f"set it aside: moved {moved}, unchanged, to {folder}{os.sep} (nothing was deleted). "
        f"The write it records was never acknowledged to its client{partly}."
    )


@click.command()
@click.option(
    "--replace", is_flag=True, help="Empty the knowledge graph's graphs in the store first, if they hold data."
)
@with_config
def init(config: Config, replace: bool) -> None:
    """Put the shipped graph (the ontology and the layers, each in its named graph) into the remote
    SPARQL store given by --remote-query and --remote-update, after validating it.

    Refuses if those graphs already hold data, unless --replace.
    """
    from ..store import RemoteGraph, empty_graph

    kg = graph_of(config)
    if not isinstance(kg, RemoteGraph):
        raise BadRequest("init puts the shipped graph into a remote store: give --remote-query and --remote-update")
    shipped = empty_graph()
    shipped.load_shipped(config)
    report = run_validation(shipped, config.shapes_dir)
    if not report.conforms:
        click.echo(report.to_text(), err=True)
        raise BadRequest("the shipped graph does not conform to the shapes: nothing was sent to the store")
    graphs = sorted({q.graph_name.value for q in shipped.quads() if isinstance(q.graph_name, ox.NamedNode)})
    holding = [g for g in graphs if kg.graph_exists(ox.NamedNode(g))]
    if holding and not replace:
        raise BadRequest(
            f"the remote store already holds data in {', '.join(f'<{g}>' for g in holding)}: nothing was sent",
            hint="give --replace to empty those graphs and load the shipped graph again",
        )
    if holding:
        kg.drop_graphs(holding)
    quads = list(shipped.quads())
    kg.bulk_add(quads)
    click.echo(f"sent {len(quads):,} quads in {len(graphs)} graphs to {config.remote_query}; the graph conforms")
    for line in summary_lines(kg):
        click.echo(line)
