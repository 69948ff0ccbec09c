#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv.
# Sourced by scripts/demo and scripts/test; safe to run again: it only
# reinstalls when pyproject.toml changed since the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    echo "cointrail needs Python 3.11 or newer; $PYTHON is $("$PYTHON" --version 2>&1)." >&2
    exit 2
fi

if [ ! -x .venv/bin/python ]; then
    echo "Creating the virtual environment in .venv ..." >&2
    "$PYTHON" -m venv .venv
fi

stamp=".venv/.cointrail-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "Installing cointrail and its dependencies into .venv ..." >&2
    # This machine's pip configuration names local package folders that may be
    # absent; pip warns about each one. Keep those lines out of the way.
    quiet_pip() { .venv/bin/python -m pip "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }
    quiet_pip install --quiet --upgrade pip
    quiet_pip install --quiet -e '.[test]'
    echo "$want" > "$stamp"
fi

# The web workspace's front-end bundle (Cytoscape.js from the npm registry), served by `cointrail serve` itself.
# Not fatal: everything else (the demo, the CLI, the workspace's other pages) works without it.
if command -v npm >/dev/null 2>&1; then
    bash scripts/web-assets.sh || echo "The web workspace's graph library could not be fetched from the npm registry;" \
        "the graph page cannot draw until scripts/web-assets.sh succeeds." >&2
else
    echo "npm is missing, so the web workspace's graph cannot be built: run scripts/system-deps.sh, then scripts/web-assets.sh." >&2
fi
