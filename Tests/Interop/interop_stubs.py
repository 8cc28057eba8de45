"""Generates grpcio stubs for the interop test service into a temporary folder, at test time."""
import importlib
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTO_ROOT = os.path.join(ROOT, "Tests", "Proto")
PROTO = "lifelong/interop/v1/test_service.proto"

# The contract's stub generator (Examples/python/lifelong_stubs.py) compiles these protos too.
sys.path.insert(0, os.path.join(ROOT, "Examples", "python"))
import lifelong_stubs  # noqa: E402


def load():
    """Returns (messages module, grpc module) for test_service.proto."""
    try:
        lifelong_stubs.compile_protos(PROTO_ROOT, [PROTO], prefix="lifelong-interop-")
    except RuntimeError as error:
        sys.exit(str(error))
    pb2 = importlib.import_module("lifelong.interop.v1.test_service_pb2")
    pb2_grpc = importlib.import_module("lifelong.interop.v1.test_service_pb2_grpc")
    return pb2, pb2_grpc
