"""The docs stand alone: every relative link of the repository's Markdown points inside it.

Regression (issue 14): README and docs linked to ../shared/specs/..., which is not part of
the repository.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")  # [text](target)
SHARED = re.compile(r"\.\./shared\b")


def _markdown_files() -> list[Path]:
    skip = {".venv", ".git", "node_modules", "build", "dist", "walkthrough"}
    return [p for p in ROOT.rglob("*.md") if not skip & set(p.relative_to(ROOT).parts)]


def test_relative_links_stay_inside_the_repository_and_exist():
    files = _markdown_files()
    assert any(p.name == "format.md" for p in files)
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not SHARED.search(text), f"{path}: refers to ../shared, which is not in the repository"
        for target in LINK.findall(text):
            if re.match(r"[a-z]+:", target):  # https:, mailto:: public pages are fine
                continue
            resolved = (path.parent / target).resolve()
            assert resolved.is_relative_to(ROOT), f"{path}: link {target} leaves the repository"
            assert resolved.exists(), f"{path}: link {target} points to nothing"
