"""The fuzz corpus, part two: malformed package, key, pack, config, model and manifest files.

Each case starts from the base dataset of ``corpus.make_base`` and adds the one file it damages
beside it (``packages/``, ``pack.h5``, ``train.toml``, ``model.onnx``, ``checkpoint*``,
``enhanced/.hggt-enhance``); the probes in ``probes.py`` look for them there.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from pathlib import Path

from tests.robustness.corpus import Case, _write


def identity_onnx(path: Path, rank: int = 4) -> Path:
    """A one-node ONNX model that returns its input (scale 1), ``N x 3 x H x W`` unless ``rank``."""
    import onnx
    from onnx import TensorProto, helper

    shape = ["N", 3, "H", "W"][:rank]
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, shape)
    y = helper.make_tensor_value_info("output", TensorProto.FLOAT, shape)
    graph = helper.make_graph([helper.make_node("Identity", ["input"], ["output"])], "identity", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def _packaged(root: Path, labelled: bool = True) -> list[Path]:
    """Packages of the base dataset for annotators X and Y, labelled as the app would."""
    from hggt_desktop.cli.data import main
    from tests.tools.test_packages import label_packages

    out = root / "packages"
    assert main(["package", str(root / "images"), str(out), "--annotators", "X,Y", "--overlap", "1"]) == 0
    if labelled:
        label_packages(out)
    return sorted(p for p in out.iterdir() if not p.name.startswith("."))


def _package_file(change: Callable[[Path, dict], object], name: str = "package.json") -> Callable:
    def damage(root: Path) -> list[Path]:
        package = _packaged(root)[0]
        path = package / name if name == "package.json" else root / "packages" / ".curator" / "key.json"
        value = change(package, json.loads(path.read_text(encoding="utf-8")))
        data = value if isinstance(value, bytes) else json.dumps(value).encode("utf-8")
        return _write(path, data)

    return damage


def _package_link(kind: str) -> Callable[[Path], list[Path]]:
    def damage(root: Path) -> list[Path]:
        package = _packaged(root)[0]
        manifest = json.loads((package / "package.json").read_text(encoding="utf-8"))
        labels = package / manifest["labels_dir"]
        folder = (
            labels / manifest["annotator"]
            if kind == "label"
            else labels / ".hggt" / "records" / manifest["annotator"]
        )
        path = sorted(folder.glob("*.json"))[0]
        secret = root.parent / "secret.json"
        secret.write_bytes(path.read_bytes())
        path.unlink()
        path.symlink_to(secret)
        return [path]

    return damage


def _returned_label_nan(root: Path) -> list[Path]:
    package = _packaged(root)[0]
    manifest = json.loads((package / "package.json").read_text(encoding="utf-8"))
    path = sorted((package / manifest["labels_dir"] / manifest["annotator"]).glob("*.json"))[0]
    return _write(path, path.read_bytes().replace(b'"Total": 50', b'"Total": NaN'))


def _pack(data: Callable[[Path], bytes | None]) -> Callable[[Path], list[Path]]:
    def damage(root: Path) -> list[Path]:
        path = root / "pack.h5"
        content = data(root)
        if content is not None:
            path.write_bytes(content)
        return [path]

    return damage


def _real_pack_truncated(root: Path) -> bytes:
    from hggt_desktop.pack.writer import write_pack

    write_pack(root / "images", root / "full.h5", subset="pos")
    data = (root / "full.h5").read_bytes()
    (root / "full.h5").unlink()
    return data[: len(data) // 2]


def _empty_hdf5(root: Path) -> None:
    import h5py

    with h5py.File(root / "pack.h5", "w") as h5:
        h5.attrs["format"] = "something else"


def _model(name: str, data: Callable[[Path], bytes]) -> Callable[[Path], list[Path]]:
    def damage(root: Path) -> list[Path]:
        path = root / name
        path.write_bytes(data(root))
        return [path]

    return damage


class _Payload:
    """A pickled object that a weights-only load must refuse."""

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (print, ("this code ran while loading a checkpoint",))


def _torn_manifest(root: Path) -> list[Path]:
    path = root / "enhanced" / ".hggt-enhance" / "manifest.jsonl"
    path.parent.mkdir(parents=True)
    line = '{"image": "0000-0-0.png", "model": "01", "status": "done", "note": "é"}\n'
    return _write(path, line.encode("utf-8") + line.encode("utf-8")[:-6])


def _manifest_folder_is_file(root: Path) -> list[Path]:
    (root / "enhanced").mkdir()
    return _write(root / "enhanced" / ".hggt-enhance", b"not a folder\n")


def file_cases() -> list[Case]:
    merge, pack, fit = ("merge",), ("pack-check", "train-fit"), ("train-fit",)
    enhance, export = ("enhance",), ("enhance-export", "train-export")
    every = frozenset({"merge", "pack-check", "train-fit", "enhance", "enhance-export", "train-export"})
    cases = [
        Case("package-json-list", _package_file(lambda p, d: []), every, merge),
        Case("package-json-truncated", _package_file(lambda p, d: json.dumps(d).encode()[:30]), every, merge),
        Case(
            "key-json-packages-list",
            _package_file(lambda p, d: {"packages": []}, "key.json"),
            every,
            merge,
        ),
        Case(
            "key-json-items-not-objects",
            _package_file(lambda p, d: {"packages": {k: 1 for k in d["packages"]}}, "key.json"),
            every,
            merge,
        ),
        Case("package-label-link-outside", _package_link("label"), every, merge),
        Case("package-record-link-outside", _package_link("record"), every, merge),
        Case("package-label-nan", _returned_label_nan, every, merge),
        Case("pack-zero-byte", _pack(lambda r: b""), every, pack),
        Case("pack-text", _pack(lambda r: b"not an HDF5 file\n"), every, pack),
        Case("pack-truncated", _pack(_real_pack_truncated), every, pack),
        Case("pack-other-hdf5", _pack(_empty_hdf5), every, pack),
        Case("config-negative-batch", _model("train.toml", lambda r: b"batch_size = -3\n"), every, fit),
        Case("config-not-toml", _model("train.toml", lambda r: b"[[[ batch_size\n"), every, fit),
        Case("config-utf16", _model("train.toml", lambda r: "batch_size = 4\n".encode("utf-16")), every, fit),
        Case("config-unknown-key", _model("train.toml", lambda r: b"batch_sise = 4\n"), every, fit),
        Case("config-wrong-type", _model("train.toml", lambda r: b'gt_size = "big"\n'), every, fit),
        Case("model-onnx-zero-byte", _model("model.onnx", lambda r: b""), every, enhance),
        Case("model-onnx-text", _model("model.onnx", lambda r: b"not a model\n"), every, enhance),
        Case(
            "model-onnx-truncated",
            _model("model.onnx", lambda r: identity_onnx(r / "m.onnx").read_bytes()[:40]),
            every,
            enhance,
        ),
        Case(
            "model-onnx-rank-3",
            _model("model.onnx", lambda r: identity_onnx(r / "m.onnx", 3).read_bytes()),
            every,
            enhance,
        ),
        Case("checkpoint-zero-byte.pth", _model("checkpoint.pth", lambda r: b""), every, export),
        Case("checkpoint-text.pth", _model("checkpoint.pth", lambda r: b"not a checkpoint\n"), every, export),
        Case(
            "checkpoint-pickle.pth",
            _model("checkpoint.pth", lambda r: pickle.dumps(_Payload())),
            every,
            export,
        ),
        Case(
            "checkpoint-garbage.safetensors",
            _model("checkpoint.safetensors", lambda r: b"\xff" * 64),
            every,
            export,
        ),
        Case("manifest-torn-utf8", _torn_manifest, frozenset(), enhance),
        Case("manifest-folder-is-a-file", _manifest_folder_is_file, every, enhance),
    ]
    return cases
