"""The training configuration: one dataclass, saved into every checkpoint.

Values come from, in order: the dataclass defaults (the published Pos+Neg RRDB GAN settings),
a preset (``ori``, ``pos``, ``posneg``), a TOML file, then ``key=value`` overrides.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """A configuration file or override is wrong; the message says which key and why."""


@dataclass
class Config:
    """Every setting of a training run (published HGGT values by default)."""

    preset: str = "posneg"
    # Targets: "positive" picks a random effective Positive (the original when none), "original"
    # always uses the original (the Ori variant). negative_weight 0 disables the negative term.
    target: str = "positive"
    negative_weight: float = 300.0
    pixel_weight: float = 1.0
    perceptual_weight: float = 1.0
    gan_weight: float = 0.1
    vgg_weights: str = ""  # local torchvision vgg19 state dict (.pth or .safetensors)
    # Segmentation guidance (SSG-RWSR): w_seg * CE(seg(SR), labels); 0: off, nothing is built
    w_seg: float = 0.0
    seg_weights: str = ""  # frozen segmentation network: TorchScript, or safetensors with seg_arch
    seg_arch: str = ""  # "": seg_weights is TorchScript; a name of SEG_ARCHS: its safetensors weights
    seg_mean: list[float] = field(default_factory=lambda: [0.485, 0.456, 0.406])  # its input normalisation
    seg_std: list[float] = field(default_factory=lambda: [0.229, 0.224, 0.225])
    seg_size: int = 0  # its input side (images resized to it); 0: the SR size
    seg_labels: str = ""  # label folder (classes.txt, <set>.png); empty: pseudo-labels of the HR target
    # Data
    gt_size: int = 256
    batch_size: int = 12  # per process
    num_workers: int = 4
    pool_size: int = 144
    use_hflip: bool = True
    # Degradation (training.md, one stage)
    kernel_sizes: list[int] = field(default_factory=lambda: [3, 5, 7, 9])
    iso_prob: float = 0.7
    sinc_prob: float = 0.01
    blur_sigma: list[float] = field(default_factory=lambda: [0.1, 1.0])
    resize_prob: list[float] = field(default_factory=lambda: [0.10, 0.85, 0.05])  # up, down, keep
    resize_range: list[float] = field(default_factory=lambda: [0.8, 1.2])
    gaussian_noise_prob: float = 0.5
    noise_sigma: list[float] = field(default_factory=lambda: [1.0, 12.0])
    poisson_scale: list[float] = field(default_factory=lambda: [0.05, 0.8])
    gray_noise_prob: float = 0.2
    jpeg_range: list[int] = field(default_factory=lambda: [75, 95])
    # Where the published pipeline (BasicSR/Real-ESRGAN) and this trainer's own choice differ,
    # "published" reproduces the paper's code (docs/training.md has the table):
    jpeg: str = "published"  # "published": DiffJPEG, unrounded tables, continuous quality; "libjpeg"
    poisson_levels: str = "published"  # "published": 2^ceil(log2(distinct values)); "8bit": 255
    random_resize: str = "published"  # "published": by scale factor; "size": to an explicit size
    positive_draws: str = "published"  # "published": separate draws for R_p and the target; "one"
    # Networks
    num_feat: int = 64
    num_block: int = 23
    num_grow_ch: int = 32
    upsampler: str = "pixelshuffle"  # HGGT's RRDBPSNet (upsample.*); "nearest": conv_up1/conv_up2
    d_num_feat: int = 64
    pretrain_g: str = ""  # PSNR-oriented RRDB to start from (BasicSR .pth or our .safetensors)
    # Optimisation
    lr_g: float = 1e-4
    lr_d: float = 1e-4
    betas: list[float] = field(default_factory=lambda: [0.9, 0.99])
    total_iter: int = 300_000
    milestones: list[int] = field(default_factory=lambda: [200_000])
    lr_gamma: float = 0.5
    ema_decay: float = 0.999
    bf16: bool = False
    fp16: bool = False  # autocast fp16 with a GradScaler, for GPUs without bf16 (T4, V100, RTX 20xx)
    accumulate: int = 1  # micro-batches of batch_size per optimiser step (12 = 3 x 4 on an 8 GB card)
    grad_clip: float = 0.0  # max gradient norm of G and of D; 0: no clipping
    max_loss: float = 1e3  # |L_G| or L_D above this counts as divergence
    # Run
    seed: int = 0
    device: str = "auto"
    save_every: int = 5000
    keep_states: int = 2
    log_every: int = 100
    preview_every: int = 1000
    # Validation on the pack's validation split (0: never); the best EMA weights go to models/best.safetensors
    val_every: int = 5000
    val_metric: str = "psnr"  # psnr, ssim (higher is better), lpips, dists (lower is better)
    lpips_weights: str = ""  # local LPIPS-Alex weight files, comma-separated (alexnet + lin)
    dists_weights: str = ""  # local DISTS weight files, comma-separated (vgg16 + alpha/beta)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)


PRESETS: dict[str, dict[str, Any]] = {
    "ori": {"preset": "ori", "target": "original", "negative_weight": 0.0},
    "pos": {"preset": "pos", "target": "positive", "negative_weight": 0.0},
    "posneg": {"preset": "posneg", "target": "positive", "negative_weight": 300.0},
    # Pos+Neg on a tiny network for a few iterations: runs on a CPU in a minute or two and
    # needs no downloaded weights (no perceptual term). To try the workflow, not for results.
    "tiny": {
        "preset": "tiny",
        "target": "positive",
        "negative_weight": 300.0,
        "perceptual_weight": 0.0,
        "num_feat": 8,
        "num_block": 1,
        "num_grow_ch": 8,
        "d_num_feat": 8,
        "gt_size": 64,
        "batch_size": 2,
        "pool_size": 4,
        "num_workers": 0,
        "total_iter": 20,
        "milestones": [15],
        "save_every": 20,
        "log_every": 5,
        "preview_every": 20,
    },
}

# Pack subset each preset was published with; training on another subset is allowed but warned about.
PRESET_SUBSET = {"ori": "ori", "pos": "pos", "posneg": "posneg", "tiny": "posneg"}


def _coerce(name: str, value: Any, default: Any) -> Any:
    if isinstance(default, bool):
        if isinstance(value, str):
            if value.lower() in ("1", "true", "yes", "on"):
                return True
            if value.lower() in ("0", "false", "no", "off"):
                return False
            raise ConfigError(f"{name}: expected true or false, got {value!r}")
        return bool(value)
    if isinstance(default, list):
        kind = type(default[0]) if default else float
        try:
            if isinstance(value, str):
                value = json.loads(value if value.startswith("[") else f"[{value}]")
            return [kind(v) for v in value]
        except (TypeError, ValueError) as exc:  # JSONDecodeError is a ValueError
            raise ConfigError(
                f"{name}: expected a list of {kind.__name__}, e.g. {name}={','.join(map(str, default))}; "
                f"got {value!r}"
            ) from exc
    try:
        return type(default)(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name}: expected {type(default).__name__}, got {value!r}") from exc


def make_config(
    preset: str | None = None,
    toml_path: Path | str | None = None,
    overrides: list[str] | None = None,
) -> Config:
    """Build a config from defaults, a preset, a TOML file and ``key=value`` overrides."""
    cfg, problems = config_and_problems(preset, toml_path, overrides)
    if problems:
        raise ConfigError("\n".join(problems))
    return cfg


def config_and_problems(
    preset: str | None = None,
    toml_path: Path | str | None = None,
    overrides: list[str] | None = None,
) -> tuple[Config, list[str]]:
    """The config (each wrong setting left at its default) and every problem found, one a line.

    An unreadable TOML file or an unknown preset still raises ConfigError: nothing else can be
    checked without them.
    """
    cfg = Config()
    defaults = dataclasses.asdict(cfg)
    values: dict[str, Any] = {}
    if toml_path is not None:
        try:
            with open(toml_path, "rb") as handle:
                values.update(_flatten(tomllib.load(handle)))
        except UnicodeDecodeError:
            raise ConfigError(f"{toml_path}: is not UTF-8 text; save the config as UTF-8") from None
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{toml_path}: cannot read the config ({exc})") from exc
    preset = preset or values.get("preset")
    merged: dict[str, Any] = {}
    if preset is not None:
        if preset not in PRESETS:
            raise ConfigError(f"unknown preset {preset!r}; use one of {', '.join(PRESETS)}")
        merged.update(PRESETS[preset])
    merged.update(values)
    from_file = set(values)
    for item in overrides or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"override {item!r} is not key=value")
        key = key.strip().split(".")[-1]
        merged[key] = value.strip()
        from_file.discard(key)
    # Every problem is collected and reported at once: one run tells the user all there is to fix.
    problems: list[str] = []

    def origin(*keys: str) -> str:
        # A setting from the TOML file names the file, so the user knows where to fix it.
        return f"{toml_path}: " if any(key in from_file for key in keys) else ""

    for key, value in merged.items():
        where = origin(key)
        if key not in defaults:
            problems.append(f"{where}unknown setting {key!r}; 'hggt-train fit --list-settings' lists them")
            continue
        try:
            setattr(cfg, key, _coerce(key, value, defaults[key]))
        except ConfigError as exc:
            problems.append(f"{where}{exc}")
    if cfg.target not in ("positive", "original"):
        problems.append(f"{origin('target')}target must be 'positive' or 'original', not {cfg.target!r}")
    for key, allowed in CHOICES.items():
        if getattr(cfg, key) not in allowed:
            shown = " or ".join(map(repr, allowed))
            problems.append(f"{origin(key)}{key} must be {shown}, not {getattr(cfg, key)!r}")
    if cfg.bf16 and cfg.fp16:
        problems.append(
            f"{origin('bf16', 'fp16')}bf16 and fp16 are both on; choose one (fp16 for GPUs without bf16)"
        )
    if cfg.grad_clip < 0:
        problems.append(
            f"{origin('grad_clip')}grad_clip must be 0 (off) or a positive norm, not {cfg.grad_clip}"
        )
    for key in (
        "batch_size",
        "gt_size",
        "total_iter",
        "pool_size",
        "save_every",
        "log_every",
        "preview_every",
        "accumulate",
    ):
        if getattr(cfg, key) < 1:
            problems.append(f"{origin(key)}{key} must be at least 1, not {getattr(cfg, key)}")
    if cfg.w_seg < 0:
        problems.append(f"{origin('w_seg')}w_seg must be 0 (off) or a positive weight, not {cfg.w_seg}")
    if cfg.seg_size < 0:
        problems.append(f"{origin('seg_size')}seg_size must be 0 (the SR size) or a side, not {cfg.seg_size}")
    for key in ("seg_mean", "seg_std"):
        if len(getattr(cfg, key)) != 3:
            problems.append(f"{origin(key)}{key} must have 3 values (R, G, B), not {getattr(cfg, key)}")
    if any(v <= 0 for v in cfg.seg_std):
        problems.append(f"{origin('seg_std')}seg_std values must be positive, not {cfg.seg_std}")
    if cfg.val_every < 0:
        problems.append(
            f"{origin('val_every')}val_every must be 0 (no validation) or more, not {cfg.val_every}"
        )
    if cfg.num_workers < 0:
        problems.append(f"{origin('num_workers')}num_workers must be 0 or more, not {cfg.num_workers}")
    if not re.fullmatch(r"auto|cpu|cuda(:\d+)?", cfg.device):
        problems.append(f"{origin('device')}device must be cpu, cuda, cuda:N or auto, not {cfg.device!r}")
    if cfg.batch_size >= 1 and cfg.pool_size % cfg.batch_size:
        problems.append(
            f"{origin('pool_size', 'batch_size')}pool_size {cfg.pool_size} must be a multiple of "
            f"batch_size {cfg.batch_size}; change one of them"
        )
    if cfg.gt_size % 32:
        problems.append(
            f"{origin('gt_size')}gt_size must be a multiple of 32 (x4 and the U-Net discriminator), "
            f"not {cfg.gt_size}"
        )
    return cfg, problems


def _flatten(table: dict[str, Any]) -> dict[str, Any]:
    # TOML sections ([data], [optim], ...) are for the reader; keys are unique across them.
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value))
        else:
            flat[key] = value
    return flat


def config_from_json(text: str) -> Config:
    """The config saved in a checkpoint (unknown keys from other versions are ignored).

    A setting the checkpoint predates takes the value that reproduces how that run trained,
    not today's default: a run saved before ``jpeg`` existed used the libjpeg tables.
    """
    data = json.loads(text)
    known = {f.name for f in dataclasses.fields(Config)}
    values = {**BEFORE_SETTING_EXISTED, **{k: v for k, v in data.items() if k in known}}
    return Config(**values)


# Settings whose default reproduces the published code but whose earlier behaviour differed.
BEFORE_SETTING_EXISTED: dict[str, Any] = {
    "upsampler": "nearest",
    "jpeg": "libjpeg",
    "poisson_levels": "8bit",
    "random_resize": "size",
    "positive_draws": "one",
}
# The segmentation architectures of train.archs.segmentation, named here so that checking a
# config does not import torch (a test keeps the two lists equal).
SEG_ARCHS = ("tiny_unet",)
CHOICES: dict[str, tuple[str, ...]] = {
    "upsampler": ("pixelshuffle", "nearest"),
    "jpeg": ("published", "libjpeg"),
    "poisson_levels": ("published", "8bit"),
    "random_resize": ("published", "size"),
    "positive_draws": ("published", "one"),
    "val_metric": ("psnr", "ssim", "lpips", "dists"),
    "seg_arch": ("", *SEG_ARCHS),
}
# What a resumed run keeps from its saved config whatever the presets or the command line say:
# the network (its weights have that shape) and what its samples are made of.
KEPT_ON_RESUME = (
    "num_feat",
    "num_block",
    "num_grow_ch",
    "upsampler",
    "d_num_feat",
    "kernel_sizes",
    "iso_prob",
    "sinc_prob",
    "blur_sigma",
    "resize_prob",
    "resize_range",
    "gaussian_noise_prob",
    "noise_sigma",
    "poisson_scale",
    "gray_noise_prob",
    "jpeg_range",
    "jpeg",
    "poisson_levels",
    "random_resize",
    "positive_draws",
)


def resumed_config(saved_json: str, cfg: Config) -> tuple[Config, list[str], list[str]]:
    """The config of a resumed run: ``cfg`` with the saved network and degradation kept.

    Returns (config, kept: settings given differently now but kept as saved, changed: other
    settings that differ from the saved run and take the new value).
    """
    saved = config_from_json(saved_json)
    kept = [
        f"{k}={getattr(saved, k)!r} (not {getattr(cfg, k)!r})"
        for k in KEPT_ON_RESUME
        if getattr(saved, k) != getattr(cfg, k)
    ]
    resumed = dataclasses.replace(cfg, **{k: getattr(saved, k) for k in KEPT_ON_RESUME})
    changed = [
        f"{f.name}: {getattr(saved, f.name)!r} -> {getattr(resumed, f.name)!r}"
        for f in dataclasses.fields(Config)
        if getattr(saved, f.name) != getattr(resumed, f.name)
    ]
    return resumed, kept, changed
