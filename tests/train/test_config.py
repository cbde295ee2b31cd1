"""Configs: presets with the published values, TOML files, overrides, clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from train.config import ConfigError, config_from_json, make_config

DOC = Path(__file__).resolve().parents[2] / "docs" / "training.md"


def test_presets_have_the_published_values() -> None:
    posneg = make_config("posneg")
    assert (posneg.target, posneg.negative_weight, posneg.gan_weight, posneg.perceptual_weight) == (
        "positive",
        300.0,
        0.1,
        1.0,
    )
    assert (posneg.lr_g, posneg.betas, posneg.total_iter, posneg.milestones, posneg.lr_gamma) == (
        1e-4,
        [0.9, 0.99],
        300_000,
        [200_000],
        0.5,
    )
    assert (posneg.batch_size, posneg.gt_size, posneg.pool_size, posneg.ema_decay) == (12, 256, 144, 0.999)
    assert (posneg.num_feat, posneg.num_block, posneg.num_grow_ch, posneg.d_num_feat) == (64, 23, 32, 64)
    assert make_config("pos").negative_weight == 0.0 and make_config("ori").target == "original"


def test_toml_then_overrides_and_roundtrip(tmp_path: Path) -> None:
    path = tmp_path / "cfg.toml"
    path.write_text('preset = "pos"\n[optim]\nlr_g = 2e-4\nmilestones = [10, 20]\n[data]\nbatch_size = 4\n')
    cfg = make_config(None, path, ["data.batch_size=6", "bf16=true", "betas=0.5,0.9"])
    assert (cfg.preset, cfg.negative_weight, cfg.lr_g, cfg.milestones) == ("pos", 0.0, 2e-4, [10, 20])
    assert (cfg.batch_size, cfg.bf16, cfg.betas) == (6, True, [0.5, 0.9])
    assert config_from_json(cfg.to_json()) == cfg


def test_documented_example_config_parses(tmp_path: Path) -> None:
    example = re.search(r"```toml\n(.*?)```", DOC.read_text(), re.S).group(1)
    (tmp_path / "cfg.toml").write_text(example)
    assert make_config(None, tmp_path / "cfg.toml").num_workers == 6


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["nosuch=1"], "unknown setting 'nosuch'"),
        (["batch_size=many"], "batch_size"),
        (["gt_size=100"], "multiple of 32"),
        (["bf16"], "not key=value"),
    ],
)
def test_bad_overrides_say_what_is_wrong(overrides: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        make_config("posneg", None, overrides)
