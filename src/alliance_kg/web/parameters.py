"""Query parameters: each endpoint names the ones it reads, and each is read into the type the
domain takes (a date, a layer, a number), so that a wrong one is a 400 that says what is wrong
with it and how to write it, and the domain never parses text from a URL.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask import request

from ..errors import BadRequest
from ..knowledge.assignments import SCOPE_KINDS, ScopeKind
from ..knowledge.provenance import Layer

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def params(*names: str) -> dict[str, str | None]:
    """The query parameters ``names`` of this request, each given at most once.

    :raises BadRequest: an unknown parameter (a typo would otherwise be ignored) or a repeated one.
    """
    unknown = sorted(set(request.args) - set(names))
    if unknown:
        known = ", ".join(f"{n}=" for n in names) or "none"
        raise BadRequest(
            f"unknown parameter {', '.join(repr(u) for u in unknown)} for {request.path}",
            hint=f"parameters of this endpoint: {known}",
        )
    repeated = sorted(n for n in names if len(request.args.getlist(n)) > 1)
    if repeated:
        raise BadRequest(f"parameter {repeated[0]!r} is given more than once", hint="give each parameter once")
    return {name: request.args.get(name) for name in names}


def dry_run_flag() -> bool:
    """Whether the request asks for a dry run (``?dry_run=true``).

    :raises BadRequest: a value that is not true or false.
    """
    value = request.args.get("dry_run", "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise BadRequest(f"dry_run={value!r} is not true or false")
    return value in ("true", "1")


def day(name: str, text: str | None) -> date | None:
    """The parameter ``name`` as a date (``YYYY-MM-DD``); ``None`` when absent or empty.

    >>> day("as_of", "2020-05-27"), day("as_of", None)
    (datetime.date(2020, 5, 27), None)
    """
    if text is None or text == "":
        return None
    if not _DAY.fullmatch(text.strip()):
        raise BadRequest(f"{name}={text!r} is not a date", hint=f"write it as YYYY-MM-DD, e.g. {name}=2021-01-31")
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise BadRequest(f"{name}={text!r} is not a valid date: {exc}", hint="write it as YYYY-MM-DD") from None


def moment(name: str, text: str | None) -> datetime | None:
    """The parameter ``name`` as a moment with a time zone: a date (midnight UTC) or a date-time.

    >>> moment("since", "2026-01-02").isoformat(), moment("since", "2026-01-02T10:00:00Z").isoformat()
    ('2026-01-02T00:00:00+00:00', '2026-01-02T10:00:00+00:00')
    """
    if not text:
        return None
    value = text + "T00:00:00+00:00" if _DAY.fullmatch(text) else text
    try:
        found = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(
            f"{name}={text!r} is not a date or date-time", hint="write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ"
        ) from None
    if found.tzinfo is None:
        raise BadRequest(f"{name}={text!r} has no time zone", hint="end it with Z for UTC")
    return found


def layer(text: str | None) -> Layer:
    """The ``layer`` parameter: ``seed`` (the two articles only) or ``all`` (the default)."""
    if text is None or text == "" or text == "all":
        return "all"
    if text == "seed":
        return "seed"
    raise BadRequest(f"layer={text!r} is not a layer", hint="use layer=seed (the two articles only) or layer=all")


def scope_kind(text: str | None) -> ScopeKind | None:
    """The ``kind`` parameter of the scopes: region, technology or segment; ``None`` for all."""
    if not text:
        return None
    for kind in SCOPE_KINDS:
        if text == kind:
            return kind
    raise BadRequest(f"kind={text!r} is not a kind of scope", hint="use kind=region, kind=technology or kind=segment")


def count(name: str, text: str | None, *, default: int, maximum: int) -> int:
    """The parameter ``name`` as a whole number from 1 to ``maximum``; ``default`` when absent."""
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadRequest(f"{name}={text!r} is not a number") from None
    if not 1 <= value <= maximum:
        raise BadRequest(f"{name} must be between 1 and {maximum}")
    return value
