"""One exception hierarchy for alliance-kg. Each error carries the HTTP status it maps to."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

_POSITION = re.compile(r"\bat (\d+):(\d+)")


class AllianceKGError(Exception):
    """Base class: a problem alliance-kg can name. ``status`` is its HTTP status, ``code`` a short slug."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        #: More about the error for a client (e.g. the ``line`` and ``column`` of a syntax error).
        self.details: dict = {}
        #: HTTP headers its answer carries (e.g. ``Retry-After``).
        self.headers: dict[str, str] = {}

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class BadRequest(AllianceKGError):
    """The caller's input is wrong."""

    status = 400
    code = "bad_request"


class QuerySyntaxError(BadRequest):
    """A SPARQL query or update that does not parse."""

    code = "query_syntax_error"


class QueryEvaluationError(BadRequest):
    """A query or update that parses but cannot be evaluated or serialised."""

    code = "query_evaluation_error"


class RDFSyntaxError(BadRequest):
    """An RDF document that does not parse."""

    code = "rdf_syntax_error"


class UnsupportedFormat(BadRequest):
    """A serialisation format alliance-kg does not read or write."""

    code = "unsupported_format"


class UnknownGraph(BadRequest):
    """A query or update reads a graph (``FROM``, ``USING``, a dataset parameter) this store does
    not hold: the service never fetches one from the web or a file."""

    code = "unknown_graph"


class ChangeTooLarge(AllianceKGError):
    """A write would add and remove more quads than the setting ``max_change_quads`` allows."""

    status = 413
    code = "change_too_large"


class Forbidden(AllianceKGError):
    """A write to something only the service writes."""

    status = 403
    code = "forbidden"


class FederationDisabled(BadRequest):
    """A query or update that would call another endpoint or fetch a document (SERVICE, LOAD)."""

    code = "federation_disabled"


class Unauthorized(AllianceKGError):
    """A write without a valid bearer token."""

    status = 401
    code = "unauthorized"


class WritesDisabled(AllianceKGError):
    """A write to a service that has no write token configured."""

    status = 403
    code = "writes_disabled"


class NotAcceptable(AllianceKGError):
    """None of the media types the client accepts is available."""

    status = 406
    code = "not_acceptable"


class Conflict(AllianceKGError):
    """The thing to create exists already."""

    status = 409
    code = "conflict"


class UnsupportedMediaType(AllianceKGError):
    """A request body of a media type the endpoint does not read."""

    status = 415
    code = "unsupported_media_type"


class ValidationFailed(AllianceKGError):
    """A write the shapes reject: nothing was changed."""

    status = 422
    code = "validation_failed"


class QueryTimeout(AllianceKGError):
    """Work that ran past its time limit and was stopped."""

    status = 503
    code = "query_timeout"


class QueryMemoryLimit(AllianceKGError):
    """Work that needed more memory than its process may use, and was stopped."""

    status = 503
    code = "query_memory_limit"


class RemoteUnavailable(AllianceKGError):
    """The remote SPARQL store is down, refused alliance-kg, or answered what cannot be read."""

    status = 503
    code = "store_unavailable"


class TooBusy(AllianceKGError):
    """Every query slot the request could use is taken, and its wait would be too long: try
    again later (the answer carries ``Retry-After``)."""

    status = 503
    code = "too_busy"


class TooDeeplyNested(BadRequest):
    """A query, an update or a document nested deeper than the service parses."""

    code = "too_deeply_nested"


class QueryTooComplex(BadRequest):
    """A query or update whose process crashed while parsing or evaluating it: it nests or
    chains more than the engine can take."""

    code = "query_too_complex"


class AdminRequired(AllianceKGError):
    """A destructive write (``DROP ALL``, emptying a layer graph...) sent without an admin token."""

    status = 403
    code = "admin_required"


class NotFound(AllianceKGError):
    """A named thing does not exist. ``kind``: what kind of thing was looked for (``region``,
    ``company``…; ``thing`` for anything), so that a front end can say where they are listed."""

    status = 404
    code = "not_found"

    def __init__(self, message: str, *, hint: str | None = None, kind: str | None = None):
        super().__init__(message, hint=hint)
        self.kind = kind


class ConfigurationError(AllianceKGError):
    """The installation is broken: a missing data directory, an unreadable shapes file."""

    status = 500
    code = "configuration_error"


class StoreInUse(ConfigurationError):
    """A store on disk that another process holds open (a running server, say)."""

    code = "store_in_use"


class JournalDamaged(ConfigurationError):
    """A store's write journal that cannot be read back (``path``: the damaged file or folder,
    ``problem``: how). Made by :meth:`of`.

    The journal of a write is cleared before the write is acknowledged, so the write it records
    was never acknowledged to its client; the store will not open until the journal is dealt with.

    >>> str(JournalDamaged.of("s/journal/added.nq", "is missing", store="s")).split(";")[0]
    'the write journal of the store s is damaged: s/journal/added.nq is missing'
    """

    code = "journal_damaged"
    path: Path | None = None
    problem = ""

    @classmethod
    def of(cls, path: str | Path, problem: str, *, store: str | Path) -> JournalDamaged:
        """The error for ``path``, a file of the journal of the store at ``store`` (or the journal itself)."""
        error = cls(
            f"the write journal of the store {store} is damaged: {path} {problem}; the write it records "
            "was never acknowledged to its client",
            hint=f"restore {store} from a backup or an export, or run `alliance-kg --store "
            f"{shlex.quote(str(store))} recover --discard-incomplete` to set the journal aside "
            "and open the store as it is on disk",
        )
        error.path, error.problem = Path(path), problem
        return error


def query_syntax_error(exc: SyntaxError) -> QuerySyntaxError:
    """Oxigraph's syntax error as alliance-kg's, with ``line`` and ``column`` (1-based) in ``details``.

    >>> error = query_syntax_error(SyntaxError("error at 2:7: expected BY"))
    >>> error.message, error.details
    ('SPARQL syntax error: error at 2:7: expected BY', {'line': 2, 'column': 7})
    """
    message = str(exc)
    if "Prefix not found" in message:
        hint = "declare each prefix the query uses with PREFIX: this endpoint adds none"
    else:
        hint = "see https://www.w3.org/TR/sparql11-query/#grammar"
    error = QuerySyntaxError(f"SPARQL syntax error: {message}", hint=hint)
    position = _POSITION.search(message)
    error.details = {"line": int(position[1]), "column": int(position[2])} if position else {}
    return error


def error_class(code: str) -> type[AllianceKGError] | None:
    """The error class whose ``code`` is ``code`` (an error rebuilt from its code, as a query
    process reports it), or None.

    >>> error_class("query_timeout").__name__, error_class("no_such_code")
    ('QueryTimeout', None)
    """
    stack: list[type[AllianceKGError]] = [AllianceKGError]
    while stack:
        cls = stack.pop()
        if cls.__dict__.get("code") == code:
            return cls
        stack.extend(cls.__subclasses__())
    return None


class NeedsNetwork(AllianceKGError):
    """Between a query process and the service: the query calls only allowed endpoints
    (``SERVICE``), and this process may not reach them; run it where the network is open.
    Never answered to a client (it would be a bug: a 500)."""

    code = "needs_network"
