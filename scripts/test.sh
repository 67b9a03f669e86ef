#!/usr/bin/env bash
# Installs everything, then checks the code (lint, format, layers, types) and runs the whole
# test suite (and the layout test again at scale factor 2). A failing pytest fails the script:
# "no tests collected" (5) fails like any other failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
# the window once more at twice the pixels per point (a 4K screen at 200%): nothing clipped
QT_SCALE_FACTOR=2 .venv/bin/python -m pytest -q -p no:cacheprovider tests/app/test_app_layout.py \
    -k nothing_is_clipped
