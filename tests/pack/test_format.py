"""The pack format module: importable without HDF5, with the core's label ranks."""

import json
import subprocess
import sys

from hggt_desktop.core.labels import Label
from hggt_desktop.pack import format as pack_format


def test_the_format_loads_without_h5py() -> None:
    code = "import json, sys\nimport hggt_desktop.pack.format\nprint(json.dumps('h5py' in sys.modules))\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) is False


def test_stored_ranks_are_the_core_label_ranks() -> None:
    assert (pack_format.NEGATIVE, pack_format.SIMILAR, pack_format.POSITIVE) == (0, 1, 2)
    assert [Label.NEGATIVE.rank, Label.SIMILAR.rank, Label.POSITIVE.rank] == [0, 1, 2]
    assert pack_format.UNLABELLED not in {label.rank for label in Label}
