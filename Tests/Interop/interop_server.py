"""A grpcio server of the interop TestService for our client's interop tests.

Binds 127.0.0.1 on a free port, prints 'PORT n', and stops when its standard input closes.
"""
import sys
import time
from concurrent import futures

import grpc

import interop_stubs

pb2, pb2_grpc = interop_stubs.load()


def echo_metadata(context):
    metadata = dict(context.invocation_metadata())
    initial = metadata.get("x-grpc-test-echo-initial")
    if initial is not None:
        context.send_initial_metadata((("x-grpc-test-echo-initial", initial),))
    trailing = metadata.get("x-grpc-test-echo-trailing-bin")
    if trailing is not None:
        context.set_trailing_metadata((("x-grpc-test-echo-trailing-bin", trailing),))


def check_status(status, context):
    if status is not None and status.code != 0:
        code = next(c for c in grpc.StatusCode if c.value[0] == status.code)
        context.abort(code, status.message)


def answer(request, context):
    check_status(request.response_status if request.HasField("response_status") else None, context)
    if any(p.HasField("compressed") and p.compressed.value for p in request.response_parameters):
        context.set_compression(grpc.Compression.Gzip)
    for parameters in request.response_parameters:
        if parameters.interval_us > 0:
            time.sleep(parameters.interval_us / 1e6)
        if parameters.HasField("compressed") and not parameters.compressed.value:
            context.disable_next_message_compression()
        yield pb2.StreamingOutputCallResponse(payload=pb2.Payload(body=bytes(parameters.size)))


class TestService(pb2_grpc.TestServiceServicer):
    def EmptyCall(self, request, context):
        echo_metadata(context)
        return pb2.Empty()

    def UnaryCall(self, request, context):
        echo_metadata(context)
        check_status(request.response_status if request.HasField("response_status") else None, context)
        # expect_compressed is not checked: grpcio's servicer cannot see whether a request
        # message arrived compressed (the interop cases run without their probe against it).
        if request.HasField("response_compressed") and request.response_compressed.value:
            context.set_compression(grpc.Compression.Gzip)
        return pb2.SimpleResponse(payload=pb2.Payload(body=bytes(request.response_size)))

    def StreamingOutputCall(self, request, context):
        echo_metadata(context)
        yield from answer(request, context)

    def StreamingInputCall(self, request_iterator, context):
        echo_metadata(context)
        total = sum(len(r.payload.body) for r in request_iterator)
        return pb2.StreamingInputCallResponse(aggregated_payload_size=total)

    def FullDuplexCall(self, request_iterator, context):
        echo_metadata(context)
        for request in request_iterator:
            yield from answer(request, context)

    def HalfDuplexCall(self, request_iterator, context):
        echo_metadata(context)
        for request in list(request_iterator):
            yield from answer(request, context)


def main():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    pb2_grpc.add_TestServiceServicer_to_server(TestService(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"PORT {port}", flush=True)
    sys.stdin.read()
    server.stop(grace=None)


if __name__ == "__main__":
    main()
