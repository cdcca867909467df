"""One exception hierarchy for alliance-kg. Each error carries the HTTP status it maps to."""

from __future__ import annotations

import re

_POSITION = re.compile(r"\bat (\d+):(\d+)")


class AllianceKGError(Exception):
    """Base class: a problem alliance-kg can name. ``status`` is its HTTP status, ``code`` a short slug."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

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


class NotFound(AllianceKGError):
    """A named thing does not exist."""

    status = 404
    code = "not_found"


class ConfigurationError(AllianceKGError):
    """The installation is broken: a missing data directory, an unreadable shapes file."""

    status = 500
    code = "configuration_error"


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
