"""The HGGT training loop, top to bottom: set up, (resume,) then one GAN step per iteration.

Nothing is hidden in objects: every step below reads the variables set above it. One
iteration: for each of ``accumulate`` micro-batches, degrade the originals on the device, crop
the LR like the HR crops, swap through the pair pool and pick the targets; then one generator
step (pixel + perceptual + GAN + negative), one discriminator step (train/step.py), EMA,
schedules, then log, preview, validate and save.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel

from hggt_desktop.pack.format import TRAINING_VERSIONS
from hggt_desktop.pack.reader import PackReader
from train import checkpoint
from train.archs.discriminator import UNetDiscriminatorSN
from train.config import PRESET_SUBSET, Config, resumed_config
from train.data import crop_lr, flip_where, make_loader
from train.degradations import degrade
from train.generator import build_generator, pretrained_generator
from train.logbook import Logbook
from train.losses import choose_targets
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
from train.seg_labels import LabelFolder, pack_label_folder
from train.segmentation import class_targets, load_guide
from train.step import Micro, apply_gradients, discriminator_backward, generator_backward, make_precision
from train.validation import start_validation, validate
from train.vgg import load_vgg19

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

    # --- resume: the saved network and degradation win over today's presets and command line
    saved, path = None, checkpoint.latest_state(run_dir) if resume else None
    if path is not None:
        saved = checkpoint.load_state(path)
        cfg = _resumed_config(saved["config"], cfg, process)
    elif resume and process.is_main:
        log.info(f"no training state in {run_dir / 'state'}; starting from iteration 0")

    # --- networks (same seed on every process: identical initial weights), optimisers, schedules
    torch.manual_seed(cfg.seed)
    if cfg.pretrain_g and saved is None:
        cfg, net_g = pretrained_generator(cfg)
    else:
        net_g = build_generator(cfg)
    net_g = net_g.to(device)
    net_g_ema = copy.deepcopy(net_g).requires_grad_(False)
    net_d = UNetDiscriminatorSN(3, cfg.d_num_feat).to(device)
    vgg = load_vgg19(cfg.vgg_weights).to(device) if cfg.perceptual_weight > 0 else None
    seg = load_guide(cfg, device)  # None when w_seg is 0
    labels = _label_folder(cfg, reader, indices, seg.classes, process) if seg and cfg.seg_labels else None
    opt_g = torch.optim.Adam(net_g.parameters(), lr=cfg.lr_g, betas=tuple(cfg.betas))
    opt_d = torch.optim.Adam(net_d.parameters(), lr=cfg.lr_d, betas=tuple(cfg.betas))
    sched_g = torch.optim.lr_scheduler.MultiStepLR(opt_g, cfg.milestones, cfg.lr_gamma)
    sched_d = torch.optim.lr_scheduler.MultiStepLR(opt_d, cfg.milestones, cfg.lr_gamma)
    pool = PairPool(cfg.pool_size, cfg.batch_size)
    start_iter, last_good = 0, "none yet"

    if saved is not None:
        net_g.load_state_dict(saved["net_g"])
        net_g_ema.load_state_dict(saved["net_g_ema"])
        net_d.load_state_dict(saved["net_d"])
        opt_g.load_state_dict(saved["opt_g"])
        opt_d.load_state_dict(saved["opt_d"])
        sched_g.load_state_dict(saved["sched_g"])
        sched_d.load_state_dict(saved["sched_d"])
        start_iter, last_good = int(saved["iteration"]), str(path)
        own = saved if process.rank == 0 else _rank_state(run_dir, start_iter, process.rank)
        if own is not None and int(saved["world"]) == process.world:
            pool.load_state_dict(own["pool"], device)
            checkpoint.restore_rng_states(own["rng"])
            if pool.items and ("seg" in pool.items) != (labels is not None):
                # The pooled samples hold label maps or not as the saved run had seg_labels.
                log.warning("seg_labels changed since the state was saved: the pair pool starts empty")
                pool = PairPool(cfg.pool_size, cfg.batch_size)
        else:
            log.warning(
                f"resuming with {process.world} processes instead of {saved['world']}: pair pools start empty"
            )
        if process.is_main:
            log.info(f"resumed from {path} at iteration {start_iter}")

    # --- data-parallel wrappers (the plain modules stay for EMA, saving and the G step's D call)
    g_train = DistributedDataParallel(net_g) if process.world > 1 else net_g
    d_train = DistributedDataParallel(net_d) if process.world > 1 else net_d
    per_iteration = cfg.batch_size * cfg.accumulate  # samples per process and optimiser step
    loader = make_loader(
        reader,
        indices,
        cfg,
        process.rank,
        process.world,
        start_iter * per_iteration,
        device.type == "cuda",
        labels,
    )
    logbook = resources.enter_context(
        contextlib.closing(Logbook(run_dir, cfg.total_iter, start_iter, process.is_main))
    )
    precision = make_precision(cfg, device)
    validation = start_validation(reader, cfg, device) if process.is_main else None
    if validation is not None and saved is not None and "validation" in saved:
        validation.load_state_dict(saved["validation"])
    run_start = time.perf_counter()
    if saved is not None and "scaler" in saved:
        precision.scaler.load_state_dict(saved["scaler"])
    weights = None
    batches = iter(loader)

    for iteration in range(start_iter + 1, cfg.total_iter + 1):
        # 1. k micro-batches: LR from the full originals, pooled, targets picked
        micros = [
            training_pair(next(batches), cfg, pool, (iteration - 1) * cfg.accumulate + j + 1, process)
            for j in range(cfg.accumulate)
        ]

        # 2. generator step (gradients accumulated over the micro-batches)
        opt_g.zero_grad(set_to_none=True)
        g_losses, outputs = generator_backward(micros, g_train, net_d, vgg, cfg, precision, seg)
        check_losses({"l_g": g_losses["l_g"]}, cfg.max_loss, iteration, last_good, process)
        apply_gradients(opt_g, precision, cfg.grad_clip)

        # 3. discriminator step: real = P, fake = SR
        opt_d.zero_grad(set_to_none=True)
        d_losses = discriminator_backward(micros, outputs, d_train, precision)
        check_losses({"l_d": d_losses["l_d"]}, cfg.max_loss, iteration, last_good, process)
        apply_gradients(opt_d, precision, cfg.grad_clip)
        precision.scaler.update()
        lr, sr, targets = micros[-1].lr, outputs[-1], micros[-1].targets

        # 4. EMA and learning-rate schedules
        update_ema(net_g_ema, net_g, cfg.ema_decay)
        sched_g.step()
        sched_d.step()

        # 5. log, preview, save
        logbook.add({**g_losses, "l_d_real": d_losses["l_d_real"], "l_d_fake": d_losses["l_d_fake"]})
        if iteration % cfg.log_every == 0 or iteration == cfg.total_iter:
            logbook.average_across_processes(process.world, device)
            logbook.write(iteration, sched_g.get_last_lr()[0])
        if iteration % cfg.preview_every == 0 or iteration == cfg.total_iter:
            logbook.preview(iteration, lr, sr, targets.positive, targets.negative)
        if cfg.val_every and (iteration % cfg.val_every == 0 or iteration == cfg.total_iter):
            if validation is not None:
                validate(
                    validation,
                    net_g_ema,
                    reader,
                    cfg,
                    iteration,
                    run_dir,
                    time.perf_counter() - run_start,
                    logbook.writer,
                )
            barrier(process)
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
                "scaler": precision.scaler.state_dict(),
            }
            if validation is not None:
                state["validation"] = validation.state_dict()
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
                    samples_seen=iteration * per_iteration,
                )
            path = checkpoint.save_state(run_dir, iteration, state, process.rank)
            barrier(process)
            if process.is_main:
                checkpoint.prune_states(run_dir, cfg.keep_states)
                log.info(f"saved {weights} and {path}")
            last_good = str(checkpoint.state_path(run_dir, iteration))

    return weights


def training_pair(
    batch: dict[str, torch.Tensor], cfg: Config, pool: PairPool, micro_step: int, process: Process
) -> Micro:
    """Degrade the originals on the device, crop and flip the LR like the HR, swap through the
    pool and pick the targets. Draws are seeded by (seed, micro step, rank): with accumulate 1 the
    micro step is the iteration."""
    device = process.device
    choices, noise_gen = iteration_generators(cfg.seed, micro_step, process.rank, device)
    with torch.no_grad():
        original = batch["original"].to(device, non_blocking=True).float() / 255.0  # (B, 3, H, W)
        lr = crop_lr(degrade(original, batch["kernel"], cfg, choices, noise_gen), batch["crop"], cfg.gt_size)
        hr = flip_where(batch["hr"].to(device), batch["crop"][:, 2].to(device))  # (B, 5, 3, gt, gt) uint8
        fresh = {
            "lr": torch.round(lr * 255.0).to(torch.uint8),
            "hr": hr,
            "effective": batch["effective"].to(device),
            "votes": batch["votes"].to(device),
        }
        if "seg" in batch:  # label-folder class maps travel with their samples through the pool
            fresh["seg"] = flip_where(batch["seg"].to(device), batch["crop"][:, 2].to(device))  # (B, gt, gt)
        mixed = pool.swap(fresh, choices)
        targets = choose_targets(
            mixed["hr"].float() / 255.0,
            mixed["effective"],
            mixed["votes"],
            cfg.target == "positive",
            choices,
            separate_map_positive=cfg.positive_draws == "published",
        )
    seg_labels = class_targets(mixed["seg"]) if "seg" in mixed else None
    return Micro(mixed["lr"].float() / 255.0, targets, seg_labels)  # LR (B, 3, gt/4, gt/4)


def _label_folder(
    cfg: Config, reader: PackReader, indices: np.ndarray, classes: int, process: Process
) -> LabelFolder:
    """The checked label folder of ``cfg``; says how many training sets have no map (masked out)."""
    labels = pack_label_folder(cfg.seg_labels, reader.path, reader.meta.names, classes)
    missing = labels.missing(indices.tolist())
    if process.is_main:
        log.info(
            f"seg_labels={cfg.seg_labels}: {len(indices) - missing} of {len(indices)} training sets have a "
            f"label map; {missing} without one are masked out of l_seg"
        )
    return labels


def _rank_state(run_dir: Path, iteration: int, rank: int) -> dict | None:
    path = checkpoint.state_path(run_dir, iteration, rank)
    return checkpoint.load_state(path) if path.is_file() else None


def _resumed_config(saved_json: str, cfg: Config, process: Process) -> Config:
    """The saved run's network and degradation, today's other settings; says what differs."""
    resumed, kept, changed = resumed_config(saved_json, cfg)
    if process.is_main and kept:
        log.warning("resuming: the saved run's network and degradation are kept: " + "; ".join(kept))
    if process.is_main and changed:
        log.warning("resuming with a changed config: " + "; ".join(changed))
    return resumed
