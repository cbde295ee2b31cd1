"""PyInstaller entry script for ``hggt-enhance`` (the ONNX enhancement runner, workstation bundle only).

The GUI starts it as its own process: on Windows, loading onnxruntime's DLLs in a process that
already holds Qt's has broken DLL resolution (see docs/windows.md). The guard also sets
``ORT_DISABLE_TELEMETRY`` before ``enhance`` can import onnxruntime.
"""

from hggt_desktop.offline import install_network_guard

install_network_guard()

import sys  # noqa: E402

from enhance.cli import main  # noqa: E402  (after the guard on purpose)


def run() -> int:
    """``enhance.cli.main``, with a clear message where the bundle's missing torch is needed."""
    try:
        return main()
    except ModuleNotFoundError as exc:
        # The bundle carries ONNX Runtime, not torch (4-5 GB): .pth/.safetensors checkpoints and
        # 'export' need a Python install with torch (docs/windows.md).
        if exc.name != "torch":
            raise
        print(
            "hggt-enhance: this bundle runs ONNX models only (.onnx); PyTorch checkpoints "
            "(.pth/.safetensors) and 'export' need a Python install with torch. Export the model "
            "there with 'hggt-enhance export CHECKPOINT OUT.onnx' and pass the .onnx file.",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    raise SystemExit(run())
