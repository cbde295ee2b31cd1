"""``hggt-train`` on bad input: exit 2 (130 for Ctrl-C), a message naming the file, no checkpoint lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from hggt_desktop.pack.writer import write_pack
from tests.datagen import make_dataset
from train.cli import main

TINY = ["num_feat=8", "num_block=1", "num_grow_ch=4", "d_num_feat=8", "gt_size=32", "batch_size=2"]
TINY += ["pool_size=4", "num_workers=0", "perceptual_weight=0", "total_iter=1"]


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("train-bad")
    make_dataset(root, n_sets=4, size=48)
    return root


@pytest.fixture(scope="module")
def pack(dataset: Path) -> Path:
    out = dataset / "ori.h5"
    write_pack(dataset, out, subset="ori")
    return out


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "weights.pth"
    path.write_text("<html>404 Not Found</html>\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("batch_sise = 4\n", "unknown setting 'batch_sise'"),
        ('batch_size = "abc"\n', "batch_size: expected int"),
        ('kernel_sizes = "x,y"\n', "kernel_sizes: expected a list of int"),
        ("batch_size = [\n", "cannot read the config"),
    ],
)
def test_fit_names_the_config_file_and_the_key(capsys, pack, tmp_path, toml, expected):
    config = tmp_path / "cfg.toml"
    config.write_text(toml, encoding="utf-8")
    code, _, err = run(capsys, "fit", "--config", config, "--pack", pack, "--out", tmp_path / "run")
    assert code == 2 and str(config) in err and expected in err


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("batch_size=abc", "batch_size: expected int, got 'abc'"),
        ("kernel_sizes=a,b", "kernel_sizes: expected a list of int"),
        ("betas=[0.9,", "betas: expected a list of float"),
        ("device=tpu", "device must be cpu, cuda"),
        ("batch_size=0", "batch_size must be at least 1"),
        ("pool_size=5", "pool_size 5 must be a multiple of batch_size 2"),
    ],
)
def test_fit_rejects_a_bad_override(capsys, pack, tmp_path, override, expected):
    code, _, err = run(capsys, "fit", "--pack", pack, "--out", tmp_path / "run", *TINY, override)
    assert code == 2 and expected in err


def test_fit_rejects_a_weight_file_that_is_text(capsys, pack, tmp_path, text_file):
    for setting in ("vgg_weights", "pretrain_g"):
        extra = (
            [f"{setting}={text_file}", "perceptual_weight=1"]
            if setting == "vgg_weights"
            else [f"{setting}={text_file}"]
        )
        code, _, err = run(capsys, "fit", "--pack", pack, "--out", tmp_path / "run", *TINY, *extra)
        assert code == 2 and str(text_file) in err and "not a PyTorch" in err


def test_fit_never_overwrites_another_runs_checkpoints(capsys, pack, tmp_path):
    weights = tmp_path / "run" / "models" / "net_g_00000005.safetensors"
    weights.parent.mkdir(parents=True)
    weights.write_bytes(b"precious")
    code, _, err = run(capsys, "fit", "--pack", pack, "--out", tmp_path / "run", *TINY)
    assert code == 2 and "already holds a training run" in err and "--resume" in err
    assert weights.read_bytes() == b"precious" and sorted(weights.parent.iterdir()) == [weights]


@pytest.mark.parametrize("where", ["file", "unwritable"])
def test_fit_refuses_an_unusable_out(capsys, pack, text_file, where):
    out = text_file if where == "file" else Path("/proc/hggt-qa-run")
    code, _, err = run(capsys, "fit", "--pack", pack, "--out", out, *TINY)
    assert code == 2 and str(out) in err
    assert text_file.read_text(encoding="utf-8").startswith("<html>")


def test_fit_ctrl_c_says_interrupted(capsys, pack, tmp_path, monkeypatch):
    import train.loop

    def interrupted(*args, **kwargs):  # the loop saves states atomically; the CLI must not trace back
        raise KeyboardInterrupt

    monkeypatch.setattr(train.loop, "fit", interrupted)
    code, _, err = run(capsys, "fit", "--pack", pack, "--out", tmp_path / "run", *TINY)
    assert code == 130 and "interrupted" in err


def test_eval_and_export_reject_a_checkpoint_that_is_text(capsys, pack, tmp_path, text_file):
    code, _, err = run(capsys, "export", text_file, tmp_path / "x.onnx")
    assert code == 2 and str(text_file) in err and "not a PyTorch" in err
    assert not (tmp_path / "x.onnx").exists()
    code, _, err = run(capsys, "eval", "--pack", pack, "--checkpoint", text_file, "--split", "all")
    assert code == 2 and str(text_file) in err
    code, _, err = run(capsys, "eval", "--pack", pack, "--checkpoint", text_file, "--split", "all",
                       "--device", "tpu")  # fmt: skip
    assert code == 2 and "--device tpu" in err


@pytest.fixture
def sr_dir(dataset: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "sr"
    folder.mkdir()
    for original in sorted((dataset / "images" / "original").glob("*.png")):
        (folder / f"{original.stem}_sr.png").write_bytes(original.read_bytes())
    return folder


def test_eval_folder_bad_inputs(capsys, dataset, sr_dir, tmp_path):
    code, _, err = run(capsys, "eval", "--dataset", tmp_path / "nope", "--sr", sr_dir)
    assert code == 2 and "nope" in err and "does not exist" in err
    misnamed = tmp_path / "misnamed"
    misnamed.mkdir()
    (misnamed / "photo.png").write_bytes(next(sr_dir.iterdir()).read_bytes())
    code, _, err = run(capsys, "eval", "--dataset", dataset, "--sr", misnamed)
    assert code == 2 and str(misnamed) in err and "<stem>_<suffix>.png" in err
    code, _, err = run(capsys, "eval", "--dataset", dataset, "--sr", sr_dir, "--crop-border", "100")
    assert code == 2 and "--crop-border" in err
    code, _, err = run(capsys, "eval", "--dataset", dataset, "--sr", sr_dir, "--csv", tmp_path)
    assert code == 2 and "--csv" in err and "is a folder" in err
    code, _, err = run(capsys, "eval", "--dataset", dataset, "--sr", sr_dir, "--csv", "/proc/x.csv")
    assert code == 2 and "/proc/x.csv" in err


@pytest.fixture
def weights(tmp_path: Path) -> Path:
    from enhance.archs.rrdbnet import RRDBNet
    from train.checkpoint import save_weights
    from train.config import Config

    state = RRDBNet(num_feat=8, num_block=1, num_grow_ch=4).state_dict()
    path = tmp_path / "net_g_00000001.safetensors"
    save_weights(path, state, state, Config(), 1)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("where", ["folder", "under-file", "unwritable"])
def test_export_refuses_an_unwritable_out(capsys, weights, text_file, tmp_path, where):
    out = {"folder": tmp_path, "under-file": text_file / "m.onnx", "unwritable": Path("/proc/m.onnx")}[where]
    code, _, err = run(capsys, "export", weights, out)
    assert code == 2 and str(out) in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [weights.name, text_file.name]  # no temp copy


@pytest.mark.slow
def test_export_with_an_unsupported_opset(capsys, weights, tmp_path):
    code, _, err = run(capsys, "export", weights, tmp_path / "m.onnx", "--opset", "3")
    assert code == 2 and "--opset 3" in err and not (tmp_path / "m.onnx").exists()


@pytest.mark.slow
def test_fit_resume_from_a_damaged_state_says_what_to_do(capsys, pack, tmp_path):
    state = tmp_path / "run" / "state" / "state_00000005.pt"
    state.parent.mkdir(parents=True)
    state.write_text("junk")
    code, _, err = run(capsys, "fit", "--pack", pack, "--out", tmp_path / "run", "--resume", *TINY)
    assert code == 2 and str(state) in err and "move it away" in err


def test_eval_names_sr_files_it_left_out(capsys, dataset, sr_dir):
    (sr_dir / "photo_final.png").write_bytes(next(sr_dir.iterdir()).read_bytes())
    code, _, err = run(capsys, "eval", "--dataset", dataset, "--sr", sr_dir)
    assert code == 0 and "1 file(s)" in err and "photo_final.png" in err


def test_eval_says_when_unreadable_labels_were_left_out(capsys, tmp_path):
    root = tmp_path / "ds"
    make_dataset(root, n_sets=2, size=48)
    broken = root / "labels" / "A" / "0000-0-0.json"
    broken.write_text("{broken", encoding="utf-8")
    sr = tmp_path / "sr"
    sr.mkdir()
    (sr / "0000-0-0_sr.png").write_bytes((root / "images" / "original" / "0000-0-0.png").read_bytes())
    code, _, err = run(capsys, "eval", "--dataset", root, "--sr", sr)
    assert code == 0 and str(broken) in err and "hggt-data check" in err
