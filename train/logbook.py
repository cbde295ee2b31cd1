"""What a run reports: progress lines with it/s and ETA, TensorBoard scalars and image previews."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from hggt_desktop.core.images import write_image

log = logging.getLogger(__name__)


class Logbook:
    """Averages losses over the logging window and writes them (main process only)."""

    def __init__(self, run_dir: Path, total_iter: int, start_iter: int, enabled: bool) -> None:
        self.run_dir, self.total_iter, self.enabled = run_dir, total_iter, enabled
        self.sums: dict[str, float] = defaultdict(float)
        self.count = 0
        self.window_start, self.window_iter = time.perf_counter(), start_iter
        self.writer = None
        if enabled:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(run_dir / "tb"), purge_step=start_iter + 1)

    def add(self, losses: dict[str, torch.Tensor]) -> None:
        for key, value in losses.items():
            self.sums[key] += float(value.detach())
        self.count += 1

    def average_across_processes(self, world: int, device: torch.device) -> None:
        """Make the window's sums the mean over all processes (every process must call this)."""
        if world > 1 and self.sums:
            import torch.distributed as dist

            # On the training device: NCCL reduces only CUDA tensors.
            values = torch.tensor(list(self.sums.values()), dtype=torch.float64, device=device)
            dist.all_reduce(values)
            self.sums = defaultdict(float, zip(self.sums, (values / world).tolist(), strict=True))

    def write(self, iteration: int, lr: float) -> None:
        """Log the window's mean losses, speed and ETA, then start a new window."""
        now = time.perf_counter()
        rate = (iteration - self.window_iter) / max(now - self.window_start, 1e-9)
        means = {k: v / max(self.count, 1) for k, v in self.sums.items()}
        if self.enabled:
            eta = (self.total_iter - iteration) / max(rate, 1e-9)
            shown = "  ".join(f"{k} {v:.4f}" for k, v in means.items())
            log.info(
                f"iter {iteration}/{self.total_iter}  {rate:.2f} it/s  ETA {_duration(eta)}  lr {lr:.2e}  {shown}"
            )
            for key, value in means.items():
                self.writer.add_scalar(f"loss/{key}", value, iteration)
            self.writer.add_scalar("speed/it_per_s", rate, iteration)
            self.writer.add_scalar("lr/g", lr, iteration)
        self.sums.clear()
        self.count = 0
        self.window_start, self.window_iter = now, iteration

    def preview(
        self,
        iteration: int,
        lr: torch.Tensor,
        sr: torch.Tensor,
        positive: torch.Tensor,
        negative: torch.Tensor,
    ) -> None:
        """Up to four samples as rows LR (nearest x4) | SR | P | N, to TensorBoard and a PNG."""
        if not self.enabled:
            return
        n = min(4, lr.shape[0])
        up = F.interpolate(lr[:n].float(), size=sr.shape[-2:], mode="nearest")
        columns = [up, sr[:n].detach().float(), positive[:n].float(), negative[:n].float()]
        for name, images in zip(("lr", "sr", "positive", "negative"), columns, strict=True):
            self.writer.add_images(f"preview/{name}", images.clamp(0, 1).cpu(), iteration)
        grid = torch.cat(
            [torch.cat(list(row), dim=2) for row in zip(*[c.clamp(0, 1) for c in columns], strict=True)],
            dim=1,
        )
        pixels = (grid.permute(1, 2, 0).cpu().numpy() * 255.0).round().astype(np.uint8)
        write_image(self.run_dir / "previews" / f"iter_{iteration:08d}.png", pixels)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days}d {text}" if days else text
