"""The SPARQL 1.1 Protocol (query, update) and the Graph Store Protocol over HTTP, for one remote
store (:mod:`.remote`): a timeout on every call, reads tried again with back-off when the
connection fails or the store answers 502, 503 or 504 (writes never: they may have been
applied), HTTP basic or digest authentication as the store asks, and one error, a 503 naming the
store's URL and what it answered, when it is down, refuses alliance-kg, or answers garbage.

**Virtuoso** (Open Source 7; docs/virtuoso-notes.md) is told apart from other stores once, by the
``Server:`` header of its answers (``Virtuoso/07.20...``: :attr:`SparqlClient.virtuoso`), and only
then does the client speak Virtuoso's dialect: updates begin with ``DEFINE sql:big-data-const 1``
(without it an ``INSERT DATA`` of 1,500 triples exceeds its generated-SQL limit). Whatever the
store, the client reads the blank nodes Virtuoso writes in JSON results (``nodeID://b10002``, not a
blank node label) as labels, takes an answer a store cut at its row cap (the ``X-SPARQL-MaxRows``
header, Virtuoso's ``ResultSetMaxRows``) for what it is, and says a store's text/plain error
without the query text it repeats. Virtuoso cuts a ``CONSTRUCT`` at the same cap without a header:
the client reads the cap once (:attr:`SparqlClient.row_cap`, through Virtuoso's ``bif:`` functions)
and takes an answer of that many triples for a cut one.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pyoxigraph as ox

from ..errors import QueryEvaluationError, QueryTimeout, RemoteUnavailable, WritesDisabled

JSON = "application/sparql-results+json"
NT = "application/n-triples"
#: The header by which a store says it cut an answer at its row cap (Virtuoso: ``ResultSetMaxRows``).
CUT_HEADER = "x-sparql-maxrows"
#: What an update sent to Virtuoso begins with: constants of any size (see the module).
VIRTUOSO_UPDATE_PROLOGUE = "DEFINE sql:big-data-const 1\n"
#: Virtuoso's row cap (``ResultSetMaxRows`` of its virtuoso.ini), which its anonymous endpoint may read.
VIRTUOSO_ROW_CAP = "SELECT (bif:cfg_item_value(bif:virtuoso_ini_path(), 'SPARQL', 'ResultSetMaxRows') AS ?cap) {}"


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
        self.server: str | None = None  # the Server header of the store's last answer
        self._row_cap: tuple[int | None] | None = None
        auth = _BasicOrDigest(remote.user, remote.password or "") if remote.user else None
        self._http = httpx.Client(
            timeout=remote.timeout, auth=auth, follow_redirects=True, event_hooks={"response": [self._note_server]}
        )

    def close(self) -> None:
        self._http.close()

    def _note_server(self, response: httpx.Response) -> None:
        self.server = response.headers.get("server", "")

    @property
    def virtuoso(self) -> bool:
        """Whether the store is Virtuoso, by the ``Server:`` header of its answers (asked once with
        an ``ASK {}`` if it has not answered yet)."""
        if self.server is None:
            with self._read("ASK {}", JSON, {}) as stream:
                stream.read()
        return (self.server or "").startswith("Virtuoso/")

    @property
    def row_cap(self) -> int | None:
        """How many rows (or triples) the store gives at most, when it cuts answers without saying
        so: Virtuoso's ``ResultSetMaxRows`` (``None``: another store, no cap, or unreadable)."""
        if self._row_cap is None:
            cap = None
            if self.virtuoso:
                try:
                    rows = list(self.select(VIRTUOSO_ROW_CAP))
                except RemoteUnavailable:  # an endpoint not allowed to read it: as if there were none
                    rows = []
                value = rows[0]["cap"] if rows else None
                if isinstance(value, ox.Literal) and value.value.isdigit() and int(value.value) > 0:
                    cap = int(value.value)
            self._row_cap = (cap,)
        return self._row_cap[0]

    # --- reads ------------------------------------------------------------------------------------

    def select(self, text: str, **dataset) -> ox.QuerySolutions:
        """The solutions of a SELECT query (the service's own: answers of a few rows), checked."""
        with self._read(text, JSON, dataset) as stream:
            body = stream.read()
        results = self.results(body)
        if not isinstance(results, ox.QuerySolutions):
            raise self._garbage(ValueError("a boolean where solutions were asked for"))
        return results

    def ask(self, text: str, **dataset) -> ox.QueryBoolean | ox.QuerySolutions:
        """The answer of an ASK query (pyoxigraph's boolean), checked."""
        with self._read(text, JSON, dataset) as stream:
            return self.results(stream.read())

    def results(self, body: bytes) -> ox.QuerySolutions | ox.QueryBoolean:
        """SPARQL JSON results, checked (garbage is found here, not by the caller), with Virtuoso's
        ``nodeID://`` blank nodes read as labels."""
        if b'"nodeID://' in body:
            body = _relabel_blank_nodes(body)
        try:
            results = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
            if isinstance(results, ox.QuerySolutions):
                list(results)  # read to the end now, then again for the caller
                results = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as exc:
            raise self._garbage(exc) from None
        return results

    def triples(self, text: str, **dataset) -> Iterator[ox.Triple]:
        """The triples of a CONSTRUCT query, parsed as they arrive; the last is followed by an
        error if there are as many as the store's :attr:`row_cap`."""
        cap, count = self.row_cap, 0
        with self._read(text, NT, dataset) as stream:
            try:
                for count, triple in enumerate(ox.parse(stream, ox.RdfFormat.N_TRIPLES), 1):  # noqa: B007
                    yield triple
            except (SyntaxError, ValueError) as exc:
                raise self._garbage(exc) from None
        if cap is not None and count >= cap:
            raise self._cut(cap)

    def raw(self, text: str, accept: str, *, timeout: float, **dataset) -> tuple[bytes, bool]:
        """A client's query: the store's answer as it sent it, and whether the store cut it at its
        row cap."""
        response = self._send_read(text, accept, dataset, timeout=timeout)
        return response.content, CUT_HEADER in response.headers

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
                    if CUT_HEADER in response.headers:
                        raise self._cut(response.headers[CUT_HEADER])
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
        if response.status_code == 500 and _VIRTUOSO_ERROR.match(_said(response)):
            raise QueryEvaluationError(f"the SPARQL store could not run the query: {_said(response)}")
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
        if self.virtuoso:
            text = VIRTUOSO_UPDATE_PROLOGUE + text
        try:
            response = self._http.post(url, data={"update": text})
        except httpx.TransportError as exc:
            raise self._down(url, exc) from None
        if 400 <= response.status_code < 500 and response.status_code not in (401, 403):
            raise QueryEvaluationError(
                f"the SPARQL store refused the update ({response.status_code}): {_said(response)}"
            )
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
        error = RemoteUnavailable(f"the SPARQL store at {url} answered {response.status_code}: {_said(response)}")
        error.details["store_status"] = response.status_code  # it answered: it is not down
        raise error

    @staticmethod
    def _down(url: str, exc: BaseException) -> RemoteUnavailable:
        reason = "did not answer in time" if isinstance(exc, httpx.TimeoutException) else "cannot be reached"
        detail = f" ({exc})" if isinstance(exc, httpx.TransportError) and str(exc) else ""
        return RemoteUnavailable(
            f"the SPARQL store at {url} {reason}{detail}",
            hint="check that the store is running; alliance-kg answers again when it is back",
        )

    def _cut(self, cap: int | str) -> RemoteUnavailable:
        return RemoteUnavailable(
            f"the SPARQL store at {self.remote.query_url} cut an answer of alliance-kg's at its row cap ({cap} rows)",
            hint="raise the store's cap (Virtuoso: ResultSetMaxRows in [SPARQL] of virtuoso.ini)",
        )

    def _garbage(self, exc: BaseException) -> RemoteUnavailable:
        return RemoteUnavailable(
            f"the SPARQL store at {self.remote.query_url} answered something that is not SPARQL results: {exc}"
        )


class _Retry(Exception):
    """A read the store answered with 502, 503 or 504: try again."""


#: How Virtuoso begins the text/plain answer of a query it could not compile or run (e.g.
#: ``Virtuoso 37000 Error SP030: SPARQL compiler, line 1: syntax error``).
_VIRTUOSO_ERROR = re.compile(r"Virtuoso \w{5} Error ")


def _said(response: httpx.Response) -> str:
    """What the store answered, on one line: at most 300 characters, without the query Virtuoso
    repeats after its error (``SPARQL query:`` and the text)."""
    try:
        text = response.read().decode("utf-8", "replace")
    except httpx.HTTPError:
        return "(no readable answer)"
    text = text.split("\nSPARQL query:", 1)[0]
    return " ".join(text.split())[:300] or "(an empty answer)"


def _relabel_blank_nodes(body: bytes) -> bytes:
    """SPARQL JSON results with Virtuoso's ``nodeID://b10002`` blank nodes as labels (``b10002``).

    >>> _relabel_blank_nodes(b'{"results": {"bindings": [{"x": {"type": "bnode", "value": "nodeID://b10002"}}]}}')
    b'{"results": {"bindings": [{"x": {"type": "bnode", "value": "b10002"}}]}}'
    """
    try:
        document = json.loads(body)
        for row in document.get("results", {}).get("bindings", ()):
            for term in row.values():
                if term.get("type") == "bnode" and term.get("value", "").startswith("nodeID://"):
                    term["value"] = re.sub(r"[^A-Za-z0-9_]", "_", term["value"][len("nodeID://") :]) or "_"
    except (ValueError, AttributeError, TypeError):
        return body  # not JSON results: the parser says so
    return json.dumps(document).encode()
