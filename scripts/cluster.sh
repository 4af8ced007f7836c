#!/usr/bin/env bash
# Set up on first use, then start several Rasa and action servers behind nginx until Ctrl-C
# (CLUSTER_RASA, CLUSTER_ACTIONS; needs REDIS_URL and PostgreSQL TRACKER_STORE_URL and DATABASE_URL).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh
# nginx from Debian when missing; without root the launcher says what is missing.
bash scripts/ensure_system_packages.sh nginx || true
exec .venv/bin/python -m launch.launcher cluster
