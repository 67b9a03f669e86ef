#!/usr/bin/env bash
# Installs everything, then opens the desktop app on the embedded default (no keys, no network).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/simulator "$@"
