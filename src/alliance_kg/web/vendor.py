"""Browser libraries from the npm registry, served by this service (never from a CDN): ``npm ci``
installs them into ``node_modules`` of the checkout as ``package-lock.json`` pins them, and
``/vendor/<name>`` serves the few files the pages use. Nothing is bundled or copied into the
repository; a page whose library is missing (a wheel install without ``node_modules``) still
shows its table, which needs no script.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, send_file

from ..errors import NotFound
from .parameters import params

blueprint = Blueprint("vendor", __name__)

#: ``node_modules`` of the checkout the package is installed from (editable install).
NODE_MODULES = Path(__file__).resolve().parents[3] / "node_modules"
INSTALL_HINT = "run `make install` (or `npm ci` in the checkout) to install the pages' libraries"

#: The files served, by the name in ``/vendor/<name>``: their path under ``node_modules``.
FILES = {
    "d3.min.js": "d3/dist/d3.min.js",
    "topojson-client.min.js": "topojson-client/dist/topojson-client.min.js",
    "countries-110m.json": "world-atlas/countries-110m.json",
    "dagre.min.js": "@dagrejs/dagre/dist/dagre.min.js",
}


def installed(name: str) -> bool:
    """Whether ``/vendor/<name>`` can be served here."""
    return name in FILES and (NODE_MODULES / FILES[name]).is_file()


@blueprint.get("/vendor/<name>")
def vendor_file(name: str):
    """One library file from ``node_modules`` (only those of :data:`FILES`)."""
    params()
    if name not in FILES:
        raise NotFound(f"no library file {name!r} is served here", hint=f"known: {', '.join(FILES)}")
    if not installed(name):
        raise NotFound(f"{name} is not installed on this server", hint=INSTALL_HINT)
    return send_file(NODE_MODULES / FILES[name], max_age=3600)
