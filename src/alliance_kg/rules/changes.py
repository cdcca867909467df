"""The change log: one ``prov:Activity`` (an ``akg:Change``) per accepted write, in its own graph."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ..knowledge.catalog import local_id
from ..errors import BadRequest
from ..store import KnowledgeGraph


@dataclass(frozen=True)
class ChangeEntry:
    id: str
    iri: str
    time: str
    agent: str | None
    endpoint: str | None
    summary: str | None
    added: int
    removed: int


def _since(text: str | None) -> str | None:
    if not text:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        text += "T00:00:00+00:00"
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"since={text!r} is not a date or date-time",
                         hint="write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ") from None
    if moment.tzinfo is None:
        raise BadRequest(f"since={text!r} has no time zone", hint="end it with Z for UTC")
    return moment.isoformat()


def list_changes(kg: KnowledgeGraph, *, since: str | None = None, limit: str | None = None) -> list[ChangeEntry]:
    """Accepted writes, newest first; ``since`` (a date or date-time) keeps the later ones."""
    start = _since(since)
    try:
        count = int(limit) if limit is not None else 100
    except ValueError:
        raise BadRequest(f"limit={limit!r} is not a number") from None
    if not 1 <= count <= 10_000:
        raise BadRequest("limit must be between 1 and 10000")
    out = []
    for row in kg.canned("changes"):
        time = row["time"].value
        if start is not None and datetime.fromisoformat(time.replace("Z", "+00:00")) < datetime.fromisoformat(start):
            continue
        out.append(ChangeEntry(
            id=local_id(row["change"].value), iri=row["change"].value, time=time,
            agent=row["agentLabel"].value if "agentLabel" in row else None,
            endpoint=row["endpoint"].value if "endpoint" in row else None,
            summary=row["label"].value if "label" in row else None,
            added=int(row["added"].value) if "added" in row else 0,
            removed=int(row["removed"].value) if "removed" in row else 0,
        ))
        if len(out) >= count:
            break
    return out
