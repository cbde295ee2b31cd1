"""The HGGT training loop, top to bottom: set up, (resume,) then one GAN step per iteration.

Nothing is hidden in objects: every step below reads the variables set above it. One
iteration: degrade the originals on the device, crop the LR like the HR crops, swap through the
pair pool, pick the targets, one generator step (pixel + perceptual + GAN + negative), one
discriminator step, EMA, schedules, then log, preview and save.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F
from torch.nn.parallel import DistributedDataParallel

from enhance.archs.rrdbnet import RRDBNet
from hggt_desktop.pack.format import TRAINING_VERSIONS
from hggt_desktop.pack.reader import PackReader
from train import checkpoint
from train.archs.discriminator import UNetDiscriminatorSN
from train.config import PRESET_SUBSET, Config
from train.data import crop_lr, flip_where, make_loader
from train.degradations import degrade
from train.logbook import Logbook
from train.losses import choose_targets, gan_loss, negative_loss
from train.pool import PairPool
from train.runtime import (
    Process,
    all_finite,
    barrier,
    check_losses,
    end_process,
    iteration_generators,
    start_process,
)
from train.vgg import load_vgg19, perceptual_loss

log = logging.getLogger(__name__)


class PackUnsuitable(ValueError):
    """The pack cannot train this config (wrong number of versions, no training sets...)."""


def training_indices(reader: PackReader, cfg: Config) -> np.ndarray:
    """Indices of the pack's training split, after checking the pack fits the config."""
    meta = reader.meta
    if len(meta.versions) != TRAINING_VERSIONS:
        raise PackUnsuitable(
            f"{reader.path}: sets have {len(meta.versions)} versions ({', '.join(meta.versions)}); "
            f"training needs exactly {TRAINING_VERSIONS} (01..04)"
        )
    subset = str(meta.attrs.get("subset", ""))
    if subset != PRESET_SUBSET.get(cfg.preset, subset):
        log.warning(
            f"{reader.path}: pack subset is {subset!r}; preset {cfg.preset!r} was published on {PRESET_SUBSET[cfg.preset]!r}"
        )
    indices = np.flatnonzero(meta.split == 0)
    if len(indices) < cfg.batch_size:
        raise PackUnsuitable(
            f"{reader.path}: {len(indices)} training sets, fewer than batch_size {cfg.batch_size}"
        )
    return indices


def build_generator(cfg: Config) -> RRDBNet:
    return RRDBNet(3, 3, cfg.num_feat, cfg.num_block, cfg.num_grow_ch, 4, cfg.upsampler)


@torch.no_grad()
def update_ema(ema: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    """ema = decay * ema + (1 - decay) * model, parameter by parameter (BasicSR's model_ema)."""
    for ema_param, param in zip(ema.parameters(), model.parameters(), strict=True):
        ema_param.mul_(decay).add_(param, alpha=1 - decay)


def fit(cfg: Config, pack: Path, run_dir: Path, resume: bool = False) -> Path | None:
    """Train from ``pack`` into ``run_dir``; returns the last weights written (main process)."""
    process = start_process(cfg.device)
    try:
        # The pack and the logbook are closed however training ends, divergence included.
        with contextlib.ExitStack() as resources:
            return _fit(cfg, pack, run_dir, resume, process, resources)
    finally:
        end_process()


def _fit(
    cfg: Config, pack: Path, run_dir: Path, resume: bool, process: Process, resources: contextlib.ExitStack
) -> Path | None:
    device = process.device
    # --- data
    reader = resources.enter_context(contextlib.closing(PackReader(pack)))
    indices = training_indices(reader, cfg)

    # --- networks (same seed on every process: identical initial weights), optimisers, schedules
    torch.manual_seed(cfg.seed)
    net_g = build_generator(cfg).to(device)
    if cfg.pretrain_g:
        net_g.load_state_dict(checkpoint.load_generator_state(cfg.pretrain_g))
    net_g_ema = copy.deepcopy(net_g).requires_grad_(False)
    net_d = UNetDiscriminatorSN(3, cfg.d_num_feat).to(device)
    vgg = load_vgg19(cfg.vgg_weights).to(device) if cfg.perceptual_weight > 0 else None
    opt_g = torch.optim.Adam(net_g.parameters(), lr=cfg.lr_g, betas=tuple(cfg.betas))
    opt_d = torch.optim.Adam(net_d.parameters(), lr=cfg.lr_d, betas=tuple(cfg.betas))
    sched_g = torch.optim.lr_scheduler.MultiStepLR(opt_g, cfg.milestones, cfg.lr_gamma)
    sched_d = torch.optim.lr_scheduler.MultiStepLR(opt_d, cfg.milestones, cfg.lr_gamma)
    pool = PairPool(cfg.pool_size, cfg.batch_size)
    start_iter, last_good = 0, "none yet"

    # --- resume from the newest training state
    if resume and (path := checkpoint.latest_state(run_dir)) is not None:
        state = checkpoint.load_state(path)
        _warn_config_changes(state["config"], cfg)
        net_g.load_state_dict(state["net_g"])
        net_g_ema.load_state_dict(state["net_g_ema"])
        net_d.load_state_dict(state["net_d"])
        opt_g.load_state_dict(state["opt_g"])
        opt_d.load_state_dict(state["opt_d"])
        sched_g.load_state_dict(state["sched_g"])
        sched_d.load_state_dict(state["sched_d"])
        start_iter, last_good = int(state["iteration"]), str(path)
        own = state if process.rank == 0 else _rank_state(run_dir, start_iter, process.rank)
        if own is not None and int(state["world"]) == process.world:
            pool.load_state_dict(own["pool"], device)
            checkpoint.restore_rng_states(own["rng"])
        else:
            log.warning(
                f"resuming with {process.world} processes instead of {state['world']}: pair pools start empty"
            )
        if process.is_main:
            log.info(f"resumed from {path} at iteration {start_iter}")
    elif resume and process.is_main:
        log.info(f"no training state in {run_dir / 'state'}; starting from iteration 0")

    # --- data-parallel wrappers (the plain modules stay for EMA, saving and the G step's D call)
    g_train = DistributedDataParallel(net_g) if process.world > 1 else net_g
    d_train = DistributedDataParallel(net_d) if process.world > 1 else net_d
    loader = make_loader(
        reader, indices, cfg, process.rank, process.world, start_iter * cfg.batch_size, device.type == "cuda"
    )
    logbook = resources.enter_context(
        contextlib.closing(Logbook(run_dir, cfg.total_iter, start_iter, process.is_main))
    )
    autocast = torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=cfg.bf16)
    weights = None
    batches = iter(loader)

    for iteration in range(start_iter + 1, cfg.total_iter + 1):
        batch = next(batches)
        choices, noise_gen = iteration_generators(cfg.seed, iteration, process.rank, device)

        # 1. LR from the full original (on the device), cropped and flipped like the HR crops
        with torch.no_grad():
            original = batch["original"].to(device, non_blocking=True).float() / 255.0  # (B, 3, H, W)
            lr = crop_lr(
                degrade(original, batch["kernel"], cfg, choices, noise_gen), batch["crop"], cfg.gt_size
            )
            hr = flip_where(batch["hr"].to(device), batch["crop"][:, 2].to(device))  # (B, 5, 3, gt, gt) uint8
            fresh = {
                "lr": torch.round(lr * 255.0).to(torch.uint8),
                "hr": hr,
                "effective": batch["effective"].to(device),
                "votes": batch["votes"].to(device),
            }
            mixed = pool.swap(fresh, choices)
            lr = mixed["lr"].float() / 255.0  # (B, 3, gt/4, gt/4)
            targets = choose_targets(
                mixed["hr"].float() / 255.0,
                mixed["effective"],
                mixed["votes"],
                cfg.target == "positive",
                choices,
            )

        # 2. generator step; D is called unwrapped with frozen weights: only SR gets gradients
        net_d.requires_grad_(False)
        with autocast:
            sr = g_train(lr)
            fake_logits = net_d(sr)
        sr = sr.float()
        zero = sr.new_zeros(())
        l_pix = cfg.pixel_weight * F.l1_loss(sr, targets.positive)
        l_percep = (
            cfg.perceptual_weight * perceptual_loss(vgg, sr, targets.positive) if vgg is not None else zero
        )
        l_gan = cfg.gan_weight * gan_loss(fake_logits.float(), real=True)
        l_neg = negative_loss(sr, targets, cfg.negative_weight) if cfg.negative_weight else zero
        l_g = l_pix + l_percep + l_gan + l_neg
        check_losses({"l_g": l_g}, cfg.max_loss, iteration, last_good, process)
        opt_g.zero_grad(set_to_none=True)
        l_g.backward()
        opt_g.step()

        # 3. discriminator step: real = P, fake = SR, one forward for both
        net_d.requires_grad_(True)
        b = sr.shape[0]
        with autocast:
            logits = d_train(torch.cat((targets.positive, sr.detach()))).float()
        l_d_real, l_d_fake = gan_loss(logits[:b], real=True), gan_loss(logits[b:], real=False)
        l_d = l_d_real + l_d_fake
        check_losses({"l_d": l_d}, cfg.max_loss, iteration, last_good, process)
        opt_d.zero_grad(set_to_none=True)
        l_d.backward()
        opt_d.step()

        # 4. EMA and learning-rate schedules
        update_ema(net_g_ema, net_g, cfg.ema_decay)
        sched_g.step()
        sched_d.step()

        # 5. log, preview, save
        logbook.add(
            {
                "l_pix": l_pix,
                "l_percep": l_percep,
                "l_gan": l_gan,
                "l_neg": l_neg,
                "l_g": l_g,
                "l_d_real": l_d_real,
                "l_d_fake": l_d_fake,
            }
        )
        if iteration % cfg.log_every == 0 or iteration == cfg.total_iter:
            logbook.average_across_processes(process.world, device)
            logbook.write(iteration, sched_g.get_last_lr()[0])
        if iteration % cfg.preview_every == 0 or iteration == cfg.total_iter:
            logbook.preview(iteration, lr, sr, targets.positive, targets.negative)
        if iteration % cfg.save_every == 0 or iteration == cfg.total_iter:
            if not (all_finite(net_g) and all_finite(net_d)):
                check_losses(
                    {"weights": torch.tensor(float("nan"))}, cfg.max_loss, iteration, last_good, process
                )
            state = {
                "iteration": iteration,
                "world": process.world,
                "config": cfg.to_json(),
                "pool": pool.state_dict(),
                "rng": checkpoint.rng_states(),
            }
            if process.is_main:
                weights = checkpoint.weights_path(run_dir, iteration)
                checkpoint.save_weights(weights, net_g.state_dict(), net_g_ema.state_dict(), cfg, iteration)
                state.update(
                    net_g=net_g.state_dict(),
                    net_g_ema=net_g_ema.state_dict(),
                    net_d=net_d.state_dict(),
                    opt_g=opt_g.state_dict(),
                    opt_d=opt_d.state_dict(),
                    sched_g=sched_g.state_dict(),
                    sched_d=sched_d.state_dict(),
                    samples_seen=iteration * cfg.batch_size,
                )
            path = checkpoint.save_state(run_dir, iteration, state, process.rank)
            barrier(process)
            if process.is_main:
                checkpoint.prune_states(run_dir, cfg.keep_states)
                log.info(f"saved {weights} and {path}")
            last_good = str(checkpoint.state_path(run_dir, iteration))

    return weights


def _rank_state(run_dir: Path, iteration: int, rank: int) -> dict | None:
    path = checkpoint.state_path(run_dir, iteration, rank)
    return checkpoint.load_state(path) if path.is_file() else None


def _warn_config_changes(saved_json: str, cfg: Config) -> None:
    from train.config import config_from_json

    saved, now = vars(config_from_json(saved_json)), vars(cfg)
    changed = [f"{k}: {saved[k]!r} -> {now[k]!r}" for k in now if saved.get(k) != now[k]]
    if changed:
        log.warning("resuming with a changed config: " + "; ".join(changed))
