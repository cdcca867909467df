"""What the blueprints share: the answer for a rejected write, the validation report's formats,
and the link to the JSON-LD context. (Query parameters: :mod:`.parameters`.)"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Response, request, url_for

from ..errors import ValidationFailed
from ..rules.guard import WriteResult
from ..rules.validation import ValidationReport
from .negotiation import Representation, negotiate

#: The validation report: a JSON summary (the default) or the SHACL report graph.
REPORT_FORMATS = (
    Representation("application/json", None),
    *Representation.rdf(ox.RdfFormat.TURTLE, ox.RdfFormat.JSON_LD),
)
_RDFLIB_NAMES = {ox.RdfFormat.TURTLE: "turtle", ox.RdfFormat.JSON_LD: "json-ld"}


def report_response(report: ValidationReport, *, status: int = 200) -> Response | None:
    """The SHACL report graph in the format ``Accept`` asks for (Turtle, JSON-LD), or ``None``
    when it asks for the JSON summary (the caller answers that its own way)."""
    chosen = negotiate(request.accept_mimetypes, REPORT_FORMATS, what="the validation report")
    if chosen.format is None:
        return None
    return Response(report.serialize(_RDFLIB_NAMES[chosen.rdf_format]), status=status, content_type=chosen.content_type)


def rejected(result: WriteResult) -> Response:
    """The answer to a write the rules reject: a 422 with the report graph, or the error envelope
    with the report as JSON. Nothing was changed."""
    graph = report_response(result.report, status=422)
    if graph is not None:
        return graph
    results = result.report.results
    first = results[0].message if results else "the graph would not conform"
    error = ValidationFailed(
        f"the write was rejected: it breaks {len(results)} rule(s): {first}",
        hint="nothing was changed; the report lists every violation",
    )
    error.details = {"report": result.report.to_dict()}
    raise error


def context_link() -> str:
    """The ``Link`` header that points JSON readers at the JSON-LD context (JSON-LD 1.1, section 6.1)."""
    return f'<{url_for("pages.context")}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
