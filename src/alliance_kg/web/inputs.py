"""Refuse text that is not UTF-8 before Werkzeug mends it: the path, the query string, a form body.

Werkzeug decodes these leniently: an invalid byte in the path becomes U+FFFD, one in a query
parameter or a form field is quietly left percent-encoded, and a form body with a raw invalid
byte is read as an empty form. So every request's raw bytes are checked first, and text that is
not UTF-8 is a 400 that names the part (the path, query parameter ``query``, form field
``update``) and the offset of the first bad byte (``byte`` in the error, counted in the decoded
path or value). A NUL (U+0000, raw or as ``%00``) is refused the same way: no name, parameter
or SPARQL text here holds one (a SPARQL string may still write it as the escape ``\\u0000``).

JSON bodies are checked where they are read (:func:`alliance_kg.web.writes.json_body`).
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Blueprint, request

from ..errors import BadRequest

FORM = "application/x-www-form-urlencoded"
UTF8_HINT = "send text as UTF-8, percent-encoded in a URL or form (é is %C3%A9)"
NUL_HINT = "no name, parameter or query here holds a NUL; a SPARQL string may write it as \\u0000"

blueprint = Blueprint("inputs", __name__)


@blueprint.before_app_request
def refuse_invalid_text() -> None:
    """Check the raw path, query string and form body of every request before any view reads them."""
    check_text(wsgi_bytes(request.environ.get("PATH_INFO", "")), "the path")
    check_pairs(wsgi_bytes(request.environ.get("QUERY_STRING", "")), "query parameter")
    if request.mimetype == FORM:
        # cached, so request.form is parsed from these bytes later; over the limit, this is a 413
        check_pairs(request.get_data(cache=True, parse_form_data=False), "form field")


def wsgi_bytes(value: str) -> bytes:
    """The bytes a WSGI ``environ`` string stands for (WSGI gives them as latin-1 text).

    >>> wsgi_bytes("/doc/\\xff")
    b'/doc/\\xff'
    """
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:  # not from a WSGI server; keep every character, bad ones stay bad
        return value.encode("utf-8", "surrogatepass")


def check_pairs(raw: bytes, part: str) -> None:
    """Check each ``name=value`` of a query string or form body (``+`` and ``%XX`` decoded).

    >>> check_pairs(b"query=ASK%20%7B%7D&timeout=2", "query parameter")
    >>> check_pairs(b"query=%FF", "query parameter")
    Traceback (most recent call last):
    ...
    alliance_kg.errors.BadRequest: query parameter 'query' is not valid UTF-8: invalid start byte at byte 0 ...
    """
    for pair in raw.split(b"&"):
        if not pair:
            continue
        name, _, value = pair.partition(b"=")
        key = check_text(unquote_to_bytes(name.replace(b"+", b" ")), f"the name of a {part}")
        check_text(unquote_to_bytes(value.replace(b"+", b" ")), f"{part} {key!r}")


def check_text(data: bytes, where: str) -> str:
    """``data`` decoded as UTF-8; a 400 naming ``where`` and the byte if it is not, or holds a NUL.

    >>> check_text(b"Citro\\xc3\\xabn", "the path")
    'Citroën'
    >>> check_text(b"a\\x00", "the path")
    Traceback (most recent call last):
    ...
    alliance_kg.errors.BadRequest: the path contains a NUL character (U+0000) at byte 1 ...
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _error(f"{where} is not valid UTF-8: {exc.reason} at byte {exc.start}", exc.start, UTF8_HINT) from None
    if "\x00" in text:
        raise _error(f"{where} contains a NUL character (U+0000) at byte {data.index(0)}", data.index(0), NUL_HINT)
    return text


def _error(message: str, offset: int, hint: str) -> BadRequest:
    """A 400 with the offset of the bad byte as ``byte`` (the error envelope's field for it)."""
    error = BadRequest(message, hint=hint)
    error.details = {"byte": offset}
    return error
