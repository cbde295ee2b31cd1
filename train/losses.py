"""Targets and losses of HGGT training, vectorised over the batch with 0/1 masks.

Every sample computes every term (the negative term of a sample without a Negative is
multiplied by 0), so the autograd graph is the same on every process whatever the labels in
its batch: data-parallel training is correct, and the loss equals the per-sample definition
of training.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional as F

from hggt_desktop.core.consensus import (
    HGGT_RATERS,  # a vote count / HGGT_RATERS is a confidence (training.md)
)
from hggt_desktop.pack.format import NEGATIVE, POSITIVE


@dataclass
class Targets:
    """Per-sample targets of one batch (shapes in comments)."""

    original: torch.Tensor  # (B, 3, h, w) the original HR crop
    positive: torch.Tensor  # (B, 3, h, w) P: a random effective Positive, else the original
    negative: torch.Tensor  # (B, 3, h, w) N: a random effective Negative, else the original (masked out)
    positive_votes: torch.Tensor  # (B,) count_P, 0 where the sample has no Positive
    negative_votes: torch.Tensor  # (B,) count_N, 0 where the sample has no Negative
    has_negative: torch.Tensor  # (B,) 1.0 / 0.0
    positive_index: torch.Tensor  # (B,) index into the 1+V images (0 = the original)
    negative_index: torch.Tensor  # (B,) index into the 1+V images (0 where there is no Negative)
    # The Positive whose residual R_p and count enter the negative map M: a second draw among
    # the same versions in the published code, the target P itself with positive_draws="one".
    map_positive: torch.Tensor  # (B, 3, h, w)
    map_positive_votes: torch.Tensor  # (B,)
    map_positive_index: torch.Tensor  # (B,)


def _random_pick(candidates: torch.Tensor, scores: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Uniform choice among the True entries of each row: (version index 0..V-1, row has any)."""
    masked = torch.where(candidates, scores, torch.full_like(scores, -1.0))
    return masked.argmax(1), candidates.any(1)


def choose_targets(
    hr: torch.Tensor,
    effective: torch.Tensor,
    votes: torch.Tensor,
    use_positive: bool,
    gen: torch.Generator,
    separate_map_positive: bool = False,
) -> Targets:
    """Pick P and N per sample from (B, 1+V, 3, h, w) HR images and (B, V) labels and votes.

    ``separate_map_positive``: draw the Positive of the negative map again, as the published
    code does; otherwise the target P serves both.
    """
    b = hr.shape[0]
    scores = torch.rand((2, *effective.shape), generator=gen).to(hr.device)  # both drawn always: same stream
    is_positive = (effective == POSITIVE) & use_positive
    pos_k, has_pos = _random_pick(is_positive, scores[0])
    neg_k, has_neg = _random_pick(effective == NEGATIVE, scores[1])
    rows = torch.arange(b, device=hr.device)
    pos_index = torch.where(has_pos, pos_k + 1, 0)  # hr[:, 0] is the original
    neg_index = torch.where(has_neg, neg_k + 1, 0)
    zero = torch.zeros_like(votes[:, 0])
    positive_votes = torch.where(has_pos, votes[rows, pos_k], zero).to(hr.dtype)
    map_index, map_votes = pos_index, positive_votes
    if separate_map_positive:
        # Drawn after the other two, so the one-draw stream is unchanged by this option.
        map_k, _ = _random_pick(is_positive, torch.rand(effective.shape, generator=gen).to(hr.device))
        map_index = torch.where(has_pos, map_k + 1, 0)
        map_votes = torch.where(has_pos, votes[rows, map_k], zero).to(hr.dtype)
    return Targets(
        original=hr[:, 0],
        positive=hr[rows, pos_index],
        negative=hr[rows, neg_index],
        positive_votes=positive_votes,
        negative_votes=torch.where(has_neg, votes[rows, neg_k], zero).to(hr.dtype),
        has_negative=has_neg.to(hr.dtype),
        positive_index=pos_index,
        negative_index=neg_index,
        map_positive=hr[rows, map_index],
        map_positive_votes=map_votes,
        map_positive_index=map_index,
    )


def var3(residual: torch.Tensor) -> torch.Tensor:
    """Unbiased variance of each 3x3 window (reflect padding): (B, 1, h, w) -> (B, 1, h, w)."""
    b, _, h, w = residual.shape
    windows = F.unfold(F.pad(residual, (1, 1, 1, 1), mode="reflect"), 3)  # (B, 9, h*w)
    return windows.var(dim=1, unbiased=True).view(b, 1, h, w)


def negative_map(targets: Targets) -> torch.Tensor:
    """M of training.md, (B, 1, h, w); no gradient flows through it."""
    with torch.no_grad():
        r_p = (targets.original - targets.map_positive).abs().sum(1, keepdim=True)
        r_n = (targets.original - targets.negative).abs().sum(1, keepdim=True)
        m_pos = (targets.map_positive_votes / HGGT_RATERS).view(-1, 1, 1, 1) * var3(r_p) ** 0.75
        m_neg = (targets.negative_votes / HGGT_RATERS).view(-1, 1, 1, 1) * var3(r_n) ** 0.75
        # Without a Positive, P is the original, so R_p = 0, M_pos = 0 and M = M_neg as specified.
        return torch.where(m_neg > m_pos, m_neg, torch.zeros_like(m_neg))


def negative_loss(sr: torch.Tensor, targets: Targets, weight: float) -> torch.Tensor:
    """-(weight / b) * sum over samples with a Negative of mean(|M * (SR - N)|)."""
    m = negative_map(targets)
    per_sample = (m * (sr - targets.negative)).abs().mean(dim=(1, 2, 3))  # (B,)
    return -(weight / sr.shape[0]) * (per_sample * targets.has_negative).sum()


def gan_loss(logits: torch.Tensor, real: bool) -> torch.Tensor:
    """Vanilla GAN loss (BCE with logits), BasicSR's GANLoss('vanilla')."""
    target = torch.ones_like(logits) if real else torch.zeros_like(logits)
    return F.binary_cross_entropy_with_logits(logits, target)
