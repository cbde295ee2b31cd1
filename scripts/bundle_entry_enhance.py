"""PyInstaller entry script for ``hggt-enhance`` (the ONNX enhancement runner, workstation bundle only).

The GUI starts it as its own process: on Windows, loading onnxruntime's DLLs in a process that
already holds Qt's has broken DLL resolution (see docs/windows.md). The guard also sets
``ORT_DISABLE_TELEMETRY`` before ``enhance`` can import onnxruntime.
"""

from hggt_desktop.offline import install_network_guard

install_network_guard()

from enhance.cli import main  # noqa: E402  (after the guard on purpose)

if __name__ == "__main__":
    raise SystemExit(main())
