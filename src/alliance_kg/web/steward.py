"""The data steward's pages: the change log (``/changes`` as HTML) and the validation report
(``/validation`` as HTML).

``/changes`` lists the accepted writes, newest first: who, when, through which endpoint, and the
triples each added and removed, their nodes named and linked to their pages; above them, whether
the graph conforms now. It takes the parameters of ``/api/changes`` (``since=``, ``limit=``).

``/validation`` is the SHACL report of the graph for people: the results grouped by rule, each
rule said in plain words (:mod:`alliance_kg.rules.rulebook`), each result with its focus node
as a link, the offending value, the shape, and what to change. "The graph conforms" when it
does. By ``Accept`` it is also the JSON summary and the report graph (Turtle, JSON-LD), as
``/api/validation`` gives them; the page is the default.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, render_template, request, url_for

from ..rules.changelog import change_records
from ..rules.rulebook import explain_report, rules_checked
from . import parameters
from .common import REPORT_FORMATS, current_report, report_graph
from .context import graph, services, settings
from .negotiation import Representation, negotiate
from .parameters import params

blueprint = Blueprint("steward", __name__)

#: ``/validation``: the page first (the default), then the formats of ``/api/validation``.
VALIDATION_FORMATS = (Representation("text/html", None), *REPORT_FORMATS)


def _html(body: str) -> Response:
    """``body`` as an HTML page that varies by ``Accept``."""
    response = Response(body, content_type="text/html; charset=utf-8")
    response.vary.add("Accept")
    return response


@blueprint.get("/changes")
def changes_page():
    """The change log as a page: newest first, each write's triples linked; the validation status."""
    args = params("since", "limit")
    since = parameters.moment("since", args["since"])
    limit = parameters.count("limit", args["limit"], default=100, maximum=10_000)
    records = change_records(graph(), since=since, limit=limit)
    report = current_report()
    api = url_for("writes.changes")
    query = urlencode({k: v for k, v in args.items() if v is not None})
    return _html(
        render_template(
            "steward/changes.html",
            records=records,
            report=report,
            groups=explain_report(graph(), report),
            since=args["since"],
            limit=limit,
            writes_enabled=bool(services().tokens),
            api_link=f"{api}?{query}" if query else api,
        )
    )


@blueprint.get("/validation")
def validation_page():
    """The validation report: a page for people by default; JSON or the report graph by ``Accept``."""
    params()
    report = current_report()
    chosen = negotiate(request.accept_mimetypes, VALIDATION_FORMATS, what="the validation report")
    if isinstance(chosen.format, ox.RdfFormat):
        response = report_graph(report, chosen)
    elif chosen.media_type == "application/json":
        response = jsonify(report.to_dict())
    else:
        return _html(
            render_template(
                "steward/validation.html",
                report=report,
                groups=explain_report(graph(), report),
                rules=rules_checked(settings().shapes_dir),
                api_link=url_for("api.validation_report"),
            )
        )
    response.vary.add("Accept")
    return response
