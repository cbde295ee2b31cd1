"""Tiny "external enhancers" for the tests: Python scripts written into tmp_path, run as commands."""

from __future__ import annotations

import sys
from pathlib import Path

# Per image: inverts the photo ({in} -> {out}); argv: in, out, calls file.
INVERT = """
import sys, cv2
image = cv2.imread(sys.argv[1])
open(sys.argv[3], "a").write(sys.argv[1] + "\\n")
print("inverting", sys.argv[1], file=sys.stderr)
cv2.imwrite(sys.argv[2], 255 - image)
"""

# Per folder: loads "a model" once, then inverts every PNG of {in} into {outdir}/sample00/.
FOLDER = """
import os, sys, cv2
src, outdir, calls = sys.argv[1:4]
open(calls, "a").write(src + "\\n")
os.makedirs(os.path.join(outdir, "sample00"), exist_ok=True)
for name in sorted(os.listdir(src)):
    image = cv2.imread(os.path.join(src, name))
    cv2.imwrite(os.path.join(outdir, "sample00", name), 255 - image)
"""

# Per image, by the photo's name: no result, garbage, wrong size, or a good one.
FLAKY = """
import sys, cv2
src, out = sys.argv[1:3]
print("loading weights", file=sys.stderr)
if "img00" in src:
    print("RuntimeError: CUDA error: an illegal memory access was encountered", file=sys.stderr)
    sys.exit(1)
if "img01" in src:
    open(out, "wb").write(b"not a png")
    sys.exit(0)
image = cv2.imread(src)
if "img02" in src:
    image = cv2.resize(image, (image.shape[1] * 2, image.shape[0] * 2))
cv2.imwrite(out, image)
"""

# Per image, x2 by pixel repetition ({in} -> {out}).
DOUBLE = """
import sys, cv2
image = cv2.imread(sys.argv[1])
cv2.imwrite(sys.argv[2], cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST))
"""

# Starts a grandchild, writes both process ids, then never finishes.
HANG = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
with open(sys.argv[1] + ".tmp", "w") as handle:
    handle.write(f"{os.getpid()} {child.pid}")
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
print("started, waiting for ever", file=sys.stderr, flush=True)
time.sleep(600)
"""


def write_script(folder: Path, name: str, source: str) -> Path:
    path = folder / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    return path


def python() -> str:
    return sys.executable


def is_alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie (a dead child not yet reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
