#!/usr/bin/env bash
# Build a PyInstaller bundle from build_windows.spec with the project venv.
#
#   scripts/build_bundle.sh [annotator|workstation]     (default: annotator)
#
# Output: dist/hggt-desktop-<target>/ (work files in build/). On Windows, run the equivalent
# pyinstaller command from docs/windows.md; this script is for Linux/macOS and CI.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${1:-annotator}"
case "$target" in
  annotator|workstation) ;;
  *) echo "usage: $0 [annotator|workstation] (got '$target')" >&2; exit 2 ;;
esac

pyinstaller=".venv/bin/pyinstaller"
if [[ ! -x "$pyinstaller" ]]; then
  echo "error: $pyinstaller not found; run scripts/setup.sh first (it creates .venv with the dev extras)" >&2
  exit 2
fi

if [[ "$(uname -s)" == Linux ]] && ! command -v objdump >/dev/null; then
  # PyInstaller reads binaries' link tables with objdump/ldd; the spec strips libpython with strip.
  echo "error: PyInstaller needs objdump on Linux; install binutils (apt-get install binutils)" >&2
  exit 2
fi

start=$(date +%s)
"$pyinstaller" build_windows.spec --noconfirm --clean --log-level WARN \
  --distpath dist --workpath "build/$target" -- --target "$target"
end=$(date +%s)

bundle="dist/hggt-desktop-$target"
echo "built $bundle in $((end - start)) s ($(du -sh "$bundle" | cut -f1))"
