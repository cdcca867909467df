"""Synthetic leader-follower data in alliance-kg's own ontology, valid by its shapes, at any size.

    .venv/bin/python bench/generate.py --triples 100000 --seed 1 --out /tmp/akg-100k

Many alliances of 3 to 10 companies, each with its reference regions (over synthetic countries),
technology scopes (with region, platform, segment or text qualifiers), segment scopes,
leadership assignments over time (terms with ``akg:validFrom``/``akg:validTo``, followers
derived by rule R-F or stated), platform families and variants, plants, and vehicle models whose
derivation chains reach a depth of 6 or more; every assignment, derivation, platform placement
and membership is backed by an ``akg:Statement`` with its document, quote, strength and layer.
The same classes, properties and patterns as the shipped graph (``data/``); none of its data.

The output directory (``--out DIR``) is a data directory for alliance-kg, plus one N-Quads file
with the whole dataset for other servers:

    DIR/ontology/alliance.ttl       copied from the project
    DIR/shapes/*.ttl                copied from the project
    DIR/data/{seed,regions,public}/generated.ttl   the generated layers (N-Triples lines, which are Turtle)
    DIR/data/fingerprints/quotes.json  fingerprints of the made-up seed articles, so their quotes verify
    DIR/dataset.nq                  ontology + generated layers, in alliance-kg's named graphs
    DIR/manifest.json               sizes, sample keys for queries, ready-made write bodies

    alliance-kg --data-dir DIR serve          (or validate, query…: the data loads in bulk)
    oxigraph load --location STORE --file DIR/dataset.nq ; oxigraph serve --location STORE --union-default-graph
    rdflib-endpoint serve DIR/dataset.nq

``--out FILE.nq`` writes only the N-Quads file and ``FILE.manifest.json`` beside it.

The triple count (ontology included) is within a few triples of ``--triples``; the same
``--triples`` and ``--seed`` give the same bytes. Output is streamed: memory stays small (ids
and a few numbers per alliance, country and model), whatever the size.

From Python (the benchmark harness)::

    from generate import generate          # with bench/ on sys.path
    manifest = generate(100_000, seed=1, out=Path("/tmp/akg-100k"))
    manifest.keys["countries"][0]["id"], manifest.writes["assignment_accepted"]["body"]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/alliance-kg/"
AKR = BASE + "id/"
AKG = BASE + "ontology#"
LAYERS = ("ontology", "seed", "regions", "public")
GRAPH = {layer: f"<{BASE}graph/{layer}>" for layer in LAYERS}
#: The date the manifest's sample answers hold on (and the default ``as_of`` of its queries).
AS_OF = date(2025, 6, 30)
#: Below this many triples the generator cannot make one complete alliance.
MIN_TRIPLES = 3000
#: Models make up the rest of the graph: alliances (their structure, and their share of the
#: pools) take about this share of it.
STRUCTURE_SHARE = 0.62


@dataclass(frozen=True)
class Shape:
    """How big an alliance and its share of the pools are: (low, high) ranges, drawn uniformly."""

    companies: tuple[int, ...]
    countries_per_area: tuple[int, int]
    public_docs: tuple[int, int]
    regions: tuple[int, int]
    areas_per_region: tuple[int, int]
    technology_scopes: tuple[int, int]
    segment_scopes: tuple[int, int]
    platform_families: tuple[int, int]
    variants: tuple[int, int]
    plants: tuple[int, int]
    chain: tuple[int, int]
    #: Mean generated triples of one alliance before models, its share of the pools included.
    triples: int


#: Alliances of 3 to 10 companies (most of 3 to 5).
FULL = Shape((3, 3, 3, 4, 4, 5, 5, 6, 7, 8, 9, 10), (4, 10), (2, 4), (3, 7), (1, 3), (3, 7), (2, 4), (1, 3), (2, 5),
             (2, 5), (6, 9), 1850)
#: Below SMALL_BELOW triples, smaller alliances (3 to 5 companies), so that one cannot overshoot the size.
SMALL = Shape((3, 3, 4, 4, 5), (3, 6), (2, 3), (2, 4), (1, 2), (2, 4), (1, 3), (1, 2), (2, 3), (1, 3), (6, 7), 1100)
SMALL_BELOW = 20_000
#: Derivation chains grow no deeper than this (a generation every two to three years).
MAX_DEPTH = 12


def _iri(ns: str, local: str) -> str:
    return f"<{ns}{local}>"


def _ns(ns: str):
    return lambda local: _iri(ns, local)


akr = _ns(AKR)
akg = _ns(AKG)
rdf = _ns("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
rdfs = _ns("http://www.w3.org/2000/01/rdf-schema#")
skos = _ns("http://www.w3.org/2004/02/skos/core#")
org = _ns("http://www.w3.org/ns/org#")
schema = _ns("https://schema.org/")
dcterms = _ns("http://purl.org/dc/terms/")
xsd = _ns("http://www.w3.org/2001/XMLSchema#")
A = rdf("type")
LABEL, PREF, ALT = rdfs("label"), skos("prefLabel"), skos("altLabel")


def lit(text: str) -> str:
    """A plain (xsd:string) literal in N-Triples.

    >>> lit('say "hi"')
    '"say \\\\"hi\\\\""'
    """
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def en(text: str) -> str:
    return lit(text) + "@en"


def typed(value: str, datatype: str) -> str:
    return f"{lit(value)}^^{xsd(datatype)}"


def day(d: date) -> str:
    return typed(d.isoformat(), "date")


def camel(text: str) -> str:
    """
    >>> camel("solid-state battery")
    'SolidStateBattery'
    """
    words = "".join(c if c.isalnum() else " " for c in text).split()
    return "".join(w[:1].upper() + w[1:] for w in words)


def slug(text: str) -> str:
    """
    >>> slug("KMF-B (2)")
    'KMF-B-2'
    """
    return "-".join("".join(c if c.isalnum() else " " for c in text).split())


# --- names ---------------------------------------------------------------------------------------

CONSONANTS = "bdfgklmnprstvz"
VOWELS = "aeiou"


class Namer:
    """Pronounceable, unique names per kind. The n-th name of a kind spells a number as
    consonant-vowel syllables (70 of them, shuffled per kind by the seed): two syllables for the
    first 4,900 names, three for the next 343,000. Within one length the numbers are scrambled
    by a bijection (multiplication by a prime modulo 70**length), so that consecutive names do
    not share their first syllable."""

    PRIME = 7919  # coprime with 70: n -> n * PRIME mod 70**k is a bijection

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.syllables: dict[str, list[str]] = {}
        self.next: dict[str, int] = {}
        self.used: dict[str, set[str]] = {}

    def word(self, kind: str, suffixes: tuple[str, ...] = ("",)) -> str:
        if kind not in self.syllables:
            table = [c + v for c in CONSONANTS for v in VOWELS]
            self.rng.shuffle(table)
            self.syllables[kind], self.next[kind], self.used[kind] = table, 0, set()
        table, used = self.syllables[kind], self.used[kind]
        base = len(table)
        while True:
            n = self.next[kind]
            self.next[kind] = n + 1
            length, size = 2, base ** 2
            while n >= size:
                n -= size
                length += 1
                size = base ** length
            k = (n * self.PRIME + 11) % size
            stem = ""
            for _ in range(length):
                k, d = divmod(k, base)
                stem += table[d]
            name = (stem + suffixes[self.next[kind] % len(suffixes)]).capitalize()
            if name not in used:
                used.add(name)
                return name


# --- output --------------------------------------------------------------------------------------


class Sink:
    """Writes each triple once to the N-Quads file (with its layer's graph) and, in directory
    mode, to its layer's Turtle file; counts triples per layer."""

    def __init__(self, nquads: Path, layer_files: dict[str, Path] | None):
        self.nq = open(nquads, "w", encoding="utf-8", newline="\n", buffering=1 << 20)
        self.files = {layer: open(path, "w", encoding="utf-8", newline="\n", buffering=1 << 20)
                      for layer, path in (layer_files or {}).items()}
        self.counts = {layer: 0 for layer in LAYERS}
        self.count = 0

    def raw_quads(self, layer: str, lines: list[str]) -> None:
        """Lines already in N-Triples (``s p o .``), copied into ``layer``'s graph."""
        for line in lines:
            self.nq.write(f"{line[:-1].rstrip()} {GRAPH[layer]} .\n")
        self.counts[layer] += len(lines)
        self.count += len(lines)

    def emit(self, layer: str, s: str, p: str, o: str) -> None:
        triple = f"{s} {p} {o}"
        self.nq.write(f"{triple} {GRAPH[layer]} .\n")
        out = self.files.get(layer)
        if out is not None:
            out.write(triple + " .\n")
        self.counts[layer] += 1
        self.count += 1

    def close(self) -> None:
        self.nq.close()
        for f in self.files.values():
            f.close()


# --- the manifest --------------------------------------------------------------------------------


@dataclass
class Manifest:
    """What was generated: sizes, files, sample keys for queries, write bodies for the JSON API."""

    seed: int
    requested_triples: int
    triples: int
    graphs: dict[str, int]
    counts: dict[str, int]
    files: dict[str, str]
    as_of: str
    keys: dict[str, list[dict]]
    writes: dict[str, dict]
    generator: str = "bench/generate.py"
    format_version: int = 1
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"


# --- the model of one alliance -------------------------------------------------------------------


@dataclass
class Company:
    id: str
    stem: str
    label: str
    brand: str


@dataclass
class Model:
    id: str
    label: str
    depth: int
    company: int
    platform: str | None
    launch: date
    parent: str | None = None


@dataclass
class Term:
    leader: int
    start: date
    end: date | None


@dataclass
class Scope:
    id: str
    kind: str  # region | technology | segment
    label: str
    terms: list[Term]
    concept: str | None = None  # the technology or segment of the scope


@dataclass
class AllianceState:
    index: int
    id: str
    label: str
    companies: list[Company]
    founded: date
    seed_docs: list[str] = field(default_factory=list)
    public_docs: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    region_labels: dict[str, str] = field(default_factory=dict)
    countries: list[str] = field(default_factory=list)
    families: list[tuple[str, str]] = field(default_factory=list)  # id, label
    variants: list[tuple[str, str, list[str]]] = field(default_factory=list)  # id, label, segments
    plants: list[str] = field(default_factory=list)
    models: list[Model] = field(default_factory=list)
    tip: int | None = None
    statements: int = 0
    scopes: list[Scope] = field(default_factory=list)


ADJECTIVES = ["autonomous", "connected", "electrified", "solid-state", "hydrogen", "hybrid", "wireless", "modular",
              "lightweight", "thermal", "software-defined", "cloud", "predictive", "driver-assist", "high-voltage",
              "low-voltage", "fast-charging", "regenerative", "digital", "sensor-fusion"]
NOUNS = ["powertrain", "battery", "architecture", "cockpit", "chassis", "drivetrain", "charging", "navigation",
         "infotainment", "lidar", "radar", "braking", "steering", "inverter", "motor", "fuel cell", "body control",
         "telematics", "parking", "suspension"]
SEGMENT_LETTERS = "ABCDEF"
BODY_STYLES = ["SUV", "MPV", "pickup", "van", "coupe", "estate", "crossover", "roadster", "saloon", "hatchback"]
COMPANY_SUFFIXES = ["Motors", "Auto", "Automobiles", "Cars", "Motor Company", "Vehicles"]
PUBLISHERS = ["Autoweek", "Motor Review", "Car Industry News", "Drive Daily", "Fleet Journal", "Mobility Times",
              "Auto Business", "EV Report"]
COUNTRY_SUFFIXES = ("ia", "a", "land", "stan", "ora", "ania", "ey", "o")
REGION_SUFFIXES = ("", "a", "ia", " Rim", " Basin", " Coast")


class Generator:
    def __init__(self, target: int, seed: int, sink: Sink):
        self.target, self.seed, self.sink = target, seed, sink
        self.rng = random.Random(seed)
        self.shape = SMALL if target < SMALL_BELOW else FULL
        self.names = Namer(self.rng)
        self.alliances: list[AllianceState] = []
        self.scope_keys: set[tuple] = set()
        self.assignments = 0
        self.statements_total = 0
        #: The made-up articles of the seed layer, by IRI: (short name, file name, their quotes),
        #: to fingerprint them as the project fingerprints its real articles (alliance_kg.rules.quotes).
        self.articles: dict[str, tuple[str, str, list[str]]] = {}
        #: The reference regions of each country that is in one.
        self.country_regions: dict[str, list[str]] = {}
        #: Labels of technologies and segments, by id.
        self.concept_labels: dict[str, str] = {}
        self.max_depth = 0

    # --- helpers ---------------------------------------------------------------------------------

    def e(self, layer: str, s: str, p: str, o: str) -> None:
        self.sink.emit(layer, s, p, o)

    def labels(self, layer: str, node: str, label: str, *alts: str) -> None:
        self.e(layer, node, LABEL, en(label))
        self.e(layer, node, PREF, en(label))
        for alt in alts:
            self.e(layer, node, ALT, en(alt))

    def statement(self, layer: str, a: AllianceState, about: str, document: str, *, quote: str | None,
                  strength: str = "Stated", stated_as: str | None = None, supports: str | None = None,
                  triple: tuple[str, str, str] | None = None, kind: str | None = None,
                  inferred_by: str | None = None) -> None:
        a.statements += 1
        self.statements_total += 1
        fact = f"G{a.index}-{a.statements:04d}"
        st = akr(f"statement-{a.index}-{a.statements:04d}")
        e = lambda p, o: self.e(layer, st, p, o)  # noqa: E731
        e(A, akg("Statement"))
        e(LABEL, en(f"{fact}: {about}"))
        e(PREF, en(f"{fact}: {about}"))
        e(akg("factId"), lit(fact))
        e(akg("document"), document)
        if quote is not None:
            e(akg("quote"), lit(quote[:400]))
            if layer == "seed":
                self.articles[document][2].append(quote[:400])
        if stated_as is not None:
            e(akg("statedAs"), lit(stated_as))
        e(akg("strength"), akg(strength))
        e(akg("layer"), akg("SeedLayer" if layer == "seed" else "PublicLayer"))
        if inferred_by is not None:
            e(akg("inferredBy"), en(inferred_by))
        if kind is not None:
            e(akg("derivationKind"), akg(kind))
        if supports is not None:
            e(akg("supports"), supports)
        if triple is not None:
            e(rdf("subject"), triple[0])
            e(rdf("predicate"), triple[1])
            e(rdf("object"), triple[2])

    def date_between(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randrange(max(1, (end - start).days)))

    # --- the pools every alliance draws from -------------------------------------------------------

    def pools(self, alliances: int) -> None:
        rng = self.rng
        # Basis of single-country regions, and the project's region analysis (as in data/regions).
        self.e("regions", akr("basis-CountryItself"), A, akg("MembershipBasis"))
        self.labels("regions", akr("basis-CountryItself"), "the region is the country itself")
        doc = akr("src-generated-region-analysis")
        for p, o in ((A, akg("SourceDocument")), (A, schema("CreativeWork")),
                     (LABEL, en("synthetic region analysis of the generated data")),
                     (PREF, en("synthetic region analysis of the generated data")),
                     (dcterms("title"), lit("Reference regions of the generated alliances: member countries")),
                     (akg("layer"), akg("RegionsLayer"))):
            self.e("regions", doc, p, o)
        # Judgement calls, for countries whose place is a decision rather than a fact.
        self.judgements = []
        for j in range(max(3, alliances // 5)):
            node = akr(f"judgement-G{j + 1}")
            self.judgements.append(node)
            self.e("regions", node, A, akg("Judgement"))
            self.e("regions", node, skos("notation"), lit(f"G{j + 1}"))
            self.labels("regions", node, f"G{j + 1}: an edge-of-area country counted by geography")
            self.e("regions", node, rdfs("comment"), en("The country follows its synthetic area, so it belongs to the reference regions built on that area."))
            self.e("regions", node, akg("alternativeReading"), en("A political reading would count it with a neighbouring area."))
        # Areas (the generated data's UN M49 sub-regions) and their countries.
        self.zones: list[list[str]] = []
        self.zone_ids: list[str] = []
        self.country_judgement: dict[str, str] = {}
        for z in range(max(12, 4 * alliances)):
            name = self.names.word("area", (" Lowlands", " Highlands", " Plains", " Isles", " Coast", " Valley"))
            code = f"X{z + 1:04d}"
            zone = akr(f"area-{code}")
            self.zone_ids.append(zone)
            self.e("regions", zone, A, akg("M49Area"))
            self.e("regions", zone, LABEL, en(f"synthetic area {code} {name}"))
            self.e("regions", zone, PREF, en(name))
            self.e("regions", zone, akg("m49Code"), lit(code))
            countries = []
            for _ in range(rng.randint(*self.shape.countries_per_area)):
                cname = self.names.word("country", COUNTRY_SUFFIXES)
                cid = f"country-{cname}"
                c = akr(cid)
                countries.append(cid)
                self.e("regions", c, A, schema("Country"))
                self.e("regions", c, A, akg("Country"))
                self.labels("regions", c, cname, *([f"Republic of {cname}"] if rng.random() < 0.4 else []))
                self.e("regions", c, akg("countryKind"), lit("territory" if rng.random() < 0.12 else "state"))
                self.e("regions", c, akg("m49Area"), zone)
                if rng.random() < 0.03:
                    j = rng.choice(self.judgements)
                    self.country_judgement[cid] = j
                    self.e("regions", c, akg("judgement"), j)
                    self.e("regions", c, akg("note"), en("Counted by its synthetic area (a judgement call)."))
            self.zones.append(countries)
        self.zone_covered = [False] * len(self.zones)
        # Technologies: a generic one per field, and narrower ones (skos:broader) under it.
        self.technologies: list[tuple[str, str]] = []
        generic = {}
        for noun in NOUNS:
            tid, label = f"tech-{camel(noun)}Technology", f"{noun} technology"
            generic[noun] = tid
            self.technologies.append((tid, label))
            self.concept_labels[tid] = label
            self.e("seed", akr(tid), A, akg("Technology"))
            self.labels("seed", akr(tid), label, f"{noun} tech")
        combos = [(a, n) for a in ADJECTIVES for n in NOUNS]
        rng.shuffle(combos)
        wanted = max(6, 2 * alliances)
        for i in range(wanted):
            adjective, noun = combos[i % len(combos)]
            generation = i // len(combos)
            label = f"{adjective} {noun}" + (f" generation {generation + 1}" if generation else "")
            tid = f"tech-{camel(label)}"
            self.technologies.append((tid, label))
            self.concept_labels[tid] = label
            self.e("seed", akr(tid), A, akg("Technology"))
            self.labels("seed", akr(tid), label, f"{adjective} {noun}s" + (f" generation {generation + 1}" if generation else ""))
            self.e("seed", akr(tid), skos("broader"), akr(generic[noun]))
            if rng.random() < 0.1:
                other = rng.choice(self.technologies[:-1])[0]
                self.e("seed", akr(tid), skos("related"), akr(other))
        # Vehicle segments: A-F, and body-style segments narrower than them.
        self.segments: list[tuple[str, str]] = []
        for letter in SEGMENT_LETTERS:
            sid = f"segment-{letter}"
            self.segments.append((sid, f"{letter} segment"))
            self.concept_labels[sid] = f"{letter} segment"
            self.e("seed", akr(sid), A, akg("VehicleSegment"))
            self.labels("seed", akr(sid), f"{letter} segment", f"{letter}-segment", letter)
        styles = [(letter, style) for style in BODY_STYLES for letter in SEGMENT_LETTERS]
        rng.shuffle(styles)
        for i in range(max(6, alliances)):
            letter, style = styles[i % len(styles)]
            generation = i // len(styles)
            label = f"{letter}-segment {style}" + (f" generation {generation + 1}" if generation else "")
            sid = f"segment-{slug(label)}"
            self.segments.append((sid, label))
            self.concept_labels[sid] = label
            self.e("public", akr(sid), A, akg("VehicleSegment"))
            self.labels("public", akr(sid), label, f"{style}s of the {letter} segment" + (f" generation {generation + 1}" if generation else ""))
            self.e("public", akr(sid), skos("broader"), akr(f"segment-{letter}"))
            self.e("public", akr(sid), akg("layer"), akg("PublicLayer"))

    # --- one alliance ----------------------------------------------------------------------------

    def alliance(self, index: int) -> AllianceState:
        rng = self.rng
        size = rng.choice(self.shape.companies)
        companies = []
        for _ in range(size):
            stem = self.names.word("company")
            suffix = rng.choice(COMPANY_SUFFIXES)
            label = f"{stem} {suffix}"
            companies.append(Company(camel(label), stem, label, f"brand-{stem}"))
        label = "-".join(c.stem for c in companies[:3]) + " Alliance"
        founded = self.date_between(date(2012, 1, 1), date(2021, 12, 31))
        a = AllianceState(index, f"alliance-{slug(label)}", label, companies, founded)
        self.alliances.append(a)
        node = akr(a.id)

        # Documents: two "articles" (the seed layer) and a few web pages (the public layer).
        for k in range(2):
            doc = f"D{index:05d}{'ab'[k]}"
            a.seed_docs.append(akr(doc))
            publisher = rng.choice(PUBLISHERS)
            file_name = f"{index:05d}{k}_{rng.getrandbits(64):016x}.txt"
            self.articles[akr(doc)] = (doc, file_name, [])
            for p, o in ((A, akg("SourceDocument")), (A, schema("CreativeWork")),
                         (LABEL, en(f"{doc}: {publisher} article on the {label}")),
                         (PREF, en(f"{doc}: {publisher} article on the {label}")),
                         (akg("shortName"), lit(doc)),
                         (akg("fileName"), lit(file_name)),
                         (dcterms("title"), lit(f"{companies[0].stem} and partners adopt the leader-follower model")),
                         (dcterms("publisher"), lit(publisher)),
                         (schema("url"), f"<https://{slug(publisher).lower()}.example/articles/{doc.lower()}>"),
                         (akg("layer"), akg("SeedLayer"))):
                self.e("seed", akr(doc), p, o)
            if k:
                self.e("seed", akr(doc), dcterms("date"), day(founded))
        for k in range(rng.randint(*self.shape.public_docs)):
            src = f"src-{index}-{k + 1}"
            a.public_docs.append(akr(src))
            publisher = rng.choice(PUBLISHERS)
            published = self.date_between(founded, date(2025, 12, 31))
            for p, o in ((A, akg("SourceDocument")), (A, schema("CreativeWork")),
                         (LABEL, en(f"{publisher}: news of the {label}, {published.isoformat()}")),
                         (PREF, en(f"{publisher}: news of the {label}, {published.isoformat()}")),
                         (dcterms("title"), lit(f"News of the {label}")),
                         (dcterms("publisher"), lit(publisher)), (dcterms("date"), day(published)),
                         (schema("url"), f"<https://{slug(publisher).lower()}.example/news/{index}-{k + 1}>"),
                         (akg("layer"), akg("PublicLayer"))):
                self.e("public", akr(src), p, o)

        # The alliance, its companies, brands and memberships.
        names = ", ".join(c.stem for c in companies[:-1]) + " and " + companies[-1].stem
        self.e("seed", node, A, akg("Alliance"))
        self.e("seed", node, A, schema("Organization"))
        self.labels("seed", node, label, f"the {companies[0].stem} alliance")
        board = akr(f"{a.id}-OperatingBoard")
        self.e("seed", board, A, akg("GoverningBody"))
        self.labels("seed", board, f"{label} Operating Board")
        self.e("seed", board, org("unitOf"), node)
        for c in companies:
            cn = akr(c.id)
            self.e("seed", node, org("hasMember"), cn)
            self.e("seed", cn, A, akg("Company"))
            self.e("seed", cn, A, schema("Organization"))
            self.labels("seed", cn, c.label, c.stem)
            self.e("seed", cn, org("memberOf"), node)
            brand = akr(c.brand)
            self.e("seed", brand, A, akg("Brand"))
            self.e("seed", brand, A, schema("Brand"))
            self.e("seed", brand, LABEL, en(f"{c.stem} (brand)"))
            self.e("seed", brand, PREF, en(c.stem))
            self.e("seed", brand, akg("brandOf"), cn)
            m = akr(f"membership-{c.id}-{a.id}")
            self.e("seed", m, A, org("Membership"))
            self.labels("seed", m, f"{c.label} is a member of the {label}")
            self.e("seed", m, org("member"), cn)
            self.e("seed", m, org("organization"), node)
            self.statement("seed", a, f"{c.stem} is a member of the {label}", a.seed_docs[0],
                           quote=f"the one comprised of {names}", supports=m)

        # Announcements: the adoption of the model, preceded by an earlier statement of intent.
        earlier, adoption = akr(f"announcement-{index}-intent"), akr(f"announcement-{index}-adoption")
        for node_, text, when in ((earlier, "first statement of intent", founded - timedelta(days=120)),
                                  (adoption, "adoption of the leader-follower model", founded)):
            self.e("seed", node_, A, akg("Announcement"))
            self.e("seed", node_, A, schema("Event"))
            self.labels("seed", node_, f"{label}: {text}, {when.isoformat()}")
            self.e("seed", node_, akg("date"), day(when))
            self.e("seed", node_, akg("announcedBy"), node)
        self.e("seed", adoption, akg("precededBy"), earlier)

        self.platforms(a)
        self.regions(a)
        self.technology_scopes(a)
        self.segment_scopes(a)
        self.plants(a)
        # A derivation chain of depth 6 to 9: the lineage questions always have a deep answer.
        length = rng.randint(*self.shape.chain)
        for k in range(length + 1):
            self.model(a, parent=a.models[-1] if k else None, seed_link=(k == 1))
        return a

    def platforms(self, a: AllianceState) -> None:
        rng = self.rng
        for f in range(rng.randint(*self.shape.platform_families)):
            stem = self.names.word("platform")
            acronym = (stem[:2] + "MF").upper() if f == 0 else (stem[:2] + "AP").upper()
            family_label = f"{stem} Modular Family" if f == 0 else f"{stem} Architecture Platform"
            family_id = f"platform-{stem}"
            family = akr(family_id)
            a.families.append((family_id, family_label))
            developers = rng.sample(range(len(a.companies)), k=min(2, len(a.companies)))
            self.e("public", family, A, akg("Platform"))
            self.e("public", family, A, schema("Product"))
            self.labels("public", family, family_label, f"{acronym} ({stem})")
            for d in developers:
                self.e("public", family, akg("developedBy"), akr(a.companies[d].id))
            self.e("public", family, akg("describedAs"), en(f"A modular architecture shared across the {a.label}."))
            self.e("public", family, akg("layer"), akg("PublicLayer"))
            letters = rng.sample(SEGMENT_LETTERS, k=rng.randint(*self.shape.variants))
            for letter in sorted(letters):
                variant_label = f"{acronym}-{letter} ({stem})"
                vid = f"platform-{stem}-{letter}"
                v = akr(vid)
                self.e("public", v, A, akg("Platform"))
                self.e("public", v, A, schema("Product"))
                self.labels("public", v, variant_label)
                self.e("public", v, akg("platformVariantOf"), family)
                serves = [f"segment-{letter}"]
                self.e("public", v, akg("servesSegment"), akr(serves[0]))
                self.e("public", v, akg("layer"), akg("PublicLayer"))
                self.statement("public", a, f"{variant_label} is a variant of the {family_label}", rng.choice(a.public_docs),
                               quote=f"the {letter}-segment version of the {acronym}",
                               triple=(v, akg("platformVariantOf"), family))
                a.variants.append((vid, variant_label, serves))

    def terms(self, a: AllianceState, start: date, *, close_in_future: bool = False) -> list[Term]:
        """Successive terms of leadership of one scope: never two leaders at once."""
        rng = self.rng
        n = len(a.companies)
        count = 1 if rng.random() < 0.6 else 2 if rng.random() < 0.75 else 3
        terms = [Term(rng.randrange(n), start, None)]
        for _ in range(count - 1):
            earliest = terms[-1].start + timedelta(days=400)
            latest = min(terms[-1].start + timedelta(days=2000), date(2029, 12, 31))
            if earliest >= latest:
                break
            change = self.date_between(earliest, latest)
            terms[-1].end = change - timedelta(days=1)
            leader = rng.choice([c for c in range(n) if c != terms[-1].leader])
            terms.append(Term(leader, change, None))
        roll = rng.random()
        if close_in_future or roll < 0.12:
            terms[-1].end = self.date_between(date(2030, 6, 30), date(2033, 12, 31))
        elif roll < 0.17 and terms[-1].start < date(2024, 1, 1):
            terms[-1].end = self.date_between(terms[-1].start + timedelta(days=200), date(2024, 12, 31))
        return terms

    def assign(self, a: AllianceState, scope: str, scope_label: str, kind: str, terms: list[Term], *,
               seed_first: bool, announced: str, concept: str | None = None) -> None:
        """The assignments of one scope, one per term, each with its source statements."""
        rng = self.rng
        a.scopes.append(Scope(scope, kind, scope_label, terms, concept))
        for k, term in enumerate(terms):
            self.assignments += 1
            leader = a.companies[term.leader]
            layer = "seed" if (k == 0 and seed_first) else "public"
            node = akr(f"assignment-{slug(scope)}-{k + 1}")
            e = lambda p, o: self.e(layer, node, p, o)  # noqa: E731
            e(A, akg("LeadershipAssignment"))
            e(LABEL, en(f"{leader.label} leads {scope_label}" + (f" from {term.start.isoformat()}" if k else "")))
            e(PREF, en(f"{leader.label} leads {scope_label}" + (f" from {term.start.isoformat()}" if k else "")))
            e(akg("scope"), akr(scope))
            e(akg("leader"), akr(leader.id))
            others = [c for i, c in enumerate(a.companies) if i != term.leader]
            stated = rng.random() < 0.15 and len(others) > 1
            followers = sorted(rng.sample(others, k=rng.randint(1, len(others) - 1)), key=lambda c: c.id) if stated else others
            for f in followers:
                e(akg("follower"), akr(f.id))
            e(akg("followersRule"), akg("FollowersStated" if stated else "FollowersDerived"))
            e(akg("validFrom"), day(term.start))
            if term.end is not None:
                e(akg("validTo"), day(term.end))
            if layer == "public":
                e(akg("validFromBasis"), en(f"the date of the announcement that states it ({announced})" if k == 0
                                            else "the date the change of leader takes effect"))
                e(akg("layer"), akg("PublicLayer"))
            quote_followers = (" with " + " and ".join(f.stem for f in followers) + " following") if stated else ""
            if layer == "seed":
                for doc, word in zip(a.seed_docs, ("leader", "reference")):
                    self.statement("seed", a, f"{leader.stem} leads {scope_label} ({word})", doc, stated_as=word,
                                   quote=f"{leader.stem} will be the {word} for {scope_label}{quote_followers}",
                                   supports=node)
                self.statement("seed", a, f"the assignment of {scope_label} holds from {term.start.isoformat()}",
                               a.seed_docs[1], quote=f"date {term.start.isoformat()}", strength="Implied",
                               inferred_by="The assignments are dated by the announcement the article reports.",
                               triple=(node, akg("validFrom"), day(term.start)))
            else:
                word = rng.choice(["leads", "takes the lead", "spearheads", "will head"])
                self.statement("public", a, f"{leader.stem} {word} {scope_label}", rng.choice(a.public_docs),
                               stated_as=word, supports=node,
                               quote=f"{leader.stem} {word} {scope_label}{quote_followers}" if rng.random() < 0.8 else None)

    def regions(self, a: AllianceState) -> None:
        rng = self.rng
        count = rng.randint(*self.shape.regions)
        # One area in eight is in no reference region: its countries have no leader, as in the shipped graph.
        eligible = [z for z in range(len(self.zones)) if z % 8 != 7]
        free = list(eligible)
        rng.shuffle(free)
        chosen_zones: list[int] = []
        for r in range(count):
            name = self.names.word("region", REGION_SUFFIXES)
            rid = f"region-{slug(name)}"
            region = akr(rid)
            a.regions.append(rid)
            a.region_labels[rid] = name
            single = rng.random() < 0.2 or not free
            members: list[tuple[str, str]] = []  # (country id, basis)
            if single:
                zone = rng.choice(chosen_zones) if chosen_zones and rng.random() < 0.5 else rng.choice(eligible)
                country = rng.choice(self.zones[zone])
                members.append((country, akr("basis-CountryItself")))
                self.zone_covered[zone] = True
                definition = f"The country {country.removeprefix('country-')} itself."
            else:
                zones = [free.pop() for _ in range(min(len(free), rng.randint(*self.shape.areas_per_region)))]
                if chosen_zones and rng.random() < 0.1:
                    zones.append(rng.choice(chosen_zones))  # overlapping regions, as South East Asia and ASEAN
                for z in zones:
                    self.zone_covered[z] = True
                    for country in self.zones[z]:
                        members.append((country, self.country_judgement.get(country, self.zone_ids[z])))
                chosen_zones.extend(zones)
                definition = "The synthetic areas " + ", ".join(f"X{z + 1:04d}" for z in sorted(set(zones))) + "."
            self.e("seed", region, A, akg("ReferenceRegion"))
            self.e("seed", region, A, schema("Place"))
            self.labels("seed", region, name)
            self.e("regions", region, skos("definition"), en(definition))
            seen = set()
            for country, basis in members:
                if country in seen:
                    continue
                seen.add(country)
                a.countries.append(country)
                self.country_regions.setdefault(country, []).append(rid)
                m = akr(f"membership-{slug(name)}-{country.removeprefix('country-')}")
                self.e("regions", m, A, akg("RegionMembership"))
                self.labels("regions", m, f"{country.removeprefix('country-')} belongs to {name}")
                self.e("regions", m, akg("country"), akr(country))
                self.e("regions", m, akg("membershipBasis"), basis)
                self.e("regions", m, akg("region"), region)
                self.e("regions", region, akg("hasMemberCountry"), akr(country))
            # The first region's last term ends in the future: a new leader may be written after it.
            terms = self.terms(a, a.founded, close_in_future=(r == 0))
            self.assign(a, rid, name, "region", terms, seed_first=True, announced=a.founded.isoformat())

    def technology_scopes(self, a: AllianceState) -> None:
        rng = self.rng
        for k in range(rng.randint(*self.shape.technology_scopes)):
            tid, tlabel = rng.choice(self.technologies)
            variant = rng.choice(["plain", "plain", "region", "platform", "segments", "text"])
            quals: list[tuple[str, str]] = []
            label = tlabel
            if variant == "region":
                region = rng.choice(a.regions)
                quals.append((akg("qualifierRegion"), akr(region)))
                label = f"{tlabel} in {a.region_labels[region]}"
            elif variant == "platform" and a.variants:
                vid, vlabel, serves = rng.choice(a.variants)
                quals.append((akg("qualifierPlatform"), akr(vid)))
                quals += [(akg("qualifierSegment"), akr(s)) for s in serves]
                label = f"{tlabel} for the {vlabel} platform"
            elif variant == "segments":
                letters = sorted(rng.sample(SEGMENT_LETTERS, 2))
                quals += [(akg("qualifierSegment"), akr(f"segment-{x}")) for x in letters]
                label = f"{tlabel} for the {letters[0]} and {letters[1]} segments"
            key = (tid, tuple(sorted(quals)))
            if key in self.scope_keys:  # the same technology and qualifiers would be the same scope
                text = f"common (shared across the {a.label})"
                quals.append((akg("qualifierText"), en(text)))
                label = f"{label}, {text}"
                key = (tid, tuple(sorted(quals)))
                if key in self.scope_keys:
                    continue
            self.scope_keys.add(key)
            sid = f"scope-{a.index}-T{k + 1}"
            scope = akr(sid)
            self.e("seed", scope, A, akg("TechnologyScope"))
            self.labels("seed", scope, label)
            self.e("seed", scope, akg("technology"), akr(tid))
            for p, o in quals:
                self.e("seed", scope, p, o)
            in_seed = rng.random() < 0.6
            start = a.founded if in_seed else self.date_between(a.founded, date(2024, 12, 31))
            self.assign(a, sid, label, "technology", self.terms(a, start), seed_first=in_seed, announced=start.isoformat(),
                        concept=tid)

    def segment_scopes(self, a: AllianceState) -> None:
        rng = self.rng
        for k in range(rng.randint(*self.shape.segment_scopes)):
            seg, slabel = rng.choice(self.segments)
            quals: list[tuple[str, str]] = []
            label = f"{slabel}s" if "-segment" in slabel else slabel
            key = (seg, ())
            if key in self.scope_keys or rng.random() < 0.5:
                region = rng.choice(a.regions)
                quals.append((akg("qualifierRegion"), akr(region)))
                label += f" in {a.region_labels[region]}"
                key = (seg, tuple(quals))
                if key in self.scope_keys:
                    continue
            self.scope_keys.add(key)
            sid = f"scope-{a.index}-S{k + 1}"
            scope = akr(sid)
            self.e("public", scope, A, akg("SegmentScope"))
            self.labels("public", scope, label)
            self.e("public", scope, akg("segment"), akr(seg))
            for p, o in quals:
                self.e("public", scope, p, o)
            self.e("public", scope, akg("layer"), akg("PublicLayer"))
            start = self.date_between(a.founded, date(2024, 12, 31))
            self.assign(a, sid, label, "segment", self.terms(a, start), seed_first=False, announced=start.isoformat(),
                        concept=seg)

    def plants(self, a: AllianceState) -> None:
        rng = self.rng
        for _ in range(rng.randint(*self.shape.plants)):
            name = self.names.word("plant")
            pid = f"plant-{name}"
            plant = akr(pid)
            a.plants.append(pid)
            operator = rng.choice(a.companies)
            self.e("public", plant, A, akg("Plant"))
            self.e("public", plant, A, schema("Place"))
            self.labels("public", plant, f"{name} plant ({operator.stem})")
            self.e("public", plant, schema("containedInPlace"), akr(rng.choice(a.countries)))
            self.e("public", plant, akg("operatedBy"), akr(operator.id))
            self.e("public", plant, akg("layer"), akg("PublicLayer"))

    # --- models ----------------------------------------------------------------------------------

    def model(self, a: AllianceState, *, parent: Model | None, seed_link: bool = False) -> Model:
        rng = self.rng
        company = rng.randrange(len(a.companies))
        if parent is not None and rng.random() < 0.5:
            company = parent.company
        c = a.companies[company]
        name = self.names.word("model", ("", "", "o", "a", " Sport", " Cross", " Van", " EV"))
        label = f"{c.stem} {name}"
        mid = camel(label)
        node = akr(mid)
        depth = parent.depth + 1 if parent else 0
        launch = (self.date_between(parent.launch + timedelta(days=300), parent.launch + timedelta(days=1100))
                  if parent else self.date_between(date(2000, 1, 1), date(2012, 12, 31)))
        if parent is not None and a.variants and rng.random() < 0.8:
            platform = parent.platform
        else:
            platform = rng.choice(a.variants)[0] if a.variants and rng.random() < 0.9 else None
        model = Model(mid, label, depth, company, platform, launch, parent.id if parent else None)
        a.models.append(model)
        self.max_depth = max(self.max_depth, depth)
        e = lambda p, o: self.e("public", node, p, o)  # noqa: E731
        e(A, akg("VehicleModel"))
        e(A, schema("ProductModel"))
        self.labels("public", node, label, name)
        e(schema("brand"), akr(c.brand))
        e(akg("releasedBy"), akr(c.id))
        e(akg("launchDate"), typed(launch.strftime("%Y-%m"), "gYearMonth"))
        e(akg("layer"), akg("PublicLayer"))
        if a.plants and rng.random() < 0.6:
            e(akg("producedAt"), akr(rng.choice(a.plants)))
        if platform is not None:
            e(akg("sitsOnPlatform"), akr(platform))
            self.statement("public", a, f"the {label} sits on {platform.removeprefix('platform-')}", rng.choice(a.public_docs),
                           quote=f"the {label} uses the {platform.removeprefix('platform-')} platform" if rng.random() < 0.7 else None,
                           triple=(node, akg("sitsOnPlatform"), akr(platform)))
        if parent is not None:
            pnode = akr(parent.id)
            if seed_link:
                kind, layer, strength = "FollowerModel", "seed", "Implied"
            elif parent.company != company:
                kind, layer, strength = "Rebadge", "public", "Stated"
            else:
                kind, layer = ("Derivative", "public") if rng.random() < 0.85 else ("FollowerModel", "public")
                strength = "Stated" if kind == "Derivative" else "Implied"
            self.e(layer, node, akg("derivedFrom"), pnode)
            self.statement(layer, a, f"the {label} derives from the {parent.label}",
                           a.seed_docs[0] if layer == "seed" else rng.choice(a.public_docs),
                           quote=f"the next model after the {parent.label} became the {label}", strength=strength, kind=kind,
                           inferred_by=("The model came after and from the other, as a case of the leader-follower structure."
                                        if strength == "Implied" else None),
                           triple=(node, akg("derivedFrom"), pnode))
        return model

    def more_models(self) -> None:
        """Models, round-robin over the alliances, until the graph has its size."""
        rng = self.rng
        i = 0
        while self.target - self.sink.count > 16:
            a = self.alliances[i % len(self.alliances)]
            i += 1
            roll = rng.random()
            tip = a.models[a.tip] if a.tip is not None else None
            if tip is not None and roll < 0.5 and tip.depth < MAX_DEPTH:
                parent = tip
            elif roll < 0.8:
                parent = rng.choice(a.models)
                parent = parent if parent.depth < MAX_DEPTH else None
            else:
                parent = None
            self.model(a, parent=parent)
            a.tip = len(a.models) - 1

    # --- the whole dataset -----------------------------------------------------------------------

    def run(self) -> None:
        alliances = max(1, round(STRUCTURE_SHARE * (self.target - 600) / self.shape.triples))
        self.pools(alliances)
        for index in range(1, alliances + 1):
            self.alliance(index)
        self.more_models()


# --- the manifest's keys and write bodies ------------------------------------------------------------


def _pick(rng: random.Random, items: list, k: int) -> list:
    return items if len(items) <= k else rng.sample(items, k)


def _holds(t: Term, d: date) -> bool:
    return t.start <= d and (t.end is None or d <= t.end)


def _leader_on(a: AllianceState, scope: Scope, d: date) -> Company | None:
    return next((a.companies[t.leader] for t in scope.terms if _holds(t, d)), None)


def _lasting_leader(a: AllianceState, scope: Scope) -> Company | None:
    """The leader on AS_OF if its term is the last and has no end (the answer is the same on
    every later day, today included), else None."""
    last = scope.terms[-1]
    return a.companies[last.leader] if last.end is None and last.start <= AS_OF else None


def manifest_of(gen: Generator, seed: int, requested: int, files: dict[str, str]) -> Manifest:
    """Sizes and counts, sample keys for queries (each answers on AS_OF and after), write bodies."""
    rng = random.Random(seed * 7919 + 17)
    by_kind: dict[str, list[dict]] = {"region": [], "technology": [], "segment": []}
    region_leader: dict[str, Company | None] = {}
    concepts: dict[str, dict[str, str]] = {"technology": {}, "segment": {}}
    companies, deep, platforms, families = [], [], [], []
    for a in gen.alliances:
        leads = set()
        for scope in a.scopes:
            leader = _lasting_leader(a, scope)
            if scope.kind == "region":
                region_leader[scope.id] = leader
            current = _leader_on(a, scope, AS_OF)
            if current is not None:
                leads.add(current.id)
            if leader is None:
                continue
            entry = {"id": scope.id, "label": scope.label, "leader": leader.id, "alliance": a.id}
            if scope.concept is not None:
                entry["concept"] = scope.concept
                concepts[scope.kind][scope.concept] = gen.concept_labels[scope.concept]
            by_kind[scope.kind].append(entry)
        companies += [{"id": c.id, "label": c.label, "alliance": a.id} for c in a.companies if c.id in leads]
        deep += [{"id": m.id, "label": m.label, "depth": m.depth, "alliance": a.id} for m in a.models if m.depth >= 6]
        on = {}
        for m in a.models:
            if m.platform is not None:
                on[m.platform] = on.get(m.platform, 0) + 1
        platforms += [{"id": vid, "label": vlabel, "models": on[vid], "alliance": a.id}
                      for vid, vlabel, _ in a.variants if vid in on]
        families += [{"id": fid, "label": flabel, "alliance": a.id} for fid, flabel in a.families]
    countries, without = [], []
    for zone in gen.zones:
        for country in zone:
            regions = gen.country_regions.get(country)
            label = country.removeprefix("country-")
            if not regions:
                without.append({"id": country, "label": label})
            elif all(region_leader[r] for r in regions):
                countries.append({"id": country, "label": label, "regions": sorted(set(regions)),
                                  "leaders": sorted({region_leader[r].id for r in regions})})
    concept_refs = lambda kind: [{"id": k, "label": v} for k, v in sorted(concepts[kind].items())]  # noqa: E731
    keys = {
        "countries": _pick(rng, countries, 12),
        "countries_without_leader": _pick(rng, without, 5),
        "regions": _pick(rng, by_kind["region"], 12),
        "technologies": _pick(rng, concept_refs("technology"), 12),
        "technology_scopes": _pick(rng, by_kind["technology"], 12),
        "segments": _pick(rng, concept_refs("segment"), 12),
        "segment_scopes": _pick(rng, by_kind["segment"], 12),
        "companies": _pick(rng, companies, 12),
        "models_deep": _pick(rng, deep, 12),
        "platforms": _pick(rng, platforms, 12),
        "platform_families": _pick(rng, families, 12),
    }
    return Manifest(
        seed=seed, requested_triples=requested, triples=gen.sink.count, graphs=dict(gen.sink.counts),
        counts={
            "alliances": len(gen.alliances),
            "companies": sum(len(a.companies) for a in gen.alliances),
            "countries": sum(len(z) for z in gen.zones),
            "countries_in_a_region": len(gen.country_regions),
            "areas": len(gen.zones),
            "reference_regions": sum(len(a.regions) for a in gen.alliances),
            "technologies": len(gen.technologies),
            "segments": len(gen.segments),
            "scopes": sum(len(a.scopes) for a in gen.alliances),
            "assignments": gen.assignments,
            "statements": gen.statements_total,
            "platforms": sum(len(a.variants) for a in gen.alliances),
            "plants": sum(len(a.plants) for a in gen.alliances),
            "models": sum(len(a.models) for a in gen.alliances),
            "max_derivation_depth": gen.max_depth,
        },
        files=files, as_of=AS_OF.isoformat(), keys=keys, writes=writes_of(gen, rng),
    )


def writes_of(gen: Generator, rng: random.Random) -> dict[str, dict]:
    """Bodies for the JSON write API (README, "Writes, guarded by the rules"): a new assignment
    after a term that ends, and a derivation, both accepted; an assignment that gives a scope a
    second leader while its leader holds, rejected by the single-leader rule.

    Followers are always given: rule R-F in the write API needs a graph with one alliance."""
    accepted, derivations, rejected = [], [], []
    for a in gen.alliances:
        members = [c.id for c in a.companies]
        for scope in a.scopes:
            last = scope.terms[-1]
            if last.end is not None and last.end > AS_OF:
                other = next(c for i, c in enumerate(a.companies) if i != last.leader)
                start = last.end + timedelta(days=1)
                accepted.append({
                    "scope": scope.id, "leader": other.id, "followers": [m for m in members if m != other.id],
                    "valid_from": start.isoformat(),
                    "source": {"url": f"https://alliance-news.example/{scope.id}/{start.isoformat()}",
                               "quote": f"{other.stem} will lead {scope.label} from {start.isoformat()}"}})
            holding = next((t for t in scope.terms if _holds(t, AS_OF)), None)
            if holding is not None:
                other = next(c for i, c in enumerate(a.companies) if i != holding.leader)
                rejected.append({
                    "scope": scope.id, "leader": other.id, "followers": [m for m in members if m != other.id],
                    "valid_from": AS_OF.isoformat(),
                    "source": {"url": f"https://alliance-news.example/{scope.id}/second-leader",
                               "quote": f"{other.stem} will also lead {scope.label}"}})
        # A model nothing derives from (a leaf) gets a second parent that is not a leaf: every new
        # link leaves a leaf and none reaches one, so no cycle can close, whatever the order in
        # which these bodies are written.
        parents = {m.parent for m in a.models}
        deepest = sorted((m for m in a.models if m.id in parents), key=lambda m: (-m.depth, m.id))
        for leaf in [m for m in a.models if m.id not in parents][:5]:
            target = next((m for m in deepest if m.id not in (leaf.id, leaf.parent)), None)
            if target is not None:
                derivations.append({
                    "model": leaf.id, "derived_from": target.id, "kind": "derivative",
                    "source": {"url": f"https://alliance-news.example/lineage/{leaf.id}",
                               "quote": f"the {leaf.label} is also based on the {target.label}"}})
    accepted, derivations, rejected = (_pick(rng, items, 20) for items in (accepted, derivations, rejected))
    return {
        "assignment_accepted": {"method": "POST", "path": "/api/assignments", "body": accepted[0], "status": 201},
        "derivation_accepted": {"method": "POST", "path": "/api/derivations", "body": derivations[0], "status": 201},
        "assignment_rejected": {"method": "POST", "path": "/api/assignments", "body": rejected[0], "status": 422,
                                "violates": "SingleLeaderShape"},
        "more_assignments_accepted": {"method": "POST", "path": "/api/assignments", "bodies": accepted[1:], "status": 201},
        "more_derivations_accepted": {"method": "POST", "path": "/api/derivations", "bodies": derivations[1:], "status": 201},
        "more_assignments_rejected": {"method": "POST", "path": "/api/assignments", "bodies": rejected[1:], "status": 422,
                                      "violates": "SingleLeaderShape"},
    }


# --- entry points --------------------------------------------------------------------------------


def _ontology_lines() -> list[str]:
    import pyoxigraph as ox

    lines = []
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=AKR):
            lines.append(f"{triple} .")
    return lines


def generate(triples: int, seed: int, out: Path) -> Manifest:
    """Write a dataset of about ``triples`` triples (ontology included) for ``seed`` to ``out``:
    a data directory for alliance-kg with ``dataset.nq`` and ``manifest.json``, or, if ``out``
    ends in ``.nq``, that one N-Quads file and ``<name>.manifest.json`` beside it."""
    if triples < MIN_TRIPLES:
        raise ValueError(f"--triples must be at least {MIN_TRIPLES} (one complete alliance)")
    out = Path(out)
    single_file = out.suffix == ".nq"
    if single_file:
        out.parent.mkdir(parents=True, exist_ok=True)
        nquads, manifest_path, layer_files = out, out.with_suffix(".manifest.json"), None
        files = {"nquads": out.name}
    else:
        # The directory is rewritten: refuse one that is not empty and not an earlier output
        # (the checkout itself has data/, ontology/ and shapes/ too).
        if out.is_dir() and any(out.iterdir()) and not (out / "manifest.json").is_file():
            raise ValueError(f"{out} is not empty and holds no manifest.json: give a new or an earlier output directory")
        out.mkdir(parents=True, exist_ok=True)
        for sub in ("data", "ontology", "shapes"):
            shutil.rmtree(out / sub, ignore_errors=True)
        (out / "ontology").mkdir()
        (out / "shapes").mkdir()
        for path in sorted((ROOT / "ontology").glob("*.ttl")):
            shutil.copyfile(path, out / "ontology" / path.name)
        for path in sorted((ROOT / "shapes").iterdir()):
            if path.suffix in (".ttl", ".md"):
                shutil.copyfile(path, out / "shapes" / path.name)
        layer_files = {}
        for layer in ("seed", "regions", "public"):
            (out / "data" / layer).mkdir(parents=True)
            layer_files[layer] = out / "data" / layer / "generated.ttl"
        nquads, manifest_path = out / "dataset.nq", out / "manifest.json"
        files = {"nquads": "dataset.nq", "data_dir": ".", "ontology": "ontology/",
                 "shapes": "shapes/", **{layer: f"data/{layer}/generated.ttl" for layer in layer_files}}
    sink = Sink(nquads, layer_files)
    try:
        sink.raw_quads("ontology", _ontology_lines())
        gen = Generator(triples, seed, sink)
        gen.run()
    finally:
        sink.close()
    if layer_files is not None:
        files["fingerprints"] = write_fingerprints(gen, seed, out)
    manifest = manifest_of(gen, seed, triples, files)
    manifest_path.write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def write_fingerprints(gen: Generator, seed: int, out: Path) -> str:
    """Fingerprint the made-up articles of the seed layer, so that their quotes verify as the real
    articles' do (``data/fingerprints/quotes.json`` of the data directory, alliance_kg.rules.quotes):
    each article's text is its quotes, one after the other. The salt follows the seed."""
    from alliance_kg.rules import quotes

    documents = {}
    for name, file_name, said in gen.articles.values():
        text = "\n".join(said)
        documents[name] = {"file": file_name, "sha256": hashlib.sha256(text.encode()).hexdigest(), "text": text}
    salt = hashlib.sha256(f"alliance-kg generated data, seed {seed}".encode()).hexdigest()[:32]
    path = out / "data" / "fingerprints" / "quotes.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(quotes.render(quotes.fingerprint_file(documents, salt)), encoding="utf-8")
    return "data/fingerprints/quotes.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, required=True, help="total triples, ontology included (at least %d)" % MIN_TRIPLES)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="a directory (data dir + dataset.nq), or FILE.nq")
    parser.add_argument("--validate", action="store_true",
                        help="then load the data directory into alliance-kg and run the full SHACL validation")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        manifest = generate(args.triples, args.seed, args.out)
    except ValueError as exc:
        parser.error(str(exc))
    took = time.perf_counter() - start
    nq = args.out if args.out.suffix == ".nq" else args.out / "dataset.nq"
    print(f"generated {manifest.triples:,} triples ({', '.join(f'{k} {v:,}' for k, v in manifest.graphs.items())}) "
          f"in {took:.1f} s: {manifest.counts['alliances']} alliances, {manifest.counts['assignments']} assignments, "
          f"{manifest.counts['models']} models (derivation depth up to {manifest.counts['max_derivation_depth']}); "
          f"{nq} is {nq.stat().st_size / 1e6:.1f} MB", file=sys.stderr)
    if args.validate:
        if args.out.suffix == ".nq":
            parser.error("--validate needs a directory --out")
        from alliance_kg.config import Config
        from alliance_kg.rules.validation import validate
        from alliance_kg.store import open_graph

        config = Config.from_env({}, data_dir=args.out)
        start = time.perf_counter()
        kg = open_graph(config)
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        report = validate(kg, config.shapes_dir)
        checked = time.perf_counter() - start
        print(f"alliance-kg: loaded {len(kg):,} triples in {loaded:.1f} s; full validation {checked:.1f} s: "
              + ("conforms" if report.conforms else f"does NOT conform ({len(report.results)} results)"), file=sys.stderr)
        if not report.conforms:
            print(report.to_text()[:4000], file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
