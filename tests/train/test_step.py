"""The GAN step's arithmetic: accumulation equals one large batch; fp16 and clipping on the CPU."""

from __future__ import annotations

import copy

import pytest
import torch
from torch.nn.utils.spectral_norm import SpectralNorm

from enhance.archs.rrdbnet import RRDBNet
from hggt_desktop.pack.format import NEGATIVE, POSITIVE, SIMILAR
from train.archs.discriminator import UNetDiscriminatorSN
from train.config import make_config
from train.losses import choose_targets
from train.step import Micro, apply_gradients, discriminator_backward, generator_backward, make_precision

CPU = torch.device("cpu")


def _nets() -> tuple[RRDBNet, UNetDiscriminatorSN]:
    torch.manual_seed(0)
    net_g = RRDBNet(num_feat=8, num_block=1, num_grow_ch=4, upsampler="pixelshuffle")
    net_d = UNetDiscriminatorSN(3, 8)
    # Spectral norm refines its power iteration on every training forward: k micro-batches run
    # it k times, one batch once. Converged first, the extra iterations change nothing that counts.
    hooks = [h for m in net_d.modules() for h in m._forward_pre_hooks.values() if isinstance(h, SpectralNorm)]
    for hook in hooks:
        hook.n_power_iterations = 300
    with torch.no_grad():
        net_d(torch.rand(1, 3, 32, 32))
    for hook in hooks:
        hook.n_power_iterations = 1
    return net_g, net_d


def _micro(samples: slice, seed: int = 0) -> Micro:
    gen = torch.Generator().manual_seed(seed)
    hr = torch.rand(8, 5, 3, 32, 32, generator=gen)
    lr = torch.rand(8, 3, 8, 8, generator=gen)
    effective = torch.tensor(
        [[POSITIVE, NEGATIVE, SIMILAR, POSITIVE], [NEGATIVE, SIMILAR, SIMILAR, SIMILAR]] * 4
    )
    votes = torch.randint(2, 4, (8, 4), generator=gen)
    targets = choose_targets(hr, effective, votes, True, torch.Generator().manual_seed(1), True)
    picked = {name: value[samples] for name, value in vars(targets).items()}
    return Micro(lr[samples], type(targets)(**picked))


def _grads(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: p.grad.clone() for name, p in module.named_parameters() if p.grad is not None}


@pytest.mark.parametrize(("k", "b"), [(2, 4), (4, 2)])
def test_k_micro_batches_of_b_give_the_gradients_of_one_batch_of_k_times_b(k: int, b: int) -> None:
    cfg = make_config("posneg", overrides=["perceptual_weight=0"])
    precision = make_precision(cfg, CPU)
    results = []
    for micros in ([_micro(slice(0, 8))], [_micro(slice(j * b, (j + 1) * b)) for j in range(k)]):
        net_g, net_d = _nets()
        g_losses, outputs = generator_backward(micros, net_g, net_d, None, cfg, precision)
        d_losses = discriminator_backward(micros, outputs, net_d, precision)
        results.append((g_losses, d_losses, _grads(net_g), _grads(net_d)))
    (g_one, d_one, grad_g_one, grad_d_one), (g_acc, d_acc, grad_g_acc, grad_d_acc) = results
    for name in ("l_pix", "l_gan", "l_neg", "l_g"):
        torch.testing.assert_close(g_acc[name], g_one[name], rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(d_acc["l_d"], d_one["l_d"], rtol=1e-4, atol=1e-6)
    assert g_one["l_neg"] < 0  # the negative term is in the comparison
    assert grad_g_one.keys() == grad_g_acc.keys() and len(grad_d_one) > 0
    for name in grad_g_one:
        torch.testing.assert_close(grad_g_acc[name], grad_g_one[name], rtol=1e-3, atol=1e-6)
    for name in grad_d_one:
        torch.testing.assert_close(grad_d_acc[name], grad_d_one[name], rtol=1e-3, atol=1e-6)


def test_gradient_clipping_bounds_the_norm_of_the_applied_gradients() -> None:
    cfg = make_config("posneg", overrides=["perceptual_weight=0", "grad_clip=0.01"])
    precision = make_precision(cfg, CPU)
    net_g, net_d = _nets()
    generator_backward([_micro(slice(0, 4))], net_g, net_d, None, cfg, precision)
    before = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in net_g.parameters()]))
    assert before > 0.01
    weights = copy.deepcopy(net_g.state_dict())
    optimiser = torch.optim.SGD(net_g.parameters(), lr=1.0)
    apply_gradients(optimiser, precision, cfg.grad_clip)
    moved = torch.linalg.vector_norm(
        torch.stack([(p - weights[n]).norm() for n, p in net_g.named_parameters()])
    )
    assert moved.item() == pytest.approx(0.01, rel=1e-3)  # SGD with lr 1 moves by the clipped gradient


def _cpu_fp16_autocast() -> str | None:
    try:
        with torch.autocast("cpu", dtype=torch.float16):
            torch.nn.functional.conv2d(torch.rand(1, 1, 4, 4), torch.rand(1, 1, 3, 3))
        torch.amp.GradScaler("cpu")
    except (RuntimeError, TypeError, AssertionError) as exc:
        return f"this torch has no fp16 autocast or GradScaler on the CPU ({exc})"
    return None


@pytest.mark.skipif(_cpu_fp16_autocast() is not None, reason=str(_cpu_fp16_autocast()))
def test_fp16_runs_with_a_grad_scaler_and_steps_the_weights() -> None:
    cfg = make_config("posneg", overrides=["perceptual_weight=0", "fp16=true"])
    precision = make_precision(cfg, CPU)
    assert precision.dtype == torch.float16 and precision.scaler.is_enabled()
    net_g, net_d = _nets()
    micros = [_micro(slice(0, 2))]
    before = copy.deepcopy(net_g.state_dict())
    optimiser = torch.optim.Adam(net_g.parameters(), lr=1e-3)
    first_scale = precision.scaler.get_scale()
    # The scaler starts at 2^16; a step whose fp16 gradients overflow is skipped and the scale
    # halved, until a step applies.
    for _ in range(24):
        optimiser.zero_grad(set_to_none=True)
        g_losses, outputs = generator_backward(micros, net_g, net_d, None, cfg, precision)
        assert torch.isfinite(g_losses["l_g"]) and outputs[0].dtype == torch.float32
        apply_gradients(optimiser, precision, clip=1.0)
        precision.scaler.update()
        if any(not torch.equal(p, before[n]) for n, p in net_g.named_parameters()):
            break
    else:
        pytest.fail("no fp16 step was applied in 24 tries")
    assert precision.scaler.get_scale() <= first_scale
