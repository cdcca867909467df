"""The SPARQL 1.1 Protocol endpoint at ``/sparql`` (https://www.w3.org/TR/sparql11-protocol/).

* Queries by ``GET /sparql?query=...``, by ``POST`` of a form (``query=...``) or by ``POST`` of an
  ``application/sparql-query`` body. ``default-graph-uri`` / ``named-graph-uri`` set the dataset.
* Without them, the default graph is the union of all graphs, unless the query has its own
  ``FROM`` / ``FROM NAMED``, which then define the dataset as the SPARQL spec says. With the
  setting ``union_default_graph`` false, the default graph is the store's own default graph and
  the named graphs are the data graphs: the change log is left out (name it with ``FROM NAMED``
  or ``named-graph-uri`` to query it).
* No implicit prefixes: queries declare every prefix they use, as on any SPARQL endpoint.
  Relative IRIs resolve against the endpoint's URL (the service-defined base IRI).
* Results by content negotiation (:mod:`.negotiation`): SPARQL JSON, XML, CSV, TSV for
  SELECT/ASK; Turtle, N-Triples, JSON-LD, RDF/XML, TriG, N-Quads for CONSTRUCT/DESCRIBE.
* ``GET /sparql`` without a query answers the SPARQL 1.1 Service Description.
* SPARQL Update by ``POST`` (form ``update=`` or an ``application/sparql-update`` body), with a
  write token, through the guard: validated before it is committed (422 and no change if not).
  ``using-graph-uri`` / ``using-named-graph-uri`` set the dataset of the update's ``WHERE``
  clauses (400 with an update that has its own ``USING`` or ``WITH``). Updates work on the
  data graphs: the change log is outside their dataset, so ``DROP ALL`` or ``CLEAR NAMED``
  leave it, and an update that writes it explicitly is refused (403).
* Federated queries (``SERVICE``) and ``LOAD`` are refused (400), so the endpoint never makes
  requests of its own; ``LOAD SILENT`` changes nothing (its failure is silent).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable

import pyoxigraph as ox
from flask import Blueprint, Request, Response, current_app, g, jsonify, request
from werkzeug.datastructures import MIMEAccept, MultiDict
from werkzeug.exceptions import MethodNotAllowed

from ..store.cache import AnswerCache
from ..errors import (AllianceKGError, BadRequest, FederationDisabled, NeedsNetwork, QueryEvaluationError,
                      UnsupportedMediaType, query_syntax_error)
from ..store.results import TRUNCATED_HEADER, capped_solutions, capped_triples
from ..store.processes import Limits, WorkerPool, confinement
from ..store.sparqlparse import NOTHING, Reading, Reference, check_nesting, prepare, read_query
from ..store.sparqltext import USING_GRAPH_URI, USING_NAMED_GRAPH_URI, graph_name, keyword_count, keywords
from ..store import CHANGES_GRAPH, PREFIXES
from ..store.updates import change_for_update, require_graph
from .auth import requires_writer
from .context import graph, settings
from .negotiation import GRAPH_FORMATS, SOLUTIONS_FORMATS, Representation, negotiate
from .writes import dry_run_flag, guard, rejected

blueprint = Blueprint("sparql", __name__)

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DEFAULT_GRAPH_URI, NAMED_GRAPH_URI = "default-graph-uri", "named-graph-uri"
FORM, QUERY_BODY, UPDATE_BODY = (
    "application/x-www-form-urlencoded", "application/sparql-query", "application/sparql-update"
)


@dataclass(frozen=True)
class QueryProcesses:
    """The query processes of the endpoint: ``confined`` ones, which cannot reach the network,
    and, when the operator allows ``SERVICE`` endpoints, ``federating`` ones that can."""

    confined: WorkerPool
    federating: WorkerPool | None = None

    def close(self) -> None:
        for pool in (self.confined, self.federating):
            if pool is not None:
                pool.close()


@dataclass(frozen=True)
class ProtocolRequest:
    """A query operation as the protocol defines it: the query and the protocol dataset."""

    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class UpdateRequest:
    """An update operation (SPARQL 1.1 Update), sent with POST, and its protocol dataset."""

    update: str
    using_graphs: tuple[str, ...] = ()
    using_named_graphs: tuple[str, ...] = ()


# --- reading the request --------------------------------------------------------------------


def read_request(req: Request) -> ProtocolRequest | UpdateRequest | None:
    """The operation ``req`` carries, or ``None`` for a plain ``GET`` (service description).

    :raises BadRequest: no query, an empty one, or more than one.
    :raises UnsupportedMediaType: a ``POST`` body that is neither a form nor a query.
    :raises MethodNotAllowed: an update sent with ``GET``.
    """
    if req.method in ("GET", "HEAD"):
        params = req.args
        if "update" in params:
            raise MethodNotAllowed(valid_methods=["POST"], description="SPARQL Update needs POST, never GET")
        if "query" not in params:
            if DEFAULT_GRAPH_URI in params or NAMED_GRAPH_URI in params:
                raise BadRequest("a dataset was given but no query", hint="add a query parameter")
            return None
        return _operation(params.getlist("query"), params)
    mimetype = req.mimetype
    if mimetype == FORM:
        params = req.form
        if "update" in params:
            if "query" in params:
                raise BadRequest("give either a query or an update, not both")
            return _update(params.getlist("update"), params)
        if "query" not in params:
            raise BadRequest("the form has no query parameter",
                             hint="send query=... in the form body (URL parameters are not read for a form POST)")
        return _operation(params.getlist("query"), params)
    if mimetype == QUERY_BODY:
        if "query" in req.args:
            raise BadRequest("a query in both the body and the URL", hint="send it in the body only")
        return _operation([_decode(req.get_data(), req.mimetype_params.get("charset"))], req.args)
    if mimetype == UPDATE_BODY:
        if "update" in req.args:
            raise BadRequest("an update in both the body and the URL", hint="send it in the body only")
        return _update([_decode(req.get_data(), req.mimetype_params.get("charset"))], req.args)
    raise UnsupportedMediaType(
        f"cannot read a POST body of type {mimetype or '(none)'}: "
        f"send a query as {QUERY_BODY} or as a form ({FORM})",
        hint="or use GET /sparql?query=...",
    )


def _operation(queries: list[str], params: MultiDict) -> ProtocolRequest:
    if len(queries) != 1:
        raise BadRequest(f"{len(queries)} query parameters in one request", hint="send exactly one query")
    if not queries[0].strip():
        raise BadRequest("the query is empty", hint="send a SPARQL query such as ASK { ?s ?p ?o }")
    return ProtocolRequest(
        queries[0], tuple(params.getlist(DEFAULT_GRAPH_URI)), tuple(params.getlist(NAMED_GRAPH_URI))
    )


def _decode(body: bytes, charset: str | None) -> str:
    """A query or update body: UTF-8, as the protocol requires (a 415 for another ``charset``,
    a 400 naming the first byte that is not UTF-8)."""
    if charset is not None and charset.strip().lower() not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"a query or update must be sent in UTF-8, not charset={charset}",
                                   hint="send the body in UTF-8 (SPARQL 1.1 Protocol, 2.1.2 and 2.2.2)")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        error = BadRequest(f"the body is not valid UTF-8: {exc.reason} at byte {exc.start}",
                           hint="send the query in UTF-8")
        error.details = {"byte": exc.start}
        raise error from None


def _update(updates: list[str], params: MultiDict) -> UpdateRequest:
    if len(updates) != 1:
        raise BadRequest(f"{len(updates)} update parameters in one request", hint="send exactly one update")
    if not updates[0].strip():
        raise BadRequest("the update is empty", hint="send a SPARQL update such as INSERT DATA { … }")
    return UpdateRequest(updates[0], tuple(params.getlist(USING_GRAPH_URI)), tuple(params.getlist(USING_NAMED_GRAPH_URI)))


# --- the dataset -----------------------------------------------------------------------------

def dataset_options(reads_from: bool, default_graphs: Iterable[str] = (), named_graphs: Iterable[str] = (), *,
                    union: bool = True, data_graphs: Iterable[ox.NamedNode] | None = None) -> dict:
    """Keyword arguments of :meth:`pyoxigraph.Store.query` for the dataset of one request, whose
    query has its own ``FROM`` / ``FROM NAMED`` when ``reads_from``.

    Protocol parameters, when given, are the whole dataset (they override the query's own
    ``FROM``/``FROM NAMED``). Otherwise a query with ``FROM`` keeps its dataset, and any other
    query sees the union of all graphs as its default graph; or, without ``union``, the store's
    default graph, with the named graphs ``data_graphs`` (all of them when ``None``).

    >>> dataset_options(False)
    {'use_default_graph_as_union': True}
    >>> dataset_options(False, union=False)
    {}
    >>> dataset_options(False, union=False, data_graphs=[ox.NamedNode("https://example.org/g")])
    {'default_graph': <DefaultGraph>, 'named_graphs': [<NamedNode value=https://example.org/g>]}
    >>> dataset_options(True)
    {}
    >>> dataset_options(False, ["https://example.org/g"])
    {'default_graph': [<NamedNode value=https://example.org/g>], 'named_graphs': []}

    :raises BadRequest: a graph that is not an absolute IRI.
    """
    default_graphs, named_graphs = list(default_graphs), list(named_graphs)
    if default_graphs or named_graphs:
        return {
            "default_graph": [graph_name(iri, DEFAULT_GRAPH_URI) for iri in default_graphs],
            "named_graphs": [graph_name(iri, NAMED_GRAPH_URI) for iri in named_graphs],
        }
    # Oxigraph ignores FROM / FROM NAMED when use_default_graph_as_union is set.
    if reads_from:
        return {}
    if not union:
        if data_graphs is None:
            return {}
        return {"default_graph": ox.DefaultGraph(), "named_graphs": list(data_graphs)}
    return {"use_default_graph_as_union": True}


def data_graphs(store: ox.Store) -> list[ox.NamedNode]:
    """The named graphs of ``store`` that hold data: all but the change log.

    >>> store = ox.Store()
    >>> store.add(ox.Quad(ox.NamedNode("https://example.org/a"), RDF_TYPE, ox.NamedNode("https://example.org/T"), ox.NamedNode(CHANGES_GRAPH)))
    >>> data_graphs(store)
    []
    """
    return [g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value != CHANGES_GRAPH]


# --- evaluating ------------------------------------------------------------------------------


def evaluate(store: ox.Store, operation: ProtocolRequest, *, union: bool = True, base_iri: str | None = None,
             services: frozenset[str] = frozenset()) -> tuple[object, Reading | None]:
    """Parse ``operation.query`` and start evaluating it on ``store``: the results (lazy), and
    the reading of the query (:mod:`alliance_kg.store.sparqlparse`). Runs in a query process
    (:func:`answer_in_worker`), never in the service: the text may crash the parser, and
    evaluation may try to call out.

    ``base_iri`` resolves the query's relative IRIs (the endpoint's URL, for the protocol).
    Without ``union``, the change log is not among the named graphs (unless the query or the
    protocol names it). ``SERVICE`` may call the endpoints of ``services`` only, and only from a
    process that may reach the network (else :class:`NeedsNetwork`).

    :raises TooDeeplyNested: brackets nested deeper than :data:`~alliance_kg.store.sparqlparse.MAX_NESTING`.
    :raises QuerySyntaxError: the query does not parse; ``details`` has its line and column.
    :raises FederationDisabled: the query calls an endpoint not in ``services`` with ``SERVICE``.
    :raises NeedsNetwork: it calls only endpoints of ``services``, from a process without network.
        Only a query whose ``SERVICE`` calls two readings agree on (rdflib's parse and the
        lexer of :mod:`~alliance_kg.store.sparqltext`) is ever let where the network is open.
    :raises UnknownGraph: ``FROM`` / ``FROM NAMED`` names a graph the store does not hold. The
        protocol's ``default-graph-uri`` / ``named-graph-uri`` may: such a graph is empty, as the
        W3C protocol tests expect (none is ever fetched).
    """
    check_nesting(operation.query)
    reading = read_query(operation.query, base_iri)
    here = confinement()
    networked = here is None or not here.no_network
    if reading is None:
        if networked:
            raise FederationDisabled("this query cannot be read to check what it calls, and on this platform "
                                     "queries are not kept from the network otherwise",
                                     hint="shorten or simplify it; the operator's start-up message says why")
        reads_from = "FROM" in keywords(operation.query)  # for the dataset only: nothing is fetched anyway
    else:
        check_services(reading.services, services)
        if reading.services and keyword_count(operation.query, "SERVICE") != len(reading.services):
            # two readings of the text disagree: never let it where the network is open
            raise FederationDisabled("cannot tell for sure which endpoints this query calls",
                                     hint="write each SERVICE plainly, outside strings and comments")
        if reading.services and not networked:
            raise NeedsNetwork("the query calls allowed endpoints: it runs where the network is open")
        for graph in reading.graphs:
            require_graph(store, graph.iri, graph.keyword)
        reads_from = reading.reads_from
    options = dataset_options(reads_from, operation.default_graphs, operation.named_graphs, union=union,
                              data_graphs=None if union else data_graphs(store))
    try:
        return store.query(operation.query, base_iri=base_iri, **options), reading
    except SyntaxError as exc:
        raise query_syntax_error(exc) from exc
    except (RuntimeError, ValueError, OSError) as exc:
        raise evaluation_error(exc, reading) from None


def evaluation_error(exc: Exception, reading: Reading | None) -> AllianceKGError:
    """The error for a query whose evaluation failed with ``exc``, saying nothing of what
    another host answered: a ``SERVICE`` call's failure may hold its status, content type or
    body, so for a query that calls one, the message is only that the call failed. In a process
    without network, a call the reading of the text missed fails to open its socket: say so."""
    here = confinement()
    if here is not None and here.no_network and isinstance(exc, PermissionError):
        return FederationDisabled("the query tried to call another endpoint (SERVICE), and query processes "
                                  "here cannot open network connections")
    if reading is None or reading.services:
        return QueryEvaluationError("cannot run the query: a call to another endpoint (SERVICE) failed"
                                    if reading is not None else "cannot run the query",
                                    hint="what another endpoint answered is never shown")
    return QueryEvaluationError(f"cannot run the query: {exc}")


def check_services(calls: Iterable[Reference], services: frozenset[str]) -> None:
    """Refuse the ``SERVICE`` ``calls`` of a query unless each names an endpoint of ``services``.

    :raises FederationDisabled: a call to an endpoint not allowed, or to one held by a variable
        (the allow-list cannot check it before the query runs).
    """
    calls = list(calls)
    if not calls:
        return
    if not services:
        raise FederationDisabled("federated queries (SERVICE) are not enabled on this service",
                                 hint="query the other endpoint directly; the operator may allow endpoints "
                                      "with the setting service_allowlist (ALLIANCE_KG_SERVICE_ALLOWLIST)")
    allowed = ", ".join(f"<{iri}>" for iri in sorted(services))
    for call in calls:
        if call.iri is None:
            raise FederationDisabled("SERVICE with a variable: only a named endpoint can be checked against "
                                     "the allow-list", hint=f"name one of {allowed}")
        if call.iri not in services:
            raise FederationDisabled(f"SERVICE <{call.iri}> is not an endpoint this service may call",
                                     hint=f"allowed (setting service_allowlist): {allowed}")


def answer_formats(results) -> tuple[tuple[Representation, ...], str]:
    """The negotiation table for ``results`` and a name for them in errors."""
    if isinstance(results, ox.QueryTriples):
        return GRAPH_FORMATS, "a CONSTRUCT or DESCRIBE query"
    if isinstance(results, ox.QueryBoolean):
        return SOLUTIONS_FORMATS, "an ASK query"
    return SOLUTIONS_FORMATS, "a SELECT query"


def serialize(results, representation: Representation, max_rows: int,
              reading: Reading | None = NOTHING) -> tuple[bytes, bool]:
    """``results`` written in ``representation``'s format (this runs the query to its end), cut
    after ``max_rows`` solutions or triples; and whether they were cut.

    :raises QueryEvaluationError: evaluation failed part way (see :func:`evaluation_error`).
    """
    try:
        if isinstance(results, ox.QueryTriples):
            triples, truncated = capped_triples(results, max_rows)
            return serialize_graph(triples, representation.format), truncated
        if isinstance(results, ox.QueryBoolean):
            return results.serialize(format=representation.format), False
        return capped_solutions(results, representation.format, max_rows)
    except (RuntimeError, ValueError, OSError) as exc:
        raise evaluation_error(exc, reading) from None


def serialize_graph(triples: list[ox.Triple], format: ox.RdfFormat, prefixes: dict[str, str] = PREFIXES) -> bytes:
    """``triples`` in ``format``; Turtle and TriG declare the ``prefixes`` they use.

    >>> t = ox.Triple(ox.NamedNode(PREFIXES["akr"] + "Renault"), RDF_TYPE, ox.NamedNode(PREFIXES["akg"] + "Company"))
    >>> print(serialize_graph([t], ox.RdfFormat.TURTLE).decode().strip())
    @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
    @prefix akg: <https://w3id.org/alliance-kg/ontology#> .
    @prefix akr: <https://w3id.org/alliance-kg/id/> .
    akr:Renault a akg:Company .
    """
    used = used_prefixes(triples, prefixes) if format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    return ox.serialize(triples, format=format, prefixes=used)


def used_prefixes(triples: Iterable[ox.Triple], prefixes: dict[str, str]) -> dict[str, str]:
    """The entries of ``prefixes`` whose namespace starts an IRI of ``triples`` (datatypes included).

    >>> t = ox.Triple(ox.NamedNode("https://schema.org/x"), RDF_TYPE, ox.Literal("1", datatype=ox.NamedNode(PREFIXES["xsd"] + "int")))
    >>> sorted(used_prefixes([t], PREFIXES))
    ['rdf', 'schema', 'xsd']
    """
    iris = set()
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    return {name: ns for name, ns in prefixes.items() if any(iri.startswith(ns) for iri in iris)}


def accepted(accept: MIMEAccept) -> MIMEAccept:
    """The ``Accept`` header without its ``charset=utf-8`` parameters: every answer here is UTF-8,
    so ``text/turtle; charset=utf-8`` accepts ``text/turtle`` (Werkzeug matches a media type
    with parameters only to the same parameters). Other parameters are kept.

    >>> accepted(MIMEAccept([("text/turtle; charset=UTF-8", 1)])).best_match(["text/turtle"])
    'text/turtle'
    >>> accepted(MIMEAccept([("text/turtle; charset=latin-1", 1)])).best_match(["text/turtle"]) is None
    True
    """
    values = []
    for value, quality in accept:
        media_type, *params = [p.strip() for p in value.split(";")]
        params = [p for p in params if p.replace(" ", "").replace('"', "").lower() != "charset=utf-8"]
        values.append(("; ".join([media_type, *params]), quality))
    return MIMEAccept(values)


# --- the service description -----------------------------------------------------------------


def service_description(endpoint: str, named_graphs: Iterable[ox.NamedNode | ox.BlankNode], *,
                        union: bool = True, update: bool = False) -> list[ox.Triple]:
    """The SPARQL 1.1 Service Description (https://www.w3.org/TR/sparql11-service-description/)
    of this endpoint at ``endpoint``, with one ``sd:namedGraph`` per graph of ``named_graphs``;
    ``sd:UnionDefaultGraph`` when the default graph is the union of all graphs; SPARQL 1.1
    Update among the languages when ``update`` (writes are enabled).

    >>> sd = service_description("http://localhost/sparql", [ox.NamedNode("https://example.org/g")])
    >>> sorted(t.object.value for t in sd if t.predicate.value.endswith(("#endpoint", "#name")))
    ['http://localhost/sparql', 'https://example.org/g']
    >>> [t.object.value[len(SD):] for t in service_description("http://h/sparql", [], union=False, update=True)
    ...  if t.predicate.value.endswith(("#feature", "#supportedLanguage"))]
    ['SPARQL11Query', 'SPARQL11Update']
    """

    def sd(local: str) -> ox.NamedNode:
        return ox.NamedNode(SD + local)

    service, dataset, default = ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(service, RDF_TYPE, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
    ]
    if update:
        triples.append(ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")))
    if union:
        triples.append(ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")))
    formats = dict.fromkeys(r.format_iri for r in SOLUTIONS_FORMATS + GRAPH_FORMATS)
    triples += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(iri)) for iri in formats]
    triples += [
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, sd("Graph")),
    ]
    for name in sorted((n for n in named_graphs if isinstance(n, ox.NamedNode)), key=lambda n: n.value):
        node = ox.BlankNode()
        triples += [
            ox.Triple(dataset, sd("namedGraph"), node),
            ox.Triple(node, RDF_TYPE, sd("NamedGraph")),
            ox.Triple(node, sd("name"), name),
        ]
    return triples


# --- the view --------------------------------------------------------------------------------


@blueprint.route("/sparql", methods=["GET", "POST"])
def sparql():
    operation = read_request(request)
    if isinstance(operation, UpdateRequest):
        return guarded_update(operation)
    union = settings().union_default_graph
    if operation is None:
        representation = negotiate(accepted(request.accept_mimetypes), GRAPH_FORMATS, what="the service description")
        kg = graph()
        with kg.lock.reading():
            names = list(kg.store.named_graphs()) if union else data_graphs(kg.store)
        triples = service_description(request.base_url, names, union=union,
                                      update=bool(current_app.extensions["alliance_kg_tokens"]))
        body, content_type = serialize_graph(triples, representation.format, {"sd": SD}), representation.content_type
        response = Response(body, content_type=content_type)
    else:
        response = answer_query(operation, union=union)
    response.vary.add("Accept")
    return response


def answer_query(operation: ProtocolRequest, *, union: bool) -> Response:
    """Evaluate a user's query in a query process (:class:`alliance_kg.store.processes.WorkerPool`),
    killed past the time limit, and cut at the row cap: the answer.

    Answers are kept until the graph changes (:meth:`KnowledgeGraph.cached`), by query, dataset,
    ``Accept`` header and base IRI, so a repeated query is answered without running it again,
    and without a query slot. No lock is held while the query runs: its process reads its own
    copy of the graph, taken under the read lock when it was forked.
    """
    config = settings()
    limit = request_timeout(request.values.get("timeout"), config.query_timeout)
    kg = graph()
    query = {
        "query": operation.query, "default_graphs": list(operation.default_graphs),
        "named_graphs": list(operation.named_graphs), "accept": list(accepted(request.accept_mimetypes)),
        "base_iri": request.base_url, "union": union, "services": sorted(config.service_endpoints),
        "max_rows": config.max_result_rows,
    }
    cache = kg.cached("sparql-answers", lambda _: AnswerCache(config.answer_cache_bytes))
    key = (operation, request.headers.get("Accept", ""), request.base_url, union)
    hit = cache.get(key) if config.answer_cache_bytes else None
    if hit is None:
        body, about = run_query(query, limit)
        if config.answer_cache_bytes:
            cache.put(key, body, about)
    else:
        body, about = hit
    response = Response(body, content_type=about["content_type"])
    if about["truncated"]:
        response.headers[TRUNCATED_HEADER] = str(config.max_result_rows)
    return response


def run_query(query: dict, limit: float) -> tuple[bytes, dict]:
    """``query`` answered by a query process, once a query slot is free for this client
    (:mod:`alliance_kg.store.admission`): a confined one, or, for a query that calls allowed endpoints
    only, one that may reach the network."""
    processes = current_app.extensions["alliance_kg_queries"]
    prepare()  # rdflib's parser, imported once in the service, so that no query process pays for it
    started = time.monotonic()
    with current_app.extensions["alliance_kg_slots"].admit(request.remote_addr or "unknown"):
        try:
            return processes.confined.run(query, timeout=limit)
        except NeedsNetwork:
            if processes.federating is None:
                raise FederationDisabled("federated queries (SERVICE) are not enabled on this service") from None
            left = max(limit - (time.monotonic() - started), MIN_TIMEOUT)
            return processes.federating.run(query, timeout=left)


def answer_in_worker(kg, query: dict) -> tuple[bytes, dict]:
    """Answer one query of :func:`answer_query` in a query process: it reads the in-memory graph
    as it was when the process was forked, a consistent snapshot (never RocksDB, which is not
    safe to share with a forked process)."""
    operation = ProtocolRequest(query["query"], tuple(query["default_graphs"]), tuple(query["named_graphs"]))
    results, reading = evaluate(kg.store, operation, union=query["union"], base_iri=query["base_iri"],
                                services=frozenset(query["services"]))
    table, what = answer_formats(results)
    representation = negotiate(MIMEAccept([tuple(a) for a in query["accept"]]), table, what=what)
    body, truncated = serialize(results, representation, query["max_rows"], reading)
    return body, {"content_type": representation.content_type, "truncated": truncated}


#: The shortest time limit a request may ask for: less than the cost of starting the query's
#: process would stop every query, a 503 caused by the request itself.
MIN_TIMEOUT = 0.1


def request_timeout(value: str | None, limit: float) -> float:
    """The time limit of one query: the setting, or the lower ``timeout=`` a request asks for.

    >>> request_timeout(None, 10), request_timeout("2.5", 10)
    (10, 2.5)
    """
    if value is None or value == "":
        return limit
    try:
        asked = float(value)
    except ValueError:
        raise BadRequest(f"timeout={value!r} is not a number of seconds") from None
    if not MIN_TIMEOUT <= asked <= limit:
        raise BadRequest(f"timeout={value!r} must be at least {MIN_TIMEOUT:g} and at most {limit:g} seconds",
                         hint="the upper bound is the setting query_timeout (ALLIANCE_KG_QUERY_TIMEOUT)")
    return asked


@requires_writer
def guarded_update(operation: UpdateRequest):
    """Run a SPARQL Update through the guard: validated before it is committed, or rejected.

    The update is read and run in a confined process (:func:`~alliance_kg.store.updates.change_for_update`),
    with the query time and memory limits: ``LOAD`` (but ``LOAD SILENT``, which fetches nothing
    and so changes nothing), ``SERVICE`` (even to an allowed endpoint) and ``USING`` a graph the
    store does not hold are refused; a destructive update needs an admin token.
    """
    config = settings()
    limits = Limits(config.query_timeout, "query_timeout", what="update", memory_bytes=config.query_memory_bytes)
    base_iri = request.base_url
    dry_run = dry_run_flag()
    result = guard().write(
        lambda kg: change_for_update(kg, operation.update, base_iri=base_iri, using_graphs=operation.using_graphs,
                                     using_named_graphs=operation.using_named_graphs, limits=limits),
        agent=g.writer, endpoint="POST /sparql", summary="SPARQL Update", dry_run=dry_run, admin=g.admin)
    if not result.accepted and not dry_run:
        return rejected(result)
    return jsonify({"summary": "SPARQL Update", "dry_run": dry_run, **result.to_dict()})
