"""The engines the SHACL suite runs against, each called as its users call it.

* ``pyshacl``: plain pySHACL (``pyshacl.validate``), the reference, on rdflib graphs.
* ``pyshacl-turbo``: pyshacl-turbo (``pyshacl_turbo.validate``), with pySHACL's arguments, on the same
  rdflib graphs.
* ``alliance-kg``: the service's own validation, as ``alliance-kg validate`` and every write run
  it (:func:`alliance_kg.rules.validation.validate_store`): the test's shapes graph is written to a
  shapes directory of its own (``shapes/shapes.ttl`` under a scratch directory), the data graph
  into the default graph of a ``pyoxigraph.Store``; the SHACL-SPARQL constraints then run as
  queries on Oxigraph and the core constraints with pyshacl-turbo on that store. The scratch
  directory has no ``data/fingerprints/quotes.json``, so ``akf:quoteCheck`` knows no document
  (the suite's shapes never call it).
* ``alliance-kg-sparql``: the same, with the core constraints as SPARQL queries answered by the
  store (``--engine sparql``, :mod:`alliance_kg.rules.instore`), the engine of a remote store. It
  compiles the constraint components the project's shapes use and refuses the others: a test
  that needs one it refuses counts as failed.

Each engine gets copies of the test's graphs (pySHACL adds to the shapes graph it is given);
the copies hold the same rdflib blank nodes, and the Oxigraph store keeps their labels, so a
report's blank nodes are described in the test's own graphs (:mod:`.compare`). Engines run with
no inference, warnings counting against conformance (SHACL: a report conforms when it has no
result), and every other option at its default.

An engine *signals a failure* (what ``sht:Failure`` tests expect) when it raises or when it
returns no report graph (pySHACL returns a failure object for shapes it cannot use).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .compare import Report, read_report
from .manifest import ShaclTest

ENGINES = ("pyshacl", "pyshacl-turbo", "alliance-kg", "alliance-kg-sparql")


class EngineFailure(Exception):
    """The engine answered with a failure rather than a report."""


def copy(graph: Graph) -> Graph:
    """A new graph with the triples of ``graph`` (the same terms, blank nodes included)."""
    copied = Graph(bind_namespaces="none")
    copied.addN((s, p, o, copied) for s, p, o in graph)
    return copied


def to_ox(term: Node):
    """An rdflib term as the equal Oxigraph term, a blank node keeping its label.

    >>> to_ox(Literal("x", lang="en")), to_ox(BNode("b1")), to_ox(URIRef("http://e/a"))
    (<Literal value=x language=en>, <BlankNode value=b1>, <NamedNode value=http://e/a>)
    """
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"no Oxigraph term for {term!r}")


def _pyshacl_like(validate: Callable, test: ShaclTest) -> Report:
    """A run of ``validate`` (pySHACL's or pyshacl-turbo's) on copies of the test's graphs."""
    conforms, report, text = validate(
        copy(test.data), shacl_graph=copy(test.shapes), inference="none", allow_warnings=False
    )
    if not isinstance(report, Graph):  # pySHACL's failure object, or nothing
        message = str(text or report or "").strip()
        raise EngineFailure(message.splitlines()[0] if message else "no report graph")
    return read_report(report, data=test.data, shapes=test.shapes, conforms=bool(conforms))


def run_pyshacl(test: ShaclTest, scratch: Path) -> Report:
    """Plain pySHACL, the reference."""
    import pyshacl

    return _pyshacl_like(pyshacl.validate, test)


def run_turbo(test: ShaclTest, scratch: Path) -> Report:
    """pyshacl-turbo with pySHACL's arguments, on rdflib graphs."""
    import pyshacl_turbo

    return _pyshacl_like(pyshacl_turbo.validate, test)


def run_alliance(test: ShaclTest, scratch: Path, engine: str | None = None) -> Report:
    """alliance-kg's full validation: ``validate_store`` on an Oxigraph store holding the data
    graph, with the shapes graph as the only file of a shapes directory. ``scratch``: an empty
    directory of this run alone (a shapes directory is read once per path and modification
    time, so each test needs its own)."""
    from alliance_kg.rules.reports import load_shapes
    from alliance_kg.rules.validation import validate_store

    shapes_dir = scratch / "shapes"
    shapes_dir.mkdir(parents=True)
    (shapes_dir / "shapes.ttl").write_text(test.shapes.serialize(format="nt"), encoding="utf-8")
    store = ox.Store()
    store.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in test.data)
    result = validate_store(store, shapes_dir, engine=engine)  # type: ignore[arg-type]
    # the shapes graph as the service read it: its blank nodes are those of the report's shapes
    return read_report(result.graph, data=test.data, shapes=load_shapes(shapes_dir), conforms=result.conforms)


RUNNERS: dict[str, Callable[[ShaclTest, Path], Report]] = {
    "pyshacl": run_pyshacl,
    "pyshacl-turbo": run_turbo,
    "alliance-kg": run_alliance,
    "alliance-kg-sparql": lambda test, scratch: run_alliance(test, scratch, "sparql"),
}


@contextmanager
def quiet() -> Iterator[None]:
    """No warnings and no log lines while inside: rdflib logs every ill-typed literal the suite
    holds on purpose, and the engines log what they skip; the runner reports what matters."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        previous = logging.root.manager.disable
        logging.disable(logging.CRITICAL)
        try:
            yield
        finally:
            logging.disable(previous)


def run_engine(engine: str, test: ShaclTest, scratch: Path) -> Report:
    """The report of ``engine`` on ``test``, quietly."""
    with quiet():
        return RUNNERS[engine](test, scratch)
