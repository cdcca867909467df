"""The front of the service: a WSGI layer every request passes before Flask.

1. **One truth across processes.** It first applies the writes other worker processes accepted
   that this one has not (``sync``: :meth:`alliance_kg.rules.guard.Guard.catch_up`; a read of
   shared memory when there are none), so no answer is older than the last acknowledged write.
2. **The cheap path.** A repeated ``GET`` (or ``HEAD``) whose answer is kept is answered here,
   without Flask's routing, request objects or content negotiation: the answers are kept by
   method, path, query string, ``Accept``, ``Origin`` and ``Host``, for the graph's current
   version only (:class:`alliance_kg.store.cache.AnswerCache`: a write empties it, in every process,
   since each process compares versions). Kept: ``200`` answers of a known length within the cache's
   size, without ``Cache-Control: no-store`` or a cookie; never ``/health`` (it reports the live
   state), never a request that carries credentials (``Authorization``, ``Cookie``).
3. **Conditional requests.** Such an answer carries ``ETag`` (the graph's version and the request's
   key) and ``Last-Modified`` (the time of the last write); ``If-None-Match`` (or, without it,
   ``If-Modified-Since``) that still holds is answered ``304 Not Modified``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from ..store.cache import AnswerCache

#: Never answered from the cache: they report the live state of the process.
UNCACHED = frozenset({"/health"})
#: The headers a ``304`` repeats (RFC 9110, 15.4.5).
_NOT_MODIFIED_HEADERS = frozenset({"etag", "last-modified", "cache-control", "vary", "content-location", "expires"})


class Front:
    """WSGI middleware in front of ``app`` (see the module). ``sync`` is called first on every
    request; ``version`` and ``modified`` give the graph's state and the time of its last write."""

    def __init__(
        self,
        app: Callable,
        *,
        sync: Callable[[], None],
        version: Callable[[], int],
        modified: Callable[[], float],
        max_bytes: int,
    ):
        self.app = app
        self.sync = sync
        self.version = version
        self.modified = modified
        self.answers = AnswerCache(max_bytes)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        self.sync()
        method = environ.get("REQUEST_METHOD", "")
        path = environ.get("PATH_INFO", "")
        if (
            method not in ("GET", "HEAD")
            or path in UNCACHED
            or "HTTP_AUTHORIZATION" in environ
            or "HTTP_COOKIE" in environ
            or not self.answers.max_bytes
        ):
            return self.app(environ, start_response)
        version = self.version()
        key = (
            method,
            environ.get("SCRIPT_NAME", ""),
            path,
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT", ""),
            environ.get("HTTP_ORIGIN", ""),
            environ.get("HTTP_HOST", ""),
        )
        kept = self.answers.get(version, key)
        if kept is None:
            captured: dict = {}

            def capture(status: str, headers: list, exc_info=None):
                captured.update(status=status, headers=headers)
                return lambda data: None  # Flask never writes through it

            result = self.app(environ, capture)
            if not captured:  # not started yet: nothing to keep (Flask always starts at once)
                return _started_late(result, captured, start_response)
            headers = captured["headers"]
            if not self._keeps(captured["status"], headers):
                start_response(captured["status"], headers)
                return result
            try:
                body = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            # the tag of the representation: the same for GET and HEAD, and in every process
            headers = [*headers, ("ETag", _etag(version, key[1:])), ("Last-Modified", _http_date(self.modified()))]
            about = {"status": captured["status"], "headers": headers}
            if self.version() == version:  # no write meanwhile: the answer is this version's
                self.answers.put(version, key, body, about)
            kept = (body, about)
        body, about = kept
        if _not_modified(environ, about["headers"]):
            start_response(
                "304 Not Modified", [(k, v) for k, v in about["headers"] if k.lower() in _NOT_MODIFIED_HEADERS]
            )
            return [b""]
        start_response(about["status"], about["headers"])
        return [b""] if method == "HEAD" else [body]

    def clear(self) -> None:
        """Forget every kept answer (for a change that is not a write: a file the pages use)."""
        self.answers = AnswerCache(self.answers.max_bytes)

    def _keeps(self, status: str, headers: list) -> bool:
        if not status.startswith("200"):
            return False
        names = {k.lower(): v for k, v in headers}
        length = names.get("content-length")
        if length is None or not length.isdigit() or int(length) > self.answers.max_bytes:
            return False  # streamed, or too big to keep: passed through as it comes
        return "set-cookie" not in names and "no-store" not in names.get("cache-control", "")


def _started_late(result: Iterable[bytes], captured: dict, start_response: Callable) -> Iterable[bytes]:
    """Pass ``result`` through, starting the response when the app did (at its first chunk)."""
    started = False
    try:
        for chunk in result:
            if not started:
                start_response(captured["status"], captured["headers"])
                started = True
            yield chunk
        if not started:
            start_response(captured["status"], captured["headers"])
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


def _etag(version: int, key: tuple) -> str:
    digest = hashlib.blake2b(repr(key).encode(), digest_size=8).hexdigest()
    return f'W/"{version}-{digest}"'


def _http_date(seconds: float) -> str:
    return format_datetime(datetime.fromtimestamp(int(seconds), UTC), usegmt=True)


def _not_modified(environ: dict, headers: list) -> bool:
    """Whether the request's conditions say the client's copy is current (RFC 9110, 13.2.2)."""
    values = {k.lower(): v for k, v in headers}
    match = environ.get("HTTP_IF_NONE_MATCH")
    if match is not None:  # weak comparison: a client may send the tag with or without W/
        tags = {t.strip().removeprefix("W/") for t in match.split(",")}
        return "*" in tags or values.get("etag", "").removeprefix("W/") in tags
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if since is not None and "last-modified" in values:
        try:
            return parsedate_to_datetime(values["last-modified"]) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False  # a date that is not one: answered in full
    return False
