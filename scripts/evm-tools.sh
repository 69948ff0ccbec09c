#!/usr/bin/env bash
# Install the Ethereum tools the tests and the demo use (issue 16) from the npm registry, versions pinned in
# evm-tools/package-lock.json: anvil (npm @foundry-rs/anvil, which ships its binary as a per-platform optional
# dependency) and solc-js (npm solc, which reproduces the committed contract bytecode). Idempotent and quick when
# already done: npm runs only when the lock file changed. Prints nothing on success.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/evm-tools"
stamp="$TOOLS/node_modules/.cointrail-lock"
want="$(sha256sum "$TOOLS/package-lock.json" | cut -d' ' -f1)"

if ! command -v npm >/dev/null 2>&1; then
    echo "npm is missing: run scripts/system-deps.sh (it installs Debian's nodejs and npm)." >&2
    exit 2
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "Fetching anvil and solc-js from the npm registry (npm ci) ..." >&2
    # anvil's postinstall only checks that its platform package arrived; the binary comes in that package.
    (cd "$TOOLS" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$want" > "$stamp"
fi
"$TOOLS/node_modules/.bin/anvil" --version >/dev/null
