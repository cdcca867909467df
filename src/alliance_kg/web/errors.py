"""One JSON error envelope for every failure: ``{"error": {"status", "code", "message", "hint"}}``.

alliance-kg's own errors carry their status; HTTP errors raised by Flask (unknown route, wrong
method) keep theirs; anything else is a bug: logged with its traceback, answered with a
generic 500 that leaks nothing. A browser (a request whose ``Accept`` prefers ``text/html`` to
JSON) gets the same error as a page, with the things a name could mean as links.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..errors import AllianceKGError, NotFound

#: Where the API lists the things of a kind, added to the hint of a :class:`NotFound` of that kind.
WHERE_LISTED = {
    "region": "/api/scopes?kind=region lists them",
    "technology": "/api/scopes?kind=technology lists the technology scopes",
    "segment": "/api/scopes?kind=segment lists the segment scopes",
    "company": "/api/companies lists them",
    "model": "/api/models lists the models",
    "brand": "/api/models shows the brand of each model",
    "platform": "/api/lineage/CMF shows the platform family",
    "assignment": "/api/companies/{key} lists the assignments of a company",
    "thing": "/api/scopes, /api/companies and /api/models list things",
}


def hint_of(exc: AllianceKGError) -> str | None:
    """The hint of ``exc``, with where the API lists the things of its kind when it names none."""
    listed = WHERE_LISTED.get(getattr(exc, "kind", None) or "") if isinstance(exc, NotFound) else None
    if listed is None:
        return exc.hint
    return f"{exc.hint}; {listed}" if exc.hint else listed


def envelope(status: int, code: str, message: str, hint: str | None = None, **extra) -> Response:
    """The error as JSON, or as a page for a browser (:func:`wants_html`)."""
    if wants_html():
        try:
            return _page(status, code, message, hint, extra)
        except Exception:  # noqa: BLE001 - a page that fails (a broken template) must not hide the error
            pass
    body = {"status": status, "code": code, "message": message, "hint": hint, **extra}
    response = jsonify({"error": body})
    response.status_code = status
    return response


#: Paths of the data services: their errors are always the JSON envelope, whatever ``Accept`` says
#: (clients of the API, SPARQL and the Graph Store read errors by their ``code``).
DATA_PATHS = ("/api/", "/sparql", "/store", "/health", "/openapi.json", "/.well-known/", "/vendor/", "/static/")


def wants_html() -> bool:
    """Whether the error should be a page: a request for a page (not a data service's path)
    whose ``Accept`` prefers ``text/html`` to JSON (a browser's; not ``*/*``, not a missing header)."""
    if request.path.startswith(DATA_PATHS):
        return False
    accept = request.accept_mimetypes
    return accept.quality("text/html") > accept.quality("application/json") and "text/html" in accept.values()


def _page(status: int, code: str, message: str, hint: str | None, extra: dict) -> Response:
    candidates, suggestions = extra.get("candidates") or [], extra.get("suggestions") or []
    html = render_template(
        "error.html",
        status=status,
        title=code.replace("_", " "),
        message=message,
        hint=hint,
        choices=candidates or suggestions,
        choices_title="It could mean" if candidates else "Closest names",
        query=next((v for v in request.view_args.values() if isinstance(v, str)), None) if request.view_args else None,
    )
    return Response(html, status=status, content_type="text/html; charset=utf-8")


def _code_for(exc: HTTPException) -> str:
    return (exc.name or "error").lower().replace(" ", "_").replace("'", "")


def register(app: Flask) -> None:
    @app.errorhandler(AllianceKGError)
    def _ours(exc: AllianceKGError):
        if exc.status >= 500:
            app.logger.error("%s: %s", exc.code, exc.message)
        response = envelope(exc.status, exc.code, exc.message, hint_of(exc), **exc.details)
        response.headers.update(exc.headers)
        return response

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        hint, message = None, exc.description or exc.name
        if exc.code == 404:
            hint = "see the README for the endpoints: /sparql, /api/..., /health"
        if exc.code == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            message = f"the request body is larger than the limit of {limit:,} bytes"
            hint = "the limit is the setting max_body_bytes (ALLIANCE_KG_MAX_BODY_BYTES)"
        response = envelope(exc.code or 500, _code_for(exc), message, hint)
        for name in ("Allow", "WWW-Authenticate"):
            value = exc.get_response().headers.get(name)
            if value:
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _bug(exc: Exception):
        app.logger.exception("unexpected error")
        return envelope(
            500,
            "internal_error",
            "the server failed to answer this request",
            "this is a bug in alliance-kg: please report it with the request that caused it",
        )
