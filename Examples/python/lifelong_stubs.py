"""Python stubs of Lifelong's gRPC contract, generated from Proto/ with grpcio-tools when a
script starts, so they always match the checkout (nothing generated is committed).

    import lifelong_stubs
    lifelong_stubs.generate()
    from lifelong.v1 import common_pb2, gateway_pb2, gateway_pb2_grpc

Needs `grpcio` and `grpcio-tools` (the project's venv, `make deps`, has both). The interop
tests compile their own protos (Tests/Proto) with `compile_protos` too.
"""
import atexit
import importlib.resources
import os
import shutil
import sys
import tempfile

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONTRACT = os.path.join(REPOSITORY, "Proto")


def compile_protos(proto_root, protos, prefix="lifelong-stubs-"):
    """Runs protoc on `protos` (paths relative to `proto_root`) into a new temporary folder and
    puts that folder first on sys.path, so the generated `*_pb2` and `*_pb2_grpc` modules import
    by their proto package. The folder is deleted when the script exits. Returns the folder."""
    from grpc_tools import protoc

    out = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    well_known = str(importlib.resources.files("grpc_tools") / "_proto")
    status = protoc.main(
        ["protoc", f"-I{proto_root}", f"-I{well_known}", f"--python_out={out}", f"--grpc_python_out={out}"]
        + [os.path.join(proto_root, proto) for proto in protos])
    if status != 0:
        raise RuntimeError(f"protoc failed with status {status} on {', '.join(protos)} in {proto_root}")
    sys.path.insert(0, out)
    return out


def generate(proto_root=CONTRACT):
    """Generates the stubs of every `lifelong/v1/*.proto` under `proto_root` (this repository's
    Proto/ by default); afterwards `from lifelong.v1 import gateway_pb2_grpc` works."""
    folder = os.path.join(proto_root, "lifelong", "v1")
    protos = sorted(f"lifelong/v1/{name}" for name in os.listdir(folder) if name.endswith(".proto"))
    return compile_protos(proto_root, protos)
