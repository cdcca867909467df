"""The JSON write API's domain: each function turns a request body into a :class:`Change`.

Nothing here writes: :class:`~alliance_kg.rules.guard.Guard` validates the change and commits it.
Every fact written carries its source, as an ``akg:Statement`` with a document (a known one,
or one made for a URL), an optional quote and a strength. A statement citing one of the seed
documents goes into the seed graph; any other into the public graph.

Created things get readable ids: a company or model ``DongfengMotor`` from its label, an
assignment ``assignment-<scope>-<leader>-<valid_from>``; a taken id gets a ``-2``, ``-3``… suffix.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable
from urllib.parse import urlsplit

import pyoxigraph as ox

from ..knowledge.catalog import AKG, catalog, local_id
from ..errors import BadRequest, Conflict, NotFound
from ..store import LAYER_GRAPHS, PREFIXES, Change, KnowledgeGraph

AKR = PREFIXES["akr"]
RDF, RDFS, SKOS, OWL, ORG = (PREFIXES[p] for p in ("rdf", "rdfs", "skos", "owl", "org"))
SCHEMA, DCTERMS, XSD = PREFIXES["schema"], PREFIXES["dcterms"], PREFIXES["xsd"]
STRENGTHS = {"stated": "Stated", "implied": "Implied", "attributed": "Attributed", "opinion": "Opinion"}
#: Derivation kinds by the names the API accepts ("based_on" is the plain English for a derivative).
DERIVATION_KINDS = {"rebadge": "Rebadge", "derivative": "Derivative", "based_on": "Derivative",
                    "follower_model": "FollowerModel"}
#: The control characters (Unicode category Cc) no stored text may hold; a text that may span
#: lines (a quote) may hold tab, LF and CR, a one-line text (a label, an id, a URL) none of them.
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
CONTROLS_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


def typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=n(XSD + datatype))


# --- reading a request body ------------------------------------------------------------------------


class Payload:
    """A JSON object from a request, read field by field with errors that name the field."""

    def __init__(self, data: Any, where: str = "body"):
        if not isinstance(data, dict):
            raise BadRequest(f"{where} must be a JSON object", hint='e.g. {"label": "…"}')
        self.data = data
        self.where = where
        self._read: set[str] = set()

    def _get(self, name: str, required: bool):
        self._read.add(name)
        value = self.data.get(name)
        if value is None and required:
            typo = difflib.get_close_matches(name, [k for k in self.data if k not in self._read], n=1, cutoff=0.6)
            if typo:
                raise BadRequest(f"{self.where}.{name} is required, and {self.where} has the unknown field {typo[0]!r}: "
                                 f"did you mean {name!r}?")
            raise BadRequest(f"{self.where}.{name} is required")
        return value

    def text(self, name: str, *, required: bool = False, limit: int = 2000, lines: bool = False) -> str | None:
        """A non-empty string field, stripped; one line unless ``lines`` (see :func:`check_characters`)."""
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise BadRequest(f"{self.where}.{name} must be a non-empty string")
        check_characters(value, f"{self.where}.{name}", lines=lines)
        if len(value) > limit:
            raise BadRequest(f"{self.where}.{name} is longer than {limit} characters")
        return value.strip()

    def texts(self, name: str) -> list[str]:
        """A list of non-empty one-line strings, each stripped."""
        value = self._get(name, False)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise BadRequest(f"{self.where}.{name} must be a list of non-empty strings")
        for i, item in enumerate(value):
            check_characters(item, f"{self.where}.{name}[{i}]")
        return [v.strip() for v in value]

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self._get(name, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise BadRequest(f"{self.where}.{name} must be true or false")
        return value

    def day(self, name: str, *, required: bool = False) -> str | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError("not YYYY-MM-DD")
            return date.fromisoformat(value).isoformat()
        except ValueError as exc:
            raise BadRequest(f"{self.where}.{name}={value!r} is not a date: {exc}", hint="write it as YYYY-MM-DD") from None

    def iris(self, name: str) -> list[str]:
        out = []
        for value in self.texts(name):
            out.append(absolute_iri(value, f"{self.where}.{name}"))
        return out

    def obj(self, name: str, *, required: bool = False) -> "Payload | None":
        value = self._get(name, required)
        return None if value is None else Payload(value, f"{self.where}.{name}")

    def has(self, name: str) -> bool:
        """Whether the body gives ``name`` (a field the endpoint knows, so it is named in hints)."""
        self._read.add(name)
        return name in self.data

    def done(self) -> None:
        """Refuse fields this endpoint does not know: a typo must not be ignored."""
        unknown = sorted(set(self.data) - self._read)
        if unknown:
            named = []
            for field in unknown:
                close = difflib.get_close_matches(field, self._read, n=1, cutoff=0.6)
                named.append(f"{field} (did you mean {close[0]}?)" if close else field)
            raise BadRequest(f"{self.where} has unknown field(s): {', '.join(named)}",
                             hint=f"known fields: {', '.join(sorted(self._read))}")


def check_characters(value: str, where: str, *, lines: bool = False) -> None:
    """Refuse a control character in ``value``, naming ``where`` and the character: a text that
    may span ``lines`` may hold tab, LF and CR, a one-line text none.

    >>> check_characters("Quoted\\nacross lines", "body.source.quote", lines=True)
    >>> check_characters("Nissan\\x00Motor", "body.label")
    Traceback (most recent call last):
    ...
    alliance_kg.errors.BadRequest: body.label holds the control character U+0000 at character 6 ...
    """
    found = (CONTROLS_BUT_LINES if lines else CONTROLS).search(value)
    if found is None:
        return
    hint = ("a quote may span lines (tab, LF, CR) but holds no other control character" if lines
            else "a label, id, name or URL is one line of text: no line break, tab or other control character")
    raise BadRequest(f"{where} holds the control character U+{ord(found[0]):04X} at character {found.start()}",
                     hint=hint)


def absolute_iri(value: str, where: str) -> str:
    try:
        ox.NamedNode(value)
    except ValueError as exc:
        raise BadRequest(f"{where}: {value!r} is not an IRI ({exc})") from None
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value):
        raise BadRequest(f"{where}: {value!r} is not an absolute IRI")
    return value


def http_url(value: str, where: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadRequest(f"{where}: {value!r} is not an http(s) URL")
    return absolute_iri(value, where)


# --- ids -------------------------------------------------------------------------------------------


def camel(label: str) -> str:
    """A readable id from a label.

    >>> camel("Dongfeng Motor Corporation")
    'DongfengMotorCorporation'
    >>> camel("Citroën ë-C4 (2021)")
    'CitroenEC42021'
    """
    ascii_ = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", ascii_)
    return "".join(w[:1].upper() + w[1:] for w in words) or "item"


def slug(text: str) -> str:
    """
    >>> slug("CMF-C/D 2")
    'CMF-C-D-2'
    """
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_).strip("-") or "item"


def fresh_id(kg: KnowledgeGraph, base: str, taken: Iterable[str] = ()) -> str:
    """``base``, or ``base-2``, ``base-3``… : the first that names nothing in the graph."""
    taken = set(taken)
    candidate, i = base, 1
    while candidate in taken or _exists(kg, AKR + candidate):
        i += 1
        candidate = f"{base}-{i}"
    return candidate


def _exists(kg: KnowledgeGraph, iri: str) -> bool:
    node = n(iri)
    return (next(iter(kg.quads(node, None, None, None)), None) is not None
            or next(iter(kg.quads(None, None, node, None)), None) is not None)


# --- sources ---------------------------------------------------------------------------------------


@dataclass
class Builder:
    """Quads of one write, and the graph (layer) they go to."""

    kg: KnowledgeGraph
    graph: str = LAYER_GRAPHS["public"]

    def __post_init__(self):
        self.quads: list[ox.Quad] = []
        self.taken: set[str] = set()

    def add(self, s, p: str, o) -> None:
        self.quads.append(ox.Quad(s, n(p), o, n(self.graph)))

    def new_id(self, base: str) -> str:
        chosen = fresh_id(self.kg, base, self.taken)
        self.taken.add(chosen)
        return chosen

    def labels(self, node: ox.NamedNode, label: str, alt_labels: Iterable[str] = ()) -> None:
        """Name ``node``: ``rdfs:label`` and ``skos:prefLabel`` (the same English text), and ``skos:altLabel``s."""
        self.add(node, RDFS + "label", en(label))
        self.add(node, SKOS + "prefLabel", en(label))
        for alt in alt_labels:
            self.add(node, SKOS + "altLabel", en(alt))

    def change(self) -> Change:
        return Change(added=frozenset(self.quads))


@dataclass(frozen=True)
class Source:
    """A source as a request gives it, resolved: the document, the quote, the strength, the layer."""

    document: str
    new_document: tuple[ox.Quad, ...]
    quote: str | None
    strength: str
    layer: str  # seed | public


def read_source(kg: KnowledgeGraph, payload: Payload | None, *, required: bool = True) -> Source | None:
    """The ``source`` of a request: ``{"url" | "document", "quote"?, "strength"?, "title"?}``."""
    if payload is None:
        if required:
            raise BadRequest("body.source is required: every fact needs its source",
                             hint='e.g. "source": {"url": "https://…", "quote": "…"}')
        return None
    url, document = payload.text("url"), payload.text("document")
    title = payload.text("title", limit=400)
    quote = payload.text("quote", limit=400, lines=True)
    strength = payload.text("strength") or "stated"
    payload.done()
    if strength not in STRENGTHS:
        raise BadRequest(f"{payload.where}.strength={strength!r} is not a strength", hint=f"use one of {', '.join(STRENGTHS)}")
    if (url is None) == (document is None):
        raise BadRequest(f"{payload.where} needs exactly one of url or document")
    cat = catalog(kg)
    new: list[ox.Quad] = []
    if document is not None:
        doc_iri = cat.resolve(document, ["document"], param=f"{payload.where}.document").iri
    else:
        url = http_url(url, f"{payload.where}.url")
        found = [q.subject for q in kg.quads(None, n(SCHEMA + "url"), n(url), None)]
        if found:
            doc_iri = found[0].value
        else:
            digest = hashlib.sha1(url.encode()).hexdigest()[:8]
            doc_iri = AKR + f"src-{slug(urlsplit(url).netloc)}-{digest}"
            g = n(LAYER_GRAPHS["public"])
            doc = n(doc_iri)
            for p, o in ((RDF + "type", n(AKG + "SourceDocument")), (RDFS + "label", en(title or url)),
                         (SKOS + "prefLabel", en(title or url)),
                         (DCTERMS + "title", ox.Literal(title or url)), (SCHEMA + "url", n(url)),
                         (AKG + "layer", n(AKG + "PublicLayer"))):
                new.append(ox.Quad(doc, n(p), o, g))
    seed_doc = any(True for _ in kg.quads(n(doc_iri), n(AKG + "layer"), n(AKG + "SeedLayer"), None))
    return Source(doc_iri, tuple(new), quote, STRENGTHS[strength], "seed" if seed_doc else "public")


def cite(b: Builder, source: Source, *, supports: ox.NamedNode | None = None,
         triple: tuple | None = None, about: str, kind: str | None = None) -> ox.NamedNode:
    """Add a statement citing ``source`` that supports a node or is about one triple."""
    fact = b.new_id(f"statement-{slug(about)}")  # its fact id is its id: /doc/<fact id> finds it
    statement = n(AKR + fact)
    b.quads.extend(source.new_document)
    b.add(statement, RDF + "type", n(AKG + "Statement"))
    b.labels(statement, f"{fact}: {about}")
    b.add(statement, AKG + "factId", ox.Literal(fact))
    b.add(statement, AKG + "document", n(source.document))
    b.add(statement, AKG + "strength", n(AKG + source.strength))
    b.add(statement, AKG + "layer", n(AKG + ("SeedLayer" if source.layer == "seed" else "PublicLayer")))
    if source.quote:
        b.add(statement, AKG + "quote", ox.Literal(source.quote))
    if supports is not None:
        b.add(statement, AKG + "supports", supports)
    if triple is not None:
        s, p, o = triple
        b.add(statement, RDF + "subject", s)
        b.add(statement, RDF + "predicate", n(p))
        b.add(statement, RDF + "object", o)
    if kind is not None:
        b.add(statement, AKG + "derivationKind", n(AKG + kind))
    return statement


def builder_for(kg: KnowledgeGraph, source: Source | None) -> Builder:
    return Builder(kg, LAYER_GRAPHS[source.layer] if source else LAYER_GRAPHS["public"])


# --- what a write creates --------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """A change and what it creates or changes (its id and IRI)."""

    change: Change
    id: str
    iri: str
    summary: str


def the_alliance(kg: KnowledgeGraph) -> str:
    alliances = catalog(kg).of_kind("alliance")
    if len(alliances) != 1:
        raise BadRequest(f"the graph has {len(alliances)} alliances: cannot tell which one to join")
    return alliances[0].iri


def create_company(kg: KnowledgeGraph, body: Any) -> Planned:
    p = Payload(body)
    label = p.text("label", required=True, limit=200)
    alt_labels = p.texts("alt_labels")
    member = p.boolean("member_of_alliance")
    same_as = p.iris("same_as")
    source = read_source(kg, p.obj("source"), required=False)
    p.done()
    cat = catalog(kg)
    clash = [e for e in cat.candidates(label) if "company" in e.kinds]
    if clash:
        raise Conflict(f"a company named {label!r} exists already (id {clash[0].id})",
                       hint=f"see /api/companies/{clash[0].id}")
    b = builder_for(kg, source)
    company_id = b.new_id(camel(label))
    company = n(AKR + company_id)
    b.add(company, RDF + "type", n(AKG + "Company"))
    b.add(company, RDF + "type", n(SCHEMA + "Organization"))
    b.labels(company, label, alt_labels)
    for iri in same_as:
        b.add(company, OWL + "sameAs", n(iri))
    if member:
        alliance = n(the_alliance(kg))
        b.add(company, ORG + "memberOf", alliance)
        b.add(alliance, ORG + "hasMember", company)
    if source:
        cite(b, source, supports=company, about=company_id)
    return Planned(b.change(), company_id, company.value, f"create company {label}")


def _followers(kg: KnowledgeGraph, keys: list[str] | None, leader: str) -> tuple[list[str], str]:
    cat = catalog(kg)
    if keys is None:  # rule R-F: every other member of the alliance
        alliance = the_alliance(kg)
        members = {q.subject.value for q in kg.quads(None, n(ORG + "memberOf"), n(alliance), None)}
        return sorted(members - {leader}), "FollowersDerived"
    return [cat.resolve(k, ["company"], param="body.followers").iri for k in keys], "FollowersStated"


def create_assignment(kg: KnowledgeGraph, body: Any) -> Planned:
    p = Payload(body)
    cat = catalog(kg)
    scope = cat.resolve(p.text("scope", required=True), ["region", "technology_scope", "segment_scope"], param="body.scope")
    leader = cat.resolve(p.text("leader", required=True), ["company"], param="body.leader")
    follower_keys = p.texts("followers") if p.has("followers") else None
    valid_from = p.day("valid_from", required=True)
    valid_to = p.day("valid_to")
    source = read_source(kg, p.obj("source", required=True))
    p.done()
    followers, rule = _followers(kg, follower_keys, leader.iri)
    b = builder_for(kg, source)
    assignment_id = b.new_id(f"assignment-{scope.id}-{leader.id}-{valid_from}")
    a = n(AKR + assignment_id)
    b.add(a, RDF + "type", n(AKG + "LeadershipAssignment"))
    b.labels(a, f"{leader.label} leads {scope.label} from {valid_from}")
    b.add(a, AKG + "scope", n(scope.iri))
    b.add(a, AKG + "leader", n(leader.iri))
    for f in followers:
        b.add(a, AKG + "follower", n(f))
    b.add(a, AKG + "followersRule", n(AKG + rule))
    b.add(a, AKG + "validFrom", typed(valid_from, "date"))
    if valid_to:
        b.add(a, AKG + "validTo", typed(valid_to, "date"))
    cite(b, source, supports=a, about=assignment_id)
    return Planned(b.change(), assignment_id, a.value, f"{leader.label} leads {scope.label} from {valid_from}")


def find_assignment(kg: KnowledgeGraph, key: str) -> ox.NamedNode:
    iri = key if key.startswith(("http://", "https://")) else AKR + key
    try:
        node = n(iri)
    except ValueError:
        raise NotFound(f"no assignment {key!r}") from None
    if not any(True for _ in kg.quads(node, n(RDF + "type"), n(AKG + "LeadershipAssignment"), None)):
        raise NotFound(f"no assignment {key!r}", hint="ids look like assignment-Europe; /api/companies/{key} lists them")
    return node


def _quads(kg: KnowledgeGraph, s=None, p=None, o=None) -> list[ox.Quad]:
    return list(kg.quads(s, n(p) if isinstance(p, str) else p, o, None))


def update_assignment(kg: KnowledgeGraph, key: str, body: Any) -> Planned:
    a = find_assignment(kg, key)
    p = Payload(body)
    cat = catalog(kg)
    scope_quads = _quads(kg, a, AKG + "scope")
    graph = scope_quads[0].graph_name if scope_quads else n(LAYER_GRAPHS["public"])
    removed: list[ox.Quad] = []
    added: list[ox.Quad] = []
    changes = []
    for field, prop in (("valid_from", "validFrom"), ("valid_to", "validTo")):
        if p.has(field):
            value = p.day(field)  # null clears it: a null valid_to reopens the assignment
            removed += _quads(kg, a, AKG + prop)
            if value is not None:
                added.append(ox.Quad(a, n(AKG + prop), typed(value, "date"), graph))
            changes.append(f"{field}={value}")
    if p.has("leader"):
        leader = cat.resolve(p.text("leader", required=True), ["company"], param="body.leader")
        removed += _quads(kg, a, AKG + "leader")
        added.append(ox.Quad(a, n(AKG + "leader"), n(leader.iri), graph))
        changes.append(f"leader={leader.label}")
    if p.has("followers"):
        keys = p.texts("followers")
        followers = [cat.resolve(k, ["company"], param="body.followers").iri for k in keys]
        removed += _quads(kg, a, AKG + "follower") + _quads(kg, a, AKG + "followersRule")
        added += [ox.Quad(a, n(AKG + "follower"), n(f), graph) for f in followers]
        added.append(ox.Quad(a, n(AKG + "followersRule"), n(AKG + "FollowersStated"), graph))
        changes.append("followers=" + ", ".join(cat.label(f) for f in followers))
    source = read_source(kg, p.obj("source"), required=False)
    p.done()
    if source:
        b = builder_for(kg, source)
        cite(b, source, supports=a, about=local_id(a.value))
        added += b.quads
        changes.append("source added")
    if not changes:
        raise BadRequest("body changes nothing", hint="give valid_from, valid_to, leader, followers or source")
    return Planned(Change(removed=frozenset(removed), added=frozenset(added)), local_id(a.value), a.value,
                   f"update {local_id(a.value)}: " + "; ".join(changes))


def delete_assignment(kg: KnowledgeGraph, key: str) -> Planned:
    """The assignment, the statements that support only it, and those about its triples."""
    a = find_assignment(kg, key)
    removed = set(_quads(kg, a))
    for q in _quads(kg, None, AKG + "supports", a):
        statement = q.subject
        others = [x for x in _quads(kg, statement, AKG + "supports") if x.object != a]
        removed |= {q} if others else set(_quads(kg, statement))
    for q in _quads(kg, None, RDF + "subject", a):
        removed |= set(_quads(kg, q.subject))
    removed |= set(_quads(kg, None, None, a))  # anything else pointing at it
    return Planned(Change(removed=frozenset(removed)), local_id(a.value), a.value, f"delete {local_id(a.value)}")


def create_derivation(kg: KnowledgeGraph, body: Any) -> Planned:
    p = Payload(body)
    cat = catalog(kg)
    model = cat.resolve(p.text("model", required=True), ["model"], param="body.model")
    ancestor = cat.resolve(p.text("derived_from", required=True), ["model"], param="body.derived_from")
    kind_name = p.text("kind")
    source = read_source(kg, p.obj("source", required=True))
    p.done()
    if kind_name is not None and kind_name not in DERIVATION_KINDS:
        raise BadRequest(f"body.kind={kind_name!r} is not a kind of derivation", hint=f"use one of {', '.join(DERIVATION_KINDS)}")
    b = builder_for(kg, source)
    s, o = n(model.iri), n(ancestor.iri)
    b.add(s, AKG + "derivedFrom", o)
    cite(b, source, triple=(s, AKG + "derivedFrom", o), about=f"{model.id}-derivedFrom-{ancestor.id}",
         kind=DERIVATION_KINDS[kind_name] if kind_name else None)
    return Planned(b.change(), model.id, model.iri, f"{model.label} derives from {ancestor.label}")


def _new_thing(kg: KnowledgeGraph, p: Payload, kind: str, cls: str) -> tuple[Builder, ox.NamedNode, str, str, Source | None]:
    label = p.text("label", required=True, limit=200)
    alt_labels = p.texts("alt_labels")
    source = read_source(kg, p.obj("source"), required=False)
    cat = catalog(kg)
    clash = [e for e in cat.candidates(label) if kind in e.kinds]
    if clash:
        raise Conflict(f"a {kind} named {label!r} exists already (id {clash[0].id})")
    b = builder_for(kg, source)
    thing_id = b.new_id(camel(label) if kind == "model" else slug(label))
    node = n(AKR + thing_id)
    b.add(node, RDF + "type", n(AKG + cls))
    b.labels(node, label, alt_labels)
    return b, node, thing_id, label, source


def _linked(b: Builder, source: Source | None, s: ox.NamedNode, prop: str, o_iri: str, about: str) -> None:
    b.add(s, AKG + prop, n(o_iri))
    if source is not None:
        cite(b, source, triple=(s, AKG + prop, n(o_iri)), about=about)


def create_model(kg: KnowledgeGraph, body: Any) -> Planned:
    p = Payload(body)
    cat = catalog(kg)
    brand_key, platform_key = p.text("brand"), p.text("platform")
    released_by, developed_by = p.text("released_by"), p.text("developed_by")
    b, model, model_id, label, source = _new_thing(kg, p, "model", "VehicleModel")
    p.done()
    if brand_key:
        owner = cat.resolve(brand_key, ["brand", "company"], param="body.brand")
        brands = [owner.iri] if "brand" in owner.kinds else sorted(cat.brands_of_company.get(owner.iri, ()))
        if not brands:
            raise BadRequest(f"body.brand: {owner.label} has no brand in the graph")
        b.add(model, SCHEMA + "brand", n(brands[0]))
    if platform_key:
        platform = cat.resolve(platform_key, ["platform"], param="body.platform")
        _linked(b, source, model, "sitsOnPlatform", platform.iri, f"{model_id}-sitsOnPlatform-{platform.id}")
    for prop, key in (("releasedBy", released_by), ("developedBy", developed_by)):
        if key:
            company = cat.resolve(key, ["company"], param=f"body.{'released_by' if prop == 'releasedBy' else 'developed_by'}")
            _linked(b, source, model, prop, company.iri, f"{model_id}-{prop}-{company.id}")
    if source and not (platform_key or released_by or developed_by):
        cite(b, source, supports=model, about=model_id)
    return Planned(b.change(), model_id, model.value, f"create model {label}")


def create_platform(kg: KnowledgeGraph, body: Any) -> Planned:
    p = Payload(body)
    cat = catalog(kg)
    variant_of = p.text("variant_of")
    developers = p.texts("developed_by")
    b, platform, platform_id, label, source = _new_thing(kg, p, "platform", "Platform")
    p.done()
    if variant_of:
        family = cat.resolve(variant_of, ["platform"], param="body.variant_of")
        _linked(b, source, platform, "platformVariantOf", family.iri, f"{platform_id}-variantOf-{family.id}")
    for key in developers:
        company = cat.resolve(key, ["company"], param="body.developed_by")
        _linked(b, source, platform, "developedBy", company.iri, f"{platform_id}-developedBy-{company.id}")
    if source and not (variant_of or developers):
        cite(b, source, supports=platform, about=platform_id)
    return Planned(b.change(), platform_id, platform.value, f"create platform {label}")
