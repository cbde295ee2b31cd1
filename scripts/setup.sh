#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks: the system libraries Qt needs offscreen and
# under Xvfb, then a virtual environment in .venv with the project and its pinned dependencies.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # Qt offscreen
  libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libxkbcommon0 libx11-6 libdbus-1-3
  fontconfig fonts-dejavu-core
  # Qt under Xvfb (xcb), real key events, and the offline check of the bundle
  xvfb xauth libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1
  libxcb-util1 libxcb-xfixes0 libxcb-xkb1 libxkbcommon-x11-0 libxcb-glx0 xdotool strace
  # a window manager for the screen tests (maximised, full screen, a reserved taskbar)
  openbox
  # PyInstaller needs objdump; the bundle check strips libpython
  binutils
)

PYTHON="${PYTHON:-python3}"
# Debian's own python3 needs python3-venv for `python3 -m venv` (ensurepip).
"$PYTHON" -c "import ensurepip" 2>/dev/null || APT_PACKAGES+=(python3-venv)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing system packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# torch is pinned to the CPU build in constraints.txt; pip finds it in the local wheel folder
# where the machine has one (PIP_FIND_LINKS), else on the package index.
.venv/bin/python -m pip install -q -c constraints.txt -e ".[enhance,train,dev]"
