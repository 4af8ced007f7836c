#!/usr/bin/env bash
# Set up on first use (virtualenv, system packages for the tests), then run the whole suite.
# Extra arguments go to pytest, e.g. scripts/test.sh -k normalise
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh test,bench
bash scripts/ensure_system_packages.sh postgresql chromium redis-server fonts-wqy-microhei
export REQUIRE_POSTGRES=1 REQUIRE_BROWSER=1 REQUIRE_REDIS=1
exec .venv/bin/python -m pytest "$@"
