#!/usr/bin/env bash
# The test command: set up (idempotent), then lint, type-check the core, check the import
# contracts, and run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
export QT_QPA_PLATFORM=offscreen
echo "== ruff";          ruff check .
echo "== mypy (core)";   mypy
echo "== import-linter"; lint-imports
echo "== pytest";        python -m pytest -q -p no:cacheprovider
echo "== annotator bundle: build, size, forbidden files, offline smoke run"
bash scripts/bundle_check.sh
