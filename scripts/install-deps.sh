#!/usr/bin/env bash
# Installs what building and testing Lifelong needs, and nothing that is already there:
#   - Debian packages (C libraries, code generators, PostgreSQL, HTTP/2 tools), checked one by
#     one with dpkg; `apt-get update` + `apt-get install` run only when something is missing;
#   - a Python virtual environment with the test/benchmark peers of scripts/python-requirements.txt,
#     re-installed only when that file changes (its hash is kept in a stamp inside the venv);
#   - a second one, .venv-triton, for PyPI tritonclient[grpc] (scripts/python-triton-requirements.txt):
#     every tritonclient that supports protobuf 5 needs grpcio >= 1.67.1, the main venv pins 1.66.2.
#
# `install-deps.sh --venv DIR REQUIREMENTS`: the Debian packages, then only the venv DIR with
# REQUIREMENTS (how `make bench-edge` makes .venv-mlserver; neither `make deps` nor `make test` does).
#
# Environment:
#   LIFELONG_VENV      where the venv lives (default: <repo>/.venv)
#   LIFELONG_TRITON_VENV  where the tritonclient venv lives (default: <repo>/.venv-triton)
#   LIFELONG_PYTHON3   the interpreter that creates it (default: python3 on PATH)
#   LIFELONG_SKIP_APT=1  skip the Debian part (e.g. on a machine managed otherwise)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LIFELONG_VENV:-$ROOT/.venv}"
PYTHON3="${LIFELONG_PYTHON3:-python3}"
REQUIREMENTS="$ROOT/scripts/python-requirements.txt"
TRITON_VENV="${LIFELONG_TRITON_VENV:-$ROOT/.venv-triton}"
TRITON_REQUIREMENTS="$ROOT/scripts/python-triton-requirements.txt"
ONLY_VENV=()
if [[ "${1:-}" == --venv ]]; then
    [[ $# -eq 3 ]] || { echo "usage: install-deps.sh [--venv DIR REQUIREMENTS]" >&2; exit 2; }
    ONLY_VENV=("$2" "$3")
fi

# pkg-config: SwiftPM finds the C libraries through it.
# nghttp2-client: h2load and nghttp, for load and abuse tests.
# librsvg2-bin: rsvg-convert, which the CLI tests use to render `lifelong report --svg`.
# gcc: tl2cgen builds its C predictor with it, and bench-learning's C harness (tl2cgen_single_row.c).
# docker-compose: `docker-compose config` checks docker/docker-compose.yml without an engine.
APT_PACKAGES=(
    pkg-config gcc libc6-dev
    libnghttp2-dev libprotobuf-c-dev libpq-dev libsqlite3-dev zlib1g-dev
    protobuf-compiler protobuf-c-compiler
    postgresql
    nghttp2-client
    librsvg2-bin
    docker-compose
)

log() { printf 'install-deps: %s\n' "$*" >&2; }

is_installed() {
    local status
    status="$(dpkg -s "$1" 2>/dev/null)" || return 1
    [[ $'\n'"$status"$'\n' == *$'\nStatus: install ok installed\n'* ]]
}

as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        log "need root to run: $*"
        return 1
    fi
}

# apt/dpkg take exclusive locks; another engineer or a cron job may hold them for a while.
apt_get() {
    local attempt
    for attempt in 1 2 3 4 5 6; do
        if as_root env DEBIAN_FRONTEND=noninteractive apt-get -q \
            -o DPkg::Lock::Timeout=120 "$@"; then
            return 0
        fi
        log "apt-get $1 failed (attempt $attempt), retrying in 10 s"
        sleep 10
    done
    return 1
}

install_apt_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        is_installed "$pkg" || missing+=("$pkg")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        return 0
    fi
    log "installing Debian packages: ${missing[*]}"
    apt_get update
    apt_get install -y --no-install-recommends "${missing[@]}"
}

if [[ "${LIFELONG_SKIP_APT:-0}" != 1 ]]; then
    install_apt_packages "${APT_PACKAGES[@]}"
else
    log "LIFELONG_SKIP_APT=1: not checking Debian packages"
fi

if ! command -v swift >/dev/null 2>&1; then
    log "warning: no 'swift' on PATH (the toolchain is not a Debian package; expected at /opt/swift)"
fi

# ---- Python venv -------------------------------------------------------------------------
mkdir -p "$(dirname "$VENV")" "$ROOT/.run"
# Two runs at once (two shells, two engineers) must not build the same venv together.
exec 9>"$ROOT/.run/install-deps.lock"
flock 9

# Creates the venv $1 when needed and installs requirements file $2 into it when that file changed.
ensure_venv() {
    local venv="$1" requirements="$2" stamp want
    if ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
        if [[ -e "$venv" && ! -f "$venv/pyvenv.cfg" ]]; then
            log "$venv exists but is not a Python venv; move it away or set LIFELONG_VENV / LIFELONG_TRITON_VENV"
            exit 1
        fi
        log "creating venv $venv with $("$PYTHON3" --version 2>&1)"
        rm -rf "$venv"
        if ! "$PYTHON3" -m venv "$venv"; then
            # Debian's own python3 ships venv/ensurepip separately.
            rm -rf "$venv"
            if [[ "${LIFELONG_SKIP_APT:-0}" != 1 ]]; then
                install_apt_packages python3-venv
            fi
            "$PYTHON3" -m venv "$venv"
        fi
    fi
    stamp="$venv/.lifelong-requirements.sha256"
    want="$( { sha256sum "$requirements" | cut -d' ' -f1; "$venv/bin/python" --version; } 2>&1 | tr '\n' ' ')"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        log "venv $venv is up to date"
    else
        log "installing Python packages from ${requirements#"$ROOT"/} into $venv"
        PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
            "$venv/bin/python" -m pip install --quiet --progress-bar off -r "$requirements"
        printf '%s' "$want" >"$stamp"
    fi
}

if ((${#ONLY_VENV[@]})); then
    ensure_venv "${ONLY_VENV[@]}"
    exit 0
fi
ensure_venv "$VENV" "$REQUIREMENTS"
ensure_venv "$TRITON_VENV" "$TRITON_REQUIREMENTS"
