#!/usr/bin/env bash
# The test command: set up (idempotent), then lint, type-check the core, check the import
# contracts, lint the GitHub workflows, run the tests, estimate the Windows bundle from the
# Windows wheels (downloaded once into ~/.cache/hggt-desktop/win-wheels) and check the Linux one.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The tests also run the optional cluster engine on a local Ray instance: install that extra too.
.venv/bin/python -m pip install -q -c constraints.txt -e ".[enhance,train,dev,cluster]"
export PATH="$PWD/.venv/bin:$PATH"
export QT_QPA_PLATFORM=offscreen
echo "== ruff";          ruff check .
echo "== mypy (core)";   mypy
echo "== import-linter"; lint-imports
echo "== actionlint";    actionlint .github/workflows/*.yml
echo "== pytest";        python -m pytest -q -p no:cacheprovider
echo "== walkthrough: the README's workflow, end to end (about 5 minutes on 2 cores)"
bash scripts/walkthrough.sh
echo "== Windows annotator bundle: size estimated from the pinned win_amd64 wheels"
python scripts/bundle_size.py windows
echo "== annotator bundle: build, size, forbidden files, offline smoke run"
bash scripts/bundle_check.sh
