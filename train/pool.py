"""The training-pair pool (Real-ESRGAN's queue): mixes degradations across batches.

Every batch (its LR input, HR images and labels) goes into a queue of ``size`` samples; once
the queue is full, each iteration shuffles it, trains on the first ``batch`` samples and puts
the new batch in their place. Everything is stored as uint8/int8 (the LR is on 8-bit levels
already), so the pool is small enough to go into the training state and a resume is exact.
"""

from __future__ import annotations

import torch


class PairPool:
    """A fixed-size queue of training samples, each a dict of tensors with a leading batch dim."""

    def __init__(self, size: int, batch: int) -> None:
        if size % batch:
            raise ValueError(f"pool_size {size} must be a multiple of batch_size {batch}")
        self.size, self.batch = size, batch
        self.items: dict[str, torch.Tensor] = {}
        self.filled = 0

    def swap(self, batch: dict[str, torch.Tensor], gen: torch.Generator) -> dict[str, torch.Tensor]:
        """Put ``batch`` in and return the batch to train on (the same one while filling up)."""
        if self.size == 0:
            return batch
        if not self.items:
            self.items = {
                k: torch.zeros((self.size, *v.shape[1:]), dtype=v.dtype, device=v.device)
                for k, v in batch.items()
            }
        b = next(iter(batch.values())).shape[0]
        if self.filled < self.size:
            for key, value in batch.items():
                self.items[key][self.filled : self.filled + b] = value
            self.filled += b
            return batch
        order = torch.randperm(self.size, generator=gen).to(next(iter(self.items.values())).device)
        out = {}
        for key, value in self.items.items():
            shuffled = value[order]
            out[key] = shuffled[:b].clone()
            shuffled[:b] = batch[key]
            self.items[key] = shuffled
        return out

    def state_dict(self) -> dict[str, object]:
        return {"filled": self.filled, "items": {k: v.cpu() for k, v in self.items.items()}}

    def load_state_dict(self, state: dict[str, object], device: torch.device) -> None:
        self.filled = int(state["filled"])  # type: ignore[call-overload]
        self.items = {k: v.to(device) for k, v in state["items"].items()}  # type: ignore[attr-defined]
