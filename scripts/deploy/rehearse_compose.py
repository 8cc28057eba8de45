"""Rehearses docker/docker-compose.yml without containers: the same services as processes.

usage: rehearse_compose.py COMPOSE_CONFIG BIN_DIR [--training-replicas N]

COMPOSE_CONFIG is `docker-compose config` of the compose file. Every Lifelong service in it
(picked by its image name, lifelong-<service>) is started from BIN_DIR with exactly its
compose environment — nothing inherited but PATH and HOME — after these rewrites, each printed:
  - each compose service (each training replica) gets an address of its own, 127.0.0.<n>, as its
    container would have an IP of its own: `<SERVICE>_HOST=0.0.0.0` becomes that address and a
    value `<service>:<port>` the address of that service; a port already taken on that address
    is remapped to a free one;
  - PostgreSQL is the throwaway cluster of the PG* variables in this script's environment, in a
    database of its own made for the rehearsal and dropped afterwards;
  - container paths under a volume become folders of a temporary directory, one per volume;
  - /run/secrets/<name> becomes the file of that compose secret, generated: with lifelong-tokens
    in BIN_DIR (branch auth) real tokens for the compose file's edge nodes, else placeholders
    (the services on this branch do not read them).
Then it waits for SERVING on every service's health, lists the gateway's jobs (ListJobs, through
grpcio stubs generated now from Proto/), prints each process's resident memory, and stops all
with SIGTERM, expecting exit status 0. Prints 'PASS …' / 'FAIL …' lines and 'N passed, N failed'.
"""
import argparse
import importlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import grpc
import yaml
from grpc_health.v1 import health_pb2, health_pb2_grpc

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXECUTABLES = ("lifelong-kb", "lifelong-taskmining", "lifelong-training", "lifelong-gateway", "lifelong-edge")
SERVING_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0

RESULTS = []


def result(name, problem=None):
    RESULTS.append(problem is None)
    print(f"PASS {name}" if problem is None else f"FAIL {name}: {problem}", flush=True)


def executable_of(service):
    base = service.get("image", "").rsplit("/", 1)[-1].split(":", 1)[0]
    return base if base in EXECUTABLES else None


def port_is_free(address, port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((address, port))
            return True
        except OSError:
            return False


def free_port(address):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((address, 0))
        return s.getsockname()[1]


class Instance:
    """One process standing in for one container."""

    def __init__(self, name, compose_name, executable, environment, address):
        self.name = name
        self.compose_name = compose_name
        self.executable = executable
        self.environment = dict(environment)
        self.address = address
        self.port = None
        self.process = None
        self.log = None
        self.started = None


def plan(compose, training_replicas, work, pg):
    """The instances, their rewritten environments, and the rewrites as printable lines."""
    services = compose["services"]
    instances, addresses = [], {}
    octet = 10
    for name, service in services.items():
        executable = executable_of(service)
        if executable is None:
            continue
        replicas = training_replicas if executable == "lifelong-training" else 1
        for replica in range(1, replicas + 1):
            instance_name = f"{name}-{replica}" if replicas > 1 else name
            environment = service.get("environment", {}) or {}
            instances.append(Instance(instance_name, name, executable, environment, f"127.0.0.{octet}"))
            octet += 1
        addresses.setdefault(name, instances[-replicas].address)  # like DNS: the name reaches one replica

    prefix = {i.executable: i.executable.replace("lifelong-", "LIFELONG_").upper() for i in instances}
    # Ports first: a service's port is what its own variable says, remapped when taken.
    ports = {}
    for instance in instances:
        port_variable = prefix[instance.executable] + "_PORT"
        wanted = int(instance.environment.get(port_variable, 0)) or None
        if wanted is None:
            sys.exit(f"compose {instance.compose_name}: no {port_variable}; the rehearsal needs the port explicit")
        instance.port = wanted if port_is_free(instance.address, wanted) else free_port(instance.address)
        ports.setdefault(instance.compose_name, (wanted, instance.port))

    secrets = {}
    for name, secret in (compose.get("secrets") or {}).items():
        secrets[f"/run/secrets/{name}"] = os.path.join(work, "secrets", os.path.basename(secret["file"]))

    rewrites = []
    for instance in instances:
        service = services[instance.compose_name]
        volumes = {}
        for volume in service.get("volumes", []):
            source, target = (volume["source"], volume["target"]) if isinstance(volume, dict) else volume.split(":")[:2]
            folder = os.path.join(work, "volumes", instance.name, source)
            os.makedirs(folder, exist_ok=True)
            volumes[target.rstrip("/")] = folder
        host_variable = prefix[instance.executable] + "_HOST"
        port_variable = prefix[instance.executable] + "_PORT"
        for variable, value in sorted(instance.environment.items()):
            value = str(value)
            new = value
            if variable == host_variable and value == "0.0.0.0":
                new = instance.address
            elif variable == port_variable:
                new = str(instance.port)
            elif variable == "PGHOST":
                new = pg["PGHOST"]
            elif variable == "PGPORT":
                new = pg["PGPORT"]
            elif variable == "PGUSER":
                new = pg["PGUSER"]
            elif variable == "PGDATABASE":
                new = pg["database"]
            elif variable == "PGPASSWORD":
                new = value  # the cluster trusts loopback: the example password is sent and ignored
            elif ":" in value and value.rsplit(":", 1)[0] in addresses:
                host, port = value.rsplit(":", 1)
                wanted, actual = ports[host]
                if int(port) != wanted:
                    sys.exit(f"compose {instance.compose_name}: {variable}={value}, but {host} listens on {wanted}")
                new = f"{addresses[host]}:{actual}"
            elif value in secrets:
                new = secrets[value]
            elif value.startswith("/"):
                mounted = [t for t in volumes if value == t or value.startswith(t + "/")]
                if not mounted:
                    sys.exit(f"compose {instance.compose_name}: {variable}={value} is a container path on no volume or secret")
                new = volumes[mounted[0]] + value[len(mounted[0]):]
            if new != value:
                instance.environment[variable] = new
                rewrites.append(f"{instance.name:12} {variable} = {value} -> {new}")
    return instances, secrets, rewrites


def make_secrets(compose, instances, secrets, bin_dir, work):
    """The secret files: real tokens from lifelong-tokens when it exists, else placeholders."""
    folder = os.path.join(work, "secrets")
    os.makedirs(folder, exist_ok=True)
    tokens = os.path.join(bin_dir, "lifelong-tokens")
    nodes = sorted({i.environment.get("LIFELONG_EDGE_NODE_ID") for i in instances if i.executable == "lifelong-edge"})
    if os.access(tokens, os.X_OK):
        command = [tokens, folder] + [a for node in nodes for a in ("--edge-node", node)]
        subprocess.run(command, check=True, capture_output=True, timeout=30)
        how = f"generated by lifelong-tokens for edge nodes {', '.join(nodes)}"
    else:
        for path in secrets.values():
            with open(path, "w", encoding="utf-8") as f:
                f.write("placeholder: lifelong-tokens (branch auth) is not built here\n")
        how = "placeholders: no lifelong-tokens in the build (branch auth), the services do not read them yet"
    missing = [p for p in secrets.values() if not os.path.exists(p)]
    if missing:
        sys.exit(f"secret files the compose file names but nobody made: {missing}")
    print(f"secrets: {len(secrets)} files, {how}")
    admin = os.path.join(folder, "admin.token")
    return open(admin, encoding="utf-8").read().strip() if os.path.exists(admin) else None


def start(instance, bin_dir, work):
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root"),
                   **instance.environment}
    instance.log = os.path.join(work, "logs", instance.name + ".log")
    instance.started = time.monotonic()
    os.makedirs(os.path.dirname(instance.log), exist_ok=True)
    with open(instance.log, "wb") as log:
        instance.process = subprocess.Popen(
            [os.path.join(bin_dir, instance.executable)], env=environment, stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, cwd=os.path.join(work, "volumes"), start_new_session=True)


def tail(instance, lines=15):
    try:
        with open(instance.log, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


def wait_serving(instances, deadline):
    pending = {i.name: i for i in instances}
    while pending and time.monotonic() < deadline:
        for name, instance in list(pending.items()):
            if instance.process.poll() is not None:
                result(f"{name} SERVING", f"exited with {instance.process.returncode}:\n{tail(instance)}")
                del pending[name]
                continue
            # A channel per attempt: one that failed to connect waits out grpcio's reconnect backoff.
            try:
                with grpc.insecure_channel(f"{instance.address}:{instance.port}") as channel:
                    reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=0.5)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    result(f"{name} SERVING on {instance.address}:{instance.port} ({time.monotonic() - instance.started:.1f} s after start)")
                    del pending[name]
            except grpc.RpcError:
                pass
        time.sleep(0.2)
    for name, instance in pending.items():
        result(f"{name} SERVING", f"not SERVING after {SERVING_TIMEOUT:.0f} s:\n{tail(instance)}")


def gateway_stubs(work):
    """lifelong.v1 gateway messages and stubs, generated now from Proto/."""
    from grpc_tools import protoc
    import importlib.resources

    out = os.path.join(work, "stubs")
    os.makedirs(out, exist_ok=True)
    include = str(importlib.resources.files("grpc_tools") / "_proto")
    proto_root = os.path.join(ROOT, "Proto")
    folder = os.path.join(proto_root, "lifelong", "v1")
    files = [os.path.join(folder, f) for f in sorted(os.listdir(folder)) if f.endswith(".proto")]
    status = protoc.main(["protoc", f"-I{proto_root}", f"-I{include}", f"--python_out={out}", f"--grpc_python_out={out}", *files])
    if status != 0:
        sys.exit(f"protoc failed with status {status}")
    sys.path.insert(0, out)
    return importlib.import_module("lifelong.v1.gateway_pb2"), importlib.import_module("lifelong.v1.gateway_pb2_grpc")


def call_gateway(gateway, work, admin_token):
    pb2, pb2_grpc = gateway_stubs(work)
    metadata = [("authorization", f"Bearer {admin_token}")] if admin_token else []
    with grpc.insecure_channel(f"{gateway.address}:{gateway.port}") as channel:
        try:
            reply = pb2_grpc.GatewayStub(channel).ListJobs(pb2.ListJobsRequest(limit=0), timeout=10, metadata=metadata)
            result(f"ListJobs through {gateway.name} at {gateway.address}:{gateway.port}: {len(reply.jobs)} jobs")
        except grpc.RpcError as error:
            result(f"ListJobs through {gateway.name}", f"{error.code()}: {error.details()}")


def resident_memory(instances):
    print("resident memory, idle (VmRSS, of which RssAnon, and VmHWM from /proc/PID/status):")
    for instance in instances:
        fields = {}
        try:
            with open(f"/proc/{instance.process.pid}/status", encoding="utf-8") as f:
                for line in f:
                    key, _, value = line.partition(":")
                    fields[key] = value.strip()
        except OSError:
            continue
        print(f"  {instance.name:12} {instance.executable:20} rss {fields.get('VmRSS', '?'):>10}  anon {fields.get('RssAnon', '?'):>10}"
              f"  peak {fields.get('VmHWM', '?'):>10}  threads {fields.get('Threads', '?')}")


def stop(instances):
    before = len(RESULTS)
    for instance in reversed(instances):
        if instance.process and instance.process.poll() is None:
            instance.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for instance in reversed(instances):
        if instance.process is None:
            continue
        try:
            status = instance.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            if status != 0:
                result(f"{instance.name} stops on SIGTERM", f"exit status {status}:\n{tail(instance)}")
        except subprocess.TimeoutExpired:
            os.killpg(instance.process.pid, signal.SIGKILL)
            instance.process.wait()
            result(f"{instance.name} stops on SIGTERM", f"still running after {STOP_TIMEOUT:.0f} s; killed")
    if instances and len(RESULTS) == before:
        result(f"all {len(instances)} processes stop on SIGTERM with status 0")


def psql(pg, sql):
    environment = {**os.environ, "PGHOST": pg["PGHOST"], "PGPORT": pg["PGPORT"], "PGUSER": pg["PGUSER"], "PGDATABASE": pg["PGDATABASE"]}
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], env=environment, check=True,
                   capture_output=True, timeout=30)



def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("compose_config")
    parser.add_argument("bin_dir")
    parser.add_argument("--training-replicas", type=int, default=2)
    arguments = parser.parse_args()
    with open(arguments.compose_config, encoding="utf-8") as f:
        compose = yaml.safe_load(f)
    missing = [v for v in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE") if not os.environ.get(v)]
    if missing:
        sys.exit(f"no throwaway PostgreSQL: {missing} unset (scripts/deploy/rehearse-compose.sh starts one)")
    pg = {v: os.environ[v] for v in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE")}
    pg["database"] = f"lifelong_rehearsal_{os.getpid()}"
    work = tempfile.mkdtemp(prefix="lifelong-rehearsal-")
    instances = []
    psql(pg, f"create database {pg['database']}")
    try:
        instances, secrets, rewrites = plan(compose, arguments.training_replicas, work, pg)
        print(f"{len(instances)} processes for {len({i.compose_name for i in instances})} compose services "
              f"(training x{arguments.training_replicas}); PostgreSQL {pg['PGHOST']}:{pg['PGPORT']} database {pg['database']}")
        print(f"rewritten variables ({len(rewrites)}):")
        for line in rewrites:
            print("  " + line)
        admin_token = make_secrets(compose, instances, secrets, arguments.bin_dir, work)
        for instance in instances:
            start(instance, arguments.bin_dir, work)
        wait_serving(instances, time.monotonic() + SERVING_TIMEOUT)
        gateways = [i for i in instances if i.executable == "lifelong-gateway"]
        if all(RESULTS) and gateways:
            call_gateway(gateways[0], work, admin_token)
            time.sleep(1)
            resident_memory(instances)
    finally:
        stop(instances)
        try:
            psql(pg, f"drop database if exists {pg['database']} with (force)")
        except subprocess.CalledProcessError as error:
            print(f"could not drop {pg['database']}: {error.stderr.decode(errors='replace').strip()}")
        if all(RESULTS):
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"logs kept in {work}/logs")
    failed = RESULTS.count(False)
    print(f"{len(RESULTS) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
