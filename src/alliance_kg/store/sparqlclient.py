"""The SPARQL 1.1 Protocol (query, update) and the Graph Store Protocol over HTTP, for one remote
store (:mod:`.remote`): a timeout on every call, reads tried again with back-off when the
connection fails or the store answers 502, 503 or 504 (writes never: they may have been
applied), HTTP basic or digest authentication as the store asks, and one error, a 503 naming the
store's URL and what it answered, when it is down, refuses alliance-kg, or answers garbage.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pyoxigraph as ox

from ..errors import QueryEvaluationError, QueryTimeout, RemoteUnavailable, WritesDisabled

JSON = "application/sparql-results+json"
NT = "application/n-triples"


@dataclass(frozen=True)
class Remote:
    """Where the store is and how to reach it."""

    query_url: str
    update_url: str | None = None
    gsp_url: str | None = None
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0
    retries: int = 3

    def __repr__(self) -> str:  # never the password
        return f"Remote(query_url={self.query_url!r}, update_url={self.update_url!r}, gsp_url={self.gsp_url!r})"


class _BasicOrDigest(httpx.Auth):
    """HTTP basic or digest authentication, whichever the store asks for in its challenge."""

    def __init__(self, user: str, password: str):
        self._basic = httpx.BasicAuth(user, password)
        self._digest = httpx.DigestAuth(user, password)

    def auth_flow(self, request: httpx.Request):
        response = yield request
        if response.status_code != 401:
            return
        challenge = response.headers.get("www-authenticate", "").lower()
        auth = self._digest if challenge.startswith("digest") else self._basic
        flow = auth.auth_flow(request)
        answer = yield next(flow)
        try:
            while True:
                answer = yield flow.send(answer)
        except StopIteration:
            return


class _Stream(io.RawIOBase):
    """A response body as a file, read as it arrives (so pyoxigraph parses it as a stream)."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._left:
            try:
                self._left = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._left))
        buffer[:size] = self._left[:size]
        self._left = self._left[size:]
        return size


class SparqlClient:
    """The SPARQL 1.1 Protocol and the Graph Store Protocol, over HTTP, for one store."""

    def __init__(self, remote: Remote):
        self.remote = remote
        auth = _BasicOrDigest(remote.user, remote.password or "") if remote.user else None
        self._http = httpx.Client(timeout=remote.timeout, auth=auth, follow_redirects=True)

    def close(self) -> None:
        self._http.close()

    # --- reads ------------------------------------------------------------------------------------

    def select(self, text: str, **dataset) -> ox.QuerySolutions:
        """The solutions of a SELECT query (the service's own: answers of a few rows), checked."""
        with self._read(text, JSON, dataset) as stream:
            body = stream.read()
        try:
            results = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
            if not isinstance(results, ox.QuerySolutions):
                raise ValueError("a boolean where solutions were asked for")
            rows = list(results)  # read now: garbage is found here, not by the caller
        except (SyntaxError, ValueError) as exc:
            raise self._garbage(exc) from None
        del rows
        return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)  # type: ignore[return-value]

    def triples(self, text: str, **dataset) -> Iterator[ox.Triple]:
        """The triples of a CONSTRUCT query, parsed as they arrive."""
        with self._read(text, NT, dataset) as stream:
            try:
                yield from ox.parse(stream, ox.RdfFormat.N_TRIPLES)
            except (SyntaxError, ValueError) as exc:
                raise self._garbage(exc) from None

    def raw(self, text: str, accept: str, *, timeout: float, **dataset) -> tuple[bytes, str]:
        """A client's query: the store's answer as it sent it (bytes, content type)."""
        response = self._send_read(text, accept, dataset, timeout=timeout)
        return response.content, response.headers.get("content-type", "")

    @contextmanager
    def _read(self, text: str, accept: str, dataset: Mapping[str, Iterable[str]]):
        attempt = 0
        while True:
            try:
                with self._http.stream(
                    "POST", self.remote.query_url, data=self._form(text, dataset), headers={"Accept": accept}
                ) as response:
                    if response.status_code in (502, 503, 504) and attempt < self.remote.retries:
                        raise _Retry()
                    self._check(response, self.remote.query_url)
                    yield _Stream(response.iter_bytes())
                    return
            except (_Retry, httpx.TransportError) as exc:
                attempt += 1
                if attempt > self.remote.retries:
                    raise self._down(self.remote.query_url, exc) from None
                time.sleep(0.1 * 2**attempt)

    def _send_read(self, text: str, accept: str, dataset, *, timeout: float) -> httpx.Response:
        try:
            response = self._http.post(
                self.remote.query_url, data=self._form(text, dataset), headers={"Accept": accept}, timeout=timeout
            )
        except httpx.TimeoutException:
            raise QueryTimeout(
                f"the SPARQL store at {self.remote.query_url} did not answer within {timeout:g} s",
                hint="narrow the query, add a LIMIT, or ask for more time with timeout=",
            ) from None
        except httpx.TransportError as exc:
            raise self._down(self.remote.query_url, exc) from None
        if 400 <= response.status_code < 500:
            raise QueryEvaluationError(
                f"the SPARQL store refused the query ({response.status_code}): {_said(response)}"
            )
        self._check(response, self.remote.query_url)
        return response

    @staticmethod
    def _form(text: str, dataset: Mapping[str, Iterable[str]]) -> dict[str, str | list[str]]:
        return {
            "query": text,
            "default-graph-uri": list(dataset.get("default", ())),
            "named-graph-uri": list(dataset.get("named", ())),
        }

    # --- writes -----------------------------------------------------------------------------------

    def update(self, text: str) -> None:
        """Run a SPARQL Update (never tried again: it may have been applied)."""
        url = self._update_url()
        try:
            response = self._http.post(url, data={"update": text})
        except httpx.TransportError as exc:
            raise self._down(url, exc) from None
        self._check(response, url)

    def post_graph(self, graph: str, data: bytes) -> None:
        """Add N-Triples ``data`` to ``graph`` by the Graph Store Protocol (POST)."""
        url = self.remote.gsp_url
        assert url is not None
        try:
            response = self._http.post(url, params={"graph": graph}, content=data, headers={"Content-Type": NT})
        except httpx.TransportError as exc:
            raise self._down(url, exc) from None
        self._check(response, url)

    def _update_url(self) -> str:
        if self.remote.update_url is None:
            raise WritesDisabled(
                "this service runs over a remote SPARQL store without an update endpoint: it is read-only",
                hint="give --remote-update URL (ALLIANCE_KG_REMOTE_UPDATE) to allow writes",
            )
        return self.remote.update_url

    # --- errors -----------------------------------------------------------------------------------

    def _check(self, response: httpx.Response, url: str) -> None:
        if response.status_code < 300:
            return
        if response.status_code in (401, 403):
            raise RemoteUnavailable(
                f"the SPARQL store at {url} refused alliance-kg's credentials ({response.status_code})",
                hint="set ALLIANCE_KG_REMOTE_USER and ALLIANCE_KG_REMOTE_PASSWORD",
            )
        raise RemoteUnavailable(f"the SPARQL store at {url} answered {response.status_code}: {_said(response)}")

    @staticmethod
    def _down(url: str, exc: BaseException) -> RemoteUnavailable:
        reason = "did not answer in time" if isinstance(exc, httpx.TimeoutException) else "cannot be reached"
        detail = f" ({exc})" if isinstance(exc, httpx.TransportError) and str(exc) else ""
        return RemoteUnavailable(
            f"the SPARQL store at {url} {reason}{detail}",
            hint="check that the store is running; alliance-kg answers again when it is back",
        )

    def _garbage(self, exc: BaseException) -> RemoteUnavailable:
        return RemoteUnavailable(
            f"the SPARQL store at {self.remote.query_url} answered something that is not SPARQL results: {exc}"
        )


class _Retry(Exception):
    """A read the store answered with 502, 503 or 504: try again."""


def _said(response: httpx.Response) -> str:
    try:
        text = response.read().decode("utf-8", "replace")
    except httpx.HTTPError:
        return "(no readable answer)"
    return " ".join(text.split())[:300] or "(an empty answer)"
