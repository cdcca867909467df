"""What the blueprints share: the answer for a rejected write, the validation report's formats,
and the link to the JSON-LD context. (Query parameters: :mod:`.parameters`.)

A rejected write is answered in JSON by default (the error envelope with the report), as the
SHACL report graph by ``Accept`` (Turtle, JSON-LD), or as a page for people when ``Accept`` prefers
``text/html``: the report grouped by rule, each rule said in plain words with what to change, as
on the validation report page (:mod:`.steward`)."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Response, render_template, request, url_for

from ..errors import ValidationFailed
from ..rules.guard import WriteResult
from ..rules.rulebook import explain_report
from ..rules.validation import ValidationReport, validate
from .context import graph, settings
from .negotiation import Representation, negotiate

#: The validation report: a JSON summary (the default) or the SHACL report graph.
REPORT_FORMATS = (
    Representation("application/json", None),
    *Representation.rdf(ox.RdfFormat.TURTLE, ox.RdfFormat.JSON_LD),
)
_RDFLIB_NAMES = {ox.RdfFormat.TURTLE: "turtle", ox.RdfFormat.JSON_LD: "json-ld"}
#: A rejected write: as the report's formats, and a page for people (never the default).
REJECTION_FORMATS = (*REPORT_FORMATS, Representation("text/html", None))


def current_report() -> ValidationReport:
    """The SHACL report of the graph as it is now, computed once per state of the graph (one
    cache entry for ``/api/validation``, ``/validation`` and ``/changes``)."""
    return graph().cached("validation", lambda kg: validate(kg, settings().shapes_dir))


def report_response(report: ValidationReport, *, status: int = 200) -> Response | None:
    """The SHACL report graph in the format ``Accept`` asks for (Turtle, JSON-LD), or ``None``
    when it asks for the JSON summary (the caller answers that its own way)."""
    chosen = negotiate(request.accept_mimetypes, REPORT_FORMATS, what="the validation report")
    if chosen.format is None:
        return None
    return report_graph(report, chosen, status=status)


def report_graph(report: ValidationReport, chosen: Representation, *, status: int = 200) -> Response:
    """The SHACL report graph of ``report`` in the RDF format ``chosen`` names (Turtle or JSON-LD)."""
    return Response(report.serialize(_RDFLIB_NAMES[chosen.rdf_format]), status=status, content_type=chosen.content_type)


def rejected(result: WriteResult) -> Response:
    """The answer to a write the rules reject: a 422 with the report graph, a page for people
    (``Accept: text/html``), or the error envelope with the report as JSON. Nothing was changed."""
    chosen = negotiate(request.accept_mimetypes, REJECTION_FORMATS, what="the report of a rejected write")
    if chosen.format is not None:
        return report_graph(result.report, chosen, status=422)
    if chosen.media_type == "text/html":
        return rejected_page(result)
    results = result.report.results
    first = results[0].message if results else "the graph would not conform"
    error = ValidationFailed(
        f"the write was rejected: it breaks {len(results)} rule(s): {first}",
        hint="nothing was changed; the report lists every violation",
    )
    error.details = {"report": result.report.to_dict()}
    raise error


def rejected_page(result: WriteResult) -> Response:
    """The page that says a write was rejected, why, and what to change: a 422, nothing changed."""
    html = render_template(
        "steward/rejected.html",
        summary=result.plan.summary,
        endpoint=f"{request.method} {request.path}",
        groups=explain_report(graph(), result.report),
        count=len(result.report.results),
    )
    response = Response(html, status=422, content_type="text/html; charset=utf-8")
    response.vary.add("Accept")
    return response


def context_link() -> str:
    """The ``Link`` header that points JSON readers at the JSON-LD context (JSON-LD 1.1, section 6.1)."""
    return f'<{url_for("pages.context")}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
