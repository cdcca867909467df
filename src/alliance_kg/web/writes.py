"""The JSON write API: companies, assignments, derivations, models, platforms; and the change log.

Each view checks the writer's token, reads the body, lets :mod:`alliance_kg.rules.writes` plan the
change and :class:`~alliance_kg.rules.guard.Guard` validate and commit it. ``?dry_run=true`` answers
with the report the write would get and changes nothing; any other query parameter is a 400 (a
typo such as ``?dryrun=true`` must not commit the write). A write that breaks a rule is a 422
with the SHACL report (JSON by default; Turtle or JSON-LD by ``Accept``), and nothing changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from flask import Blueprint, g, jsonify, request, url_for

from ..errors import BadRequest, UnsupportedMediaType
from ..knowledge.assignments import assignment_by_id
from ..rules import writes
from ..rules.changes import list_changes
from ..rules.guard import Plan
from ..store import KnowledgeGraph
from ..store.safety import MAX_JSON_DEPTH, too_deep
from . import parameters
from .auth import requires_writer
from .bodies import check_body
from .common import rejected
from .context import graph, guard
from .parameters import dry_run_flag, params

blueprint = Blueprint("writes", __name__)

_SURROGATE = re.compile("[\ud800-\udfff]")


def json_body(schema: str):
    """The request's JSON body: UTF-8 (415 for another charset, 400 at the first bad byte), valid
    JSON, nested at most :data:`~alliance_kg.store.safety.MAX_JSON_DEPTH` deep, every string a
    string of characters, and as the schema ``schema`` of the OpenAPI description says (:mod:`.bodies`)."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType(f"send the body as application/json, not {request.mimetype or '(none)'}")
    charset = request.mimetype_params.get("charset")
    if charset is not None and charset.strip().lower() not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(
            f"a JSON body must be UTF-8, not charset={charset}",
            hint="send the body in UTF-8, as application/json (charset=utf-8 or none)",
        )
    data = request.get_data()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        error = BadRequest(
            f"the body is not valid UTF-8: {exc.reason} at byte {exc.start}", hint="send the body in UTF-8"
        )
        error.details = {"byte": exc.start}
        raise error from None
    body = check_json(parse_json(text))
    check_body(body, schema)
    return body


def parse_json(text: str):
    """``text`` parsed as JSON (``null`` if empty); a 400 if it does not parse or nests too deep to."""
    try:
        return json.loads(text or "null")
    except json.JSONDecodeError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise too_deep() from None  # the write bodies need fewer than 10 levels


def check_json(document):
    """``document`` unless it nests deeper than :data:`~alliance_kg.store.safety.MAX_JSON_DEPTH` or holds a lone surrogate
    (a ``\\ud800`` escape: not a character, so it can be neither stored nor answered). Iterative,
    so no depth makes it recurse.

    >>> check_json({"a": [1, {"b": "c"}]})
    {'a': [1, {'b': 'c'}]}
    >>> check_json({"label": "\\ud800"})
    Traceback (most recent call last):
    ...
    alliance_kg.errors.BadRequest: body.label holds a lone surrogate (U+D800), which is not a character ...
    """
    pending = [(document, 1, "body")]
    while pending:
        value, depth, where = pending.pop()
        if isinstance(value, (dict, list)) and depth > MAX_JSON_DEPTH:
            raise too_deep()
        if isinstance(value, dict):
            for key, item in value.items():
                _no_surrogate(key, f"a field name in {where}")
                pending.append((item, depth + 1, f"{where}.{key}"))
        elif isinstance(value, list):
            pending.extend((item, depth + 1, f"{where}[{i}]") for i, item in enumerate(value))
        elif isinstance(value, str):
            _no_surrogate(value, where)
    return document


def _no_surrogate(text: str, where: str) -> None:
    found = _SURROGATE.search(text)
    if found is not None:
        raise BadRequest(
            f"{where} holds a lone surrogate (U+{ord(found[0]):04X}), which is not a character",
            hint="a \\uD800-\\uDFFF escape must be half of a pair that encodes one character",
        )


def run_write(plan: Callable[[KnowledgeGraph], Plan], *, created: bool, location: Callable[[str], str] | None = None):
    """Plan the write under the guard's lock (so it sees the latest graph), validate and commit
    it; answer with what it did. The body was checked against the description before."""
    dry_run = dry_run_flag()
    result = guard().write(
        plan, agent=g.writer, endpoint=f"{request.method} {request.path}", dry_run=dry_run, admin=g.admin
    )
    if not result.accepted and not dry_run:
        return rejected(result)
    item = result.plan
    body = {"id": item.id, "iri": item.iri, "summary": item.summary, "dry_run": dry_run, **result.to_dict()}
    response = jsonify(body)
    response.status_code = 201 if created and not dry_run else 200
    if created and not dry_run and location and item.id:
        response.headers["Location"] = location(item.id)
    return response


@blueprint.post("/api/companies")
@requires_writer
def create_company():
    params("dry_run")
    body = json_body("CompanyInput")
    return run_write(
        lambda kg: writes.create_company(kg, body), created=True, location=lambda key: url_for("api.company", key=key)
    )


@blueprint.post("/api/assignments")
@requires_writer
def create_assignment():
    params("dry_run")
    body = json_body("AssignmentInput")
    return run_write(
        lambda kg: writes.create_assignment(kg, body),
        created=True,
        location=lambda key: url_for("writes.assignment", key=key),
    )


@blueprint.patch("/api/assignments/<path:key>")
@requires_writer
def update_assignment(key: str):
    params("dry_run")
    body = json_body("AssignmentPatch")
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
    body = json_body("DerivationInput")
    return run_write(
        lambda kg: writes.create_derivation(kg, body),
        created=True,
        location=lambda key: url_for("api.lineage_of", key=key),
    )


@blueprint.post("/api/models")
@requires_writer
def create_model():
    params("dry_run")
    body = json_body("ModelInput")
    return run_write(
        lambda kg: writes.create_model(kg, body), created=True, location=lambda key: url_for("api.lineage_of", key=key)
    )


@blueprint.post("/api/platforms")
@requires_writer
def create_platform():
    params("dry_run")
    body = json_body("PlatformInput")
    return run_write(
        lambda kg: writes.create_platform(kg, body),
        created=True,
        location=lambda key: url_for("api.lineage_of", key=key),
    )


@blueprint.get("/api/assignments/<path:key>")
def assignment(key: str):
    params()
    return jsonify(assignment_by_id(graph(), key))


@blueprint.get("/api/changes")
def changes():
    args = params("since", "limit")
    found = list_changes(
        graph(),
        since=parameters.moment("since", args["since"]),
        limit=parameters.count("limit", args["limit"], default=100, maximum=10_000),
    )
    return jsonify({"count": len(found), "changes": found})
