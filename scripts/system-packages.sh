#!/usr/bin/env bash
# Installs the Debian packages the app and its tests need, when they are missing.
# Japanese fonts, an emoji font (names and words with 🌸 print as emoji, not boxes) and
# HarfBuzz subsetting for the PDFs, poppler for checking them,
# Debian's Chromium for the browser tests (never a browser downloaded by a test tool),
# Node.js for the front-end tools, Redis (the production job broker) for the scale-out test,
# eSpeak NG for the companion's English voice.
set -euo pipefail

packages=(
  fonts-ipaexfont-mincho
  fonts-ipaexfont-gothic
  fonts-ebgaramond
  fonts-noto-color-emoji
  libharfbuzz-subset0
  libpango-1.0-0
  libpangoft2-1.0-0
  poppler-utils
  wrk
  chromium
  redis-server
  espeak-ng
)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "Not a Debian-like system: please install the equivalents of: ${packages[*]}" >&2
  exit 0
fi

missing=()
# Node.js runs the glTF validator and axe-core in the tests (any Node.js >= 18 will do).
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing system packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "Please install these Debian packages (as root): apt-get install ${missing[*]}" >&2
  exit 1
fi
