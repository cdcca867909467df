"""Settings: one frozen :class:`Config`, built from defaults, then ``ALLIANCE_KG_*`` variables, then flags.

Nothing else in alliance-kg reads the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import Field, dataclass, field, fields, replace
from pathlib import Path
from typing import get_args, get_type_hints

from .resources import shipped_root


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


def _integer(name: str, raw: str, *, zero: bool = False) -> int:
    """
    >>> _integer("max_body_bytes", "2048")
    2048
    """
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValueError(f"ALLIANCE_KG_{name.upper()}={raw!r} is not a whole number") from None
    if value < 0 or (value == 0 and not zero):
        raise ValueError(f"ALLIANCE_KG_{name.upper()}={raw!r} must be {'0 or more' if zero else 'positive'}")
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


def setting(default, help: str, *, zero: bool = False, secret: bool = False, aliases: tuple[str, ...] = ()):
    """A field of :class:`Config`: its default, what it does (for the README), whether 0 is
    allowed (off), whether it is a secret (left out of ``repr``), and older names of its
    environment variable that are still read."""
    return field(default=default, repr=not secret, metadata={"help": help, "zero": zero, "aliases": aliases})


@dataclass(frozen=True)
class Config:
    """Settings of one alliance-kg instance: each field's default and description are given once,
    here; each is read from ``ALLIANCE_KG_<NAME>`` (:meth:`from_env`), typed by its annotation.

    >>> Config.from_env({"ALLIANCE_KG_STORE": "/tmp/kg"}).store
    PosixPath('/tmp/kg')
    >>> Config.from_env({}).store is None, Config.from_env({"ALLIANCE_KG_QUERY_SLOTS": "8"}).query_slots
    (True, 8)
    """

    store: Path | None = setting(
        None, "Directory of a persistent Oxigraph store; empty: in memory, loaded from the shipped data."
    )
    data_dir: Path = setting(
        shipped_root(), "Root of the shipped graph (ontology/, data/, shapes/); empty: the installed copy."
    )
    write_token: str | None = setting(
        None, "A bearer token that allows writes (its name in the change log: 'token'); empty: none.", secret=True
    )
    write_tokens_file: Path | None = setting(
        None,
        "A file of write tokens, one 'name: token' per line ('name: token "
        "admin' for an admin token); empty: none. (Also read from "
        "ALLIANCE_KG_WRITE_TOKENS, its former name.)",
        aliases=("WRITE_TOKENS",),
    )
    admin_token: str | None = setting(
        None,
        "A bearer token that allows every write, destructive ones too (DROP ALL, "
        "emptying a layer graph); its name in the change log: 'admin'; empty: "
        "none.",
        secret=True,
    )
    shipped: bool = setting(True, "Load the shipped graph into an empty store; false: start with an empty graph.")
    query_timeout: float = setting(
        10.0, "Seconds a SPARQL query may run before it is stopped (503); a request may ask for less with timeout=."
    )
    query_memory_mb: int = setting(
        1024,
        "Megabytes a query (or update) process may allocate beyond the graph it "
        "shares with the service; past it the work is stopped (503); 0: no limit.",
        zero=True,
    )
    query_slots: int = setting(4, "SPARQL queries that run at once in query processes; others wait (query_queue).")
    query_slots_per_client: int = setting(2, "Of the query slots, how many one client address may hold at once.")
    query_queue: int = setting(
        16,
        "Queries that may wait for a slot at once (at most half from one client); past it, 503 with Retry-After.",
        zero=True,
    )
    query_queue_seconds: float = setting(5.0, "Seconds a query may wait for a slot; past it, 503 with Retry-After.")
    max_body_bytes: int = setting(10_000_000, "The largest request body accepted, in bytes; a larger one is a 413.")
    max_result_rows: int = setting(
        10_000, "Rows (or triples) a SPARQL answer may hold; past it the answer is cut and says so (X-SPARQL-MaxRows)."
    )
    max_change_quads: int = setting(
        100_000, "Quads one write may add and remove together (SPARQL Update, Graph Store, JSON API); more is a 413."
    )
    answer_cache_bytes: int = setting(
        64_000_000, "Bytes of SPARQL answers kept for repeated queries until the graph changes; 0: no cache.", zero=True
    )
    service_allowlist: str = setting(
        "", "Endpoints a query may call with SERVICE: a space-separated list of IRIs; empty: no SERVICE at all."
    )
    cors_origins: str = setting(
        "*",
        "Origins whose pages may read answers (CORS): '*' any, a space-separated list, "
        "or empty for none. Writes never.",
    )
    union_default_graph: bool = setting(
        True, "SPARQL's default graph is the union of all graphs; false: the store's own default graph only."
    )
    remote_query: str | None = setting(
        None,
        "The query URL of a remote SPARQL 1.1 store to run over instead of the embedded one (the "
        "SPARQL Protocol); empty: the embedded store.",
    )
    remote_update: str | None = setting(
        None, "The update URL of the remote store; empty: the service is read-only over it."
    )
    remote_gsp: str | None = setting(
        None, "The Graph Store Protocol URL of the remote store, for bulk loads; empty: loads go as updates."
    )
    remote_user: str | None = setting(None, "The user name for the remote store (HTTP basic or digest); empty: none.")
    remote_password: str | None = setting(
        None, "The password for the remote store (never on the command line, never logged).", secret=True
    )
    remote_timeout: float = setting(30.0, "Seconds any one call to the remote store may take.")

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
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Config:
        """Defaults, then ``ALLIANCE_KG_<NAME>`` variables, then non-None ``overrides`` (CLI flags).

        :raises ValueError: a variable whose value is not of its setting's kind.
        """
        environ = os.environ if environ is None else environ
        values: dict = {}
        for item in SETTINGS:
            names = (item.name.upper(), *item.field.metadata["aliases"])
            raw = next((environ[f"ALLIANCE_KG_{n}"] for n in names if environ.get(f"ALLIANCE_KG_{n}")), "")
            if raw:
                values[item.name] = item.read(raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - {item.name for item in SETTINGS}
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        return replace(cls(), **values)


@dataclass(frozen=True)
class Setting:
    """A setting as the README and the environment know it: a field of :class:`Config`."""

    field: Field

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def help(self) -> str:
        return self.field.metadata["help"]

    @property
    def default(self) -> str:
        """The default as it would be written in the environment (empty: none, or the installed copy).

        >>> {s.name: s.default for s in SETTINGS if s.name in ("data_dir", "shipped", "query_timeout")}
        {'data_dir': '', 'shipped': 'true', 'query_timeout': '10'}
        """
        value = self.field.default
        if value is None or self.name == "data_dir":
            return ""
        if isinstance(value, bool):
            return str(value).lower()
        return f"{value:g}" if isinstance(value, float) else str(value)

    def read(self, raw: str):
        """``raw`` (an environment variable's value) as this setting's type.

        :raises ValueError: it is not of that type, or out of range.
        """
        kind = _TYPES[self.name]
        if Path in kind:
            return Path(raw)
        if bool in kind:
            return _flag(self.name, raw)
        if int in kind:
            return _integer(self.name, raw, zero=self.field.metadata["zero"])
        if float in kind:
            return _seconds(self.name, raw)
        return raw


_TYPES = {name: set(get_args(hint)) or {hint} for name, hint in get_type_hints(Config).items()}
#: Every setting, in the order of :class:`Config`.
SETTINGS = tuple(Setting(f) for f in fields(Config))
