#!/usr/bin/env python3
"""Writes Tests/LifelongProtoTests/GoldenVectors/golden.json: messages built with Python's
`protobuf` package (the reference implementation) from the same .proto files, serialized.
The Swift test builds the same values and checks its bytes are identical.

Usage: golden_vectors.py [--out FILE]   (run by scripts/codegen/generate.sh)
"""

import argparse
import importlib
import json
import math
import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROOTS = ["Proto", "Tests/Proto"]


def compile_python(tmp):
    for root in ROOTS:
        base = os.path.join(REPO, root)
        files = []
        for folder, _, names in os.walk(base):
            files += [os.path.relpath(os.path.join(folder, n), base) for n in names if n.endswith(".proto")]
        subprocess.run(["protoc", "-I" + base, "--python_out=" + tmp] + sorted(files), check=True, cwd=base)
    sys.path.insert(0, tmp)


def load_by_path(tmp, relative, name):
    """Loads a generated module from its file: the `grpc` package name is taken by grpcio."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, os.path.join(tmp, relative))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def vectors(tmp):
    common = importlib.import_module("lifelong.v1.common_pb2")
    index = importlib.import_module("lifelong.v1.task_index_pb2")
    kb = importlib.import_module("lifelong.v1.knowledge_base_pb2")
    gateway = importlib.import_module("lifelong.v1.gateway_pb2")
    health = load_by_path(tmp, "grpc/health/v1/health_pb2.py", "golden_health_pb2")
    reflection = load_by_path(tmp, "grpc/reflection/v1/reflection_pb2.py", "golden_reflection_pb2")
    probe = importlib.import_module("lifelong.testing.v1.codec_probe_pb2")

    out = {}

    p = probe.Probe(
        f_double=1.5e300, f_float=-3.25, f_int64=-(2**63), f_uint64=2**64 - 1, f_int32=-(2**31),
        f_fixed64=0x0123456789ABCDEF, f_fixed32=2**32 - 1, f_bool=True, f_string="héllo, 世界 🌍",
        f_bytes=bytes(range(256)), f_uint32=2**32 - 1, f_sfixed32=-2, f_sfixed64=-3,
        f_sint32=-(2**31), f_sint64=-(2**63) + 1, f_enum=probe.PROBE_COLOUR_NEGATIVE)
    p.f_leaf.name = "leaf"
    p.f_leaf.value = -1
    p.inner.size = probe.Probe.SIZE_LARGE
    out["probe_scalars"] = p

    r = probe.Probe(
        r_double=[0.0, -1.25, math.inf, -math.inf, 5e-324], r_float=[1.5, -0.0],
        r_int64=[0, -1, 2**63 - 1], r_uint64=[0, 2**64 - 1], r_int32=[-5, 7, 300],
        r_fixed64=[1, 2], r_fixed32=[3, 4], r_bool=[True, False, True], r_string=["a", "", "ü"],
        r_bytes=[b"", b"\x00\xff"], r_uint32=[1, 128, 16384], r_sfixed32=[-1], r_sfixed64=[-2],
        r_sint32=[-1, 1, -64], r_sint64=[-(2**63)],
        r_enum=[probe.PROBE_COLOUR_RED, probe.PROBE_COLOUR_NEGATIVE, probe.PROBE_COLOUR_UNSPECIFIED])
    r.r_leaf.add(name="x", value=1)
    r.r_leaf.add()
    out["probe_repeated"] = r

    out["probe_oneof_number"] = probe.Probe(choice_number=0)
    out["probe_oneof_text"] = probe.Probe(choice_text="")
    o = probe.Probe()
    o.choice_leaf.value = 9
    out["probe_oneof_leaf"] = o
    out["probe_negative_zero"] = probe.Probe(f_double=-0.0, f_float=-0.0)
    out["probe_empty"] = probe.Probe()
    chain = probe.Chain(depth=0)
    chain.next.depth = 1
    chain.next.next.depth = 2
    out["chain_depth_3"] = chain

    snap = index.TaskIndexSnapshot(job_id="job-1", version=7, base_version=6,
                                   status=index.SNAPSHOT_STATUS_PUBLISHED, published_at_us=1_700_000_000_000_000,
                                   note="round 2: 1 new task")
    snap.schema.columns.add(name="air_temp", kind=common.FEATURE_KIND_NUMERIC, description="degC")
    snap.schema.columns.add(name="season", kind=common.FEATURE_KIND_CATEGORICAL, categories=["summer", "winter"])
    snap.schema.label_name = "preference"
    snap.schema.classes.extend(["cooler", "no change", "warmer"])
    task = snap.tasks.add(name="summer_ac", cluster=-1, sample_count=420)
    task.attributes.add(name="season", value="summer")
    task.statistics.count = 420
    task.statistics.mean.extend([24.5, 0.0])
    task.statistics.stddev.extend([2.25, 1.0])
    snap.relations.add(from_task="summer_ac", to_task="winter_ac", weight=0.75, data_distance=1.5, cross_accuracy=0.625)
    snap.allocator.kind = index.ALLOCATOR_KIND_ATTRIBUTES
    snap.allocator.attribute_names.append("season")
    snap.allocator.routes.add(values=["summer"], task_name="summer_ac")
    snap.allocator.feature_count = 2
    det = snap.detectors.add(kind=index.DETECTOR_KIND_CONFIDENCE, threshold=0.45, enabled=True)
    det.distances.add(task_name="summer_ac", mean=[1.0], stddev=[0.5], threshold=3.0)
    a = snap.assignments.add(task_name="summer_ac")
    a.model.sha256 = "ab" * 32
    a.model.size_bytes = 1 << 20
    a.fallbacks.add(weight=0.25).model.sha256 = "cd" * 32
    snap.global_model.sha256 = "ef" * 32
    out["contract_snapshot"] = snap

    sample = common.Sample(key="edge-3/17", job_id="job-1", task_name="summer_ac", kind=common.SAMPLE_KIND_UNSEEN,
                           features=[21.5, -3.0, 1e-9], edge_node="edge-3", observed_at_us=-1, sequence=2**40)
    sample.attributes.add(name="season", value="summer")
    sample.label.present = True
    sample.label.class_index = 2
    out["contract_sample"] = sample

    bundle = gateway.SnapshotBundlePart()
    bundle.model_chunk.data = b"\x01\x02\x03"
    bundle.model_chunk.metadata.reference.sha256 = "00" * 32
    out["contract_bundle_chunk"] = bundle

    out["health_response"] = health.HealthCheckResponse(status=health.HealthCheckResponse.SERVICE_UNKNOWN)
    out["reflection_list_services"] = reflection.ServerReflectionRequest(host="h", list_services="")
    resp = reflection.ServerReflectionResponse(valid_host="h")
    resp.original_request.file_by_filename = "lifelong/v1/common.proto"
    resp.file_descriptor_response.file_descriptor_proto.extend([b"\x0a\x01x", b""])
    out["reflection_file_response"] = resp

    batch = kb.SampleBatch(next_cursor="c1")
    for i in range(3):
        batch.samples.add(key="k%d" % i, features=[float(i)] * 4)
    out["contract_sample_batch"] = batch
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(REPO, "Tests/LifelongProtoTests/GoldenVectors/golden.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        compile_python(tmp)
        encoded = {name: message.SerializeToString(deterministic=True).hex() for name, message in vectors(tmp).items()}
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(encoded, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
