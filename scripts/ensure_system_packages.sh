#!/usr/bin/env bash
# Install the given Debian packages when they are missing; do nothing when all are present.
# Idempotent: `apt-get update` runs only when something has to be installed.
#
# Usage: scripts/ensure_system_packages.sh PACKAGE...   e.g. scripts/ensure_system_packages.sh postgresql
# Exit status: 0 when every package is installed afterwards, 1 otherwise (with the reason on stderr).
set -euo pipefail

say() { printf '[system-packages] %s\n' "$*" >&2; }

if [ "$#" -eq 0 ]; then
    say "usage: $0 PACKAGE..."
    exit 2
fi

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

if ! command -v dpkg-query >/dev/null 2>&1; then
    say "dpkg-query not found: this script installs Debian packages; install these by hand: $*"
    exit 1
fi

missing=()
for package in "$@"; do
    is_installed "$package" || missing+=("$package")
done
if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

runner=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        runner=(sudo -n)
    else
        say "missing packages: ${missing[*]}; installing them needs root (or password-less sudo)"
        exit 1
    fi
fi

say "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${runner[@]}" apt-get update -qq
"${runner[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2

still_missing=()
for package in "${missing[@]}"; do
    is_installed "$package" || still_missing+=("$package")
done
if [ "${#still_missing[@]}" -ne 0 ]; then
    say "still missing after apt-get install: ${still_missing[*]}"
    exit 1
fi
say "installed: ${missing[*]}"
