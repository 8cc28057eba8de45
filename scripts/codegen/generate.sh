#!/usr/bin/env bash
# Regenerates every artefact derived from the .proto files (see scripts/codegen/generate.py).
#   scripts/codegen/generate.sh          rewrite the committed generated code
#   scripts/codegen/generate.sh --check  generate into a temp folder; fail if the committed code differs
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
python="${LIFELONG_PYTHON:-$root/.venv/bin/python}"
if ! "$python" -c 'import google.protobuf' 2>/dev/null; then
    echo "generate.sh: $python cannot import google.protobuf; run 'make deps' first" >&2
    exit 1
fi
for tool in protoc protoc-c; do
    command -v "$tool" >/dev/null || { echo "generate.sh: $tool is missing; run 'make deps'" >&2; exit 1; }
done

# Every generated folder, relative to the repository root.
generated=(
    Shared/CLifelongProto/include Shared/CLifelongProto/generated Shared/LifelongProto/Generated
    Tests/Support/CLifelongTestProto/include Tests/Support/CLifelongTestProto/generated
    Tests/Support/LifelongTestProto/Generated
)

# Golden vectors: the reference encodings by Python's protobuf package.
golden=Tests/LifelongProtoTests/GoldenVectors/golden.json

if [[ "${1:-}" == "--check" ]]; then
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    "$python" scripts/codegen/generate.py --out "$scratch"
    "$python" scripts/codegen/golden_vectors.py --out "$scratch/$golden"
    status=0
    if ! cmp -s "$golden" "$scratch/$golden"; then
        echo "check-generated: $golden differs from what scripts/codegen/golden_vectors.py writes" >&2
        status=1
    fi
    for dir in "${generated[@]}"; do
        if ! diff -r "$dir" "$scratch/$dir" >/dev/null 2>&1; then
            echo "check-generated: $dir differs from what the .proto files generate:" >&2
            diff -r "$dir" "$scratch/$dir" | head -20 >&2 || true
            status=1
        fi
    done
    [[ $status == 0 ]] && echo "check-generated: generated code is up to date"
    exit $status
fi
"$python" scripts/codegen/generate.py
"$python" scripts/codegen/golden_vectors.py --out "$golden"
echo "generated: ${generated[*]} $golden"
