"""Calls a Lifelong edge node through the Open Inference Protocol with tritonclient (PyPI
`tritonclient[grpc]`), the client people use for Triton, KServe and MLServer, and checks our
Proto/inference/grpc_predict_v2.proto against the descriptors tritonclient ships.

Usage: open_inference_client.py --port P --model NAME --cases FILE --proto-root DIR [--token-file FILE]
With --token-file, every call carries `authorization: Bearer <token>` (tritonclient's `headers`),
and a call without it must fail with UNAUTHENTICATED.
FILE (JSON): {"version": "1", "features": [[...]], "attributes": [[...]], "attribute_names": [...],
              "expected": {"class": [...], "task": [...], "unseen": [...], "probabilities": [[...]]}}
Prints one JSON line: {"checks": N}. Exits non-zero on the first failed check.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import tritonclient.grpc as grpcclient
from google.protobuf import descriptor_pb2
from tritonclient.grpc import service_pb2
from tritonclient.utils import InferenceServerException

checks = 0


def check(condition, what):
    global checks
    if not condition:
        print("FAILED: " + what, file=sys.stderr)
        sys.exit(1)
    checks += 1


def expect_invalid(call, *fragments):
    try:
        call()
    except InferenceServerException as error:
        check("INVALID_ARGUMENT" in str(error.status()), "status of %r: %s" % (fragments, error.status()))
        for fragment in fragments:
            check(fragment in error.message(), "%r in %r" % (fragment, error.message()))
        return
    check(False, "no error for %r" % (fragments,))


def check_descriptors(proto_root):
    """Every message and field of ours has the name, number, type and label tritonclient's has."""
    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, "ours.pb")
        subprocess.run(["protoc", "-I", proto_root, "--descriptor_set_out=" + out, "inference/grpc_predict_v2.proto"], check=True)
        ours = descriptor_pb2.FileDescriptorSet()
        with open(out, "rb") as handle:
            ours.ParseFromString(handle.read())
    triton = descriptor_pb2.FileDescriptorProto()
    service_pb2.DESCRIPTOR.CopyToProto(triton)
    check(ours.file[0].package == triton.package, "package")

    def messages(container, prefix=""):
        for message in container.message_type if hasattr(container, "message_type") else container.nested_type:
            yield prefix + message.name, message
            yield from messages(message, prefix + message.name + ".")

    theirs = dict(messages(triton))
    for name, message in messages(ours.file[0]):
        check(name in theirs, "message %s exists in tritonclient's descriptor" % name)
        their_fields = {field.name: field for field in theirs[name].field}
        for field in message.field:
            other = their_fields.get(field.name)
            check(other is not None, "%s.%s exists" % (name, field.name))
            check((field.number, field.type, field.label) == (other.number, other.type, other.label),
                  "%s.%s: ours %s, theirs %s" % (name, field.name, (field.number, field.type, field.label),
                                                 (other.number, other.type, other.label)))
            if field.type == field.TYPE_MESSAGE:
                check(field.type_name.split(".")[-1] == other.type_name.split(".")[-1],
                      "%s.%s type %s vs %s" % (name, field.name, field.type_name, other.type_name))
            check(field.oneof_index == other.oneof_index if field.HasField("oneof_index") else not other.HasField("oneof_index"),
                  "%s.%s oneof" % (name, field.name))
    our_service = ours.file[0].service[0]
    their_methods = {method.name: method for method in triton.service[0].method}
    for method in our_service.method:
        other = their_methods[method.name]
        check((method.input_type.split(".")[-1], method.output_type.split(".")[-1]) ==
              (other.input_type.split(".")[-1], other.output_type.split(".")[-1]), "method %s" % method.name)


class WithHeaders:
    """A tritonclient client whose every call carries `headers` (the bearer token)."""

    def __init__(self, client, headers):
        self._client = client
        self._headers = headers

    def __getattr__(self, name):
        method = getattr(self._client, name)

        def call(*args, **kwargs):
            kwargs.setdefault("headers", self._headers)
            return method(*args, **kwargs)

        return call


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--cases", required=True)
    parser.add_argument("--proto-root", required=True)
    parser.add_argument("--token-file")
    args = parser.parse_args()
    with open(args.cases) as handle:
        cases = json.load(handle)

    check_descriptors(args.proto_root)

    client = grpcclient.InferenceServerClient(url="127.0.0.1:%d" % args.port)
    if args.token_file:
        try:
            client.is_server_live()
            check(False, "ServerLive without a token succeeded")
        except InferenceServerException as error:
            check("UNAUTHENTICATED" in str(error.status()), "status without a token: %s" % error.status())
        with open(args.token_file) as handle:
            client = WithHeaders(client, {"authorization": "Bearer " + handle.read().strip()})
    check(client.is_server_live(), "ServerLive")
    check(client.is_server_ready(), "ServerReady")
    metadata = client.get_server_metadata()
    check(metadata.name == "lifelong-edge", "ServerMetadata name %r" % metadata.name)
    check(client.is_model_ready(args.model), "ModelReady")
    check(client.is_model_ready(args.model, cases["version"]), "ModelReady at the version")
    check(not client.is_model_ready("another-model"), "ModelReady of an unknown model")
    model = client.get_model_metadata(args.model)
    features = np.array(cases["features"], dtype=np.float32)
    attributes = np.array(cases["attributes"], dtype=np.object_)
    rows, width = features.shape
    inputs = {tensor.name: (tensor.datatype, list(tensor.shape)) for tensor in model.inputs}
    check(inputs == {"features": ("FP32", [-1, width]), "attributes": ("BYTES", [-1, attributes.shape[1]])}, "inputs %r" % inputs)
    check([tensor.name for tensor in model.outputs] ==
          ["probabilities", "class", "task", "unseen", "unseen_detectors", "allocation_confidence"], "outputs")
    check(list(model.versions) == [cases["version"]], "versions")

    feature_input = grpcclient.InferInput("features", list(features.shape), "FP32")
    feature_input.set_data_from_numpy(features)
    attribute_input = grpcclient.InferInput("attributes", list(attributes.shape), "BYTES")
    attribute_input.set_data_from_numpy(attributes)
    result = client.infer(args.model, [feature_input, attribute_input], request_id="r-1")
    expected = cases["expected"]
    check(result.get_response().id == "r-1", "id echoed")
    check(result.get_response().model_version == cases["version"], "model_version")
    check(result.as_numpy("class").tolist() == expected["class"], "class")
    check([value.decode() for value in result.as_numpy("task").tolist()] == expected["task"], "task")
    check(result.as_numpy("unseen").tolist() == expected["unseen"], "unseen")
    check(np.allclose(result.as_numpy("probabilities"), np.array(expected["probabilities"], dtype=np.float32), atol=1e-6),
          "probabilities")
    confidence = result.as_numpy("allocation_confidence")
    check(confidence.shape == (rows,) and ((confidence >= 0) & (confidence <= 1)).all(), "allocation_confidence")
    only = client.infer(args.model, [feature_input, attribute_input], outputs=[grpcclient.InferRequestedOutput("class")])
    check([output.name for output in only.get_response().outputs] == ["class"], "requested outputs only")

    wrong_type = grpcclient.InferInput("features", list(features.shape), "FP64")
    wrong_type.set_data_from_numpy(features.astype(np.float64))
    expect_invalid(lambda: client.infer(args.model, [wrong_type, attribute_input]),
                   "input 'features'", "expects datatype FP32 and shape [-1, %d]" % width, "got datatype FP64 and shape [%d, %d]" % (rows, width))
    narrow = grpcclient.InferInput("features", [rows, width - 1], "FP32")
    narrow.set_data_from_numpy(features[:, : width - 1].copy())
    expect_invalid(lambda: client.infer(args.model, [narrow, attribute_input]),
                   "input 'features'", "expects datatype FP32 and shape [-1, %d]" % width, "got datatype FP32 and shape [%d, %d]" % (rows, width - 1))
    wrong_attributes = grpcclient.InferInput("attributes", [rows, 1], "BYTES")
    wrong_attributes.set_data_from_numpy(attributes[:, :1].copy())
    expect_invalid(lambda: client.infer(args.model, [feature_input, wrong_attributes]),
                   "input 'attributes'", "expects datatype BYTES and shape [-1, %d]" % attributes.shape[1])
    stranger = grpcclient.InferInput("pixels", list(features.shape), "FP32")
    stranger.set_data_from_numpy(features)
    expect_invalid(lambda: client.infer(args.model, [feature_input, stranger]), "inputs[1].name", "'pixels'")
    print(json.dumps({"checks": checks}))


if __name__ == "__main__":
    main()
