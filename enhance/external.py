"""External enhancers: a model that is a program in its own environment, described in a few lines.

Generative restorers (SeeSR, StableSR, DiffBIR) need their own Python, pinned libraries and GBs
of weights, so the runner starts them as a command instead of loading them. A description comes
from the command line (``--model 03=cmd:"/opt/seesr/bin/python test_seesr.py --image_path {in}
--output_dir {outdir}"``, one call per image, scale 1) or from a TOML file::

    command = ["/opt/seesr/bin/python", "test_seesr.py", "--image_path", "{in}",
               "--output_dir", "{outdir}", "--upscale", "1"]   # or one string, split like a shell
    per = "folder"              # "image" (default): one call per photo; "folder": one call for many
    images_per_call = 0         # per folder: at most this many photos per call (0: all)
    output = "sample00/{stem}.png"  # where each result lands inside {outdir} (default "{stem}.png")
    scale = 1                   # result size = scale x input size, checked for every image
    timeout = 900               # seconds per image (a folder call gets this x its photos); 0: none
    cwd = "/opt/seesr"          # working folder (relative: to this file's folder)
    version = "seesr-2023-12"   # anything: change it to re-run every image
    [env]
    CUDA_VISIBLE_DEVICES = "0"

Placeholders, in the command's arguments: ``{in}`` the input (a PNG file per image, a folder of
PNGs per folder), ``{out}`` the expected result file (per image), ``{outdir}`` the folder the
results go to. No shell is involved: the command is an argument list.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

COMMAND_PREFIX = "cmd:"
DESCRIPTION_SUFFIX = ".toml"
PLACEHOLDERS = ("{in}", "{out}", "{outdir}")
_KEYS = {"command", "per", "images_per_call", "output", "scale", "timeout", "cwd", "version", "env"}


class ExternalModelError(Exception):
    """A description that cannot be used; the message names it and says what to change."""


@dataclass(frozen=True)
class ExternalModel:
    """How to run one external enhancer."""

    command: tuple[str, ...]
    per: str = "image"  # "image" or "folder"
    images_per_call: int = 0
    output: str = "{stem}.png"
    scale: int = 1
    timeout_s: float = 0.0  # per image; 0: none
    cwd: str = ""
    version: str = ""
    env: dict[str, str] = field(default_factory=dict)
    source: str = ""  # where it was described (file or "command line"), for messages

    def digest(self) -> str:
        """SHA-256 of what decides the results (not the timeout, not where it was written)."""
        fields = asdict(self)
        del fields["timeout_s"], fields["source"]
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()

    def describe(self) -> str:
        """One line for the log: the program and how it is called."""
        return f"external command {shlex.join(self.command)} (one call per {self.per})"

    def arguments(self, source: Path, out: Path | None, outdir: Path) -> list[str]:
        """The argument list with the placeholders filled in (plain replacement, no shell)."""
        values = {"{in}": str(source), "{out}": str(out or ""), "{outdir}": str(outdir)}
        filled = []
        for part in self.command:
            for name, value in values.items():
                part = part.replace(name, value)
            filled.append(part)
        return filled

    def result_name(self, stem: str) -> str:
        """Where the result of input ``stem`` lands, relative to ``{outdir}``."""
        return self.output.replace("{stem}", stem)


def is_external(value: str) -> bool:
    """Whether a ``--model`` value describes an external command rather than a weights file."""
    return value.startswith(COMMAND_PREFIX) or value.lower().endswith(DESCRIPTION_SUFFIX)


def read_external(value: str) -> ExternalModel:
    """The description in a ``--model`` value: ``cmd:...`` or the path of a TOML file."""
    if value.startswith(COMMAND_PREFIX):
        return _checked({"command": value[len(COMMAND_PREFIX) :]}, "the command line", base=Path.cwd())
    path = Path(value)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExternalModelError(f"{path}: model description not found") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ExternalModelError(f"{path}: not a readable TOML description ({exc})") from exc
    return _checked(data, str(path), base=path.resolve().parent)


def _split(command: str) -> list[str]:
    # Windows paths keep their backslashes; elsewhere quotes and escapes work as in a shell.
    return shlex.split(command, posix=os.name != "nt")


def _checked(data: dict, source: str, base: Path) -> ExternalModel:
    def bad(what: str) -> ExternalModelError:
        return ExternalModelError(f"{source}: {what}")

    unknown = set(data) - _KEYS
    if unknown:
        raise bad(f"unknown keys {sorted(unknown)}; known: {sorted(_KEYS)}")
    command = data.get("command")
    if isinstance(command, str):
        try:
            command = _split(command)
        except ValueError as exc:
            raise bad(f"command cannot be split into arguments ({exc}); check its quotes") from exc
    if not isinstance(command, list) or not command or not all(isinstance(a, str) for a in command):
        raise bad("'command' must be a non-empty string or list of strings")
    per = data.get("per", "image")
    if per not in ("image", "folder"):
        raise bad(f'\'per\' must be "image" or "folder", got {per!r}')
    text = " ".join(command)
    if "{in}" not in text:
        raise bad("the command must contain {in} (where the photo, or the folder of photos, is)")
    if "{outdir}" not in text and "{out}" not in text:
        raise bad("the command must contain {out} or {outdir} (where the results go)")
    if per == "folder" and "{out}" in text:
        raise bad('{out} names one result file: with per = "folder" use {outdir}')
    output = data.get("output", "{stem}.png")
    if not isinstance(output, str) or "{stem}" not in output or Path(output).is_absolute():
        raise bad("'output' must be a relative name containing {stem}, e.g. \"{stem}.png\"")
    numbers = {}
    for key, default, low in (("scale", 1, 1), ("images_per_call", 0, 0), ("timeout", 0, 0)):
        number = data.get(key, default)
        if isinstance(number, bool) or not isinstance(number, (int, float)) or number < low:
            raise bad(f"'{key}' must be a number >= {low}, got {number!r}")
        numbers[key] = number
    if numbers["scale"] != int(numbers["scale"]):
        raise bad(f"'scale' must be a whole number, got {numbers['scale']}")
    env = data.get("env", {})
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        raise bad('[env] must hold NAME = "value" strings')
    cwd = data.get("cwd", "")
    if not isinstance(cwd, str):
        raise bad("'cwd' must be a folder path")
    if cwd:
        cwd = str(base / cwd)
        if not Path(cwd).is_dir():
            raise bad(f"cwd {cwd} is not a folder")
    return ExternalModel(
        command=tuple(command),
        per=per,
        images_per_call=int(numbers["images_per_call"]),
        output=output,
        scale=int(numbers["scale"]),
        timeout_s=float(numbers["timeout"]),
        cwd=cwd,
        version=str(data.get("version", "")),
        env=dict(env),
        source=source,
    )
