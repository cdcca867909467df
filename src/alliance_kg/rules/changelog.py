"""The change log for people: each accepted write with what it added and removed, named and linked.

:func:`alliance_kg.rules.changes.list_changes` gives the log's entries (who, when, where, how many
quads). The guard also keeps each write's quads, as N-Quads text, up to
:data:`~alliance_kg.rules.guard.LOGGED_QUADS_LIMIT`: :func:`change_records` reads them back as
triples whose nodes carry their labels and their pages, and lists the things the write touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pyoxigraph as ox

from ..knowledge.describe import Arc, Term, term
from ..knowledge.provenance import layer_of
from ..store import KnowledgeGraph
from .changes import ChangeEntry, list_changes


@dataclass(frozen=True)
class LoggedTriple:
    """One quad a write added or removed: its subject, and the property, value and layer as an arc."""

    subject: Term
    arc: Arc


@dataclass(frozen=True)
class ChangeRecord:
    """An accepted write: its log entry, the triples it added and removed (``kept``: the log holds
    them; a very large write keeps its counts only) and the things it touched (their subjects)."""

    entry: ChangeEntry
    added: tuple[LoggedTriple, ...]
    removed: tuple[LoggedTriple, ...]
    kept: bool
    things: tuple[Term, ...]


def change_records(kg: KnowledgeGraph, *, since: datetime | None = None, limit: int = 100) -> list[ChangeRecord]:
    """The accepted writes, newest first (at most ``limit``, after ``since``), each with its triples."""
    records = []
    for entry in list_changes(kg, since=since, limit=limit):
        added: list[LoggedTriple] = []
        removed: list[LoggedTriple] = []
        for row in kg.canned("change_quads", change=ox.NamedNode(entry.iri)):
            if "added" in row:
                added.extend(_triples(kg, row["added"].value))
            if "removed" in row:
                removed.extend(_triples(kg, row["removed"].value))
        kept = len(added) == entry.added and len(removed) == entry.removed
        things: dict[str, Term] = {}
        for triple in (*added, *removed):
            if triple.subject.kind == "iri":
                things.setdefault(triple.subject.value, triple.subject)
        ordered = sorted(things.values(), key=lambda t: t.label.casefold())
        records.append(ChangeRecord(entry, tuple(added), tuple(removed), kept, tuple(ordered)))
    return records


def _triples(kg: KnowledgeGraph, text: str) -> list[LoggedTriple]:
    """The quads of the N-Quads ``text`` as triples for a page; nodes named as the graph names them now."""
    out = []
    for quad in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_QUADS):
        graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else "default"
        out.append(
            LoggedTriple(term(kg, quad.subject), Arc(term(kg, quad.predicate), term(kg, quad.object), layer_of(graph)))
        )
    return out
