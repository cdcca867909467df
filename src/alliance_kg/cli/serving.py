"""The command that serves: ``alliance-kg serve``."""

from __future__ import annotations

import os
import threading
from dataclasses import replace
from pathlib import Path

import click

from .. import __version__
from ..config import Config
from ..errors import BadRequest
from ..store.peers import Peers
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
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="Processes that serve requests (default: the number of cores; 1 with --store, whose store on "
    "disk one process holds). With more than one, granian carries the bytes and the processes share "
    "one truth: a write accepted by one is applied by every other before its next answer.",
)
@click.option(
    "--write-tokens",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="File of write tokens, one 'name: token' per line (env ALLIANCE_KG_WRITE_TOKENS_FILE).",
)
@with_config
def serve(config: Config, host: str, port: int, threads: int, workers: int | None, write_tokens: Path | None) -> None:
    """Serve the SPARQL endpoint and the JSON API: on waitress (a production WSGI server) in one
    process, or on granian (an HTTP server in Rust) in several (--workers).

    Without --store the graph is in memory, loaded from the shipped data; with --store DIR it is
    kept on disk there, and the shipped data is loaded on the first start only. Writes need a
    bearer token from ALLIANCE_KG_WRITE_TOKEN or --write-tokens; without one they are disabled.
    """
    from ..store.confine import probe
    from ..web import create_app

    if write_tokens is not None:
        config = replace(config, write_tokens_file=write_tokens)
    if workers is None:
        workers = 1 if config.store else max(1, len(os.sched_getaffinity(0)))
    elif workers > 1 and config.store:
        raise BadRequest(
            f"--workers {workers} with --store: a store on disk is held by one process",
            hint="serve it with --workers 1, or serve the graph in memory (no --store) on several",
        )
    reserved = config.query_slots + config.query_queue
    threads = threads or reserved + 4
    peers = Peers.create() if workers > 1 else None
    app = create_app(config, peers=peers, workers=workers)
    if workers > 1:
        port = port or _free_port(host)
    else:
        from waitress.server import create_server

        server = create_server(app, host=host, port=port, threads=threads, ident="alliance-kg")
        port = server.effective_port
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
        f"serving http://{host}:{port}/ (SPARQL at /sparql, API at /api); "
        + (f"writes enabled for {writers} token(s)" if writers else "writes disabled")
        + (f"; {workers} worker processes" if workers > 1 else ""),
        err=True,
    )
    click.echo(
        f"query processes: {probe(memory_bytes=config.query_memory_bytes).describe()}; "
        f"{config.query_slots} at once ({config.query_slots_per_client} per client), "
        f"{config.query_queue} waiting at most"
        + (f", for the {workers} processes together; {threads} request threads each" if workers > 1 else ""),
        err=True,
    )
    if threads < reserved + 2:
        click.echo(
            f"alliance-kg: warning: {threads} threads leave /health and the JSON API waiting behind "
            f"queries: give --threads {reserved + 4} or more (query_slots + query_queue + 4)",
            err=True,
        )
    if workers > 1:
        assert peers is not None
        try:
            _serve_workers(app, host, port, workers, threads)
        finally:
            peers.remove()
        return
    threading.Thread(target=_warm, args=(app,), daemon=True, name="alliance-kg-warm-up").start()
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("alliance-kg: stopped", err=True)
    finally:
        server.close()


#: The app the worker processes serve: built before they are forked, so that they share its pages.
_APP = None
_PARENT = 0


def _serve_workers(app, host: str, port: int, workers: int, threads: int) -> None:
    """Serve ``app`` on granian in ``workers`` processes forked from this one (each with
    ``threads`` request threads), until this process is told to stop."""
    import multiprocessing

    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    global _APP, _PARENT
    _APP, _PARENT = app, os.getpid()
    _warm_shared(app)
    multiprocessing.set_start_method("fork", force=True)  # the workers inherit the loaded graph
    server = Granian(
        "alliance_kg.cli.serving:_APP",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        backlog=1024,
        log_level=LogLevels.error,  # not its warning that 24 threads are many: they wait on queries
        respawn_failed_workers=True,
    )
    server.serve(target_loader=_worker_app)


def _worker_app(target: str):
    """The app of one worker process, just forked: it ends with the server process (if that is
    killed, so are its workers), builds what a fork cannot share, and warms up."""
    from ..web import after_fork

    _die_with_parent()
    assert _APP is not None
    after_fork(_APP)
    threading.Thread(target=_warm, args=(_APP,), daemon=True, name="alliance-kg-warm-up").start()
    return _APP


def _die_with_parent() -> None:
    """Ask Linux to end this process when the server process ends (prctl PR_SET_PDEATHSIG)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != _PARENT:  # the server ended before the call: end now
        os._exit(1)


def _free_port(host: str) -> int:
    """A port nothing listens on now, for --port 0 with several workers (granian binds it itself)."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _warm_shared(app) -> None:
    """Build, before the workers are forked, what they would each build the same: the catalog of
    names and (when writes are enabled) the guard's copy of the data graph. Forked, they share its
    pages instead of holding a copy each (at 1M triples, hundreds of MB a worker); the first answer
    waits for it (a tenth of a second on the shipped graph)."""
    from ..knowledge.catalog import catalog

    services = app.extensions["alliance_kg"]
    with services.graph.reading():
        catalog(services.graph)
    if services.tokens:
        services.guard.warm()


def _warm(app) -> None:
    """Build, while the server already answers, what the first requests would otherwise wait
    for: the catalog of names, rdflib's SPARQL parser (which query processes then inherit), the
    search index (a second: pycountry's catalogues of country names are read), and (when writes
    are enabled) the guard's validation graph. On a large graph each takes seconds; on the
    shipped one, a fraction of a second."""
    from ..knowledge.catalog import catalog
    from ..knowledge.names import preload
    from ..knowledge.search import search_index
    from ..store.sparqlparse import prepare

    services = app.extensions["alliance_kg"]
    with services.graph.reading():
        catalog(services.graph)
    prepare()
    preload(pause=0.005)  # gently: a second of CPU, resting between languages and countries
    with services.graph.reading():
        search_index(services.graph)
    if services.tokens:
        services.guard.warm()
