"""The README's workflow block and scripts/walkthrough.sh agree, and the block has no placeholders.

The test command runs the walkthrough itself (scripts/test.sh: about five minutes); this test
only checks, quickly, that every command of the README's block is one the walkthrough checks,
in the same order, so that editing one without the other fails here.
"""

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import walkthrough  # noqa: E402


def test_every_command_of_the_readme_block_is_a_checked_step_in_order():
    steps = walkthrough.pair(walkthrough.read_block())
    assert [step for _, step in steps] == list(walkthrough.STEPS)


def test_a_readme_block_that_differs_from_the_steps_is_refused(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    changed = tmp_path / "README.md"
    changed.write_text(readme.replace("hggt-data check walkthrough/Dataset\n", ""), encoding="utf-8")
    with pytest.raises(walkthrough.WalkthroughError, match="15 commands but .* checks 16 steps"):
        walkthrough.pair(walkthrough.read_block(changed))
    swapped = readme.replace(
        "hggt-data check walkthrough/Dataset", "hggt-data report walkthrough/Dataset --out r.html"
    )
    changed.write_text(swapped, encoding="utf-8")
    with pytest.raises(walkthrough.WalkthroughError, match="README command 7"):
        walkthrough.pair(walkthrough.read_block(changed))


def test_the_block_uses_real_paths_that_exist_in_the_checkout():
    commands = walkthrough.read_block()
    text = " ".join(commands)
    for placeholder in ("PHOTOS_DIR", "PATH", "...", "<", "CK "):
        assert placeholder not in text
    for path in re.findall(r"(?:resources|scripts)/[\w./-]+", text):
        assert (ROOT / path).exists(), path


def test_the_test_command_runs_the_walkthrough():
    assert "bash scripts/walkthrough.sh" in (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
