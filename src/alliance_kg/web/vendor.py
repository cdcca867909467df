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

#: Where ``npm ci`` puts the YASGUI build (the query page's editor; :mod:`.ui`), served at
#: ``/vendor/yasgui/<file>``: these files of it (the source map only for developer tools).
YASGUI_BUILD = NODE_MODULES / "@zazuko" / "yasgui" / "build"
YASGUI_FILES = ("yasgui.min.js", "yasgui.min.css", "yasgui.min.js.map")
#: The other files served, by the name in ``/vendor/<name>``: their path under ``node_modules``.
FILES = {
    "d3.min.js": "d3/dist/d3.min.js",
    "topojson-client.min.js": "topojson-client/dist/topojson-client.min.js",
    "countries-110m.json": "world-atlas/countries-110m.json",
    "dagre.min.js": "@dagrejs/dagre/dist/dagre.min.js",
}


def path_of(name: str) -> Path | None:
    """The file ``/vendor/<name>`` serves, or ``None`` if it serves none by that name."""
    if name.startswith("yasgui/"):
        file = name.removeprefix("yasgui/")
        return YASGUI_BUILD / file if file in YASGUI_FILES else None
    return NODE_MODULES / FILES[name] if name in FILES else None


def installed(name: str) -> bool:
    """Whether ``/vendor/<name>`` can be served here."""
    path = path_of(name)
    return path is not None and path.is_file()


@blueprint.get("/vendor/<path:name>")
def vendor_file(name: str):
    """One library file from ``node_modules`` (only those of :data:`FILES` and YASGUI's build)."""
    params()
    path = path_of(name)
    if path is None:
        known = [f"yasgui/{f}" for f in YASGUI_FILES] + list(FILES)
        raise NotFound(f"no library file {name!r} is served here", hint=f"known: {', '.join(known)}")
    if not path.is_file():
        raise NotFound(f"{name} is not installed on this server", hint=INSTALL_HINT)
    return send_file(path, max_age=3600)
