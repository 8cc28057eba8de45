"""Runs the gRPC interop cases with a grpcio client against a server.

usage: interop_client.py HOST:PORT [CASE ...]
Prints one line per case, 'PASS name' or 'FAIL name: reason', and exits 1 when any failed.
"""
import sys
import time
import traceback

import grpc

import interop_stubs

pb2, pb2_grpc = interop_stubs.load()

SPECIAL_MESSAGE = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"


def payload(size):
    return pb2.Payload(body=bytes(size))


def expect_payload(actual, size, what="response"):
    """The interop cases' payloads: `size` zero bytes of type COMPRESSABLE."""
    expect(actual.type == pb2.COMPRESSABLE, f"{what} payload type {actual.type}")
    expect(len(actual.body) == size, f"{what} payload of {len(actual.body)} bytes, not {size}")
    expect(actual.body == bytes(size), f"{what} payload is not all zero bytes")


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def expect_rpc_error(call, code, details=None):
    try:
        call()
    except grpc.RpcError as error:
        expect(error.code() == code, f"expected {code}, got {error.code()}: {error.details()}")
        if details is not None:
            expect(error.details() == details, f"expected details {details!r}, got {error.details()!r}")
        return error
    raise AssertionError(f"expected {code}, the call succeeded")


def empty_unary(stub, channel):
    response = stub.EmptyCall(pb2.Empty())
    expect(response == pb2.Empty(), "response is not empty")


def large_unary(stub, channel):
    response = stub.UnaryCall(pb2.SimpleRequest(response_size=314159, payload=payload(271828)))
    expect_payload(response.payload, 314159)


def client_streaming(stub, channel):
    sizes = [27182, 8, 1828, 45904]
    response = stub.StreamingInputCall(iter(pb2.StreamingInputCallRequest(payload=payload(s)) for s in sizes))
    expect(response.aggregated_payload_size == 74922, f"aggregated {response.aggregated_payload_size}")


def server_streaming(stub, channel):
    sizes = [31415, 9, 2653, 58979]
    request = pb2.StreamingOutputCallRequest(response_parameters=[pb2.ResponseParameters(size=s) for s in sizes])
    received = [len(r.payload.body) for r in stub.StreamingOutputCall(request)]
    expect(received == sizes, f"received sizes {received}")


def ping_pong(stub, channel):
    requests = [(31415, 27182), (9, 8), (2653, 1828), (58979, 45904)]
    import queue
    outbox = queue.Queue()

    def generate():
        while True:
            item = outbox.get()
            if item is None:
                return
            yield item

    responses = stub.FullDuplexCall(generate())
    for response_size, payload_size in requests:
        outbox.put(pb2.StreamingOutputCallRequest(
            response_parameters=[pb2.ResponseParameters(size=response_size)], payload=payload(payload_size)))
        response = next(responses)
        expect(len(response.payload.body) == response_size, f"response of {len(response.payload.body)} bytes")
    outbox.put(None)
    expect(list(responses) == [], "responses after the requests ended")


def empty_stream(stub, channel):
    expect(list(stub.FullDuplexCall(iter([]))) == [], "responses to an empty stream")


def status_code_and_message(stub, channel):
    message = "test status message"
    status = pb2.EchoStatus(code=2, message=message)
    expect_rpc_error(lambda: stub.UnaryCall(pb2.SimpleRequest(response_status=status)), grpc.StatusCode.UNKNOWN, message)
    expect_rpc_error(
        lambda: list(stub.FullDuplexCall(iter([pb2.StreamingOutputCallRequest(response_status=status)]))),
        grpc.StatusCode.UNKNOWN, message)


def special_status_message(stub, channel):
    status = pb2.EchoStatus(code=2, message=SPECIAL_MESSAGE)
    expect_rpc_error(
        lambda: stub.UnaryCall(pb2.SimpleRequest(response_status=status)), grpc.StatusCode.UNKNOWN, SPECIAL_MESSAGE)


def custom_metadata(stub, channel):
    initial = ("x-grpc-test-echo-initial", "test_initial_metadata_value")
    trailing = ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab")
    metadata = (initial, trailing)
    request = pb2.SimpleRequest(response_size=314159, payload=payload(271828))
    response, call = stub.UnaryCall.with_call(request, metadata=metadata)
    expect_payload(response.payload, 314159)
    expect(initial in call.initial_metadata(), f"initial metadata {call.initial_metadata()}")
    expect(trailing in call.trailing_metadata(), f"trailing metadata {call.trailing_metadata()}")
    responses = stub.FullDuplexCall(
        iter([pb2.StreamingOutputCallRequest(response_parameters=[pb2.ResponseParameters(size=314159)],
                                             payload=payload(271828))]), metadata=metadata)
    expect(initial in responses.initial_metadata(), f"streaming initial metadata {responses.initial_metadata()}")
    received = list(responses)
    expect(len(received) == 1, f"{len(received)} streaming responses")
    expect_payload(received[0].payload, 314159, "streaming response")
    expect(trailing in responses.trailing_metadata(), f"streaming trailing {responses.trailing_metadata()}")


def client_compressed_unary(stub, channel):
    def request(expect_compressed):
        return pb2.SimpleRequest(
            expect_compressed=pb2.BoolValue(value=expect_compressed), response_size=314159, payload=payload(271828))

    # The probe: an uncompressed request that claims to be compressed is refused.
    expect_rpc_error(lambda: stub.UnaryCall(request(True)), grpc.StatusCode.INVALID_ARGUMENT)
    response = stub.UnaryCall(request(True), compression=grpc.Compression.Gzip)
    expect_payload(response.payload, 314159)
    response = stub.UnaryCall(request(False))
    expect_payload(response.payload, 314159)


def client_compressed_streaming(stub, channel):
    def request(expect_compressed, size):
        return pb2.StreamingInputCallRequest(
            expect_compressed=pb2.BoolValue(value=expect_compressed), payload=payload(size))

    expect_rpc_error(
        lambda: stub.StreamingInputCall(iter([request(True, 27182)])), grpc.StatusCode.INVALID_ARGUMENT)
    # grpcio compresses every message of a call: the second, which need not be compressed, is too.
    response = stub.StreamingInputCall(
        iter([request(True, 27182), request(False, 45904)]), compression=grpc.Compression.Gzip)
    expect(response.aggregated_payload_size == 73086, f"aggregated {response.aggregated_payload_size}")


def server_compressed_unary(stub, channel):
    # grpcio does not tell whether a response arrived compressed: the payloads are checked.
    for compressed in (True, False):
        response = stub.UnaryCall(pb2.SimpleRequest(
            response_compressed=pb2.BoolValue(value=compressed), response_size=314159, payload=payload(271828)))
        expect_payload(response.payload, 314159, f"{'compressed' if compressed else 'uncompressed'} response")


def server_compressed_streaming(stub, channel):
    request = pb2.StreamingOutputCallRequest(response_parameters=[
        pb2.ResponseParameters(compressed=pb2.BoolValue(value=True), size=31415),
        pb2.ResponseParameters(compressed=pb2.BoolValue(value=False), size=92653),
    ])
    received = list(stub.StreamingOutputCall(request))
    expect(len(received) == 2, f"{len(received)} responses")
    expect_payload(received[0].payload, 31415, "first (compressed) response")
    expect_payload(received[1].payload, 92653, "second (uncompressed) response")


def unimplemented_method(stub, channel):
    expect_rpc_error(lambda: stub.UnimplementedCall(pb2.Empty()), grpc.StatusCode.UNIMPLEMENTED)


def unimplemented_service(stub, channel):
    other = pb2_grpc.UnimplementedServiceStub(channel)
    expect_rpc_error(lambda: other.UnimplementedCall(pb2.Empty()), grpc.StatusCode.UNIMPLEMENTED)


def cancel_after_begin(stub, channel):
    import threading
    never = threading.Event()

    def requests():
        never.wait(5)
        return
        yield

    future = stub.StreamingInputCall.future(requests())
    future.cancel()
    never.set()
    expect(future.cancelled(), "the future is not cancelled")
    expect(future.code() == grpc.StatusCode.CANCELLED, f"code {future.code()}")


def cancel_after_first_response(stub, channel):
    import queue
    outbox = queue.Queue()

    def generate():
        while True:
            item = outbox.get()
            if item is None:
                return
            yield item

    responses = stub.FullDuplexCall(generate())
    outbox.put(pb2.StreamingOutputCallRequest(
        response_parameters=[pb2.ResponseParameters(size=31415)], payload=payload(27182)))
    first = next(responses)
    expect(len(first.payload.body) == 31415, "first response size")
    responses.cancel()
    outbox.put(None)
    expect(responses.code() == grpc.StatusCode.CANCELLED, f"code {responses.code()}")


def timeout_on_sleeping_server(stub, channel):
    responses = stub.FullDuplexCall(
        iter([pb2.StreamingOutputCallRequest(payload=payload(27182),
                                             response_parameters=[pb2.ResponseParameters(size=1, interval_us=10_000_000)])]),
        timeout=0.001)
    expect_rpc_error(lambda: list(responses), grpc.StatusCode.DEADLINE_EXCEEDED)


CASES = [
    empty_unary, large_unary, client_streaming, server_streaming, ping_pong, empty_stream,
    status_code_and_message, special_status_message, custom_metadata, unimplemented_method,
    unimplemented_service, cancel_after_begin, cancel_after_first_response, timeout_on_sleeping_server,
    client_compressed_unary, client_compressed_streaming, server_compressed_unary, server_compressed_streaming,
]


def main():
    target = sys.argv[1]
    selected = set(sys.argv[2:])
    failed = 0
    with grpc.insecure_channel(target) as channel:
        grpc.channel_ready_future(channel).result(timeout=20)
        stub = pb2_grpc.TestServiceStub(channel)
        for case in CASES:
            if selected and case.__name__ not in selected:
                continue
            try:
                case(stub, channel)
                print(f"PASS {case.__name__}", flush=True)
            except Exception as error:
                failed += 1
                detail = str(error).replace("\n", "\\n") or traceback.format_exc().replace("\n", "\\n")
                print(f"FAIL {case.__name__}: {detail}", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
