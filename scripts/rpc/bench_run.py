"""Runs the RPC benchmark: every server in turn, h2load at 1x1, 4x10, 16x10 and our
single-in-flight latency client; prints one table with ratios to our server and a SUMMARY line.

usage: bench_run.py --h2load-data FILE --client BIN [--seconds S] --server NAME=COMMAND ...
COMMAND is a shell command with {port} where the port goes; the first NAME is ours.
Each server must answer lifelong.testing.v1.ProbeService/Echo with the Leaf it receives.
"""
import argparse
import os
import re
import shlex
import socket
import subprocess
import sys
import threading
import time

PATH = "/lifelong.testing.v1.ProbeService/Echo"
LOADS = [(1, 1), (4, 10), (16, 10)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, process, deadline=60):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the server did not listen in time")


def rss_kib(pid):
    """VmRSS of a process and its children (grpcio and `go run` style wrappers)."""
    total = 0
    pids = [pid]
    try:
        children = open(f"/proc/{pid}/task/{pid}/children").read().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


class PeakSampler:
    def __init__(self, pid):
        self.pid, self.peak, self.stopping = pid, 0, False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.stopping:
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.05)

    def stop(self):
        self.stopping = True
        self.thread.join()
        return self.peak


def h2load(port, connections, streams, seconds, data):
    command = ["h2load", "-t", "1", "-c", str(connections), "-m", str(streams), "-D", str(seconds),
               "--warm-up-time=1", "-d", data, "-H", "content-type: application/grpc", "-H", "te: trailers",
               f"http://127.0.0.1:{port}{PATH}"]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = re.search(r"finished in .*?, ([\d.]+) req/s", output)
    requests = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                         r"(\d+) errored", output)
    traffic = re.search(r"traffic: .*?, \S+ \((\d+)\) data", output)
    if not (rps and requests and traffic):
        return {"rps": 0.0, "ok": False, "note": "h2load output not understood"}
    done, succeeded = int(requests.group(3)), int(requests.group(4))
    data_bytes = int(traffic.group(1))
    # h2load counts HTTP 200 as success; a response with grpc-status != 0 (Trailers-Only)
    # carries no DATA, so every echo must bring back one 85-byte message. h2load's byte totals
    # include the warm-up second, its request counts do not: the data must be whole messages,
    # at least one per counted request. (The latency client checks every status exactly.)
    ok = done > 0 and succeeded == done and data_bytes % 85 == 0 and data_bytes >= done * 85
    note = "" if ok else f"done={done} succeeded={succeeded} data={data_bytes}B (at least {done * 85})"
    return {"rps": float(rps.group(1)), "ok": ok, "note": note}


def latency(client, port):
    result = subprocess.run([client, "--port", str(port), "--calls", "20000", "--warmup", "2000"],
                            capture_output=True, text=True, timeout=600)
    fields = dict(re.findall(r"(\w+)=([\d.na]+)", result.stdout))
    return {"p50": float(fields.get("p50_us", "nan")), "p99": float(fields.get("p99_us", "nan")),
            "errors": int(fields.get("errors", "1")) if result.returncode in (0, 1) else -1,
            "ok": result.returncode == 0, "note": result.stderr.strip()[-200:]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--h2load-data", required=True)
    parser.add_argument("--client", required=True)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--skip", action="append", default=[], help="NAME=reason, printed in the table")
    parser.add_argument("--versions", default="")
    parser.add_argument("--server", dest="servers", action="append", required=True, help="NAME=COMMAND; ours first")
    args = parser.parse_args()

    results = {}
    order = []
    for spec in args.servers:
        name, command = spec.split("=", 1)
        order.append(name)
        port = free_port()
        print(f"bench-rpc: {name} on port {port}", file=sys.stderr, flush=True)
        process = subprocess.Popen(command.format(port=port), shell=True, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        row = {"loads": {}, "rss": 0}
        try:
            wait_listening(port, process)
            for connections, streams in LOADS:
                sampler = PeakSampler(process.pid)
                row["loads"][(connections, streams)] = h2load(port, connections, streams, args.seconds,
                                                              args.h2load_data)
                peak = sampler.stop()
                if (connections, streams) == (4, 10):
                    row["rss"] = peak / 1024
            row["latency"] = latency(args.client, port)
        except Exception as error:  # a server that fails is reported, not fatal
            row["error"] = str(error)
        finally:
            os.killpg(process.pid, 15)
            process.wait(timeout=30)
        results[name] = row

    ours = results[order[0]]

    def rps(name, load):
        entry = results[name]["loads"].get(load)
        return entry["rps"] if entry else 0.0

    print(f"unary Echo, 80-byte Leaf, loopback, {args.seconds}s per h2load run (-t 1, after 1s warm-up); "
          f"latency: 20000 single-in-flight calls of our client; RSS: server peak during 4x10")
    if args.versions:
        print(f"anchors: {args.versions}")
    header = (f"{'server':<14}{'1x1 req/s':>11}{'4x10 req/s':>12}{'16x10 req/s':>13}{'ours/it 4x10':>14}"
              f"{'p50 us':>9}{'p99 us':>9}{'RSS MiB':>9}  status")
    print(header)
    print("-" * len(header))
    for name in order:
        row = results[name]
        if "error" in row:
            print(f"{name:<14}  failed: {row['error']}")
            continue
        lat = row["latency"]
        ratio = rps(order[0], (4, 10)) / rps(name, (4, 10)) if rps(name, (4, 10)) else float("nan")
        notes = [entry["note"] for entry in row["loads"].values() if not entry["ok"]]
        if not lat["ok"]:
            notes.append(f"latency client: errors={lat['errors']} {lat['note']}")
        status = "all grpc-status 0" if not notes else "; ".join(notes)
        print(f"{name:<14}{rps(name, (1, 1)):>11.0f}{rps(name, (4, 10)):>12.0f}{rps(name, (16, 10)):>13.0f}"
              f"{ratio:>14.2f}{lat['p50']:>9.1f}{lat['p99']:>9.1f}{row['rss']:>9.1f}  {status}")
    for skipped in args.skip:
        name, reason = skipped.split("=", 1)
        print(f"{name:<14}  skipped: {reason}")

    def ratio_key(name):
        return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")

    summary = {f"ours_rps_{c}x{m}": f"{rps(order[0], (c, m)):.0f}" for c, m in LOADS}
    for name in order[1:]:
        if rps(name, (4, 10)):
            summary[f"ours_over_{ratio_key(name)}_rps_4x10"] = f"{rps(order[0], (4, 10)) / rps(name, (4, 10)):.2f}"
    if "latency" in ours:
        summary["p50_us"] = f"{ours['latency']['p50']:.1f}"
        summary["p99_us"] = f"{ours['latency']['p99']:.1f}"
    summary["rss_mib"] = f"{ours['rss']:.1f}"
    all_ok = all("error" not in r and all(e["ok"] for e in r["loads"].values()) and r["latency"]["ok"]
                 for r in results.values())
    summary["statuses_ok"] = "1" if all_ok else "0"
    print("SUMMARY " + " ".join(f"{k}={v}" for k, v in summary.items()))


if __name__ == "__main__":
    main()
