"""hggt-train fit: checkpoints, logs, exact resume, data-parallel, divergence guard."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from enhance.archs.rrdbnet import RRDBNet, rrdbnet_config
from hggt_desktop.pack.writer import write_pack
from tests.train.conftest import TINY
from train import loop
from train.checkpoint import load_generator_state, read_weights_config
from train.cli import main
from train.config import make_config
from train.loop import fit

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "resources" / "demo"


@pytest.mark.slow
def test_fit_on_demo_data_writes_checkpoints_logs_and_previews(tiny_dataset: Path, tmp_path: Path) -> None:
    source = DEMO if (DEMO / "images" / "original").is_dir() else tiny_dataset
    pack = write_pack(source, tmp_path / "demo.h5", subset="posneg").path
    out = tmp_path / "run"
    code = main(
        [
            "fit",
            "--pack",
            str(pack),
            "--out",
            str(out),
            *TINY,
            "batch_size=2",
            "total_iter=4",
            "save_every=2",
            "preview_every=2",
        ]
    )
    assert code == 0
    assert sorted(p.name for p in (out / "models").iterdir()) == [
        "net_g_00000002.safetensors",
        "net_g_00000004.safetensors",
    ]
    assert list((out / "tb").glob("events.out.tfevents.*"))
    assert sorted(p.name for p in (out / "previews").iterdir()) == ["iter_00000002.png", "iter_00000004.png"]
    # Weights: BasicSR names under params / params_ema, config inside; the state loads without pickle.
    weights = out / "models" / "net_g_00000004.safetensors"
    state = load_generator_state(weights)
    model = RRDBNet(**rrdbnet_config(state))
    model.load_state_dict(state)
    assert read_weights_config(weights).num_feat == 8
    training_state = torch.load(out / "state" / "state_00000004.pt", weights_only=True)
    assert training_state["iteration"] == 4 and "opt_g" in training_state and "pool" in training_state


@pytest.mark.slow
def test_fit_with_the_perceptual_loss_from_a_local_vgg19(tiny_pack: Path, tmp_path: Path) -> None:
    from safetensors.torch import save_file

    from train.vgg import VGG19Features

    weights = tmp_path / "vgg19.safetensors"
    save_file({k: v.half() for k, v in VGG19Features().state_dict().items()}, weights)
    out = tmp_path / "run"
    overrides = [*TINY, "perceptual_weight=1", f"vgg_weights={weights}", "total_iter=1", "save_every=1"]
    assert main(["fit", "--pack", str(tiny_pack), "--out", str(out), *overrides]) == 0
    assert (out / "models" / "net_g_00000001.safetensors").is_file()
    missing = [
        "fit",
        "--pack",
        str(tiny_pack),
        "--out",
        str(out),
        *TINY,
        "perceptual_weight=1",
        "vgg_weights=none.pth",
    ]
    assert main(missing) == 2


def _run(pack: Path, out: Path, total: int, workers: int, resume: bool = False) -> None:
    overrides = [*TINY, f"total_iter={total}", "save_every=10", f"num_workers={workers}", "preview_every=100"]
    fit(make_config("posneg", None, overrides), pack, out, resume=resume)


def _same_weights(a: Path, b: Path) -> bool:
    wa, wb = load_file(a), load_file(b)
    return wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)


@pytest.mark.slow
def test_resume_continues_exactly(tiny_pack: Path, tmp_path: Path) -> None:
    _run(tiny_pack, tmp_path / "whole", 20, workers=0)
    _run(tiny_pack, tmp_path / "split", 10, workers=0)
    _run(tiny_pack, tmp_path / "split", 20, workers=0, resume=True)
    whole, split = tmp_path / "whole", tmp_path / "split"
    assert _same_weights(
        whole / "models/net_g_00000020.safetensors", split / "models/net_g_00000020.safetensors"
    )
    a = torch.load(whole / "state/state_00000020.pt", weights_only=True)
    b = torch.load(split / "state/state_00000020.pt", weights_only=True)
    assert all(torch.equal(a["net_d"][k], b["net_d"][k]) for k in a["net_d"])
    assert all(torch.equal(a["pool"]["items"][k], b["pool"]["items"][k]) for k in a["pool"]["items"])
    # Samples do not depend on the data workers: 10 + 10 iterations with 2 workers give the same.
    _run(tiny_pack, tmp_path / "workers", 10, workers=2)
    _run(tiny_pack, tmp_path / "workers", 20, workers=2, resume=True)
    assert _same_weights(
        whole / "models/net_g_00000020.safetensors", tmp_path / "workers/models/net_g_00000020.safetensors"
    )


@pytest.mark.slow
def test_divergence_stops_and_names_the_last_good_checkpoint(
    tiny_pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "run"
    args = ["fit", "--pack", str(tiny_pack), "--out", str(out), *TINY]
    assert main([*args, "total_iter=2", "save_every=2"]) == 0
    closed = _record_closes(monkeypatch)
    assert main([*args, "total_iter=4", "save_every=2", "max_loss=1e-9", "--resume"]) == 1
    message = capsys.readouterr().err
    assert "diverged at iteration 3" in message and "state_00000002.pt" in message
    assert sorted(p.name for p in (out / "models").iterdir()) == ["net_g_00000002.safetensors"]
    # Regression: the pack and the TensorBoard writer were left open when training diverged.
    assert sorted(closed) == ["Logbook", "PackReader"]


def _record_closes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the classes whose ``close`` the training loop calls from now on."""
    closed: list[str] = []
    for cls in (loop.PackReader, loop.Logbook):
        original = cls.close

        def close(self, original=original, name=cls.__name__) -> None:
            closed.append(name)
            original(self)

        monkeypatch.setattr(cls, "close", close)
    return closed


@pytest.mark.slow
def test_two_process_gloo_run_trains_and_saves(tiny_pack: Path, tmp_path: Path) -> None:
    out = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    command += [
        "-m",
        "train.cli",
        "fit",
        "--pack",
        str(tiny_pack),
        "--out",
        str(out),
        *TINY,
        "total_iter=4",
        "save_every=4",
        "device=cpu",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=240, env=env, cwd=REPO)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (out / "models" / "net_g_00000004.safetensors").is_file()
    main_state = torch.load(out / "state" / "state_00000004.pt", weights_only=True)
    rank1 = torch.load(out / "state" / "state_00000004.rank1.pt", weights_only=True)
    assert main_state["world"] == 2 and rank1["pool"]["filled"] == 4
