"""The process a run lives in: device, torch.distributed, per-iteration generators, divergence guard."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist

log = logging.getLogger(__name__)


class TrainingDiverged(RuntimeError):
    """A loss became NaN/inf or exploded; the message names the last good checkpoint."""


@dataclass(frozen=True)
class Process:
    """This process's place in a (possibly single-process) data-parallel run."""

    rank: int
    world: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def start_process(device: str) -> Process:
    """Read torchrun's environment, pick the device, and join the process group when world > 1."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if device == "auto":
        device = f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu"
    chosen = torch.device(device)
    if chosen.type == "cuda":
        torch.cuda.set_device(chosen)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if chosen.type == "cuda" else "gloo")
    return Process(rank, world, chosen)


def end_process() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def iteration_generators(
    seed: int, iteration: int, rank: int, device: torch.device
) -> tuple[torch.Generator, torch.Generator]:
    """A CPU generator (per-batch choices, pool, targets) and one on ``device`` (noise, qualities).

    Seeded from (seed, iteration, rank) alone, so an iteration's draws never depend on what ran
    before it: nothing to save for an exact resume.
    """
    a, b = np.random.SeedSequence([seed, iteration, rank]).generate_state(2, np.uint64) >> np.uint64(1)
    choices = torch.Generator().manual_seed(int(a))
    on_device = torch.Generator(device=device).manual_seed(int(b))
    return choices, on_device


def check_losses(
    values: dict[str, torch.Tensor], limit: float, iteration: int, last_good: str, process: Process
) -> None:
    """Stop (on every process) when a loss is NaN/inf or its magnitude exceeds ``limit``."""
    stacked = torch.stack([v.detach().float().reshape(()) for v in values.values()])
    bad = (~torch.isfinite(stacked)) | (stacked.abs() > limit)
    flag = bad.any().float().reshape(1)
    if process.world > 1:
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    if flag.item() > 0:
        shown = ", ".join(f"{k}={v.item():.4g}" for k, v in values.items())
        raise TrainingDiverged(
            f"training diverged at iteration {iteration} ({shown}; limit |loss| <= {limit:g}); the step was not "
            f"applied and no checkpoint was written. Last good checkpoint: {last_good}. Lower lr_g or "
            "negative_weight, or raise max_loss if such values are expected, then resume with --resume."
        )


def all_finite(module: torch.nn.Module) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in module.parameters())


def barrier(process: Process) -> None:
    if process.world > 1:
        dist.barrier()
