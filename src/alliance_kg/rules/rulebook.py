"""The rules in plain language: what each SHACL shape asks for, and what to change to meet it.

A shape's ``rdfs:label`` names the rule ("one leader per scope at any point in time") and its
messages say what is wrong with one node. A data steward also needs the rule said in full
sentences, without SHACL's words, and what to change to fix a result: :data:`RULES`, one entry
per shape of ``shapes/``, keyed by the shape's local name (a test checks every shape has one).

:func:`explain_report` reads a validation report (of the graph, or of a rejected write) as
groups of results, one group per rule, each result with its focus node (linked when the store
holds it), its path, its offending value and the fix for it.

>>> RULES["SingleLeaderShape"].statement
'A scope (a reference region, a technology or a segment) has one leader at a time: two assignments of the same scope with different leaders must not hold on the same day.'
>>> RULES["AssignmentShape"].fix_for("An assignment ends (akg:validTo) before it starts (akg:validFrom).")[:23]
'Set its end date on or '
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, RDFS, SH

from ..knowledge.describe import Term, labels, local_path
from ..store import KnowledgeGraph
from .reports import ValidationReport, ValidationResult, load_shapes, short_path

#: The namespace of the project's shapes.
AKS = "https://w3id.org/alliance-kg/shapes#"
#: The namespace of the graph's resources: a focus node's id is the rest of its IRI.
AKR = "https://w3id.org/alliance-kg/id/"


@dataclass(frozen=True)
class Rule:
    """One rule for people: the statement, the general fix, and fixes for particular results
    (``(words of the result's message, fix)``: the first whose words the message holds wins)."""

    statement: str
    fix: str
    fixes: tuple[tuple[str, str], ...] = ()
    #: Whether ``<id>`` in a fix stands for the focus node (an assignment), so a page can name it.
    focus_id: bool = False

    def fix_for(self, message: str, focus: str | None = None) -> str:
        """The fix of the result whose message is ``message``: the particular one, else the general
        one; with ``focus`` (the focus node's id) in place of ``<id>`` where it stands for it.

        >>> RULES["LeaderNotFollowerShape"].fix_for("...", "assignment-Japan")
        "Take the leader out of the assignment's followers (PATCH /api/assignments/assignment-Japan with followers), or name another leader."
        >>> RULES["SingleLeaderShape"].fix_for("...", "Europe") == RULES["SingleLeaderShape"].fix  # <id>: not the focus
        True
        """
        chosen = next((fix for words, fix in self.fixes if words in message), self.fix)
        return chosen.replace("<id>", focus) if focus and self.focus_id else chosen


RULES: dict[str, Rule] = {
    "SingleLeaderShape": Rule(
        "A scope (a reference region, a technology or a segment) has one leader at a time: two assignments of "
        "the same scope with different leaders must not hold on the same day.",
        "End one of the two assignments the day before the other starts (PATCH /api/assignments/<id> with "
        "valid_to), or delete the one no source supports (DELETE /api/assignments/<id>). The message names both "
        "leaders and the facts behind each.",
    ),
    "MembersOnlyShape": Rule(
        "The leader and every follower of an assignment are members of one same alliance (the assignment's own, "
        "where it names one), on every day the assignment holds.",
        "Name a leader and followers from the alliance; or, if the company is a member, record its membership "
        "(org:memberOf, with the dates it holds); if the leader is in several alliances, say which one the "
        "assignment belongs to (akg:alliance).",
        (
            (
                "no one same alliance",
                "State the assignment's alliance (akg:alliance) and name followers of that alliance.",
            ),
            (
                "is a member of",
                "Make the assignment's dates fall within the membership, or correct the dates of the membership "
                "(org:memberDuring).",
            ),
        ),
    ),
    "LeaderNotFollowerShape": Rule(
        "A company does not lead and follow the same scope.",
        "Take the leader out of the assignment's followers (PATCH /api/assignments/<id> with followers), "
        "or name another leader.",
        focus_id=True,
    ),
    "IrreflexiveDerivationShape": Rule(
        "A model does not derive from itself.",
        "Remove the link from the model to itself (akg:derivedFrom), or point it at the model it derives from.",
    ),
    "AcyclicDerivationShape": Rule(
        "Derivation runs one way: a model cannot derive from itself through other models.",
        "Find the link of the cycle that is wrong (the message names the models on it) and remove it: a model "
        "derives from an earlier one.",
    ),
    "LineageTypesShape": Rule(
        "Lineage links the right kinds of things: a model sits on a platform and derives from a vehicle model, "
        "and a platform variant belongs to a platform.",
        "Point the link at a thing of the right kind, or say what the value is (its rdf:type) if it is one.",
        (
            (
                "model's platform",
                "Point akg:sitsOnPlatform at a platform (POST /api/platforms creates one), or type the value as a "
                "platform (akg:Platform) if it is one.",
            ),
            (
                "derive from a vehicle model",
                "Point akg:derivedFrom at a vehicle model (POST /api/models creates one), or type the value as a "
                "vehicle model (akg:VehicleModel) if it is one.",
            ),
            (
                "variant of a platform",
                "Point akg:platformVariantOf at the platform family (a akg:Platform), or type the value as one.",
            ),
        ),
    ),
    "AssignmentSourceShape": Rule(
        "Every leadership assignment rests on at least one source: a statement that cites a document.",
        "Add a source to the assignment (PATCH /api/assignments/<id> with source: a document or url, and the "
        "quote), or delete the assignment if nothing supports it.",
        focus_id=True,
    ),
    "LineageSourceShape": Rule(
        "Every \u201cderives from\u201d and \u201csits on platform\u201d link rests on a statement that cites a document.",
        "Give the link its source in the write that makes it (source: a document or url, and the quote, in "
        "POST /api/derivations or /api/models), or remove the link.",
    ),
    "StatementShape": Rule(
        "A statement, the record of one fact, names exactly one document, one strength, one layer and one fact "
        "id; its quotes are short (at most 400 characters).",
        "Give the statement exactly one of each: document, strength, layer and fact id.",
        (
            ("source document", "Give the statement exactly one document (akg:document), a source document."),
            (
                "one strength",
                "Give the statement exactly one strength: stated, implied, attributed or opinion (akg:strength).",
            ),
            ("one layer", "Give the statement exactly one layer: seed, regions or public (akg:layer)."),
            ("fact id", "Give the statement exactly one fact id (akg:factId), a plain string."),
            (
                "A quote is a short",
                "Shorten the quote to the exact words the fact rests on, at most 400 characters, as a plain string.",
            ),
        ),
    ),
    "SeedQuoteShape": Rule(
        "A statement of the seed layer (the two source articles) carries the exact quote it rests on.",
        "Add the quote from the article (akg:quote), or move the statement to the public layer if it comes "
        "from another source.",
    ),
    "AssignmentShape": Rule(
        "An assignment has exactly one scope, one leader (a company), a rule for its followers, one start date, "
        "at most one end date, and does not end before it starts.",
        "Give the assignment what it lacks, once each.",
        (
            (
                "ends (akg:validTo) before it starts",
                "Set its end date on or after its start date (PATCH /api/assignments/<id> with valid_to), or "
                "correct the start date (valid_from).",
            ),
            (
                "one scope",
                "Give it exactly one scope: a reference region, technology scope or segment scope "
                "(/api/scopes lists them).",
            ),
            ("one leader", "Give it exactly one leader, a company (/api/companies lists them)."),
            ("A follower must be a company", "List companies only as followers (/api/companies lists them)."),
            (
                "followers rule",
                "Say where the followers come from: stated by a source (akg:FollowersStated) or every other "
                "alliance member (akg:FollowersDerived).",
            ),
            ("one start date", "Give it exactly one start date, a date written YYYY-MM-DD (an xsd:date)."),
            ("at most one end date", "Give it at most one end date, a date written YYYY-MM-DD (an xsd:date)."),
        ),
        focus_id=True,
    ),
    "PrefLabelShape": Rule(
        "Everything the graph describes has a preferred name (skos:prefLabel) with a language tag, at most one "
        "per language, so that pages and queries can name it.",
        "Give it one preferred label per language, with a language tag (\u201c\u2026\u201d@en).",
        (
            (
                "no preferred label",
                "Add a preferred label (skos:prefLabel) in the same words as its rdfs:label, with a language tag "
                "(\u201c\u2026\u201d@en).",
            ),
            (
                "language-tagged string",
                "Make the preferred label a language-tagged string (\u201c\u2026\u201d@en) and keep one per language.",
            ),
        ),
    ),
    "QuoteShape": Rule(
        "A quote of a source article (D000, D002) is in the article: a run of at least 4 of its words, in order, "
        "as written.",
        "Copy the quote from the article word for word (at least 4 words); if it quotes another source, cite "
        "that source in the public layer instead.",
    ),
    "SeedDocumentShape": Rule(
        "A quoted statement of the seed layer cites one of the source articles whose quotes can be checked "
        "(D000 or D002).",
        "Cite D000 or D002, or move the statement to the public layer if it comes from another source.",
    ),
}

#: For a shape :data:`RULES` does not know (a shapes directory of one's own).
UNKNOWN_RULE = Rule(
    "A rule of this server's shapes (see its label).",
    "Change the focus node so that it meets the rule: the message says what is missing or wrong.",
)


@dataclass(frozen=True)
class RuleSummary:
    """A rule the graph is checked against: its shape (an IRI), its name, and its plain statement."""

    shape: str
    title: str
    statement: str


def rules_checked(shapes_dir: Path) -> list[RuleSummary]:
    """Every node shape of ``shapes_dir`` with its name (its ``rdfs:label``) and its statement,
    by name."""
    shapes = load_shapes(shapes_dir)
    out = []
    for shape in set(shapes.subjects(RDF.type, SH.NodeShape)):
        if not isinstance(shape, rdflib.URIRef):
            continue
        title = str(shapes.value(shape, RDFS.label) or str(shape).removeprefix(AKS))
        rule = rule_for(str(shape))
        statement = rule.statement if rule is not UNKNOWN_RULE else str(shapes.value(shape, RDFS.comment) or title)
        out.append(RuleSummary(str(shape), title, statement))
    return sorted(out, key=lambda r: r.title.casefold())


@dataclass(frozen=True)
class ExplainedResult:
    """One result for people: the focus node (``linked``: the store holds it, so it has a page),
    the path, the offending value, the message and the fix."""

    focus: Term
    linked: bool
    path: str | None
    value: Term | None
    severity: str
    message: str
    fix: str


@dataclass(frozen=True)
class RuleGroup:
    """The results of one rule, with the rule's name, its plain statement and its general fix."""

    shape: str
    shape_id: str
    title: str
    statement: str
    fix: str
    results: tuple[ExplainedResult, ...]


def rule_for(shape: str) -> Rule:
    """The plain-language rule of the shape ``shape`` (an IRI), or :data:`UNKNOWN_RULE`.

    >>> rule_for(AKS + "SeedQuoteShape").fix.startswith("Add the quote")
    True
    >>> rule_for("https://example.org/MyShape") is UNKNOWN_RULE
    True
    """
    return RULES.get(shape.removeprefix(AKS), UNKNOWN_RULE) if shape.startswith(AKS) else UNKNOWN_RULE


def explain_report(kg: KnowledgeGraph, report: ValidationReport) -> list[RuleGroup]:
    """The results of ``report`` grouped by rule (in the report's order), each explained; nodes
    named from ``kg`` (a rejected write's new nodes by the report's own labels, and not linked)."""
    names = labels(kg)
    groups: dict[str, list[ExplainedResult]] = {}
    titles: dict[str, str] = {}
    for result in report.results:
        groups.setdefault(result.source_shape, []).append(_explained(kg, names, result))
        titles[result.source_shape] = result.source_shape_label
    out = []
    for shape, results in groups.items():
        rule = rule_for(shape)
        shape_id = shape.removeprefix(AKS)
        title = titles[shape] if titles[shape] != shape else shape_id
        out.append(RuleGroup(shape, shape_id, title, rule.statement, rule.fix, tuple(results)))
    return out


def _explained(kg: KnowledgeGraph, names: dict[str, str], result: ValidationResult) -> ExplainedResult:
    """``result`` for people: its nodes as terms, and the fix the rule gives for its message."""
    rule = rule_for(result.source_shape)
    focus = Term("iri", result.focus_node, result.focus_label, local_path(result.focus_node))
    held = _held(kg, result.focus_node)
    # Only an id the store holds is named: a node a rejected write would add has none to look up.
    focus_id = result.focus_node.removeprefix(AKR) if held and result.focus_node.startswith(AKR) else None
    return ExplainedResult(
        focus=focus,
        linked=held,
        path=short_path(result.path) if result.path else None,
        value=_value(names, result.value),
        severity=result.severity,
        message=result.message,
        fix=rule.fix_for(result.message, focus_id),
    )


def _held(kg: KnowledgeGraph, iri: str) -> bool:
    """Whether the store says anything of ``iri`` (a node a rejected write would add has no page)."""
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        return False
    return kg.mentions(node) or next(iter(kg.quads(None, None, node)), None) is not None


def _value(names: dict[str, str], value: str | None) -> Term | None:
    """The offending value as a term: an IRI (named, when the graph names it) or a literal.

    The report's results keep the value as text; an absolute IRI of one word is read as an IRI.

    >>> _value({}, "https://w3id.org/alliance-kg/id/Europe").local, _value({}, "2019-01-01").kind
    ('/id/Europe', 'literal')
    """
    if value is None:
        return None
    if value.startswith(("http://", "https://", "urn:")) and not any(c.isspace() for c in value):
        return Term("iri", value, names.get(value) or short_path(value), local_path(value))
    return Term("literal", value, value)
