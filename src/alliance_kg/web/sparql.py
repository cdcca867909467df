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

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Request, Response, g, jsonify, request
from werkzeug.datastructures import MIMEAccept, MultiDict
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.http import parse_accept_header

from ..errors import BadRequest, NotAcceptable, UnsupportedMediaType
from ..store import serialize_graph
from ..store.endpoint import MIN_TIMEOUT, Choice, ProtocolQuery
from ..store.processes import Limits
from ..store.results import TRUNCATED_HEADER
from ..store.sparqltext import USING_GRAPH_URI, USING_NAMED_GRAPH_URI, graph_name
from .auth import requires_writer
from .common import rejected
from .context import graph, guard, services, settings
from .negotiation import GRAPH_FORMATS, SOLUTIONS_FORMATS, Representation, accepted, negotiate
from .parameters import dry_run_flag

blueprint = Blueprint("sparql", __name__)

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
DEFAULT_GRAPH_URI, NAMED_GRAPH_URI = "default-graph-uri", "named-graph-uri"
FORM, QUERY_BODY, UPDATE_BODY = (
    "application/x-www-form-urlencoded",
    "application/sparql-query",
    "application/sparql-update",
)


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
            raise BadRequest(
                "the form has no query parameter",
                hint="send query=... in the form body (URL parameters are not read for a form POST)",
            )
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
        f"cannot read a POST body of type {mimetype or '(none)'}: send a query as {QUERY_BODY} or as a form ({FORM})",
        hint="or use GET /sparql?query=...",
    )


def _operation(queries: list[str], params: MultiDict) -> ProtocolRequest:
    if len(queries) != 1:
        raise BadRequest(f"{len(queries)} query parameters in one request", hint="send exactly one query")
    if not queries[0].strip():
        raise BadRequest("the query is empty", hint="send a SPARQL query such as ASK { ?s ?p ?o }")
    default_graphs = tuple(graph_name(iri, DEFAULT_GRAPH_URI).value for iri in params.getlist(DEFAULT_GRAPH_URI))
    named_graphs = tuple(graph_name(iri, NAMED_GRAPH_URI).value for iri in params.getlist(NAMED_GRAPH_URI))
    return ProtocolRequest(queries[0], default_graphs, named_graphs)


def _decode(body: bytes, charset: str | None) -> str:
    """A query or update body: UTF-8, as the protocol requires (a 415 for another ``charset``,
    a 400 naming the first byte that is not UTF-8)."""
    if charset is not None and charset.strip().lower() not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(
            f"a query or update must be sent in UTF-8, not charset={charset}",
            hint="send the body in UTF-8 (SPARQL 1.1 Protocol, 2.1.2 and 2.2.2)",
        )
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        error = BadRequest(
            f"the body is not valid UTF-8: {exc.reason} at byte {exc.start}", hint="send the query in UTF-8"
        )
        error.details = {"byte": exc.start}
        raise error from None


def _update(updates: list[str], params: MultiDict) -> UpdateRequest:
    if len(updates) != 1:
        raise BadRequest(f"{len(updates)} update parameters in one request", hint="send exactly one update")
    if not updates[0].strip():
        raise BadRequest("the update is empty", hint="send a SPARQL update such as INSERT DATA { … }")
    return UpdateRequest(
        updates[0], tuple(params.getlist(USING_GRAPH_URI)), tuple(params.getlist(USING_NAMED_GRAPH_URI))
    )


def choice(table: tuple[Representation, ...]) -> Choice:
    """What the request's ``Accept`` header chooses from ``table``, for the query process to use
    once it knows the kind of its result; or the 406 it would be."""
    return _choice(request.headers.get("Accept", ""), table)


@functools.lru_cache(maxsize=512)
def _choice(header: str, table: tuple[Representation, ...]) -> Choice:
    """:func:`choice` for one ``Accept`` header's text: clients send the same few headers, and
    reading one costs about a tenth of a millisecond."""
    try:
        chosen = negotiate(accepted(parse_accept_header(header, MIMEAccept)), table, what="{what}")
    except NotAcceptable as exc:
        return Choice(unacceptable=exc.message, hint=exc.hint)
    return Choice(chosen.format.file_extension, chosen.content_type)  # type: ignore[union-attr]


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
        raise BadRequest(
            f"timeout={value!r} must be at least {MIN_TIMEOUT:g} and at most {limit:g} seconds",
            hint="the upper bound is the setting query_timeout (ALLIANCE_KG_QUERY_TIMEOUT)",
        )
    return asked


# --- the service description -----------------------------------------------------------------


def service_description(
    endpoint: str, named_graphs: Iterable[ox.NamedNode | ox.BlankNode], *, union: bool = True, update: bool = False
) -> list[ox.Triple]:
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
    triples.append(
        ox.Triple(
            default,
            ox.NamedNode(RDFS_COMMENT),
            ox.Literal(
                "the union of all graphs, each triple once (an RDF graph is a set); GRAPH ?g shows each graph's copy"
                if union
                else "the store's own default graph",
                language="en",
            ),
        )
    )
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
        with kg.reading():
            names = kg.named_graphs() if union else [ox.NamedNode(iri) for iri in kg.data_graphs()]
        triples = service_description(request.base_url, names, union=union, update=bool(services().tokens))
        response = Response(
            serialize_graph(triples, representation.format, {"sd": SD}), content_type=representation.content_type
        )
    else:
        response = answer_query(operation, union=union)
    response.vary.add("Accept")
    return response


def answer_query(operation: ProtocolRequest, *, union: bool) -> Response:
    """A client's query answered by the store's query runner (in a confined query process,
    killed past the time limit, cut at the row cap), once a query slot is free for this client
    (:mod:`alliance_kg.store.admission`).

    Answers are kept until the graph changes, by query, dataset, ``Accept`` header and base IRI,
    so a repeated query is answered without running it again, and without a query slot.
    """
    config = settings()
    limit = request_timeout(request.values.get("timeout"), config.query_timeout)
    query = ProtocolQuery(
        operation.query,
        operation.default_graphs,
        operation.named_graphs,
        base_iri=request.base_url,
        union=union,
        services=tuple(sorted(config.service_endpoints)),
        max_rows=config.max_result_rows,
        solutions=choice(SOLUTIONS_FORMATS),
        graphs=choice(GRAPH_FORMATS),
    )
    kept = services()
    version = graph().version
    key = (query, request.headers.get("Accept", ""))
    hit = kept.sparql_answers.get(version, key)
    if hit is None:
        with kept.slots.admit(request.remote_addr or "unknown"):
            answer = kept.queries.answer(query, timeout=limit)
        body, about = answer.body, {"content_type": answer.content_type, "truncated": answer.truncated}
        kept.sparql_answers.put(version, key, body, about)
    else:
        body, about = hit
    response = Response(body, content_type=str(about["content_type"]))
    if about["truncated"]:
        response.headers[TRUNCATED_HEADER] = str(config.max_result_rows)
    return response


@requires_writer
def guarded_update(operation: UpdateRequest):
    """Run a SPARQL Update through the guard: validated before it is committed, or rejected.

    The store works out the change in a confined process
    (:meth:`~alliance_kg.store.KnowledgeGraph.change_for_update`), with the query time and memory
    limits: ``LOAD`` (but ``LOAD SILENT``, which fetches nothing and so changes nothing),
    ``SERVICE`` (even to an allowed endpoint) and ``USING`` a graph the store does not hold are
    refused; a destructive update needs an admin token.
    """
    config = settings()
    limits = Limits(config.query_timeout, "query_timeout", what="update", memory_bytes=config.query_memory_bytes)
    base_iri = request.base_url
    dry_run = dry_run_flag()
    result = guard().write(
        lambda kg: kg.change_for_update(
            operation.update,
            base_iri=base_iri,
            using_graphs=operation.using_graphs,
            using_named_graphs=operation.using_named_graphs,
            limits=limits,
        ),
        agent=g.writer,
        endpoint="POST /sparql",
        summary="SPARQL Update",
        dry_run=dry_run,
        admin=g.admin,
    )
    if not result.accepted and not dry_run:
        return rejected(result)
    return jsonify({"summary": "SPARQL Update", "dry_run": dry_run, **result.to_dict()})
