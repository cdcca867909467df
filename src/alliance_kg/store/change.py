"""A change of the dataset: the quads a write removes and adds, applied all at once."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox


@dataclass(frozen=True)
class Change:
    """A change of the dataset: quads to remove, then quads to add; and ``destructive``, the
    operations that made it if they empty graphs wholesale (``DROP ALL``: only an admin may).

    >>> q = ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p"), ox.Literal("1"))
    >>> (Change(added=frozenset([q])) | Change(removed=frozenset([q]))).removed == frozenset([q])
    True
    """

    removed: frozenset[ox.Quad] = frozenset()
    added: frozenset[ox.Quad] = frozenset()
    destructive: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def __bool__(self) -> bool:
        return bool(self.removed or self.added)

    def __or__(self, other: Change) -> Change:
        return Change(
            removed=self.removed | other.removed,
            added=self.added | other.added,
            destructive=self.destructive + other.destructive,
        )


def apply_change(store: ox.Store, change: Change) -> None:
    """Remove then add the quads of ``change`` in ``store``."""
    for quad in change.removed:
        store.remove(quad)
    store.extend(change.added)
    # Oxigraph keeps the name of a named graph whose last quad is gone: forget it, so that an
    # emptied graph is not listed (service description, Graph Store Protocol) any more.
    for name in {q.graph_name for q in change.removed if isinstance(q.graph_name, ox.NamedNode)}:
        if next(iter(store.quads_for_pattern(None, None, None, name)), None) is None:
            store.remove_graph(name)
