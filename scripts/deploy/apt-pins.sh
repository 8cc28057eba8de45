#!/usr/bin/env bash
# The apt pins of docker/Dockerfile (hadolint DL3008) against this machine's Debian 12 candidates
# (`apt-cache policy`; run `apt-get update` first for fresh ones). Prints one line per package,
# `pkg=pinned` or `pkg=pinned -> candidate` when Debian has moved on; with --check, exits 1 then.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
status=0
mapfile -t PINS < <(grep -oE '(^| )[a-z0-9][a-z0-9.+-]+=[0-9][^ \\]*' "$ROOT/docker/Dockerfile" | sed -E 's/^ +//')
declare -A CANDIDATE
# One apt-cache call for all: an unindented "pkg:" line, then its "  Candidate: version".
while read -r package candidate; do
    CANDIDATE[$package]="$candidate"
done < <(apt-cache policy "${PINS[@]%%=*}" 2>/dev/null | awk '/^[^ ]/ { sub(/:$/, "", $1); package = $1 } /^  Candidate:/ { print package, $2 }')
for pin in "${PINS[@]}"; do
    package="${pin%%=*}" pinned="${pin#*=}"
    candidate="${CANDIDATE[$package]:-}"
    if [[ -z "$candidate" || "$candidate" == "(none)" ]]; then
        printf '%s=%s -> unknown here\n' "$package" "$pinned"
    elif [[ "$candidate" != "$pinned" ]]; then
        printf '%s=%s -> %s\n' "$package" "$pinned" "$candidate"
        status=1
    else
        printf '%s=%s\n' "$package" "$pinned"
    fi
done
if [[ "${1:-}" == --check ]]; then
    exit "$status"
fi
