"""The JSON write API: companies, assignments, derivations, models, platforms; and the change log.

Each view checks the writer's token, reads the body, lets :mod:`alliance_kg.writes` plan the
change and :class:`~alliance_kg.guard.Guard` validate and commit it. ``?dry_run=true`` answers
with the report the write would get and changes nothing; any other query parameter is a 400 (a
typo such as ``?dryrun=true`` must not commit the write). A write that breaks a rule is a 422
with the SHACL report (JSON by default; Turtle or JSON-LD by ``Accept``), and nothing changes.
"""

from __future__ import annotations

import json
from typing import Callable

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for

from .. import writes
from ..changes import list_changes
from ..errors import AllianceKGError, BadRequest, UnsupportedMediaType, ValidationFailed
from ..guard import Guard, WriteResult
from ..responsibility import assignment_by_id
from .auth import requires_writer
from .context import graph
from .negotiation import negotiate
from .api import REPORT_FORMATS, RDFLIB_NAMES, params

blueprint = Blueprint("writes", __name__)


def guard() -> Guard:
    return current_app.extensions["alliance_kg_guard"]


def dry_run_flag() -> bool:
    value = request.args.get("dry_run", "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise BadRequest(f"dry_run={value!r} is not true or false")
    return value in ("true", "1")


def json_body():
    if request.mimetype != "application/json":
        raise UnsupportedMediaType(f"send the body as application/json, not {request.mimetype or '(none)'}")
    try:
        return json.loads(request.get_data(as_text=True) or "null")
    except json.JSONDecodeError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None


def run_write(plan: Callable, *, created: bool, location: Callable[[str], str] | None = None):
    """Plan a change under the writer lock, validate it, commit it unless it is a dry run.

    The plan is tried once before the lock too, so a malformed body (a 400) is answered at once
    instead of waiting for the writes ahead of it; whatever depends on the graph (404, 409, the
    rules) is decided under the lock, on the latest graph.
    """
    dry_run = dry_run_flag()
    try:
        plan(graph())
    except BadRequest:
        raise
    except AllianceKGError:
        pass
    planned: list[writes.Planned] = []

    def build(kg):
        planned.append(plan(kg))
        return planned[0].change

    result = guard().write(build, agent=g.writer, endpoint=f"{request.method} {request.path}",
                           summary=lambda: planned[0].summary, dry_run=dry_run)
    item = planned[0]
    return answer(result, item, created=created, dry_run=dry_run, location=location)


def answer(result: WriteResult, item, *, created: bool, dry_run: bool, location=None):
    if not result.accepted and not dry_run:
        return rejected(result)
    body = {"id": item.id, "iri": item.iri, "summary": item.summary, "dry_run": dry_run, **result.to_dict()}
    response = jsonify(body)
    response.status_code = 201 if created and not dry_run else 200
    if created and not dry_run and location:
        response.headers["Location"] = location(item.id)
    return response


def rejected(result: WriteResult):
    chosen = negotiate(request.accept_mimetypes, REPORT_FORMATS, what="the validation report")
    results = result.report.results
    first = results[0].message if results else "the graph would not conform"
    if chosen.format is not None:
        response = Response(result.report.serialize(RDFLIB_NAMES[chosen.format]), status=422,
                            content_type=chosen.content_type)
        return response
    error = ValidationFailed(
        f"the write was rejected: it breaks {len(results)} rule(s): {first}",
        hint="nothing was changed; the report lists every violation",
    )
    error.details = {"report": result.report.to_dict()}
    raise error


@blueprint.post("/api/companies")
@requires_writer
def create_company():
    params("dry_run")
    body = json_body()
    return run_write(lambda kg: writes.create_company(kg, body), created=True,
                     location=lambda key: url_for("api.company", key=key))


@blueprint.post("/api/assignments")
@requires_writer
def create_assignment():
    params("dry_run")
    body = json_body()
    return run_write(lambda kg: writes.create_assignment(kg, body), created=True,
                     location=lambda key: url_for("writes.assignment", key=key))


@blueprint.patch("/api/assignments/<path:key>")
@requires_writer
def update_assignment(key: str):
    params("dry_run")
    body = json_body()
    return run_write(lambda kg: writes.update_assignment(kg, key, body), created=False)


@blueprint.delete("/api/assignments/<path:key>")
@requires_writer
def delete_assignment(key: str):
    params("dry_run")
    return run_write(lambda kg: writes.delete_assignment(kg, key), created=False)


@blueprint.post("/api/derivations")
@requires_writer
def create_derivation():
    params("dry_run")
    body = json_body()
    return run_write(lambda kg: writes.create_derivation(kg, body), created=True,
                     location=lambda key: url_for("api.lineage_of", key=key))


@blueprint.post("/api/models")
@requires_writer
def create_model():
    params("dry_run")
    body = json_body()
    return run_write(lambda kg: writes.create_model(kg, body), created=True,
                     location=lambda key: url_for("api.lineage_of", key=key))


@blueprint.post("/api/platforms")
@requires_writer
def create_platform():
    params("dry_run")
    body = json_body()
    return run_write(lambda kg: writes.create_platform(kg, body), created=True,
                     location=lambda key: url_for("api.lineage_of", key=key))


@blueprint.get("/api/assignments/<path:key>")
def assignment(key: str):
    params()
    return jsonify(assignment_by_id(graph(), key))


@blueprint.get("/api/changes")
def changes():
    found = list_changes(graph(), **params("since", "limit"))
    return jsonify({"count": len(found), "changes": found})
