"""The annotation model runs without Qt (the import-linter contract, checked at run time)."""

import json
import pkgutil
import subprocess
import sys

import hggt_desktop.annotation

FORBIDDEN = ("PySide6", "torch", "onnxruntime", "h5py")


def test_importing_every_annotation_module_loads_no_gui_or_ml_framework() -> None:
    prefix = "hggt_desktop.annotation."
    modules = [m.name for m in pkgutil.iter_modules(hggt_desktop.annotation.__path__, prefix)]
    assert "hggt_desktop.annotation.model" in modules
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []
