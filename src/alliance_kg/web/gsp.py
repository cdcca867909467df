"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/store`` (https://www.w3.org/TR/sparql11-http-rdf-update/).

Graphs are identified indirectly: ``/store?default`` is the store's own default graph (not the
union of all graphs that ``/sparql`` queries by default), ``/store?graph=<absolute IRI>`` a named
graph. A request names exactly one of them (400 otherwise); only ``POST`` may name neither, to
create a new graph. Any other query parameter than ``graph``, ``default`` and ``dry_run`` is a 400.

* ``GET`` answers the graph's triples by content negotiation (Turtle by default; N-Triples,
  JSON-LD, RDF/XML; TriG and N-Quads with the graph name kept). ``HEAD`` answers the same
  headers without the body. A named graph that holds no triple does not exist: 404. The default
  graph always exists (an empty one is a 200 with an empty document).
* ``PUT`` replaces the graph's content with the body; ``POST`` adds the body's triples to the
  graph (a ``multipart/form-data`` body: every file part, each parsed by its own
  ``Content-Type`` or file name, added in one change); ``POST`` to ``/store`` alone creates a
  graph named ``https://w3id.org/alliance-kg/graph/<uuid>``; ``DELETE`` removes the graph.
* A body is Turtle (``text/turtle``), N-Triples (``application/n-triples``, ``text/plain``),
  JSON-LD (``application/ld+json``) or RDF/XML (``application/rdf+xml``); anything else is a
  415 listing these. Dataset formats (TriG, N-Quads) are refused (415) as bodies: a request
  writes one graph, and a quad naming another graph would be ambiguous. Text formats must be
  UTF-8. Relative IRIs resolve against the graph's IRI (the request URL for the default graph);
  blank nodes are renamed, so they never merge with the store's. An empty body is allowed
  (``PUT`` of nothing empties the graph).

Writes need a write token and go through the guard like every other write: one
:class:`~alliance_kg.store.Change` of the target graph's quads, validated by the shapes before it
is committed (422 with the report, and nothing changed, when it breaks a rule), logged in the
change log. ``?dry_run=true`` answers what the write would do and changes nothing. The change
log graph is written by the service only (403).

Status codes. The protocol allows 200 or 204 for a successful write; every write here answers
200 with a JSON body (the guard's result: counts, validation mode, change id), or 201 when the
write created the graph (a ``PUT`` or ``POST`` to a graph that did not exist). ``POST /store``
answers 201 with ``Location: <the new graph's IRI>``, which a client then names with
``?graph=`` (as the W3C test ``post_get_new_graph`` of ``graph-store-protocol/manifest-indirect.ttl``
does); the JSON body gives it too, with ``url``, the ``/store?graph=…`` URL. A dry run is always 200.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Request, Response, g, jsonify, request, url_for
from werkzeug.datastructures import MultiDict

from ..errors import BadRequest, Forbidden, NotFound, UnsupportedFormat, UnsupportedMediaType
from ..rules.guard import Plan
from ..store import CHANGES_GRAPH, GRAPH_BASE, Change, KnowledgeGraph, format_for, serialize_graph
from ..store.documents import read_rdf
from ..store.processes import Limits
from .auth import requires_writer
from .common import rejected
from .context import graph, guard, settings
from .negotiation import GRAPH_FORMATS, accepted, negotiate
from .parameters import dry_run_flag

blueprint = Blueprint("gsp", __name__)

#: Media types a request body may have, and the Oxigraph format each is parsed with.
BODY_FORMATS: dict[str, ox.RdfFormat] = {
    **{
        f.media_type: f
        for f in (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.JSON_LD, ox.RdfFormat.RDF_XML)
    },
    "text/plain": ox.RdfFormat.N_TRIPLES,
}
#: Dataset formats: readable by Oxigraph, refused as the body of a one-graph write.
DATASET_TYPES = (ox.RdfFormat.TRIG.media_type, ox.RdfFormat.N_QUADS.media_type)
MULTIPART = "multipart/form-data"
#: Bodies without a media type of their own (a file part), read by the file name's extension.
UNTYPED = ("", "application/octet-stream")
_UTF8 = ("utf-8", "utf8", "us-ascii", "ascii")


# --- which graph ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """The graph a request is about: a named graph or the default graph."""

    name: ox.NamedNode | ox.DefaultGraph

    @property
    def iri(self) -> str | None:
        return self.name.value if isinstance(self.name, ox.NamedNode) else None

    @property
    def label(self) -> str:
        """The graph, for messages.

        >>> Target(ox.DefaultGraph()).label, Target(ox.NamedNode("https://example.org/g")).label
        ('the default graph', '<https://example.org/g>')
        """
        return "the default graph" if self.iri is None else f"<{self.iri}>"

    def url(self) -> str:
        """Where this graph is served: ``/store?graph=...`` or ``/store?default``."""
        if self.iri is None:
            return url_for("gsp.store") + "?default"
        return url_for("gsp.store", graph=self.iri)


def target_graph(args: MultiDict) -> Target | None:
    """The graph the query parameters ``args`` name; ``None`` when they name none (the graph store itself).

    >>> target_graph(MultiDict({"default": ""})).label
    'the default graph'
    >>> target_graph(MultiDict({"graph": "https://w3id.org/alliance-kg/graph/seed"})).iri
    'https://w3id.org/alliance-kg/graph/seed'
    >>> target_graph(MultiDict()) is None
    True
    >>> target_graph(MultiDict({"graph": "seed"}))
    Traceback (most recent call last):
    ...
    alliance_kg.errors.BadRequest: graph is not an absolute IRI: 'seed' (No scheme found in an absolute IRI) ...

    :raises BadRequest: both ``default`` and ``graph``, ``graph`` more than once, or not an absolute IRI.
    """
    graphs = args.getlist("graph")
    if "default" in args and graphs:
        raise BadRequest(
            "give either ?default or ?graph=<IRI>, not both",
            hint="?default is the store's default graph; ?graph= names one named graph",
        )
    if len(graphs) > 1:
        raise BadRequest(f"{len(graphs)} graph parameters in one request", hint="name exactly one graph")
    if "default" in args:
        return Target(ox.DefaultGraph())
    if not graphs:
        return None
    try:
        return Target(ox.NamedNode(graphs[0]))
    except ValueError as exc:
        raise BadRequest(
            f"graph is not an absolute IRI: {graphs[0]!r} ({exc})",
            hint="give the graph IRI in full, such as https://w3id.org/alliance-kg/graph/seed",
        ) from None


#: The query parameters of ``/store``: which graph, and for a write ``dry_run``.
PARAMETERS = ("graph", "default", "dry_run")


def check_parameters(args: MultiDict) -> None:
    """Refuse a query parameter ``/store`` does not read: a typo (``?dryrun=true``, ``?grpah=``)
    must not turn into a write to another graph, or a write that was meant as a dry run.

    >>> check_parameters(MultiDict({"graph": "https://example.org/g", "dry_run": "true"}))
    >>> check_parameters(MultiDict({"dryrun": "true"}))
    Traceback (most recent call last):
    ...
    alliance_kg.errors.BadRequest: unknown parameter 'dryrun' for /store ...

    :raises BadRequest: an unknown parameter, or ``dry_run`` given more than once.
    """
    unknown = sorted(set(args) - set(PARAMETERS))
    if unknown:
        raise BadRequest(
            f"unknown parameter {', '.join(repr(u) for u in unknown)} for /store",
            hint="parameters of this endpoint: graph=, default, dry_run=",
        )
    if len(args.getlist("dry_run")) > 1:
        raise BadRequest("parameter 'dry_run' is given more than once", hint="give each parameter once")


def new_graph_iri() -> str:
    """A fresh graph IRI for ``POST /store``.

    >>> new_graph_iri().startswith("https://w3id.org/alliance-kg/graph/")
    True
    """
    return f"{GRAPH_BASE}{uuid.uuid4()}"


# --- reading the body ----------------------------------------------------------------------------


def body_format(media_type: str | None, charset: str | None = None, *, filename: str | None = None) -> ox.RdfFormat:
    """The format to parse a body (or a multipart file part) of ``media_type`` with.

    A part without a media type of its own is read by its ``filename``'s extension.

    >>> body_format("text/turtle", "UTF-8")
    <RdfFormat Turtle>
    >>> body_format("application/octet-stream", filename="lineage.nt")
    <RdfFormat N-Triples>
    >>> body_format("application/trig")
    Traceback (most recent call last):
    ...
    alliance_kg.errors.UnsupportedMediaType: a graph is written with triples, not a dataset (application/trig) ...

    :raises UnsupportedMediaType: a media type, extension or charset this endpoint does not read.
    """
    media_type = (media_type or "").lower()
    if media_type in UNTYPED and filename:
        try:
            info = format_for(path=filename)
        except UnsupportedFormat:
            raise _unsupported(f"cannot tell the RDF format of the part {filename!r}") from None
        media_type = info.media_type
    if media_type in DATASET_TYPES:
        raise UnsupportedMediaType(
            f"a graph is written with triples, not a dataset ({media_type})",
            hint=f"send one of {', '.join(BODY_FORMATS)}; to write several graphs, use SPARQL Update at /sparql",
        )
    try:
        format = BODY_FORMATS[media_type]
    except KeyError:
        raise _unsupported(f"cannot read a body of type {media_type or '(none)'}") from None
    if charset and format != ox.RdfFormat.RDF_XML and charset.lower() not in _UTF8:
        raise UnsupportedMediaType(f"cannot read a {media_type} body in charset {charset!r}", hint="send it in UTF-8")
    return format


def _unsupported(message: str) -> UnsupportedMediaType:
    return UnsupportedMediaType(
        f"{message}: this endpoint reads {', '.join(BODY_FORMATS)}",
        hint=f"set the Content-Type; a POST may also send several files as {MULTIPART}",
    )


def read_payload(req: Request, target: Target) -> frozenset[ox.Quad]:
    """The quads the request body holds for ``target``: one document, or for a ``POST`` every
    file part of a ``multipart/form-data`` body.

    :raises UnsupportedMediaType, RDFSyntaxError, BadRequest: see :func:`body_format`, :func:`~alliance_kg.store.documents.read_rdf`.
    """
    base = target.iri or req.url
    config = settings()
    limits = Limits(config.query_timeout, "query_timeout", what="document", memory_bytes=config.query_memory_bytes)
    if req.mimetype == MULTIPART:
        if req.method != "POST":
            raise UnsupportedMediaType(
                f"{MULTIPART} is read for POST only", hint=f"{req.method} takes one document: {', '.join(BODY_FORMATS)}"
            )
        if req.form:  # a part without a name has the name None
            names = ", ".join(sorted(repr(name) if name else "(a part without a name)" for name in req.form))
            raise BadRequest(
                f"the multipart body has parts that are not files: {names}",
                hint="send each document as a file part (with a filename) and its Content-Type",
            )
        quads: frozenset[ox.Quad] = frozenset()
        for field, part in req.files.items(multi=True):
            source = f"the part {part.filename or field!r}"
            format = body_format(part.mimetype, part.mimetype_params.get("charset"), filename=part.filename)
            quads |= read_rdf(
                part.read(), format, into=target.name, base_iri=base, source=source, named_graphs=False, limits=limits
            )
        return quads
    data = req.get_data()
    if not data and not req.mimetype:
        return frozenset()
    format = body_format(req.mimetype, req.mimetype_params.get("charset"))
    if not data:
        return frozenset()
    return read_rdf(data, format, into=target.name, base_iri=base, source="the body", named_graphs=False, limits=limits)


# --- the change ----------------------------------------------------------------------------------


def change_for(method: str, current: Iterable[ox.Quad], payload: Iterable[ox.Quad]) -> Change:
    """The change ``method`` makes to a graph holding ``current`` with the body's ``payload``:
    ``PUT`` replaces, ``POST`` adds, ``DELETE`` removes everything.

    >>> a, b = (ox.Quad(ox.NamedNode(f"https://example.org/{x}"), ox.NamedNode("https://example.org/p"), ox.Literal(x)) for x in "ab")
    >>> put = change_for("PUT", [a], [b])
    >>> put.removed == {a}, put.added == {b}
    (True, True)
    >>> change_for("POST", [a], [b]).removed
    frozenset()
    >>> change_for("DELETE", [a, b], []).removed == {a, b}
    True
    """
    current, payload = frozenset(current), frozenset(payload)
    if method == "PUT":
        return Change(removed=current - payload, added=payload - current)
    if method == "POST":
        return Change(added=payload - current)
    if method == "DELETE":
        return Change(removed=current)
    raise ValueError(f"no change for {method}")


# --- the views -----------------------------------------------------------------------------------


@blueprint.route("/store", methods=["GET", "PUT", "POST", "DELETE"])
def store():
    check_parameters(request.args)
    target = target_graph(request.args)
    if request.method in ("GET", "HEAD"):
        return read(target)
    return write(target)


def read(target: Target | None):
    """The graph's triples in the format the ``Accept`` header prefers (HEAD: the same headers).
    The default graph is the one queries see: the union of all graphs, each triple once (or,
    with the setting ``union_default_graph`` false, the store's own default graph)."""
    if target is None:
        raise BadRequest(
            "name a graph: /store?default or /store?graph=<IRI>",
            hint="the graphs are listed by the service description, GET /sparql",
        )
    kg = graph()
    if not kg.graph_exists(target.name):
        raise NotFound(f"there is no graph {target.label}", hint="PUT or POST triples to create it")
    representation = negotiate(accepted(request.accept_mimetypes), GRAPH_FORMATS, what="a graph")
    if isinstance(target.name, ox.DefaultGraph):
        triples = kg.default_graph(union=settings().union_default_graph)
        quads = sorted((ox.Quad(t.subject, t.predicate, t.object) for t in triples), key=str)
    else:
        quads = sorted(kg.quads(graph=target.name), key=str)
    format = representation.rdf_format
    items: list = quads if format.supports_datasets else [q.triple for q in quads]
    response = Response(serialize_graph(items, format), content_type=representation.content_type)
    response.vary.add("Accept")
    return response


@requires_writer
def write(target: Target | None):
    """PUT, POST or DELETE through the guard."""
    method = request.method
    creating = target is None  # POST to the graph store: a new graph
    if creating:
        if method != "POST":
            raise BadRequest(
                f"{method} needs a graph: /store?default or /store?graph=<IRI>",
                hint="only POST to /store alone creates a new graph",
            )
    target = target or Target(ox.NamedNode(new_graph_iri()))
    if target.iri == CHANGES_GRAPH:
        raise Forbidden("the change log graph is written by the service only", hint="write to another graph")
    dry_run = dry_run_flag()
    payload = read_payload(request, target) if method != "DELETE" else frozenset()
    if creating and not payload:
        raise BadRequest(
            "the body holds no triple: there is no graph to create", hint="send the new graph's triples in the body"
        )

    def plan(kg: KnowledgeGraph) -> Plan:
        existed = kg.graph_exists(target.name)
        if method == "DELETE" and not existed:
            raise NotFound(f"there is no graph {target.label}", hint="nothing was changed")
        change = change_for(method, kg.quads(graph=target.name) if method != "POST" else (), payload)
        summary = f"Graph Store {method} {target.label}: {len(change.added)} added, {len(change.removed)} removed"
        return Plan(change, summary, iri=target.iri, notes={"existed": existed})

    result = guard().write(plan, agent=g.writer, endpoint=f"{method} /store", dry_run=dry_run, admin=g.admin)
    if not result.accepted and not dry_run:
        return rejected(result)
    created = not result.plan.notes["existed"] and method != "DELETE" and result.added > 0
    body = {
        "graph": target.iri,
        "default": target.iri is None,
        "url": target.url(),
        "created": created,
        "dry_run": dry_run,
        **result.to_dict(),
    }
    response = jsonify(body)
    if created and result.committed:
        response.status_code = 201
        if creating:  # the new graph's IRI, as the W3C tests expect (GET /store?graph=<Location>)
            response.headers["Location"] = target.iri
    return response
