"""The four bundled enhancers (resources/models/) load as a user's models would and do what
resources/models/README.md says: 01 clean, 02 over-smoothed, 03 false texture, 04 halos.

Regression (issue 14): no model was shipped, so a newcomer could not run hggt-enhance at all.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

from enhance.checkpoints import build_model
from enhance.cli import main
from enhance.engines.base import EngineOptions
from enhance.engines.factory import open_engine
from enhance.model_scale import measure_scale
from hggt_desktop.core.images import read_image, write_image

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "resources" / "models"
sys.path.insert(0, str(ROOT / "scripts"))
import make_demo_models  # noqa: E402

FILES = {model_id: make_demo_models.model_file(MODELS, model_id) for model_id in make_demo_models.TARGETS}


def _run(path: Path, image: np.ndarray) -> np.ndarray:
    engine = open_engine(path, EngineOptions(provider="cpu", streams=1))
    try:
        batch = (image.astype(np.float32) / 255).transpose(2, 0, 1)[None]
        out = engine.infer(batch)[0].transpose(1, 2, 0)
    finally:
        engine.close()
    return np.clip(np.round(out * 255), 0, 255)


def _detail(image: np.ndarray) -> float:
    gray = image.astype(np.float64).mean(axis=2)
    lap = 4 * gray[1:-1, 1:-1] - gray[:-2, 1:-1] - gray[2:, 1:-1] - gray[1:-1, :-2] - gray[1:-1, 2:]
    return float(lap.std())


@pytest.fixture(scope="module")
def characters() -> dict[str, tuple[float, float, float]]:
    """Per model: fine-detail gain on a photo, overshoot next to a step edge, and 4-7 px away."""
    photo = read_image(ROOT / "resources" / "photos" / "chelsea.png")
    step = np.full((64, 96, 3), 64, np.uint8)
    step[:, 48:] = 192
    result = {}
    for model_id, path in FILES.items():
        enhanced, edge = _run(path, photo), _run(path, step)[32]
        near = edge[48:51].max() - 192
        far = max(edge[52:56].max() - 192, 64 - edge[40:44].min())
        result[model_id] = (_detail(enhanced) / _detail(photo), float(near), float(far))
    return result


def test_the_committed_files_are_the_four_formats_the_readme_names():
    assert sorted(p.name for p in MODELS.glob("0*")) == sorted(p.name for p in FILES.values())
    model, arch, config = build_model(FILES["01"])  # a BasicSR RCAN checkpoint in safetensors
    assert arch == "rcan" and config["num_feat"] == make_demo_models.NUM_FEAT
    assert all(FILES[i].suffix == ".onnx" for i in ("02", "03", "04"))
    assert sum(p.stat().st_size for p in FILES.values()) < 2_000_000  # a few hundred kB in all
    assert all(measure_scale(path) == 1 for path in FILES.values())


def test_each_model_has_its_documented_character(characters):
    gain = {model_id: values[0] for model_id, values in characters.items()}
    far = {model_id: values[2] for model_id, values in characters.items()}
    assert 1.1 < gain["01"] < 1.9 and far["01"] < 5  # clean: a little crisper, no halos
    assert gain["02"] < 0.75 and characters["02"][1] < 15  # over-smoothed: fine detail flattened
    assert gain["03"] > 1.3 * gain["01"] and far["03"] < 5  # false texture: busy, but no wide halos
    assert far["04"] > 8 and gain["04"] > gain["01"]  # halos: bright and dark bands beside edges


def test_hggt_enhance_runs_all_four_bundled_models(tmp_path):
    photo = read_image(ROOT / "resources" / "photos" / "coffee.png")[:96, :128]
    write_image(tmp_path / "in" / "coffee.png", photo)
    args = [
        str(tmp_path / "in"),
        str(tmp_path / "out"),
        "--provider",
        "cpu",
        "--tile",
        "64",
        "--overlap",
        "16",
    ]
    for model_id, path in FILES.items():
        args += ["--model", f"{model_id}={path}"]
    assert main(args) == 0
    for model_id in FILES:
        assert read_image(tmp_path / "out" / model_id / f"coffee_{model_id}.png").shape == photo.shape
