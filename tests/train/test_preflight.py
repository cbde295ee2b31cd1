"""'hggt-train fit' checks the whole run before PyTorch is imported and lists every problem at once.

Regression (issue 14): on the demo pack fit failed one problem per run, each after 12-28 s of
start-up ("6 training sets, fewer than batch_size 12", then "vgg_weights is not set").
"""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from train.cli import main
from train.config import Config

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "demo"


@pytest.fixture(scope="module")
def demo_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hggt_desktop.pack.writer import write_pack

    out = tmp_path_factory.mktemp("pack") / "demo.h5"
    write_pack(DEMO, out, subset="posneg", val_fraction=0.25)
    return out


def _fit_in_a_fresh_process(*args: str) -> tuple[int, str, bool]:
    """(exit code, stderr, whether torch was imported) of 'hggt-train fit ARGS'."""
    code = (
        "import json, sys\n"
        "from train.cli import main\n"
        f"code = main(['fit', *{list(args)!r}])\n"
        "print(json.dumps([code, 'torch' in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300, check=False
    )
    exit_code, imported = json.loads(done.stdout.strip().splitlines()[-1])
    return exit_code, done.stderr, imported


def test_every_problem_is_listed_at_once_before_torch_is_imported(demo_pack, tmp_path):
    out = tmp_path / "run"
    code, err, torch_imported = _fit_in_a_fresh_process(
        "--pack", str(demo_pack), "--out", str(out), "nosuch=1", "gt_size=100", "pretrain_g=gone.pth"
    )
    assert code == 2 and not torch_imported
    assert "5 problem(s), nothing was trained" in err
    for expected in (
        "unknown setting 'nosuch'",
        "gt_size must be a multiple of 32",
        "6 training sets, fewer than batch_size 12",
        "vgg_weights is not set",
        "pretrain_g=gone.pth: no such file",
    ):
        assert expected in err
    assert "Traceback" not in err and not out.exists()  # nothing was made for a run that did not start


def test_a_missing_pack_is_named_with_what_to_do(tmp_path, capsys):
    assert (
        main(["fit", "--preset", "tiny", "--pack", str(tmp_path / "no.h5"), "--out", str(tmp_path / "r")])
        == 2
    )
    err = capsys.readouterr().err
    assert f"--pack {tmp_path / 'no.h5'}: does not exist" in err and "hggt-data pack" in err


def test_help_lists_the_presets_and_every_setting_with_its_default(capsys):
    with pytest.raises(SystemExit):
        main(["fit", "--help"])
    text = capsys.readouterr().out
    for preset in ("ori", "pos", "posneg", "tiny"):
        assert f"\n  {preset} " in text
    assert "hggt-train fit --list-settings" in text
    assert main(["fit", "--list-settings"]) == 0
    listed = capsys.readouterr().out
    for field in dataclasses.fields(Config):
        assert f"\n{field.name} = {json.dumps(getattr(Config(), field.name))}" in listed
    assert "perceptual_weight = 1.0  (tiny: 0.0)" in listed


@pytest.mark.slow
def test_the_tiny_preset_trains_on_the_demo_pack_without_downloaded_weights(demo_pack, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["fit", "--preset", "tiny", "--pack", str(demo_pack), "--out", str(out), "device=cpu"]) == 0
    assert (out / "models" / "net_g_00000020.safetensors").is_file()
