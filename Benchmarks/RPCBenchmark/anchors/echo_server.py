"""Python grpcio anchor for `make bench-rpc`: lifelong.testing.v1.ProbeService/Echo.

usage: echo_server.py PORT GENERATED_DIR (codec_probe_pb2 generated there by grpcio-tools)
"""
import sys
from concurrent import futures

sys.path.insert(0, sys.argv[2])
import grpc  # noqa: E402
from lifelong.testing.v1 import codec_probe_pb2  # noqa: E402

server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
handler = grpc.method_handlers_generic_handler("lifelong.testing.v1.ProbeService", {
    "Echo": grpc.unary_unary_rpc_method_handler(
        lambda request, context: request,
        request_deserializer=codec_probe_pb2.Leaf.FromString,
        response_serializer=codec_probe_pb2.Leaf.SerializeToString),
})
server.add_generic_rpc_handlers((handler,))
port = server.add_insecure_port(f"127.0.0.1:{sys.argv[1]}")
server.start()
print(f"PORT {port}", flush=True)
server.wait_for_termination()
