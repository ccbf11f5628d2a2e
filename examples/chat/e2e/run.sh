#!/usr/bin/env bash
# Browser test of examples/chat, for a fresh Debian machine with Go and
# Node.js 20 or newer: installs Debian's chromium if it is missing (as root,
# as in CI), the npm packages pinned in package-lock.json, then runs the test.
set -euo pipefail
cd "$(dirname "$0")"

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((node_major < 20)); then
  echo "e2e: needs Node.js 20 or newer (playwright-core does); found ${node_major/#0/none}" >&2
  exit 1
fi

if [[ ! -x /usr/bin/chromium ]]; then
  # chromium only recommends a font; the pages need one to draw text.
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-liberation
fi

npm ci --no-audit --no-fund
npm test
