"""Golden outputs on the bundled demo data: a refactoring must leave them byte for byte.

The files in ``golden/`` were written by the code as it stood before the file-format owners
were introduced (issue 12); a difference here is a change users would see. To accept an
intended change, regenerate them with ``HGGT_WRITE_GOLDEN=1 pytest tests/cli/test_golden_demo.py``
and say why in the commit.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import h5py
import numpy as np
import pytest

from hggt_desktop.cli.data import main
from hggt_desktop.resources import resource_path

GOLDEN = Path(__file__).with_name("golden")
DEMO = resource_path("demo")
PACK_PLACEHOLDER = "PACK"
# Attributes that say when, where and by which build a pack was written: they differ every run.
VOLATILE_ATTRS = {"created", "source", "command", "app_version"}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def agreement_outputs(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    return {
        "agreement.json": _run(capsys, "agreement", str(DEMO), "--json"),
        "agreement_bootstrap.json": _run(
            capsys, "agreement", str(DEMO), "--json", "--bootstrap", "200", "--seed", "3"
        ),
        "agreement.txt": _run(capsys, "agreement", str(DEMO)),
    }


def labels_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> dict[str, str]:
    out = tmp_path / "labels.csv"
    _run(capsys, "export-labels", str(DEMO), "--out", str(out))
    return {"labels.csv": out.read_text(encoding="utf-8")}


def pack_outputs(capsys: pytest.CaptureFixture[str], tmp_path: Path, subset: str) -> dict[str, str]:
    pack = tmp_path / f"{subset}.h5"
    _run(capsys, "pack", str(DEMO), str(pack), "--subset", subset)
    outputs = {
        f"pack_check_{subset}.json": _run(capsys, "pack", "--check", str(pack), "--json"),
        f"pack_check_{subset}.txt": _run(capsys, "pack", "--check", str(pack)),
        f"pack_digest_{subset}.txt": pack_digest(pack),
    }
    return {name: text.replace(str(pack), PACK_PLACEHOLDER) for name, text in outputs.items()}


def pack_digest(path: Path) -> str:
    """One line per dataset and attribute of a pack: what the trainer reads, without the volatile attrs."""
    lines: list[str] = []
    with h5py.File(path, "r") as h5:
        for key in sorted(h5.attrs):
            if key not in VOLATILE_ATTRS:
                value = h5.attrs[key]
                shown = np.asarray(value).tolist() if isinstance(value, np.ndarray) else value
                lines.append(f"attr {key} = {shown!r}")
        for name in sorted(h5):
            data = h5[name]
            digest = hashlib.sha256()
            values = data[()]
            if data.dtype.kind == "O":
                for item in values.reshape(-1):
                    digest.update(np.asarray(item).tobytes() if not isinstance(item, bytes) else item)
            else:
                digest.update(np.ascontiguousarray(values).tobytes())
            lines.append(f"{name} {data.dtype} {data.shape} {digest.hexdigest()}")
    return "\n".join(lines) + "\n"


def assert_golden(outputs: dict[str, str]) -> None:
    for name, text in outputs.items():
        if os.environ.get("HGGT_WRITE_GOLDEN") == "1":
            (GOLDEN / name).write_text(text, encoding="utf-8")
        expected = (GOLDEN / name).read_text(encoding="utf-8")
        assert text == expected, f"{name} differs from tests/cli/golden/{name}"


def test_agreement_on_demo_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    assert_golden(agreement_outputs(capsys))


def test_export_labels_on_demo_is_unchanged(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert_golden(labels_output(capsys, tmp_path))


@pytest.mark.parametrize("subset", ["posneg", pytest.param("pos", marks=pytest.mark.slow), "ori"])
def test_pack_and_its_check_on_demo_are_unchanged(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, subset: str
) -> None:
    assert_golden(pack_outputs(capsys, tmp_path, subset))
