#!/usr/bin/env bash
# Install the real programs the tests talk to (a litecoind node, Chromium,
# anvil), from Debian's packages and the npm registry. Idempotent: each is
# installed only when missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

apt_packages=()
need_apt() { dpkg -s "$1" >/dev/null 2>&1 || apt_packages+=("$1"); }
# Debian package names of the programs the tests start.
need_apt litecoind
# Headless browser for `capture --render` and a SOCKS5 proxy for the capture tests.
need_apt chromium
need_apt microsocks

if [ ${#apt_packages[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${apt_packages[*]} ..." >&2
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi
