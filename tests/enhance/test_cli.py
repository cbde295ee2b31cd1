"""hggt-enhance end to end: exit codes, provider report, export, bad model files, Ctrl-C."""

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch

from enhance.cli import main
from hggt_desktop.core.images import read_image
from tests.enhance.models import Payload, make_folder, save_pth, tiny_rcan


@pytest.mark.slow
def test_cli_writes_layout_reports_provider_and_flags_corrupt_image(tmp_path, capsys):
    names = make_folder(tmp_path / "in", 3)
    (tmp_path / "in" / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    pth = save_pth(tiny_rcan(), tmp_path / "rcan.pth")
    assert main(["export", str(pth), str(tmp_path / "rcan.onnx")]) == 0
    args = [
        str(tmp_path / "in"),
        str(tmp_path / "out"),
        "--model",
        f"01={pth}",
        "--model",
        f"02={tmp_path / 'rcan.onnx'}",
        "--tile",
        "32",
        "--overlap",
        "8",
        "--provider",
        "cpu",
        "--streams",
        "3",
    ]
    assert main(args) == 1  # one image failed, the others are written
    err = capsys.readouterr().err
    assert "CPUExecutionProvider" in err and "corrupt.jpg" in err
    assert err.count("3 streams") == 2  # both engines run three calls at once on the CPU
    for name in names:
        stem = name[:-4]
        assert (
            read_image(tmp_path / "out" / "original" / name).shape
            == (read_image(tmp_path / "in" / name)).shape
        )
        one = read_image(tmp_path / "out" / "01" / f"{stem}_01.png")
        two = read_image(tmp_path / "out" / "02" / f"{stem}_02.png")
        assert np.abs(one.astype(int) - two.astype(int)).max() <= 1  # ONNX Runtime == PyTorch

    (tmp_path / "in" / "corrupt.jpg").unlink()
    assert main([*args, "--progress-json"]) == 0  # the rest was done: nothing left, all good
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert events[0] == {"event": "start", "total": 9, "done": 9}
    assert events[-1]["event"] == "done" and events[-1]["written"] == 0


def test_unsafe_checkpoint_is_refused_with_a_clear_message(tmp_path, capsys):
    make_folder(tmp_path / "in", 1)
    path = tmp_path / "evil.pth"
    torch.save({"params": tiny_rcan().state_dict(), "extra": Payload()}, path)
    assert main([str(tmp_path / "in"), str(tmp_path / "out"), "--model", f"01={path}"]) == 2
    err = capsys.readouterr().err
    assert "evil.pth" in err and "cannot be loaded safely" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "extra",
    [
        ["--shard", "3/2"],
        ["--tile", "16", "--overlap", "8"],
        ["--model", "01=x.pth"],
        ["--devices", "a"],
        ["--streams", "-1"],
    ],
)
def test_usage_errors_exit_2(tmp_path, extra, capsys):
    make_folder(tmp_path / "in", 1)
    pth = save_pth(tiny_rcan(), tmp_path / "rcan.pth")
    assert main([str(tmp_path / "in"), str(tmp_path / "out"), "--model", f"01={pth}", *extra]) == 2
    assert "error:" in capsys.readouterr().err


def test_shards_split_the_folder_without_overlap(tmp_path):
    from enhance.cli import list_images

    make_folder(tmp_path / "in", 5)
    first, _ = list_images(tmp_path / "in", (1, 2))
    second, _ = list_images(tmp_path / "in", (2, 2))
    assert sorted(first + second) == sorted(p.name for p in (tmp_path / "in").iterdir())
    assert not set(first) & set(second)


@pytest.mark.slow
def test_sigint_stops_cleanly_and_rerun_completes(tmp_path):
    names = make_folder(tmp_path / "in", 12, size=(120, 120))
    pth = save_pth(tiny_rcan(), tmp_path / "rcan.pth")
    cmd = [
        sys.executable,
        "-m",
        "enhance.cli",
        str(tmp_path / "in"),
        str(tmp_path / "out"),
        "--model",
        f"01={pth}",
        "--tile",
        "32",
        "--overlap",
        "8",
        "--provider",
        "cpu",
        "--progress-json",
    ]
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    # Three more models after 01: the signal comes after 1 of 48 images, so finishing before
    # it lands is impossible and 130 is the only right answer. The rerun needs only model 01.
    more = [arg for k in ("02", "03", "04") for arg in ("--model", f"{k}={pth}")]
    proc = subprocess.Popen([*cmd, *more], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    for line in proc.stdout:
        event = json.loads(line)
        if event["event"] == "image" and event["model"] == "01":
            proc.send_signal(signal.SIGINT)
            break
    out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err
    assert proc.returncode == 130, err
    assert json.loads(out.splitlines()[-1])["interrupted"] is True
    assert not (tmp_path / "out" / "04").is_dir() or len(list((tmp_path / "out" / "04").iterdir())) < 12
    rerun = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    for name in names:
        assert read_image(tmp_path / "out" / "01" / f"{name[:-4]}_01.png").shape == (
            120 + int(name[3:5]),
            120,
            3,
        )


def test_export_refuses_to_overwrite_the_checkpoint(tmp_path, capsys):
    pth = save_pth(tiny_rcan(), tmp_path / "rcan.pth")
    kept = pth.read_bytes()
    assert main(["export", str(pth), str(pth)]) == 2
    err = capsys.readouterr().err
    assert "rcan.pth" in err and "not an ONNX model" in err and "Traceback" not in err
    assert pth.read_bytes() == kept
