"""Targets, negative map and negative loss against a direct per-sample reading of training.md."""

from __future__ import annotations

import numpy as np
import torch

from hggt_desktop.pack.format import NEGATIVE, POSITIVE, SIMILAR
from train.losses import Targets, choose_targets, negative_loss, negative_map

P, S, N = POSITIVE, SIMILAR, NEGATIVE


def direct_var3(r: np.ndarray) -> np.ndarray:
    """Unbiased variance of every 3x3 window with reflect padding, one pixel at a time."""
    padded = np.pad(r, 1, mode="reflect")
    out = np.zeros_like(r)
    for y in range(r.shape[0]):
        for x in range(r.shape[1]):
            out[y, x] = np.var(padded[y : y + 3, x : x + 3], ddof=1)
    return out


def direct_negative_term(sr, hr, votes, pos_index, neg_index, weight=300.0):
    """-(weight / b) * sum over samples with a Negative of mean(|M * (SR - N)|), sample by sample."""
    b = sr.shape[0]
    total, maps = 0.0, []
    for i in range(b):
        ori = hr[i, 0]
        if neg_index[i] == 0:  # no Negative: no term
            maps.append(np.zeros(ori.shape[1:]))
            continue
        negative = hr[i, neg_index[i]]
        count_n = votes[i, neg_index[i] - 1]
        m_neg = count_n / 3 * direct_var3(np.abs(ori - negative).sum(0)) ** 0.75
        if pos_index[i] == 0:  # no Positive: M = M_neg
            m = m_neg
        else:
            positive = hr[i, pos_index[i]]
            count_p = votes[i, pos_index[i] - 1]
            m_pos = count_p / 3 * direct_var3(np.abs(ori - positive).sum(0)) ** 0.75
            m = np.where(m_neg > m_pos, m_neg, 0.0)
        maps.append(m)
        total += np.mean(np.abs(m[None] * (sr[i] - negative)))
    return -(weight / b) * total, np.stack(maps)


def _batch(dtype: torch.dtype = torch.float64):
    gen = torch.Generator().manual_seed(0)
    hr = torch.rand(4, 5, 3, 8, 8, generator=gen, dtype=dtype)
    sr = torch.rand(4, 3, 8, 8, generator=gen, dtype=dtype, requires_grad=True)
    # with P and N; only N (no Positive); only P (no Negative); all Similar
    effective = torch.tensor([[P, N, S, P], [N, S, N, S], [S, P, S, S], [S, S, S, S]])
    votes = torch.tensor([[3, 2, 1, 2], [2, 3, 3, 2], [3, 2, 3, 3], [3, 3, 3, 3]])
    return hr, sr, effective, votes


def test_negative_map_and_loss_equal_the_direct_formula() -> None:
    hr, sr, effective, votes = _batch()
    for seed in range(4):
        targets = choose_targets(hr, effective, votes, True, torch.Generator().manual_seed(seed))
        loss = negative_loss(sr, targets, 300.0)
        expected, maps = direct_negative_term(
            sr.detach().numpy(),
            hr.numpy(),
            votes.numpy(),
            targets.positive_index.numpy(),
            targets.negative_index.numpy(),
        )
        assert abs(loss.item() - expected) < 1e-6
        m = negative_map(targets)[:, 0].numpy() * targets.has_negative.numpy()[:, None, None]
        np.testing.assert_allclose(m, maps, atol=1e-6)
    # Sample 2 has no Negative and sample 3 none either: their terms vanish and get no gradient.
    loss.backward()
    assert sr.grad[2].abs().sum() == 0 and sr.grad[3].abs().sum() == 0
    assert sr.grad[0].abs().sum() > 0 and sr.grad[1].abs().sum() > 0


def test_float32_matches_float64() -> None:
    hr, sr, effective, votes = _batch()
    targets64 = choose_targets(hr, effective, votes, True, torch.Generator().manual_seed(1))
    targets32 = choose_targets(hr.float(), effective, votes, True, torch.Generator().manual_seed(1))
    a = negative_loss(sr.detach(), targets64, 300.0).item()
    b = negative_loss(sr.detach().float(), targets32, 300.0).item()
    assert abs(a - b) < 1e-5 * max(1.0, abs(a))


def test_sample_without_positive_uses_the_original_and_m_neg() -> None:
    hr, _, effective, votes = _batch()
    targets = choose_targets(hr, effective, votes, True, torch.Generator().manual_seed(0))
    assert targets.positive_index[1] == 0
    torch.testing.assert_close(targets.positive[1], hr[1, 0])
    ori, neg = hr[1, 0].numpy(), targets.negative[1].numpy()
    count = votes[1, targets.negative_index[1] - 1].item()
    expected = count / 3 * direct_var3(np.abs(ori - neg).sum(0)) ** 0.75
    np.testing.assert_allclose(negative_map(targets)[1, 0].numpy(), expected, atol=1e-9)


def test_positive_target_is_a_uniform_choice_among_positives() -> None:
    hr, _, effective, votes = _batch()
    seen: dict[int, int] = {}
    negatives = set()
    for seed in range(400):
        targets = choose_targets(hr, effective, votes, True, torch.Generator().manual_seed(seed))
        k = int(targets.positive_index[0])
        seen[k] = seen.get(k, 0) + 1
        negatives.add(int(targets.negative_index[1]))
        assert int(targets.positive_index[2]) == 2 and int(targets.positive_index[3]) == 0
        assert int(targets.negative_index[2]) == 0 and targets.has_negative[2] == 0
    assert set(seen) == {1, 4} and 150 < seen[1] < 250  # versions 01 and 04, about half each
    assert negatives == {1, 3}


def test_ori_variant_always_targets_the_original() -> None:
    hr, _, effective, votes = _batch()
    targets = choose_targets(hr, effective, votes, False, torch.Generator().manual_seed(0))
    assert targets.positive_index.tolist() == [0, 0, 0, 0]
    torch.testing.assert_close(targets.positive, hr[:, 0])
    assert isinstance(targets, Targets)


def test_published_draws_pick_the_map_positive_separately_from_the_target() -> None:
    hr, sr, effective, votes = _batch()
    pairs = set()
    for seed in range(200):
        gen = torch.Generator().manual_seed(seed)
        targets = choose_targets(hr, effective, votes, True, gen, separate_map_positive=True)
        pairs.add((int(targets.positive_index[0]), int(targets.map_positive_index[0])))
        assert int(targets.map_positive_index[1]) == 0  # no Positive: the original, as the target
        # The target stream is the one-draw stream: the option adds a draw, it changes none.
        one = choose_targets(hr, effective, votes, True, torch.Generator().manual_seed(seed))
        assert torch.equal(one.positive_index, targets.positive_index)
        assert torch.equal(one.map_positive_index, one.positive_index)
    assert pairs == {(1, 1), (1, 4), (4, 1), (4, 4)}
    # M uses the map Positive's residual and vote count: the direct formula with that index.
    loss = negative_loss(sr, targets, 300.0)
    expected, _ = direct_negative_term(
        sr.detach().numpy(),
        hr.numpy(),
        votes.numpy(),
        targets.map_positive_index.numpy(),
        targets.negative_index.numpy(),
    )
    assert abs(loss.item() - expected) < 1e-6
