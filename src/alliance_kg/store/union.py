"""SPARQL's default graph as a set: the union of all graphs, each triple once.

SPARQL's default graph is an RDF graph, so the union of the named graphs must not repeat a
triple that two layers state (Livina derives from the Xpander in the seed and the public layer).
Oxigraph 0.5's merged default graph (``use_default_graph_as_union``) counts such a triple once
per graph (its issue 1919, fixed after the 0.5 releases), and so does a list of default graphs.

So the embedded store keeps the union itself, as one more graph of the same Oxigraph store: every
distinct triple of the store's default graph and of its named graphs, once. Queries read it as
their default graph, by index, as fast as any one graph. It has a name nobody can guess (a new
UUID URN per process), it is hidden from everything but the queries (quads, graph lists, counts,
dumps, updates, the Graph Store), it is never written to disk, and it is built when the store
opens and kept by every commit. It costs one more copy of each distinct triple in memory.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import pyoxigraph as ox


class UnionGraph:
    """The union of the graphs of ``store``, kept in ``store`` under a hidden name.

    >>> store = ox.Store(); union = UnionGraph(store)
    >>> a, p, b = (ox.NamedNode(f"https://example.org/{x}") for x in "apb")
    >>> quads = [ox.Quad(a, p, b, ox.NamedNode("https://example.org/g1")), ox.Quad(a, p, b, ox.NamedNode("https://example.org/g2"))]
    >>> store.extend(quads); union.added(quads); len(union)
    1
    >>> store.remove(quads[0]); union.removed(quads[:1]); len(union)
    1
    >>> store.remove(quads[1]); union.removed(quads[1:]); len(union)
    0
    """

    def __init__(self, store: ox.Store, *, name: ox.NamedNode | None = None):
        """``name``: the union ``store`` already holds (a copy of a store with its union); if
        none, a new name for a union :meth:`rebuild` builds."""
        self.store = store
        self.name = name or ox.NamedNode(f"urn:uuid:{uuid.uuid4()}")
        self._size = 0 if name is None else sum(1 for _ in store.quads_for_pattern(None, None, None, name))

    def __len__(self) -> int:
        """The number of distinct triples."""
        return self._size

    def rebuild(self) -> None:
        """Build the union from everything the store holds (after a bulk load)."""
        self.store.clear_graph(self.name)
        self.store.update(
            f"INSERT {{ GRAPH <{self.name.value}> {{ ?s ?p ?o }} }} "
            f"WHERE {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{self.name.value}>) }} }}"
        )
        self._size = sum(1 for _ in self.store.quads_for_pattern(None, None, None, self.name))

    def added(self, quads: Iterable[ox.Quad]) -> None:
        """Keep the union after ``quads`` were added to the store."""
        for quad in quads:
            if quad.graph_name != self.name:
                kept = ox.Quad(quad.subject, quad.predicate, quad.object, self.name)
                if kept not in self.store:
                    self.store.add(kept)
                    self._size += 1

    def removed(self, quads: Iterable[ox.Quad]) -> None:
        """Keep the union after ``quads`` were removed from the store: a triple leaves it when no
        graph holds it any more."""
        for quad in quads:
            if quad.graph_name == self.name:
                continue
            kept = ox.Quad(quad.subject, quad.predicate, quad.object, self.name)
            if kept in self.store and not self.holds_elsewhere(quad):
                self.store.remove(kept)
                self._size -= 1

    def holds_elsewhere(self, quad: ox.Quad) -> bool:
        """Whether a graph other than the union holds the triple of ``quad``."""
        return any(
            q.graph_name != self.name
            for q in self.store.quads_for_pattern(quad.subject, quad.predicate, quad.object, None)
        )

    def hides(self, graph: object) -> bool:
        """Whether ``graph`` is the union's own name."""
        return graph == self.name

    def triples(self) -> Iterable[ox.Triple]:
        """The union's triples."""
        return (q.triple for q in self.store.quads_for_pattern(None, None, None, self.name))
