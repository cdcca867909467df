"""CORS: pages from other origins may read answers (a setting, any origin by default); writes
are never allowed by CORS.

A read is a GET or HEAD, or a POST of a SPARQL query. Preflight requests (OPTIONS) are answered
for those methods and for the ``Accept`` and ``Content-Type`` headers only, never for
``Authorization``: a browser therefore never sends a write with a token across origins.
"""

from __future__ import annotations

from flask import Response, request
from werkzeug.exceptions import HTTPException

READ_METHODS = "GET, HEAD, POST"
READ_HEADERS = "Accept, Content-Type"
FORM = "application/x-www-form-urlencoded"
UPDATE_BODY = "application/sparql-update"


def allowed_origin(setting: str, origin: str | None) -> str | None:
    """The ``Access-Control-Allow-Origin`` value for ``origin`` under ``setting``.

    >>> allowed_origin("*", "https://a.example"), allowed_origin("", "https://a.example")
    ('*', None)
    >>> allowed_origin("https://a.example https://b.example", "https://b.example")
    'https://b.example'
    >>> allowed_origin("https://a.example", "https://evil.example") is None
    True
    """
    if not origin or not setting.strip():
        return None
    if setting.strip() == "*":
        return "*"
    return origin if origin in setting.split() else None


def _is_read() -> bool:
    """Whether the request is a read: GET, HEAD, a preflight for a read, or a POST of a query."""
    if request.method in ("GET", "HEAD"):
        return True
    if request.method == "OPTIONS":
        wanted = (request.headers.get("Access-Control-Request-Method") or "").upper()
        headers = {
            h.strip().lower()
            for h in (request.headers.get("Access-Control-Request-Headers") or "").split(",")
            if h.strip()
        }
        return wanted in ("GET", "HEAD", "POST") and headers <= {"accept", "content-type"}
    if request.method == "POST" and request.path == "/sparql":
        if request.mimetype == FORM:
            return _form_is_a_query()
        return request.mimetype != UPDATE_BODY
    return False


def _form_is_a_query() -> bool:
    """Whether a form POSTed to /sparql holds no update; ``False`` when its body could not be read
    (over the size limit, cut short): an answer to such a request is not certainly a read, so it
    gets no CORS headers, and reading the form again must not turn its error into a 500."""
    try:
        return "update" not in request.form
    except HTTPException:
        return False


def allow_reads(response: Response, setting: str) -> Response:
    """Add the CORS headers a read from an allowed origin needs; nothing for writes."""
    origin = allowed_origin(setting, request.headers.get("Origin"))
    if origin is None or not _is_read():
        return response
    response.headers["Access-Control-Allow-Origin"] = origin
    if origin != "*":
        response.vary.add("Origin")
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = READ_METHODS
        response.headers["Access-Control-Allow-Headers"] = READ_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
    else:
        response.headers["Access-Control-Expose-Headers"] = "Link, Location, X-SPARQL-MaxRows"
    return response
