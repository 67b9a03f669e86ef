#!/usr/bin/env bash
# Installs everything the simulator needs, idempotently: Debian packages (only those missing),
# a virtual environment at .venv in the repo root, and the project with its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

# Qt's wheels need these system libraries and ship no fonts; python3-venv only where Python
# itself came from apt (a pyenv or python.org Python has venv built in).
apt_packages=(fonts-dejavu-core libegl1 libgl1 libfontconfig1 libglib2.0-0 libdbus-1-3
  libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
  libxcb-render-util0 libxcb-image0 libpulse0 espeak-ng)
python3 -c "import venv, ensurepip" 2>/dev/null || apt_packages+=(python3-venv)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test,offline-voice]"
