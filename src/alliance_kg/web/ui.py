"""The query page at ``/``: a SPARQL editor, results as a table, example queries, links.

The editor is YASGUI (``@zazuko/yasgui`` from the npm registry, installed by ``npm ci`` into
``node_modules`` of the checkout, never copied into the repository). Its build is served from
there at ``/vendor/yasgui/<file>`` (:mod:`.vendor`); the page's own script and style are the app's static files
(``web/static/ui/``). The example queries are the canned queries ``queries/example_*.rq``: the
first comment line is the title, the next comment lines the description.

The page works offline: every script, style and request is on this service, and its
Content-Security-Policy (:mod:`.headers`, as on every page) tells the browser to load nothing
from anywhere else. Without YASGUI (no ``node_modules``, e.g. a wheel install), or with
``?editor=plain``, the page falls back to a plain editor of its own (a text area and a results
table) and says how to install YASGUI.
The page runs its first example as it opens (``?example=<name>``: that example instead), shows
labels in full and literals without their language tags and datatypes unless asked (a box on the
page), and carries the site's navigation and search box (``_nav.html``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, render_template, request, url_for

from ..errors import BadRequest, NotFound
from ..store import PREFIXES
from ..store.queries import QUERY_DIR, load_query
from . import vendor
from .parameters import params

blueprint = Blueprint("ui", __name__, template_folder="templates")

#: The files of YASGUI's build the page needs (:data:`.vendor.YASGUI_BUILD` serves them).
YASGUI_FILES = ("yasgui.min.js", "yasgui.min.css")
INSTALL_HINT = "run `make install` (or `npm ci` in the checkout) to install YASGUI into node_modules"

#: The examples, in the order the page lists them; other ``example_*.rq`` files follow by name.
EXAMPLE_ORDER = ("leaders_by_region", "responsibility_for_a_country", "lineage_of_a_model")
#: Resource IRIs in this namespace link to the resource pages of this service, ``/id/<id>``.
RESOURCE_NAMESPACE = PREFIXES["akr"]
#: A few resource pages and JSON API answers to start from.
RESOURCE_LINKS = ("Europe", "Renault", "NissanLivina", "CMF-CD", "country-ID")
API_LINKS = (
    "/api/responsibility?country=DE",
    "/api/responsibility?region=Europe",
    "/api/scopes?kind=region",
    "/api/companies/Nissan",
    "/api/lineage/NissanLivina",
    "/api/models?platform=CMF-CD",
    "/api/validation",
    "/health",
)


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    description: str
    query: str


def yasgui_build() -> Path | None:
    """The directory of the YASGUI build, or ``None`` if ``npm ci`` has not installed it."""
    if all((vendor.YASGUI_BUILD / name).is_file() for name in YASGUI_FILES):
        return vendor.YASGUI_BUILD
    return None


@cache
def examples() -> tuple[Example, ...]:
    """The example queries (``queries/example_*.rq``), split into title, description and query."""
    names = sorted(p.stem.removeprefix("example_") for p in QUERY_DIR.glob("example_*.rq"))
    ordered = [n for n in EXAMPLE_ORDER if n in names] + [n for n in names if n not in EXAMPLE_ORDER]
    return tuple(_example(name, load_query(f"example_{name}")) for name in ordered)


def _example(name: str, text: str) -> Example:
    lines = text.splitlines()
    header = []
    while lines and lines[0].startswith("#"):
        header.append(lines.pop(0).lstrip("#").strip())
    title = header[0] if header else name.replace("_", " ").capitalize()
    return Example(name, title, " ".join(header[1:]), "\n".join(lines).strip() + "\n")


@blueprint.get("/")
def query_page():
    """The query page: the editor on the selected example (the first by default), which the page runs as it opens."""
    args = params("editor", "example")
    if args["editor"] not in (None, "yasgui", "plain"):
        raise BadRequest(f"unknown editor {args['editor']!r}", hint="editor=yasgui (the default) or editor=plain")
    known = examples()
    if args["example"] is not None and args["example"] not in {e.name for e in known}:
        raise NotFound(f"no example query named {args['example']!r}", hint=f"known: {', '.join(e.name for e in known)}")
    build = yasgui_build()
    editor = "plain" if args["editor"] == "plain" or build is None else "yasgui"
    root = request.script_root
    page = {
        "editor": editor,
        "sparql": url_for("sparql.sparql"),
        "validation": root + "/api/validation",
        "resourceNamespace": RESOURCE_NAMESPACE,
        "resourcePath": root + "/id/",
        "prefixes": PREFIXES,
        "examples": [asdict(e) for e in known],
        "selected": args["example"] or known[0].name,
    }
    html = render_template(
        "ui/query.html",
        page=page,
        examples=known,
        selected=page["selected"],
        editor=editor,
        yasgui_missing=build is None,
        install_hint=INSTALL_HINT,
        resource_links=[(f"{root}/id/{key}", f"akr:{key}") for key in RESOURCE_LINKS],
        api_links=[root + link for link in API_LINKS],
    )
    return Response(html, content_type="text/html; charset=utf-8")
