"""Build the regions layer (data/regions/countries.ttl) from the domain analysis' region table.

Reads ``region_countries.csv`` (one row per ISO 3166-1 alpha-2 code, with its canonical reference
regions and judgement notes) and writes every country or area, its UN M49 sub-region and its
memberships in the reference regions, each with its basis. Country names and the alpha-3 and
numeric codes come from pycountry, not from hand-typed lists.

Usage: python scripts/build_regions.py [CSV] [OUT]
(defaults: ../shared/domain/region_countries.csv and data/regions/countries.ttl)
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import pycountry
from rdflib import XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

AKG = Namespace("https://w3id.org/alliance-kg/ontology#")
AKR = Namespace("https://w3id.org/alliance-kg/id/")
SCHEMA = Namespace("https://schema.org/")

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CSV = ROOT.parent / "shared" / "domain" / "region_countries.csv"
DEFAULT_OUT = ROOT / "data" / "regions" / "countries.ttl"

# Regions whose countries are given by the country itself rather than by an M49 area.
COUNTRY_REGIONS = {"Russia": "RU", "China": "CN", "Japan": "JP"}
# ASEAN accession years of the ten members on 2020-05-27 (domain analysis, beyond_seeds B-24).
ASEAN_SINCE = {"ID": "1967", "MY": "1967", "PH": "1967", "SG": "1967", "TH": "1967",
               "BN": "1984", "VN": "1995", "LA": "1997", "MM": "1997", "KH": "1999"}
# Judgement calls that region_countries.md applies to a country without a CSV note.
EXTRA_JUDGEMENTS = {"RU": ["J11"]}


def build(csv_path: Path) -> Graph:
    g = Graph()
    g.bind("akg", AKG)
    g.bind("akr", AKR)
    g.bind("schema", SCHEMA)
    g.bind("skos", SKOS)
    with open(csv_path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        code = row["alpha2"]
        country = AKR[f"country-{code}"]
        iso = pycountry.countries.get(alpha_2=code)
        if iso is None:
            raise SystemExit(f"{csv_path}: {code} is not an ISO 3166-1 alpha-2 code known to pycountry")
        g.add((country, RDF.type, AKG.Country))
        g.add((country, RDF.type, SCHEMA.Country))
        name = getattr(iso, "common_name", None) or iso.name
        g.add((country, RDFS.label, Literal(name, lang="en")))
        g.add((country, SKOS.prefLabel, Literal(name, lang="en")))
        # A single-country reference region's name is also a name of the country ("Russia").
        region_names = {r for r, c in COUNTRY_REGIONS.items() if c == code}
        for alt in {iso.name, getattr(iso, "official_name", None), row["name"], *region_names} - {name, None}:
            g.add((country, SKOS.altLabel, Literal(alt, lang="en")))
        g.add((country, AKG.iso3166Alpha2, Literal(code)))
        g.add((country, AKG.iso3166Alpha3, Literal(iso.alpha_3)))
        g.add((country, AKG.iso3166Numeric, Literal(iso.numeric)))
        g.add((country, AKG.countryKind, Literal(row["kind"])))
        area = re.match(r"(\d{3}) (.+)", row["m49_subregion"])
        if area:
            m49 = AKR[f"m49-{area.group(1)}"]
            g.add((country, AKG.m49Area, m49))
            g.add((m49, RDF.type, AKG.M49Area))
            g.add((m49, AKG.m49Code, Literal(area.group(1))))
            g.add((m49, RDFS.label, Literal(f"UN M49 {area.group(1)} {area.group(2)}", lang="en")))
            g.add((m49, SKOS.prefLabel, Literal(area.group(2), lang="en")))
        judgements = re.findall(r"\bJ(\d+)\b", row["judgement_note"])
        for j in dict.fromkeys(judgements + [j[1:] for j in EXTRA_JUDGEMENTS.get(code, [])]):
            g.add((country, AKG.judgement, AKR[f"judgement-J{j}"]))
        if row["judgement_note"]:
            g.add((country, AKG.note, Literal(row["judgement_note"], lang="en")))
        for region_label in filter(None, row["canonical_regions"].split(";")):
            region_id = region_label.replace(" ", "")
            region = AKR[region_id]
            membership = AKR[f"membership-{region_id}-{code}"]
            g.add((membership, RDF.type, AKG.RegionMembership))
            label = Literal(f"{name} belongs to {region_id}", lang="en")
            g.add((membership, RDFS.label, label))
            g.add((membership, SKOS.prefLabel, label))
            g.add((membership, AKG.region, region))
            g.add((membership, AKG.country, country))
            g.add((region, AKG.hasMemberCountry, country))
            g.add((membership, AKG.membershipBasis, _basis(region_id, code, row, area)))
            if region_id == "ASEAN":
                g.add((membership, AKG.memberSince, Literal(ASEAN_SINCE[code], datatype=XSD.gYear)))
    return g


def _basis(region_id: str, code: str, row: dict, area) -> URIRef:
    if region_id in COUNTRY_REGIONS:
        return AKR["basis-CountryItself"]
    if region_id == "ASEAN":
        return AKR["basis-ASEAN-2020-05-27"]
    if region_id == "NorthAmerica" and code == "MX":
        return AKR["judgement-J1"]
    if area is None:
        raise SystemExit(f"{code}: region {region_id} needs a UN M49 sub-region as basis")
    return AKR[f"m49-{area.group(1)}"]


def main(argv: list[str]) -> int:
    csv_path = Path(argv[1]) if len(argv) > 1 else DEFAULT_CSV
    out = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    g = build(csv_path)
    header = (
        "# Regions layer: ISO 3166-1 countries and areas, their UN M49 sub-regions and their\n"
        "# memberships in the reference regions, each with its basis.\n"
        "# GENERATED by scripts/build_regions.py from the domain analysis' region_countries.csv\n"
        "# (names and codes from pycountry). Do not edit by hand: change the script or the table.\n"
    )
    out.write_text(header + g.serialize(format="turtle"), encoding="utf-8")
    print(f"wrote {out} ({len(g)} triples)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
