"""The command that serves: ``alliance-kg serve``."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import click

from .. import __version__
from ..config import Config
from .common import with_config


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--threads",
    default=None,
    type=click.IntRange(1, 256),
    help="Request threads of the WSGI server (default: query_slots + query_queue + 4, so that "
    "/health and the JSON API always have threads of their own).",
)
@click.option(
    "--write-tokens",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="File of write tokens, one 'name: token' per line (env ALLIANCE_KG_WRITE_TOKENS_FILE).",
)
@with_config
def serve(config: Config, host: str, port: int, threads: int, write_tokens: Path | None) -> None:
    """Serve the SPARQL endpoint and the JSON API on waitress (a production WSGI server).

    Without --store the graph is in memory, loaded from the shipped data; with --store DIR it is
    kept on disk there, and the shipped data is loaded on the first start only. Writes need a
    bearer token from ALLIANCE_KG_WRITE_TOKEN or --write-tokens; without one they are disabled.
    """
    from waitress.server import create_server

    from ..store.confine import probe
    from ..web import create_app

    if write_tokens is not None:
        config = replace(config, write_tokens_file=write_tokens)
    reserved = config.query_slots + config.query_queue
    threads = threads or reserved + 4
    app = create_app(config)
    server = create_server(app, host=host, port=port, threads=threads, ident="alliance-kg")
    kg = app.extensions["alliance_kg"].graph
    where = f"store {config.store}" if config.store else "in memory"
    if config.remote_query:
        where = f"the remote SPARQL store at {config.remote_query}"
    writers = len(app.extensions["alliance_kg"].tokens)
    if config.remote_query and not config.remote_update:
        writers = 0
        where += "; read-only: no --remote-update"
    click.echo(
        f"alliance-kg {__version__}: {len(kg):,} triples ({where}); "
        f"serving http://{host}:{server.effective_port}/ (SPARQL at /sparql, API at /api); "
        + (f"writes enabled for {writers} token(s)" if writers else "writes disabled"),
        err=True,
    )
    click.echo(
        f"query processes: {probe(memory_bytes=config.query_memory_bytes).describe()}; "
        f"{config.query_slots} at once ({config.query_slots_per_client} per client), "
        f"{config.query_queue} waiting at most",
        err=True,
    )
    if threads < reserved + 2:
        click.echo(
            f"alliance-kg: warning: {threads} threads leave /health and the JSON API waiting behind "
            f"queries: give --threads {reserved + 4} or more (query_slots + query_queue + 4)",
            err=True,
        )
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
    from ..knowledge.catalog import catalog
    from ..store.sparqlparse import prepare

    services = app.extensions["alliance_kg"]
    with services.graph.reading():
        catalog(services.graph)
    prepare()
    if services.tokens:
        services.guard.warm()
