#!/usr/bin/env bash
# Installs everything, then checks the code (lint, format, layers, types) and runs the whole
# test suite. pytest's exit code is the script's:
# "no tests collected" (5) fails like any other failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
