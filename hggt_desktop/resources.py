"""Finding the bundled ``resources/`` folder, from a checkout and from a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The ``resources/`` folder: beside the executable's data when frozen, else at the repo root."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """A path inside ``resources/`` (it may not exist; callers report that with the path)."""
    return resources_dir().joinpath(*parts)
