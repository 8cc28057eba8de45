"""Generates grpcio stubs for the interop test service into a temporary folder, at test time."""
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTO_ROOT = os.path.join(ROOT, "Tests", "Proto")
PROTO = "lifelong/interop/v1/test_service.proto"


def load():
    """Returns (messages module, grpc module) for test_service.proto."""
    from grpc_tools import protoc
    import importlib.resources

    out = tempfile.mkdtemp(prefix="lifelong-interop-")
    include = str(importlib.resources.files("grpc_tools") / "_proto")
    status = protoc.main([
        "protoc", f"-I{PROTO_ROOT}", f"-I{include}", f"--python_out={out}",
        f"--grpc_python_out={out}", os.path.join(PROTO_ROOT, PROTO),
    ])
    if status != 0:
        sys.exit(f"protoc failed with status {status}")
    sys.path.insert(0, out)
    import importlib
    pb2 = importlib.import_module("lifelong.interop.v1.test_service_pb2")
    pb2_grpc = importlib.import_module("lifelong.interop.v1.test_service_pb2_grpc")
    return pb2, pb2_grpc
