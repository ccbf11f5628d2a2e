#!/usr/bin/env bash
# Browser test of examples/chat: installs what it needs if missing (Debian's
# chromium, and node if there is none; root is needed for that, as CI has),
# the npm packages pinned in package-lock.json, then runs the test.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

npm ci --no-audit --no-fund
npm test
