"""Everything ``hggt-train fit`` can check before it imports PyTorch, reported all at once.

PyTorch takes 10-30 s to import on a cold machine. A run that then stopped at the first problem
("6 training sets, fewer than batch_size 12"), and at the next one on the following run
("vgg_weights is not set"), cost a newcomer a minute per problem; here the configuration, the
pack, the weight files and the device are checked together, with no PyTorch import.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from hggt_desktop.pack.format import TRAINING_VERSIONS, PackError
from hggt_desktop.pack.reader import read_meta
from train.config import PRESET_SUBSET, Config, ConfigError
from train.seg_labels import label_folder_classes, pack_label_folder


def pack_problems(pack: Path, cfg: Config) -> tuple[list[str], list[str]]:
    """(problems, notes) of training ``cfg`` on ``pack``: readable, four versions, enough sets."""
    if not pack.is_file():
        state = "is a folder" if pack.is_dir() else "does not exist"
        return [f"--pack {pack}: {state}; write a pack with 'hggt-data pack DATASET OUT.h5'"], []
    try:
        meta = read_meta(pack)
    except (PackError, OSError) as exc:
        return [f"--pack {pack}: cannot be read ({exc}); write it again with 'hggt-data pack'"], []
    problems, notes = [], []
    if len(meta.versions) != TRAINING_VERSIONS:
        problems.append(
            f"--pack {pack}: sets have {len(meta.versions)} versions ({', '.join(meta.versions)}); "
            f"training needs exactly {TRAINING_VERSIONS} (01..04)"
        )
    split = np.asarray(meta.split)
    training = int(np.sum(split == 0))
    if training < cfg.batch_size:
        problems.append(
            f"--pack {pack}: {training} training sets, fewer than batch_size {cfg.batch_size}; "
            f"give batch_size={max(1, training)} (and a pool_size that is a multiple of it), or "
            "pack more sets"
        )
    if not np.any(split == 1):
        notes.append(
            f"--pack {pack} has no validation split: validation while training and 'hggt-train eval --pack' need one "
            "('hggt-data pack ... --split 0.1')"
        )
    subset = str(meta.attrs.get("subset", ""))
    published = PRESET_SUBSET.get(cfg.preset, subset)
    if subset != published:
        notes.append(
            f"--pack {pack}: subset is {subset!r}; preset {cfg.preset!r} was published on {published!r}"
        )
    return problems, notes


def weight_problems(cfg: Config) -> list[str]:
    """Weight files the settings need but that are not given or not there."""
    problems = []
    if cfg.perceptual_weight > 0 and not cfg.vgg_weights:
        problems.append(
            "vgg_weights is not set, but the perceptual loss needs VGG19 weights (nothing is "
            "downloaded): give vgg_weights=PATH to torchvision's vgg19 state dict (.pth or "
            ".safetensors), or perceptual_weight=0 (what --preset tiny does)"
        )
    if cfg.w_seg > 0 and not cfg.seg_weights:
        problems.append(
            "w_seg is on but seg_weights is not set: give seg_weights=PATH to a TorchScript "
            "segmentation network (or to safetensors weights with seg_arch=NAME), or w_seg=0"
        )
    if cfg.w_seg > 0 and cfg.seg_labels and not Path(cfg.seg_labels).is_dir():
        problems.append(f"seg_labels={cfg.seg_labels}: no such folder; check the path")
    for key in ("vgg_weights", "pretrain_g", "seg_weights"):
        value = getattr(cfg, key)
        if value and not Path(value).is_file():
            problems.append(f"{key}={value}: no such file; check the path")
    return problems


def label_folder_problems(cfg: Config, pack: Path) -> tuple[list[str], list[str]]:
    """(problems, notes) of ``seg_labels``: its classes.txt and map headers; sets without a map."""
    if not (cfg.w_seg > 0 and cfg.seg_labels and Path(cfg.seg_labels).is_dir() and pack.is_file()):
        return [], []
    try:
        names = read_meta(pack).names
        labels = pack_label_folder(
            cfg.seg_labels, pack, names, label_folder_classes(cfg.seg_labels), decode=False
        )
    except ConfigError as exc:
        return [str(exc)], []
    except (PackError, OSError):
        return [], []  # pack_problems reports the pack
    missing = labels.missing(range(len(names)))
    if not missing:
        return [], []
    return [], [
        f"seg_labels={cfg.seg_labels}: {missing} of {len(names)} sets have no label map (<set name>.png); "
        "their samples are masked out of l_seg"
    ]


def device_problems(cfg: Config) -> list[str]:
    """A CUDA device asked for on a machine without an NVIDIA driver (Linux; elsewhere later)."""
    if cfg.device.startswith("cuda") and sys.platform.startswith("linux"):
        if not Path("/proc/driver/nvidia/version").exists():
            return [
                f"device={cfg.device}: no NVIDIA driver is loaded on this machine; give device=cpu or auto"
            ]
    return []


def check_fit(cfg: Config, pack: Path) -> tuple[list[str], list[str]]:
    """(problems, notes) of the whole run, each problem a line naming the setting or file."""
    problems, notes = pack_problems(pack, cfg)
    label_problems, label_notes = label_folder_problems(cfg, pack)
    return [*problems, *weight_problems(cfg), *label_problems, *device_problems(cfg)], [*notes, *label_notes]
