"""Canned SPARQL queries: one ``.rq`` file per question, loaded by name.

>>> "SELECT" in load_query("class_counts")
True
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pyoxigraph as ox

from ...errors import ConfigurationError, NotFound

QUERY_DIR = Path(__file__).resolve().parent


def query_names() -> list[str]:
    """The names of all canned queries."""
    return sorted(p.stem for p in QUERY_DIR.glob("*.rq"))


@cache
def load_query(name: str) -> str:
    """The text of the canned query ``name`` (``queries/<name>.rq``)."""
    path = QUERY_DIR / f"{name}.rq"
    if not path.is_file():
        raise NotFound(f"no canned query named {name!r}", hint=f"known: {', '.join(query_names())}")
    return path.read_text(encoding="utf-8")


def check_queries() -> None:
    """Parse every canned query, so that a broken one fails at start-up, not at the first request."""
    from ..names import PREFIXES

    empty = ox.Store()
    for name in query_names():
        try:
            empty.query(load_query(name), prefixes=PREFIXES)
        except SyntaxError as exc:
            raise ConfigurationError(f"canned query {name}.rq does not parse: {exc}") from exc
