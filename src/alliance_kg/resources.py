"""Where the shipped graph (ontology, data, shapes) lives: inside the wheel, or in the checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped_root() -> Path:
    """The directory holding ``ontology/``, ``data/`` and ``shapes/``.

    A wheel carries them in ``alliance_kg/shipped``; an editable install reads the checkout.
    """
    packaged = _PACKAGE / "shipped"
    if (packaged / "ontology").is_dir():
        return packaged
    return _PACKAGE.parent.parent
