"""Checkpoints: BasicSR files load with the right architecture; unsafe or unknown files are refused."""

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from enhance.archs.rcan import RCAN
from enhance.checkpoints import CheckpointError, build_model
from tests.enhance.models import Payload, save_pth, tiny_elan, tiny_rcan


def _same_output(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    x = torch.rand(1, 3, 32, 32)
    with torch.inference_mode():
        return bool(torch.allclose(a(x), b(x), atol=1e-6))


def test_rcan_checkpoint_sizes_are_read_from_the_weights(tmp_path):
    torch.manual_seed(1)
    original = RCAN(num_feat=16, num_group=2, num_block=3, squeeze_factor=4).eval()
    model, arch, config = build_model(save_pth(original, tmp_path / "rcan.pth"))
    assert arch == "rcan"
    assert (config["num_feat"], config["num_group"], config["num_block"], config["squeeze_factor"]) == (
        16,
        2,
        3,
        4,
    )
    assert _same_output(original, model)


def test_params_ema_is_preferred_as_in_basicsr(tmp_path):
    plain, ema = tiny_rcan(0), tiny_rcan(1)
    path = tmp_path / "both.pth"
    torch.save({"params": plain.state_dict(), "params_ema": ema.state_dict()}, path)
    model, _, _ = build_model(path)
    assert _same_output(ema, model)


def test_elan_safetensors_loads(tmp_path):
    original = tiny_elan()
    path = tmp_path / "elan.safetensors"
    save_file({k: v.contiguous() for k, v in original.state_dict().items()}, str(path))
    model, arch, config = build_model(path)
    assert arch == "elan" and config["c_elan"] == 15 and config["scale"] == 1
    assert _same_output(original, model)


def test_pickle_with_code_is_refused_and_nothing_runs(tmp_path, capfd):
    path = tmp_path / "evil.pth"
    torch.save({"params": tiny_rcan().state_dict(), "extra": Payload()}, path)
    with pytest.raises(CheckpointError, match="cannot be loaded safely") as info:
        build_model(path)
    assert str(path) in str(info.value)
    assert "this code ran" not in capfd.readouterr().out


def test_unknown_architecture_is_named_in_the_error(tmp_path):
    path = tmp_path / "other.pth"
    torch.save({"params": {"encoder.weight": torch.zeros(3, 3)}}, path)
    with pytest.raises(CheckpointError, match="does not match any known architecture"):
        build_model(path)


def test_wrong_shapes_are_reported_not_crashed(tmp_path):
    state = tiny_rcan().state_dict()
    state["conv_after_body.weight"] = torch.zeros(8, 8, 5, 5)
    path = tmp_path / "broken.pth"
    torch.save({"params": state}, path)
    with pytest.raises(CheckpointError, match="weights do not fit"):
        build_model(path)


@pytest.mark.slow
def test_rcan_full_size_matches_the_published_configuration():
    model = RCAN()
    names = set(model.state_dict())
    assert {"conv_first.weight", "conv_after_body.weight", "conv_last.weight"} <= names
    assert "body.9.residual_group.19.rcab.3.attention.3.weight" in names
    assert "upsample.0.weight" not in names
    assert np.isclose(sum(p.numel() for p in model.parameters()) / 1e6, 15.30, atol=0.01)
