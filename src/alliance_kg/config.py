"""Settings: one frozen :class:`Config`, built from defaults, then ``ALLIANCE_KG_*`` variables, then flags.

Nothing else in alliance-kg reads the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Mapping

from .resources import shipped_root


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS = (
    Setting("store", "", "Directory of a persistent Oxigraph store; empty: in memory, loaded from the shipped data."),
    Setting("data_dir", "", "Root of the shipped graph (ontology/, data/, shapes/); empty: the installed copy."),
    Setting("write_token", "", "A bearer token that allows writes (its name in the change log: 'token'); empty: none."),
    Setting("write_tokens", "", "A file of write tokens, one 'name: token' per line ('name: token admin' for an "
                                "admin token); empty: none."),
    Setting("admin_token", "", "A bearer token that allows every write, destructive ones too (DROP ALL, emptying a "
                               "layer graph); its name in the change log: 'admin'; empty: none."),
    Setting("shipped", "true", "Load the shipped graph into an empty store; false: start with an empty graph."),
    Setting("query_timeout", "10",
            "Seconds a SPARQL query may run before it is stopped (503); a request may ask for less with timeout=."),
    Setting("query_memory_mb", "1024",
            "Megabytes a query (or update) process may allocate beyond the graph it shares with the service; "
            "past it the work is stopped (503); 0: no limit."),
    Setting("query_slots", "4", "SPARQL queries that run at once in query processes; others wait (query_queue)."),
    Setting("query_slots_per_client", "2", "Of the query slots, how many one client address may hold at once."),
    Setting("query_queue", "16",
            "Queries that may wait for a slot at once (at most half from one client); past it, 503 with Retry-After."),
    Setting("query_queue_seconds", "5", "Seconds a query may wait for a slot; past it, 503 with Retry-After."),
    Setting("max_body_bytes", "10000000", "The largest request body accepted, in bytes; a larger one is a 413."),
    Setting("max_result_rows", "10000",
            "Rows (or triples) a SPARQL answer may hold; past it the answer is cut and says so (X-SPARQL-MaxRows)."),
    Setting("max_change_quads", "100000",
            "Quads one write may add and remove together (SPARQL Update, Graph Store, JSON API); more is a 413."),
    Setting("answer_cache_bytes", "64000000",
            "Bytes of SPARQL answers kept for repeated queries until the graph changes; 0: no cache."),
    Setting("service_allowlist", "",
            "Endpoints a query may call with SERVICE: a space-separated list of IRIs; empty: no SERVICE at all."),
    Setting("cors_origins", "*",
            "Origins whose pages may read answers (CORS): '*' any, a space-separated list, or empty for none. Writes never."),
    Setting("union_default_graph", "true",
            "SPARQL's default graph is the union of all graphs; false: the store's own default graph only."),
)
#: Settings that name a file or directory.
_PATHS = {"store", "data_dir", "write_tokens"}
#: Settings that are true or false.
_FLAGS = {"shipped", "union_default_graph"}
#: Settings that are whole numbers.
_INTEGERS = {"max_body_bytes", "max_result_rows", "max_change_quads", "answer_cache_bytes", "query_memory_mb",
             "query_slots", "query_slots_per_client", "query_queue"}
#: Whole-number settings that may be 0 (off).
_MAY_BE_ZERO = {"answer_cache_bytes", "query_memory_mb", "query_queue"}


#: Settings that are durations in seconds.
_SECONDS = {"query_timeout", "query_queue_seconds"}


def _seconds(name: str, raw: str) -> float:
    """
    >>> _seconds("query_timeout", "2.5")
    2.5
    """
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError(f"ALLIANCE_KG_{name.upper()}={raw!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise ValueError(f"ALLIANCE_KG_{name.upper()}={raw!r} must be between 0 and 3600 seconds")
    return value


def _integer(name: str, raw: str) -> int:
    """
    >>> _integer("max_body_bytes", "2048")
    2048
    """
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValueError(f"ALLIANCE_KG_{name.upper()}={raw!r} is not a whole number") from None
    if value < 0 or (value == 0 and name not in _MAY_BE_ZERO):
        raise ValueError(f"ALLIANCE_KG_{name.upper()}={raw!r} must be {'0 or more' if name in _MAY_BE_ZERO else 'positive'}")
    return value


def _flag(name: str, raw: str) -> bool:
    """
    >>> _flag("shipped", "0"), _flag("shipped", "Yes")
    (False, True)
    """
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"ALLIANCE_KG_{name.upper()}={raw!r} is not true or false")


@dataclass(frozen=True)
class Config:
    """Settings of one alliance-kg instance.

    >>> Config.from_env({"ALLIANCE_KG_STORE": "/tmp/kg"}).store
    PosixPath('/tmp/kg')
    >>> Config.from_env({}).store is None
    True
    """

    store: Path | None = None
    data_dir: Path = shipped_root()
    write_token: str | None = field(default=None, repr=False)
    write_tokens: Path | None = None
    admin_token: str | None = field(default=None, repr=False)
    shipped: bool = True
    union_default_graph: bool = True
    max_body_bytes: int = 10_000_000
    query_timeout: float = 10.0
    query_memory_mb: int = 1024
    query_slots: int = 4
    query_slots_per_client: int = 2
    query_queue: int = 16
    query_queue_seconds: float = 5.0
    cors_origins: str = "*"
    max_result_rows: int = 10_000
    max_change_quads: int = 100_000
    answer_cache_bytes: int = 64_000_000
    service_allowlist: str = ""

    @property
    def service_endpoints(self) -> frozenset[str]:
        """The endpoints ``SERVICE`` may call (:attr:`service_allowlist`, split).

        >>> sorted(Config(service_allowlist=" https://a.example/sparql  https://b.example/q ").service_endpoints)
        ['https://a.example/sparql', 'https://b.example/q']
        """
        return frozenset(self.service_allowlist.split())

    @property
    def query_memory_bytes(self) -> int | None:
        """The memory limit of a query process in bytes, or None for none.

        >>> Config(query_memory_mb=512).query_memory_bytes, Config(query_memory_mb=0).query_memory_bytes
        (536870912, None)
        """
        return self.query_memory_mb * 2**20 or None

    @property
    def ontology_dir(self) -> Path:
        return self.data_dir / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.data_dir / "shapes"

    @property
    def instance_dir(self) -> Path:
        return self.data_dir / "data"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> "Config":
        """Defaults, then ``ALLIANCE_KG_<NAME>`` variables, then non-None ``overrides`` (CLI flags)."""
        environ = os.environ if environ is None else environ
        values: dict = {}
        for setting in SETTINGS:
            raw = environ.get(f"ALLIANCE_KG_{setting.name.upper()}", "")
            if raw:
                if setting.name in _PATHS:
                    values[setting.name] = Path(raw)
                elif setting.name in _FLAGS:
                    values[setting.name] = _flag(setting.name, raw)
                elif setting.name in _INTEGERS:
                    values[setting.name] = _integer(setting.name, raw)
                elif setting.name in _SECONDS:
                    values[setting.name] = _seconds(setting.name, raw)
                else:
                    values[setting.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        return replace(cls(), **values)
