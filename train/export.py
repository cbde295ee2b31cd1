"""``hggt-train export``: a trained model as ONNX for hggt-enhance (via enhance.onnx_export).

Every architecture of the registry (``enhance/archs/registry.py``) exports: our RRDBNet runs
(``models/net_g_*.safetensors``), classical runs (``model.pth`` or ``state.pt`` of ``hggt-train
classical``, or the run folder itself) and published checkpoints in BasicSR or the official
names. The file states its scale in its metadata, which ``hggt-enhance --scale N`` checks.
"""

from __future__ import annotations

from pathlib import Path

from enhance.model_scale import declared_scale


class ExportError(Exception):
    """The checkpoint could not be exported; the message names the file."""


def resolve_checkpoint(path: Path) -> Path:
    """The weights file a run folder holds (a classical run's model.pth, a fit run's newest net_g)."""
    if not path.is_dir():
        return path
    if (path / "model.pth").is_file():
        return path / "model.pth"
    weights = sorted((path / "models").glob("net_g_*.safetensors"))
    if weights:
        return weights[-1]
    raise ExportError(
        f"{path}: a folder without model.pth (hggt-train classical) or models/net_g_*.safetensors "
        "(hggt-train fit); give the weights file"
    )


def export_checkpoint(
    checkpoint: Path | str,
    out: Path | str,
    params: str = "params_ema",
    opset: int = 17,
    overwrite: bool = False,
) -> tuple[Path, str, int]:
    """Build the model ``checkpoint`` describes and write verified ONNX; the path, arch and scale."""
    # The runner owns the exporter (dynamic H/W, checked against PyTorch with ONNX Runtime
    # before the file is written) and the loader (registry, published layouts, weights_only).
    from enhance.checkpoints import CheckpointError, build_model
    from enhance.onnx_export import ARCH_KEY, check_export_target, export_onnx
    from enhance.onnx_export import ExportError as OnnxCheckFailed

    out = Path(out)
    try:
        check_export_target(out, overwrite)  # before the checkpoint is even read
    except OnnxCheckFailed as exc:
        raise ExportError(str(exc)) from exc
    checkpoint = resolve_checkpoint(Path(checkpoint))
    try:
        model, arch, _config = build_model(checkpoint, params)
    except CheckpointError as exc:
        raise ExportError(str(exc)) from exc
    try:
        export_onnx(model, out, opset=opset, overwrite=overwrite, metadata={ARCH_KEY: arch})
    except OnnxCheckFailed as exc:
        raise ExportError(f"{out}: {exc}") from exc
    except OSError as exc:  # AtomicWriteError: the ONNX file cannot be written there
        raise ExportError(
            f"{out}: cannot write it ({getattr(exc, 'reason', None) or exc.strerror or exc}); "
            "give a writable file"
        ) from exc
    except RuntimeError as exc:  # torch.onnx refuses the opset (e.g. "Unsupported onnx_opset_version")
        raise ExportError(
            f"{checkpoint}: torch could not export it with --opset {opset} ({str(exc).splitlines()[0]}); "
            "the default --opset 17 works"
        ) from exc
    return out, arch, declared_scale(out) or 0
