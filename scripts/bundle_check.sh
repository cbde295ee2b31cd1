#!/usr/bin/env bash
# CI check of the annotator bundle: build it, then prove it is small, clean and offline.
#
#   scripts/bundle_check.sh            build dist/hggt-desktop-annotator, then check it
#   HGGT_BUNDLE_SKIP_BUILD=1 ...       check an existing build (quick re-runs)
#
# Checks, each printed with its reason when it fails (exit 1 if any fails, 0 when all pass):
#  1. forbidden files: torch, onnxruntime, QtWebEngine, OpenCV's Qt build (cv2/qt);
#  2. size (all files, the ten largest printed) at most HGGT_BUNDLE_MAX_MB (default 400 on Linux,
#     see below), and every bundled library finds the Qt/Python/OpenCV libraries it links to
#     (pruning went too far);
#  3. `hggt-desktop --smoke --screenshot FILE` exits 0 and writes a PNG, run offscreen inside a
#     network namespace without interfaces (`unshare -rn`) under `strace -f`;
#  4. the trace shows no connect/sendto/sendmsg to an AF_INET/AF_INET6 address (AF_UNIX and
#     netlink are local and allowed). strace sees native code too (ONNX Runtime telemetry), which
#     the in-app audit hook (hggt_desktop/offline.py) cannot.
#
# Size budget: 250 MB is the Windows annotator bundle's budget. The Linux build of the same spec
# is larger because the Linux wheels ship as separate libraries what Windows gets from the OS or
# leaves out (Qt's ICU, 39 MB; OpenCV's ffmpeg chain and a second OpenBLAS, about 80 MB; system
# X11/GLib libraries). The Linux limit is set to catch regressions that matter (torch +750 MB,
# onnxruntime +340 MB, scipy +140 MB, WebEngine +200 MB); docs/windows.md has the figures. The
# Windows budget is checked against an estimate from the Windows wheels (scripts/bundle_size.py
# windows, run by scripts/test.sh) and by the Windows workflow on a real build.
set -uo pipefail
cd "$(dirname "$0")/.."

target=annotator
bundle="dist/hggt-desktop-$target"
exe="$bundle/hggt-desktop"
max_mb="${HGGT_BUNDLE_MAX_MB:-400}"
out_dir="build/bundle-check"
trace="$out_dir/net.trace"
screenshot="$out_dir/screenshot-smoke.png"
failures=()
python=python3
[[ -x .venv/bin/python ]] && python=.venv/bin/python

fail() { failures+=("$1"); echo "FAIL: $1"; }

# --- build ------------------------------------------------------------------------------------
t0=$(date +%s)
if [[ "${HGGT_BUNDLE_SKIP_BUILD:-0}" != "1" ]]; then
  echo "== building the $target bundle"
  if ! bash scripts/build_bundle.sh "$target"; then
    echo "FAIL: the bundle did not build (see the PyInstaller output above)"
    exit 1
  fi
fi
t1=$(date +%s)
if [[ ! -x "$exe" ]]; then
  echo "FAIL: $exe is missing; build it with scripts/build_bundle.sh $target"
  exit 1
fi
rm -rf "$out_dir" && mkdir -p "$out_dir"

# --- 1. forbidden files -----------------------------------------------------------------------
echo "== forbidden files"
forbidden=$(cd "$bundle" && find . | grep -i -E '(^|/)(lib)?(torch|onnxruntime)([/._-]|$)|qt6?webengine|/cv2/qt(/|$)' | head -20)
if [[ -n "$forbidden" ]]; then
  fail "the $target bundle carries files it must not (torch/onnxruntime/QtWebEngine/cv2-qt):"
  echo "$forbidden" | sed 's/^/    /'
else
  echo "ok: no torch, onnxruntime, QtWebEngine or cv2/qt files"
fi

# --- 2. size ----------------------------------------------------------------------------------
echo "== size"
# The total and the ten largest files, so that growth shows in every run (scripts/bundle_size.py
# also checks the Windows build in .github/workflows/windows-bundle.yml).
if ! "$python" scripts/bundle_size.py measure "$bundle" --limit-mb "$max_mb"; then
  fail "the bundle is over the $max_mb MB limit (or could not be measured): see the largest files above"
fi

# --- 2b. every bundled library finds what it links to (catches over-eager pruning) ----------------
if command -v ldd >/dev/null; then
  echo "== link-time dependencies"
  unresolved=$(cd "$bundle/_internal" && find . -name '*.so*' -type f -print0 |
    xargs -0 -n 20 env LD_LIBRARY_PATH="$PWD" ldd 2>/dev/null | grep 'not found' | sort | uniq -c | head -20)
  ours=$(echo "$unresolved" | grep -E 'lib(Qt6|icu|pyside6|shiboken6|python3)|openblas|libav' || true)
  if [[ -n "$ours" ]]; then
    fail "bundled libraries link to Qt/Python/OpenCV libraries the bundle leaves out (see DROP_PATTERNS in build_windows.spec):"
    echo "$ours" | sed 's/^/    /'
  elif [[ -n "$unresolved" ]]; then
    echo "warning: system libraries missing on this machine (the bundle expects them from the OS):"
    echo "$unresolved" | sed 's/^/    /'
  else
    echo "ok: every bundled library resolves its link-time dependencies"
  fi
fi

# --- 3. smoke run, offline, traced ------------------------------------------------------------
echo "== smoke run (offscreen, no network, traced)"
if ! command -v strace >/dev/null; then
  fail "strace is not installed (apt-get install strace): cannot prove the app stays offline"
  strace_cmd=()
else
  strace_cmd=(strace -f -qq -e trace=connect,sendto,sendmsg -e signal=none -o "$trace")
fi
if unshare -rn true 2>/dev/null; then
  netns=(unshare -rn)
  echo "network namespace: unshare -rn (no interfaces, not even loopback up)"
else
  netns=()
  echo "network namespace: NOT AVAILABLE here (unshare -rn refused); relying on strace alone"
fi
t2=$(date +%s)
QT_QPA_PLATFORM=offscreen "${netns[@]}" "${strace_cmd[@]}" "$exe" --smoke --screenshot "$screenshot" \
  >"$out_dir/smoke.log" 2>&1
smoke_rc=$?
t3=$(date +%s)
echo "smoke exit status $smoke_rc in $((t3 - t2)) s (log: $out_dir/smoke.log)"
if ((smoke_rc != 0)); then
  fail "'hggt-desktop --smoke' exited with $smoke_rc; its last lines:"
  tail -15 "$out_dir/smoke.log" | sed 's/^/    /'
elif [[ ! -s "$screenshot" ]] || [[ "$(head -c 8 "$screenshot" | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a" ]]; then
  fail "the smoke run exited 0 but wrote no PNG screenshot at $screenshot"
else
  echo "ok: screenshot $screenshot ($(stat -c %s "$screenshot") bytes)"
fi

# --- 4. what strace saw -----------------------------------------------------------------------
if [[ -f "$trace" ]]; then
  echo "== network calls seen by strace ($trace)"
  for family in AF_UNIX AF_NETLINK AF_INET AF_INET6; do
    printf '    %-10s %s\n' "$family" "$(grep -c "sa_family=$family[,}]" "$trace")"
  done
  internet=$(grep -E 'sa_family=AF_INET6?[,}]' "$trace" | head -10)
  if [[ -n "$internet" ]]; then
    fail "the app tried to reach the network (connect/sendto to an internet address):"
    echo "$internet" | sed 's/^/    /'
  else
    echo "ok: no connect/sendto/sendmsg to an AF_INET/AF_INET6 address"
  fi
fi

# --- summary ----------------------------------------------------------------------------------
t4=$(date +%s)
echo "== summary: build $((t1 - t0)) s, smoke $((t3 - t2)) s, total $((t4 - t0)) s"
if ((${#failures[@]})); then
  echo "bundle check FAILED (${#failures[@]}):"
  printf '  - %s\n' "${failures[@]}"
  exit 1
fi
echo "bundle check passed"
