"""Lineage diagrams: ``/lineage/<key>``, and the diagram on model and platform pages.

The page is the answer of ``/api/lineage/<key>`` drawn: a table of every link with its sources,
in the HTML (no script needed), and an ``<svg>`` that ``static/views/lineage.js`` fills with the
tree laid out by dagre from the same JSON. The resource pages (``/doc/<id>``) include the same
figure (``templates/_lineage_figure.html``) for a model or a platform.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, redirect, render_template, url_for

from ..knowledge import lineage as lineage_domain
from ..knowledge.describe import link_target
from ..store import BASE
from . import parameters
from .context import graph
from .parameters import params

blueprint = Blueprint("diagrams", __name__)
_IDS = BASE + "id/"


@blueprint.app_template_filter("doc_page")
def doc_page(iri: str) -> str | None:
    """The href of the page about ``iri``: ``/doc/<id>`` for a thing of the dataset (no 303 on the
    way, as from ``/id/``), the IRI itself for an http(s) IRI elsewhere, ``None`` (text) otherwise."""
    if iri.startswith(_IDS) and len(iri) > len(_IDS):
        return url_for("pages.document", key=iri[len(_IDS) :])
    return link_target(iri)


@blueprint.get("/lineage/<path:key>")
def lineage_page(key: str):
    """The lineage diagram of the model or platform ``key`` (an id, IRI or label, as the API takes).

    A name other than the id answers 303 to the page at the id (as ``/doc/<name>`` does: where a
    name leads may change, the id stays); an unknown name is the API's 404 with the closest names.
    """
    given = params("layer")["layer"]
    layer = parameters.layer(given)
    found = lineage_domain.lineage(graph(), key, layer=layer)
    if key != found.item.id:
        target = url_for("diagrams.lineage_page", key=found.item.id)
        return redirect(f"{target}?{urlencode({'layer': given})}" if given else target, code=303)
    return render_template("lineage.html", lineage=found, layer=layer)
