"""grpcio-health-checking and grpcio-reflection clients against a server.

usage: health_reflection_client.py HOST:PORT SERVICE
Prints 'PASS name' / 'FAIL name: reason' per check; exits 1 when any failed.
"""
import sys

import grpc
from google.protobuf import descriptor_pool
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def health_check(channel, service):
    stub = health_pb2_grpc.HealthStub(channel)
    expect(stub.Check(health_pb2.HealthCheckRequest(service="")).status == health_pb2.HealthCheckResponse.SERVING,
           "server not SERVING")
    expect(stub.Check(health_pb2.HealthCheckRequest(service=service)).status == health_pb2.HealthCheckResponse.SERVING,
           f"{service} not SERVING")
    try:
        stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"))
        raise AssertionError("unknown service did not fail")
    except grpc.RpcError as error:
        expect(error.code() == grpc.StatusCode.NOT_FOUND, f"unknown service gave {error.code()}")


def health_watch(channel, service):
    stub = health_pb2_grpc.HealthStub(channel)
    responses = stub.Watch(health_pb2.HealthCheckRequest(service=service))
    first = next(responses)
    expect(first.status == health_pb2.HealthCheckResponse.SERVING, f"first status {first.status}")
    responses.cancel()
    unknown = next(stub.Watch(health_pb2.HealthCheckRequest(service="no.such.Service")))
    expect(unknown.status == health_pb2.HealthCheckResponse.SERVICE_UNKNOWN, f"unknown status {unknown.status}")


def reflection_list_services(channel, service):
    database = ProtoReflectionDescriptorDatabase(channel)
    services = database.get_services()
    for expected in (service, "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"):
        expect(expected in services, f"{expected} missing from {services}")


def reflection_describe(channel, service):
    database = ProtoReflectionDescriptorDatabase(channel)
    pool = descriptor_pool.DescriptorPool(database)
    described = pool.FindServiceByName(service)
    expect(len(described.methods) > 0, "no methods")
    method = described.methods[0]
    expect(method.input_type.full_name != "", "no input type")
    health_file = pool.FindFileByName("grpc/health/v1/health.proto")
    expect(health_file.package == "grpc.health.v1", f"package {health_file.package}")
    message = pool.FindMessageTypeByName("grpc.health.v1.HealthCheckResponse")
    expect("status" in message.fields_by_name, "HealthCheckResponse has no status field")
    try:
        pool.FindFileContainingSymbol("no.such.Symbol")
        raise AssertionError("unknown symbol found")
    except KeyError:
        pass


CHECKS = [health_check, health_watch, reflection_list_services, reflection_describe]


def main():
    target, service = sys.argv[1], sys.argv[2]
    failed = 0
    with grpc.insecure_channel(target) as channel:
        grpc.channel_ready_future(channel).result(timeout=20)
        for check in CHECKS:
            try:
                check(channel, service)
                print(f"PASS {check.__name__}", flush=True)
            except Exception as error:
                failed += 1
                print(f"FAIL {check.__name__}: {repr(error)}".replace("\n", "\\n"), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
