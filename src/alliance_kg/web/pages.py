"""Linked data: every IRI of the dataset dereferences, with content negotiation.

Policy (slash IRIs, 303 redirects, https://www.w3.org/TR/cooluris/):

* ``https://w3id.org/alliance-kg/id/X`` names a thing. The w3id.org redirect sends it to this
  service's ``/id/X``, which answers **303 See Other** to ``/doc/X``, the document about it.
* ``/doc/X`` answers by ``Accept``: an HTML page (the default), Turtle, JSON-LD, N-Triples or
  RDF/XML; ``/doc/X.html``, ``.ttl``, ``.jsonld``, ``.nt``, ``.rdf`` name one format each.
  ``Accept: application/json`` gets JSON-LD too, sent as ``application/json`` (what was asked for).
* ``X`` may be a name instead of an id (a label, an alternative label, an ISO code, in any case,
  with or without accents: :func:`alliance_kg.knowledge.describe.resolve`): ``/id/Germany`` and
  ``/doc/Germany`` answer **303 See Other** to ``/doc/country-DE``, keeping a format extension.
* ``https://w3id.org/alliance-kg/ontology`` (hash IRIs for its terms) is served at
  ``/ontology``: pyLODE's HTML documentation, Turtle or RDF/XML.
* ``https://w3id.org/alliance-kg/graph/G`` (a named graph) answers 303 to the Graph Store
  Protocol's ``/store?graph=…``.
* ``/.well-known/void`` is the VoID and DCAT description of the dataset; ``/api/context.jsonld``
  the JSON-LD context that makes the JSON API's answers linked data.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, render_template, request, url_for

from ..errors import AllianceKGError, NotFound
from ..knowledge import lineage as lineage_domain
from ..knowledge import responsibility as resp
from ..knowledge.catalog import catalog
from ..knowledge.companies import company_roles
from ..knowledge.describe import describe, link_target, resolve
from ..knowledge.lineage import RELATIONS
from ..knowledge.summaries import grouped, summarise
from ..knowledge.void import VOID_PREFIXES, describe_dataset
from ..store import BASE, PREFIXES, serialize_graph
from .context import graph, settings
from .negotiation import Representation, negotiate
from .parameters import params

blueprint = Blueprint("pages", __name__)

F = ox.RdfFormat
#: A document about a resource: HTML first (the default), then RDF. ``application/json`` last: a
#: client that accepts only JSON gets JSON-LD (which is JSON) labelled as the type it asked for;
#: one that accepts both gets ``application/ld+json``, which ties go to.
RDF_DATA = Representation.rdf(F.TURTLE, F.JSON_LD, F.N_TRIPLES, F.RDF_XML)
DOCUMENT_FORMATS = (Representation("text/html", None), *RDF_DATA, Representation("application/json", F.JSON_LD))
#: ``/doc/<key>.<extension>``: a document in one format.
EXTENSIONS = {"html": "text/html", **{r.rdf_format.file_extension: r.media_type for r in RDF_DATA}}
CONTEXT_FILE = Path(__file__).resolve().parent / "context.jsonld"


@blueprint.app_template_filter("href")
def _href(iri: str) -> str | None:
    """The href of a link to ``iri`` (its page here, or an http(s) IRI); ``None``: show it as text."""
    return link_target(iri)


@blueprint.app_template_filter("shorten")
def _shorten(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def _representation(extension: str | None, table=DOCUMENT_FORMATS) -> Representation:
    if extension is not None:
        if extension not in EXTENSIONS:
            raise NotFound(f"no format .{extension}", hint=f"use one of .{', .'.join(EXTENSIONS)}")
        return next(r for r in table if r.media_type == EXTENSIONS[extension])
    return negotiate(request.accept_mimetypes, table, what="this document")


def _split(key: str) -> tuple[str, str | None]:
    """``Europe.ttl`` as (``Europe``, ``ttl``); ids may contain dots, so only known extensions count.

    >>> _split("Europe.ttl"), _split("CMF-A-plus"), _split("B-10.a.jsonld")
    (('Europe', 'ttl'), ('CMF-A-plus', None), ('B-10.a', 'jsonld'))
    """
    stem, dot, ext = key.rpartition(".")
    return (stem, ext) if dot and ext in EXTENSIONS else (key, None)


def _iri(base: str, key: str) -> str:
    """``base + key`` if that is an IRI; a 404 otherwise (a key with a space or ``>`` names nothing)."""
    try:
        return ox.NamedNode(base + key).value
    except ValueError:
        raise NotFound(
            f"{key!r} is not the id of anything here", hint="ids look like Europe or assignment-Europe"
        ) from None


def _document_url(iri: str, extension: str | None) -> str:
    """The path of the document about ``iri`` (a resource of ``/id/``), in the format ``extension`` names."""
    key = iri[len(BASE + "id/") :]
    return url_for("pages.document", key=f"{key}.{extension}" if extension else key)


# A name (``Germany``) is looked up, and the answer is a redirect to the document at its id
# (``/doc/country-DE``). 303 See Other from both routes: from /id/ it is the linked-data convention
# (the thing is not a document; the document about it is there); from /doc/ it says the same: this
# path has no representation of its own, the one it stands for is at the Location (RFC 9110,
# 15.4.4). Not a permanent redirect (301/308), which clients cache without limit and crawlers adopt
# in place of the name: names are data (a write may add a label, or make a name ambiguous), so
# where a name leads may change; only the id is permanent.


@blueprint.get("/id/<path:key>")
def resource(key: str):
    """303 See Other: the thing ``/id/X`` names is not a document; ``/doc/X`` (at its id) is about it."""
    return redirect(_document_url(resolve(graph(), key), None), code=303)


@blueprint.get("/doc/<path:key>")
def document(key: str):
    """The document about the resource ``key`` names: by its id, else 303 to the one at its id."""
    key, extension = _split(key)
    kg = graph()
    iri = resolve(kg, key)
    if iri != BASE + "id/" + key:
        return redirect(_document_url(iri, extension), code=303)
    description = describe(kg, iri)
    chosen = _representation(extension)
    if chosen.format is None:
        answers = _answers(kg, iri)
        body = render_template(
            "resource.html",
            d=description,
            doc_url=url_for("pages.document", key=key),
            formats=[(e, t) for e, t in EXTENSIONS.items() if e != "html"],
            api_link=_api_link(kg, iri, key, description.types),
            summary=summarise(description, covered=_covered(answers)),
            statements=grouped(description.outgoing),
            incoming=grouped(description.incoming),
            **answers,
        )
        response = Response(body, content_type="text/html; charset=utf-8")
    else:
        response = Response(serialize_graph(description.triples, chosen.rdf_format), content_type=chosen.content_type)
    response.vary.add("Accept")
    response.headers["Link"] = f'<{iri}>; rel="describes"'
    return response


def _answers(kg, iri: str) -> dict:
    """The responsibility or lineage answer a page shows beside the raw statements."""
    entity = catalog(kg).entities.get(iri)
    kinds = entity.kinds if entity else set()
    try:
        if "region" in kinds:
            return {"answer": resp.responsibility(kg, region=iri)}
        if "technology_scope" in kinds:
            return {"answer": resp.responsibility(kg, technology=iri)}
        if "segment_scope" in kinds:
            return {"answer": resp.responsibility(kg, segment=iri)}
        if "country" in kinds:
            return {"answer": resp.responsibility(kg, country=iri)}
        if "company" in kinds:
            return {"roles": company_roles(kg, iri)}
        if kinds & {"model", "platform"}:
            return {"lineage": lineage_domain.lineage(kg, iri)}
    except AllianceKGError:  # a page still shows the statements when an answer cannot be given
        return {}
    return {}


def _covered(answers: dict) -> frozenset[str]:
    """The properties the key roles of a page show (so its key facts need not): a company's
    alliance, a model's or platform's lineage links."""
    if "roles" in answers:
        return frozenset({PREFIXES["org"] + "memberOf"})
    if "lineage" in answers:
        return frozenset(RELATIONS)
    return frozenset()


#: The JSON API answer about a thing of each kind (the page's summary links to it): the kind, the
#: endpoint, and the query parameter that names the thing (``None``: the thing is in the path).
API_OF_KIND = (
    ("region", "api.responsibility", "region"),
    ("country", "api.responsibility", "country"),
    ("technology_scope", "api.responsibility", "technology"),
    ("segment_scope", "api.responsibility", "segment"),
    ("company", "api.company", None),
    ("model", "api.lineage_of", None),
    ("platform", "api.lineage_of", None),
)


def _api_link(kg, iri: str, key: str, types) -> str | None:
    """The path of the JSON API's answer about the thing at ``iri`` (id ``key``), or ``None``."""
    entity = catalog(kg).entities.get(iri)
    kinds = entity.kinds if entity else set()
    for kind, endpoint, param in API_OF_KIND:
        if kind in kinds:
            return f"{url_for(endpoint)}?{urlencode({param: key})}" if param else url_for(endpoint, key=key)
    if any(t.value == PREFIXES["akg"] + "LeadershipAssignment" for t in types):
        return url_for("writes.assignment", key=key)
    return None


@blueprint.get("/graph/<name>")
def named_graph(name: str):
    """A named graph's IRI: 303 to the Graph Store Protocol document of the graph."""
    iri = _iri(BASE + "graph/", name)
    if not graph().graph_exists(ox.NamedNode(iri)):
        raise NotFound(f"there is no graph <{iri}>")
    return redirect(url_for("gsp.store") + "?graph=" + quote(iri, safe=""), code=303)


# --- the ontology ------------------------------------------------------------------------------


ONTOLOGY_FORMATS = (Representation("text/html", None), *Representation.rdf(F.TURTLE, F.RDF_XML, F.JSON_LD, F.N_TRIPLES))


@blueprint.get("/ontology")
@blueprint.get("/ontology.<extension>")
def ontology(extension: str | None = None):
    chosen = _representation(extension, ONTOLOGY_FORMATS)
    if chosen.format is None:
        response = Response(ontology_html(), content_type="text/html; charset=utf-8")
    else:
        triples = [q.triple for q in graph().quads(None, None, None, ox.NamedNode(BASE + "graph/ontology"))]
        response = Response(serialize_graph(triples, chosen.rdf_format), content_type=chosen.content_type)
    response.vary.add("Accept")
    return response


def ontology_html() -> str:
    """pyLODE's documentation of the ontology: built by ``make install`` into
    ``build/ontology.html``; made here (once) if that file is missing."""
    built = settings().data_dir / "build" / "ontology.html"
    if built.is_file():
        return built.read_text(encoding="utf-8")
    return graph().cached("ontology-html", lambda kg: render_ontology(settings().ontology_dir / "alliance.ttl"))


def render_ontology(path: Path) -> str:
    from pylode import OntPub  # imported late: pyLODE loads its background ontologies on import

    return OntPub(ontology=str(path)).make_html()


# --- the dataset -------------------------------------------------------------------------------


@blueprint.get("/.well-known/void")
def void():
    chosen = _representation(None, RDF_DATA)
    triples = describe_dataset(
        graph(), endpoint=url_for("sparql.sparql", _external=True), store_url=url_for("gsp.store", _external=True)
    )
    response = Response(
        serialize_graph(triples, chosen.format, {**PREFIXES, **VOID_PREFIXES}), content_type=chosen.content_type
    )
    response.vary.add("Accept")
    return response


@blueprint.get("/api/context.jsonld")
def context():
    params()
    return Response(CONTEXT_FILE.read_text(encoding="utf-8"), content_type="application/ld+json")


def load_context() -> dict:
    return json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))
