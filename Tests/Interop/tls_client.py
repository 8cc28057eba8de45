"""grpcio against a TLS port of ours: EmptyCall with ssl_channel_credentials(root_certificates=CA)
must succeed; the same call over a plaintext channel must fail with UNAVAILABLE (not hang).
Prints PASS/FAIL per case; exits 1 when any failed.

Usage: tls_client.py HOST:PORT CA_FILE
"""
import sys

import grpc

import interop_stubs

TIMEOUT = 10


def main():
    target, ca_file = sys.argv[1], sys.argv[2]
    pb2, pb2_grpc = interop_stubs.load()
    with open(ca_file, "rb") as f:
        credentials = grpc.ssl_channel_credentials(root_certificates=f.read())
    failed = False

    with grpc.secure_channel(target, credentials) as channel:
        try:
            pb2_grpc.TestServiceStub(channel).EmptyCall(pb2.Empty(), timeout=TIMEOUT)
            print("PASS tls_empty_unary")
        except grpc.RpcError as error:
            print(f"FAIL tls_empty_unary: {error.code()} {error.details()}")
            failed = True

    with grpc.insecure_channel(target) as channel:
        try:
            pb2_grpc.TestServiceStub(channel).EmptyCall(pb2.Empty(), timeout=TIMEOUT)
            print("FAIL plaintext_refused: the call succeeded")
            failed = True
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.UNAVAILABLE:
                print("PASS plaintext_refused")
            else:
                print(f"FAIL plaintext_refused: {error.code()} {error.details()}")
                failed = True

    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
