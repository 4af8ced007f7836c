#!/usr/bin/env bash
# Re-resolve every dependency from pyproject.toml in a scratch Python 3.10 virtualenv and write the
# exact versions to constraints.txt (Rasa's own pins decide numpy, pydantic, aiohttp, SQLAlchemy).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="$root/.venv/bin/python"
[ -x "$python" ] || { bash scripts/bootstrap.sh; }
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
"$("$python" -c 'import sys; print(sys._base_executable)')" -m venv "$scratch/venv"
"$scratch/venv/bin/pip" install --quiet --upgrade pip
"$scratch/venv/bin/pip" install --quiet ".[test,bench]"
"$scratch/venv/bin/pip" check
{
    echo "# Exact versions the project is tested with (pip constraints, used by scripts/bootstrap.sh)."
    echo "# Rasa 3.6.21's own pins must hold: numpy<1.24, pydantic<1.10.10, aiohttp<3.10, packaging<21, SQLAlchemy<2."
    echo "# Regenerate after changing dependencies: make lock"
    "$scratch/venv/bin/pip" freeze --exclude-editable | grep -v -i -E "^(xinfang-assistant|pip|setuptools|wheel)=="
} > constraints.txt
echo "constraints.txt updated; review the diff, then run make test"
