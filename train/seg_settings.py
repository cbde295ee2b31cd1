"""The segmentation settings as ``key=value`` items on commands other than ``fit`` (no torch here).

``hggt-train classical`` takes them spelled as ``fit`` does (``w_seg=0.05 seg_weights=seg.pt``)
and checks them with ``fit``'s own rules (train.config), so the two commands cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path

from train.config import ConfigError, config_and_problems

# Settings a photo-folder run can use. seg_labels is not among them: its maps are named after a
# pack's sets, and a photo folder has none (classical runs use the network's pseudo-labels).
SEG_KEYS = ("w_seg", "seg_weights", "seg_arch", "seg_mean", "seg_std", "seg_size")


def seg_settings(items: list[str], command: str) -> dict[str, object]:
    """The segmentation settings of ``items`` (key=value), or ConfigError listing every problem."""
    problems, kept = [], []
    for item in items:
        key = item.partition("=")[0].strip()
        if key == "seg_labels":
            problems.append(
                f"{item}: {command} trains on photos, not pack sets, so it takes no label folder; "
                "the network's pseudo-labels on the HR crops are used"
            )
        elif key not in SEG_KEYS:
            problems.append(f"{item}: {command} takes only the segmentation settings {', '.join(SEG_KEYS)}")
        else:
            kept.append(item)
    cfg, more = config_and_problems(None, None, kept)
    problems += more
    values = {key: getattr(cfg, key) for key in SEG_KEYS}
    if cfg.w_seg and not cfg.seg_weights:
        problems.append("w_seg is on but seg_weights is not set: give seg_weights=PATH, or w_seg=0")
    if cfg.seg_weights and not Path(cfg.seg_weights).is_file():
        problems.append(f"seg_weights={cfg.seg_weights}: no such file; check the path")
    if problems:
        raise ConfigError("\n".join(problems))
    return values
