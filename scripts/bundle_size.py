"""The annotator bundle's size: measured from a built folder, or estimated for Windows from wheels.

    python scripts/bundle_size.py measure dist/hggt-desktop-annotator --limit-mb 400
    python scripts/bundle_size.py windows [--limit-mb 250] [--cache DIR] [--wheels DIR]

``measure`` adds up a built bundle's files and prints the ten largest (scripts/bundle_check.sh on
Linux, .github/workflows/windows-bundle.yml on Windows).

``windows`` estimates the Windows annotator bundle without a Windows machine: pip downloads the
``win_amd64`` wheels of the project's dependencies at the versions pinned in constraints.txt, and
the estimate keeps every file of them that build_windows.spec's own rules keep (``excludes_for``,
``DROP_PATTERNS``, ``DROP_WITH_DEPENDENCIES``, read from the spec itself), plus the resources the
spec bundles and an allowance for Python's runtime, which is no wheel. It is an upper bound of what
the spec keeps, not PyInstaller's analysis: PyInstaller copies only the modules the app imports and
the libraries they link, so the real bundle is smaller.

Exit status: 0 within the limit, 1 above it, 2 when the wheels or the folder cannot be read.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "build_windows.spec"
MB = 1_000_000
TARGET = "annotator"
WINDOWS_LIMIT_MB = 250
CACHE_ENV = "HGGT_WIN_WHEELS"
DEFAULT_CACHE = Path.home() / ".cache" / "hggt-desktop" / "win-wheels"
# The interpreter the Windows bundle is built with (docs/windows.md) and its wheel platform.
WINDOWS_PLATFORM = ["--platform", "win_amd64", "--python-version", "3.11", "--implementation", "cp"]

# Wheel files PyInstaller never copies into a bundle, whatever the spec says: package metadata and
# installer data, type stubs, C headers and import libraries, the Qt tools shipped as .exe files
# (designer, qmlls...; a bundle's executables are PyInstaller's bootloaders), and the PySide6
# folders that serve only building bindings or QtWebEngine (resources/ holds WebEngine's ICU
# data), which the spec forbids. Matched against the lower-cased path inside the wheel.
NEVER_COLLECTED = [
    r"^[^/]+\.(dist-info|data)/",
    r"\.(pyi|h|hpp|lib|cmake|exe)$",
    r"^pyside6/(include|typesystems|glue|metatypes|resources)/",
]

# Python itself is not a wheel: python311.dll (about 6 MB), the standard library's extension
# modules with OpenSSL's libcrypto (about 10 MB), base_library.zip and the two executables with
# their module archives (about 6 MB). The Linux build of the same spec measures 28 MB for these.
PYTHON_RUNTIME_MB = 22


class SizeError(Exception):
    """The wheels or the bundle folder could not be read; the message says what to do."""


@dataclass(frozen=True)
class Part:
    """One file of the bundle-to-be: its path inside the bundle, its size and where it comes from."""

    path: str
    size: int
    origin: str
    packed: int | None = None  # compressed size inside its wheel, where it comes from one


@dataclass(frozen=True)
class Estimate:
    """What the spec keeps, and the bytes it leaves out by reason."""

    kept: list[Part]
    left_out: dict[str, int]

    @property
    def total(self) -> int:
        return sum(part.size for part in self.kept)


def load_spec_rules(spec: Path = SPEC) -> dict[str, Any]:
    """The spec's constants and functions; without ``SPECPATH`` defined it builds nothing."""
    namespace: dict[str, Any] = {"__name__": "build_windows_spec", "__file__": str(spec)}
    exec(compile(spec.read_text(encoding="utf-8"), str(spec), "exec"), namespace)
    return namespace


def module_of(path: str) -> str:
    """The dotted name a wheel path belongs to: ``PySide6/QtNetwork.pyd`` is ``PySide6.QtNetwork``.

    Libraries vendored beside a package (delvewheel's ``scipy.libs/``) belong to that package.
    """
    parts = path.split("/")
    parts[0] = parts[0].removesuffix(".libs")
    parts[-1] = parts[-1].split(".", 1)[0]
    return ".".join(parts)


def leave_out_reason(path: str, rules: dict[str, Any]) -> str | None:
    """Why a wheel file stays out of the annotator bundle, or None when the spec keeps it."""
    lowered = path.lower()
    if any(re.search(pattern, lowered) for pattern in NEVER_COLLECTED):
        return "never collected by PyInstaller (metadata, stubs, headers, Qt tools)"
    excluded = set(rules["excludes_for"](TARGET))
    names = module_of(path).split(".")
    if any(".".join(names[:depth]) in excluded for depth in range(1, len(names) + 1)):
        return "module excluded by the spec (excludes_for)"
    if not rules["keep_entry"]((path, path, "BINARY")):
        return "dropped by the spec's DROP_PATTERNS"
    if any(re.search(pattern, lowered) for pattern in rules["DROP_WITH_DEPENDENCIES"]):
        return "dropped by the spec's DROP_WITH_DEPENDENCIES"
    return None


def estimate(wheels: Iterable[Path], rules: dict[str, Any], root: Path = ROOT) -> Estimate:
    """Apply the spec's rules to the wheels' files and add the resources the spec bundles."""
    kept: list[Part] = []
    left_out: dict[str, int] = {}
    for wheel in sorted(wheels):
        origin = " ".join(wheel.name.split("-")[:2])
        try:
            with zipfile.ZipFile(wheel) as archive:
                entries = [info for info in archive.infolist() if not info.is_dir()]
        except (OSError, zipfile.BadZipFile) as error:
            raise SizeError(f"{wheel}: not a readable wheel ({error}); delete it and run again") from error
        for info in entries:
            reason = leave_out_reason(info.filename, rules)
            if reason is None:
                kept.append(Part(info.filename, info.file_size, origin, info.compress_size))
            else:
                left_out[reason] = left_out.get(reason, 0) + info.file_size
    for source, folder in rules["resource_datas"](root):
        dest = f"{folder}/{Path(source).name}".replace("\\", "/")
        if rules["keep_entry"]((dest, source, "DATA")):
            kept.append(Part(dest, Path(source).stat().st_size, "resources/"))
    for source in sorted((root / "hggt_desktop").rglob("*.py")):
        kept.append(Part(source.relative_to(root).as_posix(), source.stat().st_size, "hggt_desktop"))
    kept.append(Part("(Python 3.11 runtime, allowance)", PYTHON_RUNTIME_MB * MB, "python.org"))
    return Estimate(kept, left_out)


def read_requirements(pyproject: Path) -> list[str]:
    """The project's runtime requirements, as pyproject.toml lists them."""
    with pyproject.open("rb") as handle:
        return list(tomllib.load(handle)["project"]["dependencies"])


def fetch_wheels(requirements: list[str], constraints: Path, cache: Path, dest: Path) -> str:
    """Copy the pinned win_amd64 wheels into ``dest``, from ``cache`` or else from PyPI into it.

    Returns where they came from. pip resolves with the constraints each time; only a cache that
    lacks a pinned wheel sends it to the index, so a kept cache means no download.
    """
    pip = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--quiet"]
    pip += ["-c", str(constraints), "--only-binary=:all:", *WINDOWS_PLATFORM]
    from_cache = [*pip, "--no-index", "--find-links", str(cache), "--dest", str(dest), *requirements]
    cache.mkdir(parents=True, exist_ok=True)
    if subprocess.run(from_cache, capture_output=True, text=True).returncode == 0:
        return f"cache {cache}"
    online = subprocess.run([*pip, "--dest", str(cache), *requirements], capture_output=True, text=True)
    if online.returncode != 0 or subprocess.run(from_cache, capture_output=True, text=True).returncode:
        reasons = [
            line for line in online.stderr.splitlines() if line.strip() and not line.startswith("WARNING")
        ]
        detail = "\n    ".join(reasons[-6:])
        raise SizeError(
            f"could not download the win_amd64 wheels of {', '.join(requirements)} into {cache}: "
            f"check the connection to PyPI and the pins in {constraints}\n    {detail}"
        )
    return f"PyPI, kept in {cache}"


def normalise_name(name: str) -> str:
    """A distribution name as pip compares it (PEP 503): ``PySide6_Essentials`` is ``pyside6-essentials``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def unpinned(wheels: Iterable[Path], constraints: Path) -> list[str]:
    """Wheels whose distribution constraints.txt does not pin (pip resolved them freely)."""
    pins = set()
    for line in constraints.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*([A-Za-z0-9_.-]+)\s*==", line)
        if match:
            pins.add(normalise_name(match.group(1)))
    return [wheel.name for wheel in wheels if normalise_name(wheel.name.split("-")[0]) not in pins]


def measure(folder: Path) -> list[Part]:
    """Every file of a built bundle, with its size."""
    if not folder.is_dir():
        raise SizeError(f"{folder}: no such bundle folder; build it first (scripts/build_bundle.sh)")
    return [
        Part(path.relative_to(folder).as_posix(), path.stat().st_size, "")
        for path in folder.rglob("*")
        if path.is_file() and not path.is_symlink()
    ]


def report(parts: list[Part], limit_mb: int, what: str) -> bool:
    """Print the total and the ten largest parts; True when the total is within the limit."""
    total = sum(part.size for part in parts)
    print(f"{what}: {total / MB:.1f} MB in {len(parts)} files, limit {limit_mb} MB")
    print("ten largest:")
    for part in sorted(parts, key=lambda part: -part.size)[:10]:
        origin = f"  ({part.origin})" if part.origin else ""
        print(f"  {part.size / MB:8.1f} MB  {part.path}{origin}")
    if total > limit_mb * MB:
        print(f"FAIL: {what} is {total / MB:.1f} MB, over the {limit_mb} MB limit (see the largest above)")
        return False
    return True


def run_windows(args: argparse.Namespace) -> bool:
    """Estimate the Windows annotator bundle from the wheels and print it."""
    constraints = ROOT / "constraints.txt"
    requirements = read_requirements(ROOT / "pyproject.toml")
    rules = load_spec_rules()
    with tempfile.TemporaryDirectory(prefix="hggt-win-wheels-") as temp:
        if args.wheels is not None:
            folder, source = args.wheels, f"folder {args.wheels}"
        else:
            folder, source = Path(temp), fetch_wheels(requirements, constraints, args.cache, Path(temp))
        wheels = sorted(folder.glob("*.whl"))
        if not wheels:
            raise SizeError(f"{folder}: no .whl files; run without --wheels to download them")
        result = estimate(wheels, rules)
        loose = unpinned(wheels, constraints)
    print("Windows annotator bundle, ESTIMATED: an upper bound of what build_windows.spec keeps from")
    print("the pinned win_amd64 wheels, not PyInstaller's analysis (which copies only what the app")
    print("imports, so the real bundle is smaller). Python's runtime is an allowance, not measured.")
    print(f"wheels from {source}: {', '.join(' '.join(w.name.split('-')[:2]) for w in wheels)}")
    if loose:
        print(f"warning: not pinned in {constraints.name}: {', '.join(loose)}")
    for reason, size in sorted(result.left_out.items()):
        print(f"left out, {reason}: {size / MB:.1f} MB")
    by_origin: dict[str, int] = {}
    for part in result.kept:
        by_origin[part.origin] = by_origin.get(part.origin, 0) + part.size
    kept = ", ".join(
        f"{origin} {size / MB:.1f}" for origin, size in sorted(by_origin.items(), key=lambda i: -i[1]) if size
    )
    print(f"kept, MB: {kept}")
    ok = report(result.kept, args.limit_mb, "Windows annotator bundle (estimate)")
    # Compress-Archive deflates as wheels do; what comes from no wheel is counted uncompressed.
    packed = sum(part.size if part.packed is None else part.packed for part in result.kept)
    print(f"zipped, at most about {packed / MB:.0f} MB (the kept wheel files as compressed in their wheels)")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bundle_size.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    built = commands.add_parser("measure", help="add up a built bundle folder")
    built.add_argument("folder", type=Path)
    built.add_argument("--limit-mb", type=int, required=True)
    windows = commands.add_parser("windows", help="estimate the Windows annotator bundle from wheels")
    windows.add_argument("--limit-mb", type=int, default=WINDOWS_LIMIT_MB)
    windows.add_argument("--cache", type=Path, default=Path(os.environ.get(CACHE_ENV, DEFAULT_CACHE)))
    windows.add_argument("--wheels", type=Path, help="use the wheels in this folder; no pip")
    args = parser.parse_args(argv)
    try:
        if args.command == "measure":
            ok = report(measure(args.folder), args.limit_mb, f"bundle {args.folder}")
        else:
            ok = run_windows(args)
    except SizeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
