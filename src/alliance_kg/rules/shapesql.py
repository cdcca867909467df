"""The core SHACL shapes compiled to SPARQL queries, one per constraint, each finding every focus
node that breaks it at once (run by :mod:`.instore`).

Only what the project's shapes use is compiled: targets ``sh:targetClass`` (with
``rdfs:subClassOf``, and shapes that are classes), ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``
and ``sh:targetNode``; paths of one step, forwards or inverse; ``sh:minCount``, ``sh:maxCount``,
``sh:class``, ``sh:datatype``, ``sh:in``, ``sh:hasValue``, ``sh:maxLength``, ``sh:uniqueLang``,
``sh:disjoint``, ``sh:lessThanOrEquals``, and ``sh:or``/``sh:and``/``sh:not`` of shapes made of
those. A shape with anything else is refused with the parameter named (:class:`Unsupported`):
validated wrongly would be worse than not at all.

The queries keep to plain SPARQL 1.1 (no property paths: the class hierarchy is read once and
written into the queries at ``<%classes:IRI%>`` or ``<%values:IRI%>``, the focus nodes of a focused run at
``<%focus%>``), so that any SPARQL 1.1 store runs them; Virtuoso and Oxigraph are tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD

from ..errors import ConfigurationError

#: The shape parameters compiled (the rest of the SHACL vocabulary is refused).
_TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
_COMPONENTS = {
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH.maxLength: SH.MaxLengthConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH.disjoint: SH.DisjointConstraintComponent,
    SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH["and"]: SH.AndConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
}
_QUIET = {
    *_TARGETS,
    SH.path,
    SH.property,
    SH.message,
    SH.severity,
    SH.deactivated,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.declare,
    SH.prefixes,
    # the SHACL-SPARQL constraints run as queries of their own (:mod:`.focused`)
    SH.sparql,
    SH.select,
}
#: Datatypes whose lexical forms the queries check: the lexical form's pattern (XSD 1.1 Part 2),
#: and a cast, which fails on a value out of range (a 13th month).
_LEXICAL = {
    XSD.date: r"^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})?$",
    XSD.dateTime: r"^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$",
    XSD.integer: r"^[+-]?[0-9]+$",
    XSD.decimal: r"^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)$",
    XSD.boolean: r"^(true|false|1|0)$",
}


class Unsupported(ConfigurationError):
    """A shape uses SHACL this engine does not compile."""


@dataclass(frozen=True)
class Check:
    """One constraint of one shape, as a query: each row one result (``?this``, maybe ``?value``)."""

    shape: rdflib.term.Node
    component: rdflib.URIRef
    path: rdflib.term.Node | None
    query: str
    messages: tuple[rdflib.Literal, ...]
    severity: rdflib.term.Node
    #: Whether a result names a value (``?value``); else none (counts), or the focus node (node shapes).
    value: str  # "value" | "none" | "focus"


@lru_cache(maxsize=8)
def compile_shapes(core_triples: tuple) -> tuple[rdflib.Graph, tuple[Check, ...]]:
    """The shapes graph and one :class:`Check` per constraint of every shape with targets.

    :raises Unsupported: a shape uses SHACL this engine does not compile.
    """
    shapes = rdflib.Graph()
    shapes.addN((s, p, o, shapes) for s, p, o in core_triples)
    checks: list[Check] = []
    for shape in sorted({s for t in _TARGETS for s in shapes.subjects(t, None)} | _implicit(shapes), key=str):
        if _deactivated(shapes, shape):
            continue
        target = _target(shapes, shape)
        checks.extend(_checks(shapes, shape, target))
        for prop in sorted(shapes.objects(shape, SH.property), key=str):
            if not _deactivated(shapes, prop):
                checks.extend(_checks(shapes, prop, target))
    return shapes, tuple(checks)


def _implicit(shapes: rdflib.Graph) -> set:
    """The shapes that are classes too: their instances are their focus nodes (SHACL 2.1.3.1)."""
    classes = set(shapes.subjects(RDF.type, RDFS.Class)) | set(shapes.subjects(RDF.type, OWL.Class))
    return {s for s in classes if (s, RDF.type, SH.NodeShape) in shapes or (s, RDF.type, SH.PropertyShape) in shapes}


def _deactivated(shapes: rdflib.Graph, shape) -> bool:
    return shapes.value(shape, SH.deactivated) == rdflib.Literal(True)


def _target(shapes: rdflib.Graph, shape) -> str:
    """A SPARQL group binding ``?this`` to each focus node of ``shape``, once."""
    branches = []
    implicit = [shape] if shape in _implicit(shapes) else []
    for cls in [*shapes.objects(shape, SH.targetClass), *implicit]:
        # VALUES, not FILTER IN: the store then reads each class's instances from its index
        branches.append(f"VALUES ?_class {{ <%values:{cls}%> }} ?this a ?_class .")
    for predicate in shapes.objects(shape, SH.targetSubjectsOf):
        branches.append(f"?this {iri(predicate)} ?_object .")
    for predicate in shapes.objects(shape, SH.targetObjectsOf):
        branches.append(f"?_subject {iri(predicate)} ?this .")
    nodes = list(shapes.objects(shape, SH.targetNode))
    if nodes:
        branches.append("VALUES ?this { " + " ".join(_term(n) for n in nodes) + " }")
    union = " UNION ".join("{ " + b + " }" for b in branches)
    return "{ SELECT DISTINCT ?this WHERE { <%focus%> " + union + " } }"


def _checks(shapes: rdflib.Graph, shape, target: str) -> list[Check]:
    """The checks of the constraints ``shape`` itself declares (not those of its property shapes)."""
    _refuse_unknown(shapes, shape)
    path = shapes.value(shape, SH.path)
    if path is not None and any(True for _ in shapes.objects(shape, SH.property)):
        raise Unsupported("sh:property on a property shape", hint="validate with --engine turbo or --engine pyshacl")
    values = _values(shapes, path, "?this", "?value") if path is not None else "BIND (?this AS ?value)"
    messages = tuple(sorted((m for m in shapes.objects(shape, SH.message) if isinstance(m, rdflib.Literal)), key=str))
    severity = shapes.value(shape, SH.severity) or SH.Violation
    checks = []

    def check(component, query: str, value: str) -> None:
        checks.append(Check(shape, component, path, query, messages, severity, value))

    for parameter, component in _COMPONENTS.items():
        for argument in shapes.objects(shape, parameter):
            if parameter == SH.minCount:
                if path is None:
                    raise Unsupported("sh:minCount on a node shape")
                count = int(str(argument))
                if count == 1:  # the common case, as a test of existence: no counting
                    check(component, f"SELECT ?this WHERE {{ {target} FILTER NOT EXISTS {{ {values} }} }}", "none")
                elif count > 1:
                    having = f"COUNT(DISTINCT ?value) < {count}"
                    check(component, _grouped(target, values, having, optional=True), "none")
            elif parameter == SH.maxCount:
                if path is None:
                    raise Unsupported("sh:maxCount on a node shape")
                check(component, _grouped(target, values, f"COUNT(DISTINCT ?value) > {int(str(argument))}"), "none")
            elif parameter == SH.hasValue:
                if path is None:
                    check(component, _each(target, values, f"!sameTerm(?value, {_term(argument)})"), "none")
                else:
                    step = _values(shapes, path, "?this", _term(argument))
                    query = f"SELECT DISTINCT ?this WHERE {{ {target} FILTER NOT EXISTS {{ {step} }} }}"
                    check(component, query, "none")
            elif parameter == SH.uniqueLang:
                if argument == rdflib.Literal(True):
                    other = _values(shapes, path, "?this", "?other")
                    query = (
                        f"SELECT DISTINCT ?this (LCASE(LANG(?value)) AS ?lang) WHERE {{ {target} {values} {other} "
                        "FILTER (LANG(?value) != '' && LCASE(LANG(?value)) = LCASE(LANG(?other)) "
                        "&& !sameTerm(?value, ?other)) }"
                    )
                    check(component, query, "none")
            elif parameter in (SH.disjoint, SH.lessThanOrEquals):
                if path is None:
                    raise Unsupported(f"{shapes.qname(str(parameter))} on a node shape")
                if parameter == SH.disjoint:
                    query = f"SELECT DISTINCT ?this ?value WHERE {{ {target} {values} ?this {iri(argument)} ?value . }}"
                else:
                    query = (
                        f"SELECT DISTINCT ?this ?value ?other WHERE {{ {target} {values} "
                        f"?this {iri(argument)} ?other . FILTER (!COALESCE(?value <= ?other, false)) }}"
                    )
                check(component, query, "value")
            else:  # a test of each value node
                test = _test(shapes, parameter, argument, "?value")
                check(component, _each(target, values, f"!({test})"), "value" if path is not None else "focus")
    return checks


def _grouped(target: str, values: str, having: str, *, optional: bool = False) -> str:
    pattern = f"OPTIONAL {{ {values} }}" if optional else values
    return f"SELECT ?this WHERE {{ {target} {pattern} }} GROUP BY ?this HAVING ({having})"


def _each(target: str, values: str, failing: str) -> str:
    """Each (focus node, value node) that fails: ``values`` binds ``?value`` (a node shape's binds it to ``?this``)."""
    return f"SELECT DISTINCT ?this ?value WHERE {{ {target} {values} FILTER ({failing}) }}"


def _test(shapes: rdflib.Graph, parameter, argument, var: str) -> str:
    """A SPARQL expression true when the node in ``var`` meets ``parameter argument``."""
    if parameter == SH["class"]:
        return f"EXISTS {{ {var} a ?_type . FILTER (?_type IN (<%classes:{argument}%>)) }}"
    if parameter == SH.datatype:
        if argument == RDF.langString:
            return f"isLiteral({var}) && LANG({var}) != ''"
        test = f"isLiteral({var}) && LANG({var}) = '' && sameTerm(DATATYPE({var}), {iri(argument)})"
        if argument in _LEXICAL:  # and well formed
            pattern = _LEXICAL[argument].replace("\\", "\\\\")
            test += f' && REGEX(STR({var}), "{pattern}") && COALESCE(isLiteral({iri(argument)}(STR({var}))), false)'
        elif argument.startswith(str(XSD)) and argument != XSD.string:
            raise Unsupported(
                f"sh:datatype {argument.n3()}: the sparql engine checks the lexical forms of "
                f"{', '.join(sorted(str(d) for d in _LEXICAL))} only"
            )
        return test
    if parameter == SH["in"]:
        members = list(Collection(shapes, argument))
        return " || ".join(f"sameTerm({var}, {_term(m)})" for m in members) or "false"
    if parameter == SH.maxLength:
        return f"!isBlank({var}) && STRLEN(STR({var})) <= {int(str(argument))}"
    if parameter in (SH["or"], SH["and"]):
        parts = [_conforms(shapes, member, var) for member in Collection(shapes, argument)]
        joiner = " || " if parameter == SH["or"] else " && "
        return "(" + (joiner.join(f"({p})" for p in parts) or ("false" if parameter == SH["or"] else "true")) + ")"
    if parameter == SH["not"]:
        return f"!({_conforms(shapes, argument, var)})"
    raise Unsupported(f"{shapes.qname(str(parameter))} as a test of one value")


_FRESH = iter(range(10**9))


def _conforms(shapes: rdflib.Graph, shape, var: str) -> str:
    """A SPARQL expression true when the node in ``var`` conforms to ``shape`` (a shape inside
    ``sh:or``, ``sh:and`` or ``sh:not``)."""
    _refuse_unknown(shapes, shape)
    if any(True for _ in shapes.objects(shape, SH.property)):
        raise Unsupported("sh:property inside sh:or, sh:and or sh:not")
    path = shapes.value(shape, SH.path)
    tests = []
    for parameter in _COMPONENTS:
        for argument in shapes.objects(shape, parameter):
            if path is None:
                tests.append(
                    _test(shapes, parameter, argument, var)
                    if parameter != SH.hasValue
                    else f"sameTerm({var}, {_term(argument)})"
                )
                continue
            value = f"?_v{next(_FRESH)}"
            step = _values(shapes, path, var, value)
            if parameter == SH.minCount:
                if int(str(argument)) > 1:
                    raise Unsupported("sh:minCount above 1 inside sh:or, sh:and or sh:not")
                if int(str(argument)) == 1:
                    tests.append(f"EXISTS {{ {step} }}")
            elif parameter == SH.hasValue:
                tests.append(f"EXISTS {{ {_values(shapes, path, var, _term(argument))} }}")
            elif parameter in (SH.maxCount, SH.uniqueLang, SH.disjoint, SH.lessThanOrEquals):
                raise Unsupported(f"{shapes.qname(str(parameter))} inside sh:or, sh:and or sh:not")
            else:
                tests.append(f"NOT EXISTS {{ {step} FILTER (!({_test(shapes, parameter, argument, value)})) }}")
    return " && ".join(f"({t})" for t in tests) or "true"


def _refuse_unknown(shapes: rdflib.Graph, shape) -> None:
    declared = _declared_parameters(shapes)
    for parameter in set(shapes.predicates(shape, None)):
        known = not str(parameter).startswith(str(SH)) or parameter in _COMPONENTS or parameter in _QUIET
        if parameter in declared or not known:
            raise Unsupported(
                f"the shape {shape.n3()} uses {shapes.qname(str(parameter))}, which the sparql engine does not compile",
                hint="validate with --engine turbo or --engine pyshacl",
            )


def _declared_parameters(shapes: rdflib.Graph) -> set:
    """The parameters of the shapes graph's own constraint components (SHACL-SPARQL section 6):
    anything declared by ``sh:parameter``, whatever its component's type is written as."""
    return {p for parameter in shapes.objects(None, SH.parameter) for p in shapes.objects(parameter, SH.path)}


def _values(shapes: rdflib.Graph, path, focus: str, value: str) -> str:
    """A triple pattern from ``focus`` to ``value`` along ``path`` (one step, maybe inverse)."""
    if isinstance(path, rdflib.URIRef):
        return f"{focus} {iri(path)} {value} ."
    inverse = shapes.value(path, SH.inversePath)
    if isinstance(inverse, rdflib.URIRef) and len(set(shapes.predicate_objects(path))) == 1:
        return f"{value} {iri(inverse)} {focus} ."
    raise Unsupported("a property path longer than one step", hint="validate with --engine turbo or --engine pyshacl")


def iri(node) -> str:
    return "<" + str(node).replace("\\", "\\\\").replace(">", "\\u003E") + ">"


def _term(node) -> str:
    """``node`` (an IRI or a literal of the shapes) as SPARQL text."""
    if isinstance(node, rdflib.URIRef):
        return iri(node)
    if isinstance(node, rdflib.Literal):
        return node.n3()
    raise Unsupported(f"a blank node ({node.n3()}) as a value in a shape")
