#!/usr/bin/env bash
# Set up on first use, then start the assistant (Rasa 5005, actions 5055, web 8080) until Ctrl-C.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh
exec .venv/bin/python -m launch.launcher run
