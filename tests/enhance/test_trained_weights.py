"""Regression: hggt-enhance could not load the safetensors weights that hggt-train writes.

hggt-train flattens BasicSR's dict into ``params.<name>`` / ``params_ema.<name>`` keys; the runner
read them as one state dict and failed to recognise the architecture.
"""

from pathlib import Path

import torch

from enhance.archs.rrdbnet import RRDBNet
from enhance.checkpoints import build_model, read_state_dict
from train.checkpoint import save_weights
from train.config import Config


def test_weights_written_by_the_trainer_load_in_the_runner_preferring_ema(tmp_path: Path) -> None:
    torch.manual_seed(0)
    net = RRDBNet(num_feat=8, num_block=1, num_grow_ch=4, scale=4)
    params = net.state_dict()
    ema = {k: v + 1.0 if v.is_floating_point() else v for k, v in params.items()}
    path = tmp_path / "net_g_00000020.safetensors"
    save_weights(path, params, ema, Config(), 20)

    state = read_state_dict(path)
    assert set(state) == set(params)
    assert torch.equal(state["conv_first.weight"], ema["conv_first.weight"])

    model, arch, _ = build_model(path)
    assert arch == "rrdbnet"
    out = model(torch.rand(1, 3, 8, 8))
    assert out.shape == (1, 3, 32, 32)
