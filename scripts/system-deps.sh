#!/usr/bin/env bash
# Install the real programs the tests and the demo talk to (a litecoind node,
# Chromium, a SOCKS5 proxy, a Java runtime for Spark, pango for PDF reports), from Debian's packages.
# Idempotent: each is installed only when missing.
#
# Usage: system-deps.sh [PROFILE]
#   test (the default): everything the tests use;
#   demo: only what `cointrail demo` needs (litecoind, and pango with a font for the PDF report).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROFILE="${1:-test}"
case "$PROFILE" in
    test|demo) ;;
    *) echo "usage: $0 [test|demo] (unknown profile: $PROFILE)" >&2; exit 2 ;;
esac

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

apt_packages=()
need_apt() { dpkg -s "$1" >/dev/null 2>&1 || apt_packages+=("$1"); }
# Debian package names of the programs the tests start.
need_apt litecoind
# Headless browser for `capture --render` and a SOCKS5 proxy for the capture tests.
if [ "$PROFILE" = test ]; then
    need_apt chromium
    need_apt microsocks
fi
# A Java runtime for Apache Spark (PySpark's wheel carries Spark's jars), for `cluster build --engine spark` and its
# tests (issue 20); any Java 17 or newer already installed does.
# Debian 13 dropped Java 17: 21 then.
if [ "$PROFILE" = test ] && ! command -v java >/dev/null 2>&1; then
    if apt-cache show openjdk-17-jre-headless >/dev/null 2>&1; then
        need_apt openjdk-17-jre-headless
    else
        need_apt openjdk-21-jre-headless
    fi
fi
# Pango for WeasyPrint (`cointrail report` writes PDF), and a font to set the text in.
need_apt libpango-1.0-0
need_apt libpangoft2-1.0-0
# HarfBuzz's subsetter: WeasyPrint 70 embeds only the glyphs a PDF uses through it, and warns (an error under the
# tests' warning filter) when it is missing; Debian ships it apart from libharfbuzz0b.
need_apt libharfbuzz-subset0
need_apt fonts-dejavu-core
# Node and npm fetch the web workspace's front-end bundle (scripts/web-assets.sh); skipped when a node is already
# installed another way (e.g. from NodeSource).
if [ "$PROFILE" = test ] && ! command -v npm >/dev/null 2>&1; then
    need_apt nodejs
    need_apt npm
fi

if [ ${#apt_packages[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${apt_packages[*]} ..." >&2
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi
