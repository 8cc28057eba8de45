#!/usr/bin/env bash
# `make bench-rpc`: unary Echo of an 80-byte message (lifelong.testing.v1.ProbeService, from
# Tests/Proto/lifelong/testing/v1/codec_probe.proto) on loopback, against our server and the
# anchors: C++ gRPC (sync server), grpc-go, grpc-swift-2 (Benchmarks/GRPCSwiftEcho), Python
# grpcio. Load from h2load at 1x1, 4x10 and 16x10 (connections x streams), single-in-flight
# latency from our rpc-benchmark-client. Prints one table with ratios to our server and ends with
# one `SUMMARY key=value ...` line.
#
# Installs the Debian packages it needs when they are missing (below); the Python packages come
# from the venv of `make deps` (scripts/install-deps.sh, scripts/python-requirements.txt).
#
# Environment: LIFELONG_PYTHON (default: the venv's python, LIFELONG_VENV or .venv; needs grpcio,
# grpcio-tools, protobuf), RPC_SCRATCH_PATH (SwiftPM scratch path of ours, default .build-rpc),
# GRPC_SWIFT_SCRATCH_PATH (scratch path of the grpc-swift-2 anchor, default .build-grpc-swift),
# BENCH_SECONDS (per load, default 5).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
PYTHON="${LIFELONG_PYTHON:-${LIFELONG_VENV:-$ROOT/.venv}/bin/python}"
SCRATCH="${RPC_SCRATCH_PATH:-.build-rpc}"
GRPC_SWIFT_SCRATCH="${GRPC_SWIFT_SCRATCH_PATH:-.build-grpc-swift}"
GRPC_SWIFT_PACKAGE="$ROOT/Benchmarks/GRPCSwiftEcho"
SECONDS_PER_LOAD="${BENCH_SECONDS:-5}"
PROTO_ROOT="$ROOT/Tests/Proto"
PROTO="lifelong/testing/v1/codec_probe.proto"
ANCHORS="$ROOT/Benchmarks/RPCBenchmark/anchors"

# Every Debian package used below, each for what it provides (installed with
# --no-install-recommends, so nothing here may rely on a Recommends):
packages=(
    pkg-config                 # pkg-config: flags of grpc++/protobuf, and SwiftPM's system libraries
    libnghttp2-dev             # nghttp2 headers + libnghttp2.pc: our server and client (CNGHTTP2)
    libprotobuf-c-dev          # protobuf-c headers + libprotobuf-c.pc: our generated test messages
    zlib1g-dev                 # zlib.h, libz.so: grpc-swift-nio-transport's CGRPCNIOTransportZlib
    nghttp2-client             # h2load
    g++                        # the C++ anchor; its libstdc++-12-dev (a Depends, like libc6-dev) is
                               # also what clang needs for BoringSSL's .cc in the grpc-swift-2 build
    protobuf-compiler          # protoc: C++ and Go code of codec_probe.proto
    libprotobuf-dev            # google/protobuf/*.h (port_def.inc ...), protobuf.pc, libprotobuf.so
    libgrpc++-dev              # grpcpp/*.h, grpc++.pc, libgrpc++.so
    protobuf-compiler-grpc     # grpc_cpp_plugin
    golang-go                  # go
    golang-google-grpc-dev     # google.golang.org/grpc sources (GOPATH /usr/share/gocode)
    golang-github-golang-protobuf-1-5-dev  # protoc-gen-go (plugins=grpc) and its runtime
)
installed() { dpkg -s "$1" 2>/dev/null | grep -qx 'Status: install ok installed'; }
missing=()
for package in "${packages[@]}"; do
    installed "$package" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "bench-rpc: installing ${missing[*]}" >&2
    sudo=()
    if ((EUID != 0)); then sudo=(sudo -n); fi
    apt_install() {
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=120 \
            install -y --no-install-recommends "${missing[@]}" >&2
    }
    # A fresh machine may have no package lists yet: update only when the install needs it.
    apt_install || { "${sudo[@]}" apt-get -q -o DPkg::Lock::Timeout=120 update >&2 && apt_install; }
fi
if ! "$PYTHON" -c "import grpc, grpc_tools, google.protobuf" 2>/dev/null; then
    echo "bench-rpc: $PYTHON cannot import grpc, grpc_tools and google.protobuf; run 'make deps' (it creates the venv) or set LIFELONG_PYTHON" >&2
    exit 1
fi

echo "bench-rpc: building rpc-benchmark-server and rpc-benchmark-client (release)" >&2
swift build --scratch-path "$SCRATCH" -c release --product rpc-benchmark-server >&2
swift build --scratch-path "$SCRATCH" -c release --product rpc-benchmark-client >&2
BIN="$(swift build --scratch-path "$SCRATCH" -c release --show-bin-path)"

# A package of its own (the Lifelong package does not depend on grpc-swift-2), in its own cached
# scratch path: the first build compiles grpc-swift-2, grpc-swift-nio-transport, SwiftNIO,
# swift-nio-http2/-ssl/-extras, swift-certificates and swift-crypto; later builds are incremental.
echo "bench-rpc: building the grpc-swift-2 echo server (release, $GRPC_SWIFT_SCRATCH)" >&2
build_started=$SECONDS
swift build --package-path "$GRPC_SWIFT_PACKAGE" --scratch-path "$GRPC_SWIFT_SCRATCH" -c release \
    --product grpc-swift-echo-server >&2
echo "bench-rpc: grpc-swift-2 echo server built in $((SECONDS - build_started)) s" >&2
GRPC_SWIFT_BIN="$(swift build --package-path "$GRPC_SWIFT_PACKAGE" --scratch-path "$GRPC_SWIFT_SCRATCH" -c release \
    --show-bin-path)/grpc-swift-echo-server"
# The versions SwiftPM resolved (exact pins in Benchmarks/GRPCSwiftEcho/Package.swift).
GRPC_SWIFT_VERSIONS="$("$PYTHON" - "$GRPC_SWIFT_PACKAGE/Package.resolved" <<'PY'
import json, sys
pins = {pin["identity"]: pin["state"].get("version", "?") for pin in json.load(open(sys.argv[1]))["pins"]}
print(f"grpc-swift-2 {pins['grpc-swift-2']} (grpc-swift-nio-transport {pins['grpc-swift-nio-transport']}, "
      f"swift-nio {pins['swift-nio']}, swift-nio-http2 {pins['swift-nio-http2']})")
PY
)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/bench-rpc.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "bench-rpc: building the C++ gRPC echo server" >&2
mkdir -p "$WORK/cpp"
protoc -I "$PROTO_ROOT" --cpp_out="$WORK/cpp" --grpc_out="$WORK/cpp" \
    --plugin=protoc-gen-grpc="$(command -v grpc_cpp_plugin)" "$PROTO"
g++ -O2 -std=c++17 -I"$WORK/cpp" "$ANCHORS/echo_server.cc" "$WORK/cpp/${PROTO%.proto}.pb.cc" \
    "$WORK/cpp/${PROTO%.proto}.grpc.pb.cc" -o "$WORK/cpp/echo_server" $(pkg-config --cflags --libs grpc++ protobuf)

echo "bench-rpc: building the grpc-go echo server (offline, GO111MODULE=off)" >&2
export GO111MODULE=off GOPATH="$WORK/go:/usr/share/gocode" GOCACHE="$WORK/gocache" GOFLAGS=
mkdir -p "$WORK/go/bin" "$WORK/go/src/lifelong.bench/probe" "$WORK/go/src/echoserver"
go build -o "$WORK/go/bin/protoc-gen-go" github.com/golang/protobuf/protoc-gen-go
PATH="$WORK/go/bin:$PATH" protoc -I "$PROTO_ROOT" \
    --go_out=plugins=grpc,M$PROTO=lifelong.bench/probe:"$WORK/go/src" "$PROTO"
cp "$ANCHORS/echo_server.go" "$WORK/go/src/echoserver/main.go"
go build -o "$WORK/go/bin/echo_server" echoserver
GO_VERSION="$(dpkg-query -W -f='${Version}' golang-google-grpc-dev)"

echo "bench-rpc: generating the Python message module" >&2
mkdir -p "$WORK/py"
"$PYTHON" -m grpc_tools.protoc -I "$PROTO_ROOT" --python_out="$WORK/py" "$PROTO"
GRPCIO_VERSION="$("$PYTHON" -c 'import grpc; print(grpc.__version__)')"

# The h2load request body: the 5-byte gRPC prefix and an 80-byte Leaf (name = 76 x 'x', value 42).
"$PYTHON" - "$WORK/request.bin" <<'PY'
import sys
leaf = b"\x0a\x4c" + b"x" * 76 + b"\x10\x2a"
assert len(leaf) == 80
open(sys.argv[1], "wb").write(b"\x00" + len(leaf).to_bytes(4, "big") + leaf)
PY

echo "bench-rpc: running (${SECONDS_PER_LOAD}s per load; h2load -t 1)" >&2
"$PYTHON" scripts/rpc/bench_run.py --h2load-data "$WORK/request.bin" --client "$BIN/rpc-benchmark-client" \
    --seconds "$SECONDS_PER_LOAD" \
    --versions "c++ gRPC $(pkg-config --modversion grpc++) sync server, grpc-go ${GO_VERSION%%-*} (go $(go env GOVERSION | sed 's/^go//')), $GRPC_SWIFT_VERSIONS, grpcio $GRPCIO_VERSION, h2load $(h2load --version | awk '{print $2; exit}')" \
    --server "ours=$BIN/rpc-benchmark-server --port {port} --unary-on-event-loop" \
    --server "ours_global_executor=$BIN/rpc-benchmark-server --port {port}" \
    --server "cpp_grpc=$WORK/cpp/echo_server {port}" \
    --server "grpc_go=$WORK/go/bin/echo_server {port}" \
    --server "grpc_swift=$GRPC_SWIFT_BIN --port {port}" \
    --server "grpcio=$PYTHON $ANCHORS/echo_server.py {port} $WORK/py"
