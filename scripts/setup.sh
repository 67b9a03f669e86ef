#!/usr/bin/env bash
# Installs everything the simulator needs, idempotently: Debian packages (only those missing),
# a virtual environment at .venv in the repo root, and the project with its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(python3-venv)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# python3 -m venv works without the Debian package when Python was not installed by apt.
if [ ${#missing[@]} -gt 0 ] && ! python3 -c "import venv, ensurepip" 2>/dev/null; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
