"""`make bench-edge`, its network part: lifelong-edge against Seldon MLServer 1.7 with its XGBoost
runtime, both answering the Open Inference Protocol's ModelInfer over gRPC on loopback, under the
same load generator (h2load with pre-encoded requests, as bench-rpc). Runs in .venv-mlserver
(xgboost trains MLServer's model; mlserver's own V2 messages decode and check the answers).

usage: bench_run.py --work DIR --edge BIN [--seconds S] [--mlserver-workers N] [--pipeline-summary FILE]

DIR holds what `edge-benchmark make-store` wrote (manifest.json, edge.sqlite, train.csv,
edge-1.bin, edge-256.bin). Prints a side-by-side table and one `SUMMARY key=value ...` line.
"""
import argparse
import csv
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
import numpy as np
import xgboost as xgb
from mlserver.grpc import dataplane_pb2 as v2

# free_port and wait_listening of bench-rpc's driver.
_spec = importlib.util.spec_from_file_location("rpc_bench_run", Path(__file__).resolve().parent.parent / "rpc" / "bench_run.py")
rpc_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rpc_bench)

PATH = "/inference.GRPCInferenceService/ModelInfer"
MLSERVER_MODEL = "xgboost-task"
BATCH = 256


def frame(message):
    """One gRPC message: uncompressed flag, 4-byte big-endian length, the bytes."""
    return b"\x00" + len(message).to_bytes(4, "big") + message


def read_framed(path):
    data = Path(path).read_bytes()
    return v2.ModelInferRequest.FromString(data[5:])


# ---- MLServer's model and requests -------------------------------------------------------------

def train_xgboost(work, manifest):
    """XGBoost of the edge models' shape (classes, rounds, depth, eta, lambda, min_child_weight,
    bins) on the task's training rows; saved as MLServer's model.json."""
    classes = {name: code for code, name in enumerate(manifest["classNames"])}
    features, labels = [], []
    with open(work / "train.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            features.append([float(row[name]) if row[name] != "" else np.nan for name in manifest["featureNames"]])
            labels.append(classes[row[manifest["labelName"]]])
    model = xgb.XGBClassifier(
        n_estimators=manifest["rounds"], max_depth=manifest["maxDepth"], learning_rate=manifest["learningRate"],
        reg_lambda=manifest["l2Lambda"], min_child_weight=manifest["minChildWeight"], max_bin=manifest["maxBins"],
        tree_method="hist", objective="multi:softprob", n_jobs=1)
    model.fit(np.asarray(features, dtype=np.float32), np.asarray(labels))
    trees = len(model.get_booster().get_dump())
    directory = work / "mlserver" / MLSERVER_MODEL
    directory.mkdir(parents=True, exist_ok=True)
    model.save_model(directory / "model.json")
    return model, trees


def write_mlserver_settings(work, http_port, grpc_port, workers):
    """Server settings (loopback, no metrics server, no debug) and the model's settings."""
    root = work / "mlserver"
    settings = {"host": "127.0.0.1", "http_port": http_port, "grpc_port": grpc_port, "metrics_endpoint": None,
                "debug": False, "parallel_workers": workers}
    (root / "settings.json").write_text(json.dumps(settings))
    model = {"name": MLSERVER_MODEL, "implementation": "mlserver_xgboost.XGBoostModel",
             "parameters": {"uri": "./model.json"}}
    (root / MLSERVER_MODEL / "model-settings.json").write_text(json.dumps(model))
    return root


def mlserver_request(edge_request):
    """The edge request for MLServer's model: the same `features` tensor (FP32 [n, F], the same raw
    bytes); no `attributes` (an XGBoost model has one input); output `predict_proba`."""
    request = v2.ModelInferRequest(model_name=MLSERVER_MODEL)
    request.inputs.append(edge_request.inputs[0])
    request.raw_input_contents.append(edge_request.raw_input_contents[0])
    request.outputs.add(name="predict_proba")
    assert edge_request.inputs[0].name == "features" and edge_request.inputs[0].datatype == "FP32"
    return request


# ---- Servers -----------------------------------------------------------------------------------

def start(command, log):
    return subprocess.Popen(command, stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True)


def stop(process):
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def start_edge(binary, store, manifest, log):
    """lifelong-edge on the store with no cloud and no auth (MLServer has none); its port from
    stdout's first line (`lifelong-edge listening on 127.0.0.1:PORT`)."""
    process = start([binary, "--store", str(store), "--port", "0", "--no-auth", "--log-level", "warning",
                     "--job-id", manifest["model"], "--node-id", "bench"], log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"listening on .*:(\d+)$", Path(log).read_text(errors="replace"), re.MULTILINE)
        if found:
            return process, int(found.group(1))
        if process.poll() is not None:
            raise RuntimeError(f"lifelong-edge exited with {process.returncode}: {Path(log).read_text()[-2000:]}")
        time.sleep(0.05)
    raise RuntimeError("lifelong-edge did not start listening")


def infer(port, request, timeout=10):
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        call = channel.unary_unary(PATH, request_serializer=v2.ModelInferRequest.SerializeToString,
                                   response_deserializer=v2.ModelInferResponse.FromString)
        return call(request, timeout=timeout)


def wait_model_ready(port, model, process, deadline=180):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                ready = channel.unary_unary("/inference.GRPCInferenceService/ModelReady",
                                            request_serializer=v2.ModelReadyRequest.SerializeToString,
                                            response_deserializer=v2.ModelReadyResponse.FromString)
                if ready(v2.ModelReadyRequest(name=model), timeout=2).ready:
                    return
        except grpc.RpcError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"model {model} not ready in time")


def output(response, name):
    """An output tensor's values, from raw_output_contents or contents."""
    for index, tensor in enumerate(response.outputs):
        if tensor.name != name:
            continue
        dtype = {"FP32": "<f4", "FP64": "<f8", "INT64": "<i8", "BOOL": "?"}[tensor.datatype]
        if response.raw_output_contents:
            values = np.frombuffer(response.raw_output_contents[index], dtype=dtype)
        else:
            contents = tensor.contents
            values = np.asarray({"FP32": contents.fp32_contents, "FP64": contents.fp64_contents,
                                 "INT64": contents.int64_contents, "BOOL": contents.bool_contents}[tensor.datatype])
        return values.reshape([int(d) for d in tensor.shape])
    raise RuntimeError(f"no output '{name}' in {[t.name for t in response.outputs]}")


def rss_tree_kib(pid, field="VmRSS"):
    """VmRSS (or another /proc/PID/status field: RssAnon, RssFile) of a process and all its
    descendants (MLServer's inference workers), in KiB."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            for line in open(f"/proc/{current}/status"):
                if line.startswith(field + ":"):
                    total += int(line.split()[1])
            for task in os.listdir(f"/proc/{current}/task"):
                pending += [int(child) for child in open(f"/proc/{current}/task/{task}/children").read().split()]
        except OSError:
            pass
    return total


# ---- Load --------------------------------------------------------------------------------------

def h2load(port, data, connections, streams, seconds, response_bytes, log=None):
    """req/s of one h2load run; checks that every request got HTTP 200 and at least one whole
    response message (a gRPC error is Trailers-Only: no DATA). With `log`, the latencies (µs)."""
    command = ["h2load", "-t", "1", "-c", str(connections), "-m", str(streams), "-D", str(seconds),
               "--warm-up-time=1", "-d", str(data), "-H", "content-type: application/grpc", "-H", "te: trailers"]
    if log:
        command += ["--log-file", str(log)]
    text = subprocess.run(command + [f"http://127.0.0.1:{port}{PATH}"], capture_output=True, text=True,
                          timeout=seconds + 120).stdout
    rps = re.search(r"finished in .*?, ([\d.]+) req/s", text)
    requests = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded", text)
    traffic = re.search(r"traffic: .*?, \S+ \((\d+)\) data", text)
    if not (rps and requests and traffic):
        return {"rps": 0.0, "ok": False, "note": "h2load output not understood", "latencies": []}
    done, succeeded, data_bytes = int(requests.group(1)), int(requests.group(2)), int(traffic.group(1))
    ok = done > 0 and succeeded == done and data_bytes >= done * response_bytes
    latencies = []
    if log and Path(log).exists():
        latencies = [int(line.split("\t")[2]) for line in open(log) if line.count("\t") >= 2]
    note = "" if ok else f"done={done} succeeded={succeeded} data={data_bytes}B (want >= {done * response_bytes})"
    return {"rps": float(rps.group(1)), "ok": ok, "note": note, "latencies": latencies}


def client_latency(port, request, calls=1000, warmup=100):
    """p50 and p99 (µs) of single-sample calls one at a time from a Python grpcio client (the
    request pre-serialized, the answer left undecoded: the client's own cost is the same for both)."""
    data = request.SerializeToString()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        call = channel.unary_unary(PATH, request_serializer=lambda raw: raw, response_deserializer=lambda raw: raw)
        for _ in range(warmup):
            call(data, timeout=10)
        times = []
        for _ in range(calls):
            started = time.perf_counter_ns()
            call(data, timeout=10)
            times.append((time.perf_counter_ns() - started) / 1000)
    return np.percentile(times, 50), np.percentile(times, 99)


def measure(name, port, pid, requests, responses, seconds, work, single_request):
    """The loads on one server, then its RSS."""
    row = {"rss_idle": rss_tree_kib(pid) / 1024}
    row["client_p50"], row["client_p99"] = client_latency(port, single_request)
    single, batch = requests
    one = h2load(port, single, 1, 1, seconds, responses[0], log=work / f"{name}-1x1.log")
    row["rps_1x1"], row["rps_4x10"] = one["rps"], None
    latencies = np.asarray(one["latencies"], dtype=float)
    row["p50"], row["p99"] = (np.percentile(latencies, 50), np.percentile(latencies, 99)) if len(latencies) else (0, 0)
    loads = [one]
    many = h2load(port, single, 4, 10, seconds, responses[0])
    row["rps_4x10"] = many["rps"]
    batch_one = h2load(port, batch, 1, 1, seconds, responses[1])
    batch_many = h2load(port, batch, 4, 10, seconds, responses[1])
    row["batch_1x1"], row["batch_4x10"] = batch_one["rps"] * BATCH, batch_many["rps"] * BATCH
    loads += [many, batch_one, batch_many]
    row["rss"] = rss_tree_kib(pid) / 1024
    # Resident memory of its own (heap, stacks) and shared with the page cache (code of the
    # binary and the shared libraries, mapped files).
    row["rss_anon"] = rss_tree_kib(pid, "RssAnon") / 1024
    row["rss_file"] = rss_tree_kib(pid, "RssFile") / 1024
    row["notes"] = [load["note"] for load in loads if not load["ok"]]
    return row


# ---- Main --------------------------------------------------------------------------------------

def check_edge(response, manifest, rows):
    probabilities = output(response, "probabilities")
    expected = np.asarray(manifest["expectedProbabilities"][:rows], dtype=np.float32)
    if probabilities.shape != expected.shape or not np.allclose(probabilities, expected, atol=1e-5):
        raise RuntimeError(f"lifelong-edge answered probabilities {probabilities[:2]}, in-process {expected[:2]}")
    classes = output(response, "class")
    if list(classes) != manifest["expectedClasses"][:rows]:
        raise RuntimeError("lifelong-edge answered other classes than the index in-process")
    return classes


def check_mlserver(response, model, request):
    features = np.frombuffer(request.raw_input_contents[0], dtype="<f4").reshape([int(d) for d in request.inputs[0].shape])
    probabilities = output(response, "predict_proba")
    expected = model.predict_proba(features)
    if probabilities.shape != expected.shape or not np.allclose(probabilities, expected, atol=1e-5):
        raise RuntimeError(f"MLServer answered {probabilities[:2]}, xgboost in-process {expected[:2]}")
    return probabilities.argmax(axis=1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--edge", required=True)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--mlserver-workers", type=int, default=1, help="MLServer's parallel_workers (its default: 1)")
    parser.add_argument("--pipeline-summary", help="a file whose SUMMARY line is merged into ours (keys prefixed pipeline_)")
    parser.add_argument("--tl2cgen", help="tl2cgen_single_row's key=value output for the pipeline's task model")
    args = parser.parse_args()
    work = args.work
    manifest = json.loads((work / "manifest.json").read_text())

    xgb_model, xgb_trees = train_xgboost(work, manifest)
    edge_files = [work / "edge-1.bin", work / f"edge-{BATCH}.bin"]
    edge_requests = [read_framed(path) for path in edge_files]
    ml_requests = [mlserver_request(request) for request in edge_requests]
    ml_files = [work / "mlserver-1.bin", work / f"mlserver-{BATCH}.bin"]
    for path, request in zip(ml_files, ml_requests):
        path.write_bytes(frame(request.SerializeToString()))

    results = {}
    # The edge's runtime alone: an empty store (no snapshot) after start.
    process, port = start_edge(args.edge, work / "empty.sqlite", manifest, work / "edge-empty.out")
    try:
        time.sleep(1)
        empty_rss = rss_tree_kib(process.pid) / 1024
    finally:
        stop(process)

    print("bench-edge: lifelong-edge", file=sys.stderr, flush=True)
    process, port = start_edge(args.edge, work / "edge.sqlite", manifest, work / "edge.out")
    try:
        wait_model_ready(port, manifest["model"], process)
        answers = [infer(port, request) for request in edge_requests]
        check_edge(answers[0], manifest, 1)
        edge_classes = check_edge(answers[1], manifest, BATCH)
        sizes = [len(answer.SerializeToString()) + 5 for answer in answers]
        results["edge"] = measure("edge", port, process.pid, edge_files, sizes, args.seconds, work, edge_requests[0])
    finally:
        stop(process)

    print("bench-edge: MLServer", file=sys.stderr, flush=True)
    grpc_port, http_port = rpc_bench.free_port(), rpc_bench.free_port()
    root = write_mlserver_settings(work, http_port, grpc_port, args.mlserver_workers)
    mlserver = str(Path(sys.executable).parent / "mlserver")
    process = start([mlserver, "start", str(root)], work / "mlserver.out")
    try:
        wait_model_ready(grpc_port, MLSERVER_MODEL, process)
        answers = [infer(grpc_port, request) for request in ml_requests]
        check_mlserver(answers[0], xgb_model, ml_requests[0])
        ml_classes = check_mlserver(answers[1], xgb_model, ml_requests[1])
        sizes = [len(answer.SerializeToString()) + 5 for answer in answers]
        results["mlserver"] = measure("mlserver", grpc_port, process.pid, ml_files, sizes, args.seconds, work,
                                      ml_requests[0])
    except Exception:
        print(Path(work / "mlserver.out").read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        stop(process)

    report(manifest, results, empty_rss, xgb_trees, float(np.mean(edge_classes == ml_classes)), args)


def report(manifest, results, empty_rss, xgb_trees, agreement, args):
    edge, ml = results["edge"], results["mlserver"]
    versions = (f"mlserver {version('mlserver')}, mlserver-xgboost {version('mlserver-xgboost')}, xgboost {xgb.__version__}, "
                f"h2load {subprocess.run(['h2load', '--version'], capture_output=True, text=True).stdout.split()[1]}")
    print(f"lifelong-edge serving {manifest['tasks']} task models (+ the global model) of "
          f"{'/'.join(map(str, manifest['treesPerModel']))} trees ({manifest['rounds']} rounds x "
          f"{len(manifest['classNames'])} classes, depth <= {manifest['maxDepth']}) from its SQLite store, against "
          f"Seldon MLServer serving one XGBoost model of {xgb_trees} trees ({manifest['rounds']} rounds x "
          f"{len(manifest['classNames'])} classes, max_depth {manifest['maxDepth']}), trained on the same "
          f"{manifest['trainRows']} rows of task {manifest['task']}")
    print(f"V2 ModelInfer over gRPC on loopback; features FP32 [n, {len(manifest['featureNames'])}] in raw_input_contents "
          f"(the edge's request also carries attributes BYTES [n, {len(manifest['attributeNames'])}]; MLServer's asks for "
          f"predict_proba, the edge answers all its outputs); h2load -t 1, {args.seconds} s per load after 1 s warm-up; "
          f"MLServer parallel_workers={args.mlserver_workers}, metrics off, debug off; the edge with --no-auth")
    print("p50/p99 of 1x1: h2load's per-request log; of the grpcio loop: 1,000 calls one at a time from Python grpcio")
    print(f"versions: {versions}; class agreement edge vs MLServer on the 256 rows: {agreement:.1%} (different trainers)")
    rows = [("req/s, 1 sample, 1x1", "rps_1x1", ".0f"), ("req/s, 1 sample, 4x10", "rps_4x10", ".0f"),
            ("p50 us, 1 sample, 1x1", "p50", ".0f"), ("p99 us, 1 sample, 1x1", "p99", ".0f"),
            ("p50 us, 1 sample, grpcio loop", "client_p50", ".0f"), ("p99 us, 1 sample, grpcio loop", "client_p99", ".0f"),
            ("samples/s, batch 256, 1x1", "batch_1x1", ".0f"), ("samples/s, batch 256, 4x10", "batch_4x10", ".0f"),
            ("RSS MiB, idle (after start)", "rss_idle", ".1f"), ("RSS MiB, after the loads", "rss", ".1f"),
            ("RSS MiB, of it anonymous", "rss_anon", ".1f"), ("RSS MiB, of it file-backed", "rss_file", ".1f")]
    header = f"{'':<30}{'lifelong-edge':>15}{'MLServer':>12}{'ours/MLServer':>15}"
    print(header)
    print("-" * len(header))
    for label, key, spec in rows:
        ratio = edge[key] / ml[key] if ml[key] else float("nan")
        print(f"{label:<30}{format(edge[key], spec):>15}{format(ml[key], spec):>12}{ratio:>15.2f}")
    print(f"lifelong-edge RSS with an empty store (runtime, no snapshot): {empty_rss:.1f} MiB")
    for name, row in results.items():
        for note in row["notes"]:
            print(f"{name}: {note}")

    rps_ratio = edge["rps_4x10"] / ml["rps_4x10"] if ml["rps_4x10"] else 0.0
    rss_ratio = edge["rss"] / ml["rss"] if ml["rss"] else float("inf")
    statuses_ok = not edge["notes"] and not ml["notes"]
    summary = {
        "edge_rps_1x1": f"{edge['rps_1x1']:.0f}", "mlserver_rps_1x1": f"{ml['rps_1x1']:.0f}",
        "edge_rps_4x10": f"{edge['rps_4x10']:.0f}", "mlserver_rps_4x10": f"{ml['rps_4x10']:.0f}",
        "rps_ratio_4x10": f"{rps_ratio:.2f}",
        "edge_p50_us": f"{edge['p50']:.0f}", "edge_p99_us": f"{edge['p99']:.0f}",
        "mlserver_p50_us": f"{ml['p50']:.0f}", "mlserver_p99_us": f"{ml['p99']:.0f}",
        "edge_client_p50_us": f"{edge['client_p50']:.0f}", "mlserver_client_p50_us": f"{ml['client_p50']:.0f}",
        "edge_batch256_samples_per_s": f"{edge['batch_4x10']:.0f}", "mlserver_batch256_samples_per_s": f"{ml['batch_4x10']:.0f}",
        "edge_rss_mib": f"{edge['rss']:.1f}", "mlserver_rss_mib": f"{ml['rss']:.1f}", "rss_ratio": f"{rss_ratio:.3f}",
        "edge_rss_100_models_mib": f"{edge['rss']:.1f}", "edge_rss_empty_store_mib": f"{empty_rss:.1f}",
        "edge_rss_anon_mib": f"{edge['rss_anon']:.1f}", "edge_rss_file_mib": f"{edge['rss_file']:.1f}",
        "mlserver_rss_anon_mib": f"{ml['rss_anon']:.1f}",
        "statuses_ok": "1" if statuses_ok else "0",
    }
    network_met = statuses_ok and rps_ratio >= 10 and rss_ratio <= 0.25 and edge["rss"] <= 40
    pipeline_met = True
    if args.pipeline_summary:
        line = next((l for l in open(args.pipeline_summary) if l.startswith("SUMMARY ")), "")
        pipeline = dict(re.findall(r"(\w+)=(\S+)", line))
        summary.update({f"pipeline_{k}": v for k, v in pipeline.items()})
        pipeline_met = float(pipeline["per_sample_us"]) <= 2 and pipeline.get("allocations_per_sample") == "0.0000"
        if args.tl2cgen:
            compiled = dict(re.findall(r"(\w+)=(\S+)", open(args.tl2cgen).read()))
            tl2cgen_us = float(compiled["predict_mean_ns_tight_loop"]) / 1000
            pipeline_ratio = float(pipeline["per_sample_us"]) / tl2cgen_us
            model_ratio = float(pipeline["model_only_us"]) / tl2cgen_us
            print(f"in-process, one sample (µs): the edge's step {float(pipeline['per_sample_us']):.3f} (allocation + model + "
                  f"detectors over {pipeline['tasks']} tasks), its task model alone {float(pipeline['model_only_us']):.3f}, "
                  f"the same trees compiled to C by tl2cgen {tl2cgen_us:.3f} (max |p - ours| {compiled['max_abs_diff_vs_ours']}, "
                  f"class agreement {compiled['argmax_agreement']}); ratios {pipeline_ratio:.2f} and {model_ratio:.2f}")
            summary.update({"tl2cgen_us": f"{tl2cgen_us:.3f}", "pipeline_over_tl2cgen": f"{pipeline_ratio:.2f}",
                            "model_over_tl2cgen": f"{model_ratio:.2f}"})
    summary["target_met"] = "1" if network_met and pipeline_met else "0"
    print("SUMMARY " + " ".join(f"{key}={value}" for key, value in summary.items()))


def version(package):
    from importlib.metadata import version as installed
    return installed(package)


if __name__ == "__main__":
    main()
