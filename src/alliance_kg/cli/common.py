"""What every command shares: the global options, the configuration they make, exit codes, and
errors said in one line.

The global options (``--store``, ``--data-dir``, ``--empty``, ``--remote-query``,
``--remote-update``, ``--remote-gsp``) may be given before the command name
or after it (``alliance-kg --store DIR serve`` and ``alliance-kg serve --store DIR``), since that
is how people type them; given in both places with different values, they are an error.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pyoxigraph as ox

from .. import __version__
from ..config import Config
from ..errors import AllianceKGError
from ..store import LAYER_GRAPHS, PREFIXES, KnowledgeGraph, open_graph
from ..store.queries import load_query

EXIT_OK, EXIT_NOT_CONFORMING, EXIT_ERROR = 0, 1, 2


def fail(message: str) -> None:
    """Say ``message`` on stderr, in one line, and exit 2."""
    click.echo(f"alliance-kg: error: {' '.join(message.split())}", err=True)
    sys.exit(EXIT_ERROR)


def handles_errors(command):
    """Turn alliance-kg errors into one line on stderr and exit code 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except AllianceKGError as exc:
            fail(str(exc))
        except BrokenPipeError:  # the reader (e.g. `head`) went away: not an error of ours
            sys.stderr.close()
            sys.exit(EXIT_OK)
        except OSError as exc:
            fail(f"{exc.filename or 'I/O'}: {exc.strerror or exc}")

    return wrapper


def global_options(function: Callable) -> Callable:
    """The options of the whole program, for the group and for every command."""
    for option in reversed(
        (
            click.option(
                "--store",
                type=click.Path(file_okay=False, path_type=Path),
                default=None,
                help="Directory of a persistent store (default: in memory; env ALLIANCE_KG_STORE).",
            ),
            click.option(
                "--data-dir",
                type=click.Path(file_okay=False, exists=True, path_type=Path),
                default=None,
                help="Root of the shipped graph: ontology/, data/, shapes/ (env ALLIANCE_KG_DATA_DIR).",
            ),
            click.option(
                "--empty",
                is_flag=True,
                default=False,
                help="Start with an empty graph: do not load the shipped data (env ALLIANCE_KG_SHIPPED=false).",
            ),
            click.option(
                "--remote-query",
                metavar="URL",
                default=None,
                help="Run over a remote SPARQL 1.1 store: its query URL (env ALLIANCE_KG_REMOTE_QUERY). "
                "Credentials come from ALLIANCE_KG_REMOTE_USER and ALLIANCE_KG_REMOTE_PASSWORD only.",
            ),
            click.option(
                "--remote-update",
                metavar="URL",
                default=None,
                help="The remote store's update URL; without it the service is read-only (env ALLIANCE_KG_REMOTE_UPDATE).",
            ),
            click.option(
                "--remote-gsp",
                metavar="URL",
                default=None,
                help="The remote store's Graph Store Protocol URL, for bulk loads (env ALLIANCE_KG_REMOTE_GSP).",
            ),
        )
    ):
        function = option(function)
    return function


def with_config(command: Callable) -> Callable:
    """A command taking the :class:`Config` its global options make (given before or after the
    command's name) as its first argument, with errors said in one line."""

    @functools.wraps(command)
    @handles_errors
    def wrapper(
        *args,
        store: Path | None,
        data_dir: Path | None,
        empty: bool,
        remote_query: str | None,
        remote_update: str | None,
        remote_gsp: str | None,
        **kwargs,
    ):
        before = click.get_current_context().find_root().params
        try:
            config = Config.from_env(
                store=_one("--store", before.get("store"), store),
                data_dir=_one("--data-dir", before.get("data_dir"), data_dir),
                shipped=False if (empty or before.get("empty")) else None,
                remote_query=_one("--remote-query", before.get("remote_query"), remote_query),
                remote_update=_one("--remote-update", before.get("remote_update"), remote_update),
                remote_gsp=_one("--remote-gsp", before.get("remote_gsp"), remote_gsp),
            )
        except ValueError as exc:
            fail(str(exc))
        return command(config, *args, **kwargs)

    return global_options(wrapper)


def graph_of(config: Config) -> KnowledgeGraph:
    """The knowledge graph ``config`` names, closed when the command ends (however it ends), so
    that a store on disk is free for the next command, in this process too."""
    kg = open_graph(config)
    click.get_current_context().call_on_close(kg.close)
    return kg


def _one(option: str, before, after):
    """The value of ``option``, given before the command's name, after it, or in both places alike."""
    if before is not None and after is not None and before != after:
        fail(f"{option} is given twice, as {before} and as {after}: give it once")
    return after if after is not None else before


def summary_lines(kg: KnowledgeGraph) -> list[str]:
    """The graph in a few lines: triples per graph, assignments and statements per layer."""
    counts = kg.triple_counts()
    short = {iri: layer for layer, iri in LAYER_GRAPHS.items()}
    parts = ", ".join(f"{short.get(g, g or 'default')} {n:,}" for g, n in counts.items())
    lines = [f"alliance-kg {__version__}: {sum(counts.values()):,} triples in {len(counts)} graphs ({parts})."]
    for row in kg.select(load_query("assignment_summary")):
        layer = short.get(row["graph"].value, row["graph"].value)
        lines.append(
            f"  {layer}: {int(row['assignments'].value)} leadership assignments, "
            f"{int(row['statements'].value)} source statements"
        )
    return lines


def term(node) -> str:
    """A term for people: an IRI shortened with the project's prefixes."""
    if node is None:
        return ""
    if isinstance(node, ox.NamedNode):
        for prefix, ns in PREFIXES.items():
            if node.value.startswith(ns):
                return f"{prefix}:{node.value[len(ns) :]}"
        return f"<{node.value}>"
    if isinstance(node, ox.BlankNode):
        return f"_:{node.value}"
    return node.value
