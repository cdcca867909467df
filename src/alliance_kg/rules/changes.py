"""The change log: one ``prov:Activity`` (an ``akg:Change``) per accepted write, in its own graph."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..knowledge.catalog import local_id
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


def list_changes(kg: KnowledgeGraph, *, since: datetime | None = None, limit: int = 100) -> list[ChangeEntry]:
    """Accepted writes, newest first, at most ``limit``; ``since`` (with a time zone) keeps the later ones."""
    out = []
    for row in kg.canned("changes"):
        time = row["time"].value
        if since is not None and datetime.fromisoformat(time.replace("Z", "+00:00")) < since:
            continue
        out.append(
            ChangeEntry(
                id=local_id(row["change"].value),
                iri=row["change"].value,
                time=time,
                agent=row["agentLabel"].value if "agentLabel" in row else None,
                endpoint=row["endpoint"].value if "endpoint" in row else None,
                summary=row["label"].value if "label" in row else None,
                added=int(row["added"].value) if "added" in row else 0,
                removed=int(row["removed"].value) if "removed" in row else 0,
            )
        )
        if len(out) >= limit:
            break
    return out
