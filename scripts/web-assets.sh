#!/usr/bin/env bash
# Fetch the web workspace's front-end packages from the npm registry (versions pinned in
# web-assets/package-lock.json) and copy the minified bundles into cointrail/web/static/vendor/,
# which `cointrail serve` serves itself: the browser never loads anything from a CDN.
# axe-core (the accessibility checker) is copied there too, for the browser tests, which inject it
# into the pages they check; no page of the workspace loads it.
# Idempotent and quick when already done: npm runs only when the lock file changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ASSETS="$ROOT/web-assets"
VENDOR="$ROOT/cointrail/web/static/vendor"
stamp="$ASSETS/node_modules/.cointrail-lock"
want="$(sha256sum "$ASSETS/package-lock.json" | cut -d' ' -f1)"

if ! command -v npm >/dev/null 2>&1; then
    echo "npm is missing: run scripts/system-deps.sh (it installs Debian's nodejs and npm)." >&2
    exit 2
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "Fetching the web workspace's front-end packages (npm ci) ..." >&2
    (cd "$ASSETS" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
    echo "$want" > "$stamp"
fi
mkdir -p "$VENDOR"
bundle="$ASSETS/node_modules/cytoscape/dist/cytoscape.min.js"
if ! cmp -s "$bundle" "$VENDOR/cytoscape.min.js"; then
    cp "$bundle" "$VENDOR/cytoscape.min.js"
    cp "$ASSETS/node_modules/cytoscape/LICENSE" "$VENDOR/cytoscape.LICENSE"
fi
axe="$ASSETS/node_modules/axe-core/axe.min.js"
if ! cmp -s "$axe" "$VENDOR/axe.min.js"; then
    cp "$axe" "$VENDOR/axe.min.js"
    cp "$ASSETS/node_modules/axe-core/LICENSE" "$VENDOR/axe.LICENSE"
fi
