"""One exception hierarchy for alliance-kg. Each error carries the HTTP status it maps to."""

from __future__ import annotations


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


class RDFSyntaxError(BadRequest):
    """An RDF document that does not parse."""

    code = "rdf_syntax_error"


class UnsupportedFormat(BadRequest):
    """A serialisation format alliance-kg does not read or write."""

    code = "unsupported_format"


class NotFound(AllianceKGError):
    """A named thing does not exist."""

    status = 404
    code = "not_found"


class ConfigurationError(AllianceKGError):
    """The installation is broken: a missing data directory, an unreadable shapes file."""

    status = 500
    code = "configuration_error"
