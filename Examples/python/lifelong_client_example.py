"""Lifelong from Python: create a job from a CSV, ingest its rows, train a round, print the report.

    lifelong scenario --output /tmp/comfort
    python Examples/python/lifelong_client_example.py --gateway 127.0.0.1:7100 \\
        --job comfort --csv /tmp/comfort/initial.csv

The label and attribute columns come from the scenario.json that `lifelong scenario` writes
beside the CSV, or from --label and --attributes. Columns whose values are all numbers are
numeric features, the others categorical. The gateway holds out a fifth of the rows for
evaluation. With LIFELONG_TOKEN set (or --token-file), every call carries
`authorization: Bearer <token>`. Needs grpcio and grpcio-tools (the stubs are generated from
Proto/ when the script starts).
"""
import argparse
import csv
import json
import math
import os
import sys

import grpc

import lifelong_stubs

lifelong_stubs.generate()
from lifelong.v1 import common_pb2, gateway_pb2, jobs_pb2, knowledge_base_pb2  # noqa: E402
from lifelong.v1.gateway_pb2_grpc import GatewayStub  # noqa: E402


def read_csv(path, label, attributes):
    """The CSV's rows and the feature schema they imply."""
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    schema = common_pb2.FeatureSchema(
        label_name=label, classes=sorted({row[label] for row in rows}), attribute_names=attributes)
    for name in rows[0]:
        if name == label or name in attributes:
            continue
        values = {row[name] for row in rows}
        if all(is_number(value) for value in values):
            schema.columns.add(name=name, kind=common_pb2.FEATURE_KIND_NUMERIC)
        else:
            schema.columns.add(name=name, kind=common_pb2.FEATURE_KIND_CATEGORICAL, categories=sorted(values))
    return rows, schema


def is_number(value):
    try:
        float(value or "nan")  # an empty cell is a missing value
        return True
    except ValueError:
        return False


def to_sample(job, key, row, schema):
    """One CSV row as a labelled sample: categoricals as their index, empty cells as NaN."""
    features = [
        float(row[column.name] or math.nan) if column.kind == common_pb2.FEATURE_KIND_NUMERIC
        else list(column.categories).index(row[column.name])
        for column in schema.columns]
    return common_pb2.Sample(
        key=key, job_id=job, features=features,
        attributes=[common_pb2.AttributeValue(name=name, value=row[name]) for name in schema.attribute_names],
        label=common_pb2.Label(present=True, class_index=list(schema.classes).index(row[schema.label_name])))


def print_report(report):
    for method in report.methods:
        print(f"report of job {report.job_id} at version {report.snapshot_version} ({method.method})")
        print(f"average accuracy {method.average_accuracy:.3f}  BWT {method.bwt:+.3f}  FWT {method.fwt:+.3f}")
        for task in method.tasks:
            print(f"task {task.task_name:<24} accuracy {task.accuracy:.3f}  ({task.sample_count} test rows)")
        print("accuracy matrix (row: the model deployed after round i; column: a round's test set)")
        print(" " * 12 + "".join(f"{name:>10}" for name in method.matrix.test_sets))
        for version, row in zip(method.row_versions, method.matrix.rows):
            print(f"{'  version ' + str(version):<12}" + "".join(f"{value:>10.3f}" for value in row.accuracy))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", default="127.0.0.1:7100", help="the gateway's host:port")
    parser.add_argument("--job", required=True, help="job name (letters, digits, '.', '_', '-')")
    parser.add_argument("--csv", required=True, help="labelled rows, with a header line")
    parser.add_argument("--label", help="label column (default: from scenario.json)")
    parser.add_argument("--attributes", help="comma-separated attribute columns (default: from scenario.json)")
    parser.add_argument("--token-file", help="file holding a bearer token (default: $LIFELONG_TOKEN)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for the round")
    args = parser.parse_args()

    described = os.path.join(os.path.dirname(os.path.abspath(args.csv)), "scenario.json")
    scenario = json.load(open(described)) if os.path.exists(described) else {}
    if not scenario and not (args.label and args.attributes):
        parser.error("--label and --attributes are needed when no scenario.json is beside the CSV")
    label = args.label or scenario["label"]
    attributes = args.attributes.split(",") if args.attributes else scenario["attributes"]
    token = open(args.token_file).read().strip() if args.token_file else os.environ.get("LIFELONG_TOKEN")
    auth = [("authorization", f"Bearer {token}")] if token else []

    gateway = GatewayStub(grpc.insecure_channel(args.gateway))
    rows, schema = read_csv(args.csv, label, attributes)
    spec = jobs_pb2.JobSpec(
        name=args.job, schema=schema, task_definition=jobs_pb2.TASK_DEFINITION_METHOD_ATTRIBUTES,
        parameters=jobs_pb2.TrainingParameters(rounds=30, max_depth=3, learning_rate=0.3, seed=7))
    try:
        gateway.CreateJob(spec, metadata=auth)
        print(f"created job {args.job}: {len(schema.columns)} features, classes {', '.join(schema.classes)}")
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.ALREADY_EXISTS:
            raise
        print(f"job {args.job} exists; adding to it")

    # Keys make ingest idempotent: running the script again stores nothing twice.
    stem = os.path.splitext(os.path.basename(args.csv))[0]
    samples = [to_sample(args.job, f"{stem}:{index}", row, schema) for index, row in enumerate(rows)]
    batches = (knowledge_base_pb2.SampleBatch(samples=samples[i:i + 100]) for i in range(0, len(samples), 100))
    ingested = gateway.IngestSamples(batches, metadata=auth)
    print(f"ingested {ingested.inserted} rows ({ingested.duplicates} already there)")

    job_request = gateway_pb2.GetJobRequest(job_id=args.job)
    rounds_before = gateway.GetJob(job_request, metadata=auth).rounds_completed
    events = gateway.WatchJob(job_request, metadata=auth, timeout=args.timeout)
    gateway.TriggerTraining(job_request, metadata=auth)
    try:
        for event in events:
            if event.kind != jobs_pb2.PROGRESS_KIND_BOOSTING_ROUND:
                state = jobs_pb2.StageState.Name(event.state).removeprefix("STAGE_STATE_").lower()
                print(f"  {state:<9} {event.task_name + ': ' if event.task_name else ''}{event.message}")
            if event.snapshot_version > 0 or event.state == jobs_pb2.STAGE_STATE_FAILED:
                job = gateway.GetJob(job_request, metadata=auth)
                if job.rounds_completed > rounds_before:
                    break
                if job.state == jobs_pb2.STAGE_STATE_FAILED and job.retry_at_us == 0:
                    sys.exit(f"the round failed: {job.last_error}")
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.DEADLINE_EXCEEDED:
            raise
        sys.exit(f"no round completed within {args.timeout:.0f} s")
    finally:
        events.cancel()

    print_report(gateway.GetReport(job_request, metadata=auth))


if __name__ == "__main__":
    main()
