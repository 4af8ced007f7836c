#!/usr/bin/env bash
# Set up on first use (virtualenv, system packages for the tests), then run the whole suite.
# Extra arguments go to pytest, e.g. scripts/test.sh -k normalise
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh test,bench
bash scripts/ensure_system_packages.sh postgresql chromium redis-server nginx fonts-wqy-microhei
# axe-core for the widget's accessibility test, pinned in tests/widget/package-lock.json.
command -v npm >/dev/null 2>&1 || bash scripts/ensure_system_packages.sh npm
if [ ! -f tests/widget/node_modules/axe-core/axe.min.js ] \
   || [ tests/widget/package-lock.json -nt tests/widget/node_modules/.package-lock.json ]; then
    npm ci --prefix tests/widget --no-audit --no-fund
fi
export REQUIRE_POSTGRES=1 REQUIRE_BROWSER=1 REQUIRE_REDIS=1 REQUIRE_NGINX=1
exec .venv/bin/python -m pytest "$@"
