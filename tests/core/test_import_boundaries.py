"""The Qt-free core stays free of GUI and ML frameworks (the import-linter contracts, at run time)."""

import json
import pkgutil
import subprocess
import sys

import pytest

import hggt_desktop.core

FORBIDDEN = ("PySide6", "torch", "onnxruntime", "h5py")


@pytest.mark.slow
def test_importing_every_core_module_loads_no_gui_or_ml_framework() -> None:
    modules = [m.name for m in pkgutil.iter_modules(hggt_desktop.core.__path__, "hggt_desktop.core.")]
    assert "hggt_desktop.core.labels" in modules
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []


@pytest.mark.slow
def test_data_cli_does_not_load_torch_or_qt() -> None:
    code = (
        "import json, sys\n"
        "from hggt_desktop.cli import data\n"
        "try:\n    data.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'torch', 'onnxruntime'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
