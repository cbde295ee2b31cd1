#!/usr/bin/env bash
# The README's workflow, end to end, as printed: every step in a temporary folder, each one's
# output checked, the time of each and of the whole printed (scripts/walkthrough.py).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python scripts/walkthrough.py "$@"
