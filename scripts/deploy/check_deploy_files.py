"""Checks docker/ against the Kubernetes schemas and the services' own options.

usage: check_deploy_files.py COMPOSE_CONFIG BIN_DIR

COMPOSE_CONFIG is `docker-compose config` of docker/docker-compose.yml (anchors merged, ${…}
filled from docker/.env.example); BIN_DIR holds the built executables: each one's own
description (--experimental-dump-help, the model --help prints) says which variables it reads. Prints one 'PASS name' / 'FAIL name:
reason' line per check and a closing 'N passed, N failed'; exits 1 when any failed.

Checks:
  k8s-schemas          every manifest in docker/k8s/ against the Kubernetes schemas of
                       kubernetes-validate (strict: unknown fields fail), oldest and newest version
  kustomization        its resources are exactly docker/k8s/*.yaml; generated secrets come from
                       docker/k8s/secrets/, which git ignores
  env-known            every variable the Dockerfile, the compose file and the manifests set for a
                       Lifelong executable is one that executable reads
  env-required         every variable a container deployment needs is set (see REQUIRED)
  compose-topology     published ports, training's scalability, the edges' own volumes, secrets,
                       .env.example against the compose file's ${…}; the manifests' probes
  readme-settings      docker/README.md's Settings name every variable the executables read, and no other
"""
import concurrent.futures
import json
import os
import re
import subprocess
import sys

import kubernetes_validate
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCKER = os.path.join(ROOT, "docker")
K8S = os.path.join(DOCKER, "k8s")

# Kubernetes versions the manifests are validated against: 1.27 is the first with the gRPC probe
# generally available; the newest is the latest kubernetes-validate ships.
KUBERNETES_VERSIONS = ("1.27.0", "1.37.0")

EXECUTABLES = ("lifelong-kb", "lifelong-taskmining", "lifelong-training", "lifelong-gateway", "lifelong-edge")

# What a deployment must set, per executable, as options (the variable follows from the prefix):
# the listen address (the default, loopback, is unreachable from other containers), every
# `*-address` option (the defaults point at 127.0.0.1) — found in the help, so a new dependency
# is required at once — and these. Services with --postgres-url also need PostgreSQL: PGHOST,
# PGUSER, PGPASSWORD and PGDATABASE, or the URL.
REQUIRED_OPTIONS = {
    "lifelong-edge": ("store", "node-id", "job-id"),
}
# Bearer-token auth is on by default: every service needs its token file.
REQUIRED_AUTH = ("auth-tokens",)
POSTGRES_REQUIRED = ("PGHOST", "PGUSER", "PGPASSWORD", "PGDATABASE")

RESULTS = []


def check(name, problems):
    RESULTS.append((name, problems))
    if problems:
        print(f"FAIL {name}: " + "; ".join(problems[:20]) + (f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""))
    else:
        print(f"PASS {name}")


# ---- what the executables read ----------------------------------------------------------------


def postgres_variables():
    """The PG* variables PostgresConfiguration reads, from its source."""
    path = os.path.join(ROOT, "Shared", "PostgresClient", "PostgresConfiguration+Environment.swift")
    text = open(path, encoding="utf-8").read()
    match = re.search(r"environmentVariables\s*=\s*\[(.*?)\]", text, re.S)
    if not match:
        sys.exit(f"no environmentVariables list in {path}")
    return set(re.findall(r'"(PG[A-Z_]+)"', match.group(1)))


class Executable:
    """The variables one executable reads, from its own help."""

    def __init__(self, bin_dir, name, pg_variables):
        self.name = name
        # ArgumentParser's description of the command: what --help prints (each option's help
        # names its variable, "(env: LIFELONG_KB_PORT)") and what EnvironmentArguments reads.
        dump = json.loads(subprocess.run(
            [os.path.join(bin_dir, name), "--experimental-dump-help"], capture_output=True, text=True, timeout=60,
            check=True).stdout)
        arguments = dump["command"].get("arguments", [])
        help_text = "\n".join(a.get("abstract", "") for a in arguments)
        mentioned = set(re.findall(r"\(env:\s+([A-Z0-9_]+)\)", help_text))
        port = [v for v in mentioned if v.endswith("_PORT") and not v.endswith("_METRICS_PORT")]
        if len(port) != 1:
            sys.exit(f"{name} --help names no single *_PORT variable: {sorted(mentioned)}")
        self.prefix = port[0][: -len("_PORT")]
        # As EnvironmentArguments derives them: every long option but help and version.
        self.options = {}
        self.default_port = None
        for argument in arguments:
            if argument.get("kind") == "positional":
                continue
            long_names = [n["name"] for n in argument.get("names", []) if n["kind"] == "long"]
            if long_names and long_names[0] not in ("help", "version"):
                self.options[long_names[0]] = self.variable(long_names[0])
                if long_names[0] == "port":
                    self.default_port = int(argument["defaultValue"])
        self.variables = set(self.options.values())
        self.help_only = mentioned - self.variables
        self.reads_postgres = "postgres-url" in self.options
        if self.reads_postgres:
            self.variables |= pg_variables

    def variable(self, option):
        return self.prefix + "_" + option.upper().replace("-", "_")

    def required(self):
        """(description, alternatives) pairs: one of the alternatives must be set."""
        names = ["host", *sorted(o for o in self.options if o.endswith("-address")), *REQUIRED_OPTIONS.get(self.name, ())]
        required = [(self.variable(o), (self.variable(o),)) for o in names]
        for option in REQUIRED_AUTH:
            required.append((self.variable(option), (self.variable(option),)))
        if self.reads_postgres:
            for pg in POSTGRES_REQUIRED:
                required.append((pg, (pg, self.variable("postgres-url"))))
        return required


# ---- what the files set -----------------------------------------------------------------------


def dockerfile_stages():
    """{stage: {variable: value}} from the ENV lines of docker/Dockerfile, plus each stage's ENTRYPOINT."""
    text = open(os.path.join(DOCKER, "Dockerfile"), encoding="utf-8").read().replace("\\\n", " ")
    stages, current = {}, None
    for line in text.splitlines():
        line = line.strip()
        if m := re.match(r"FROM\s+\S+(?:\s+AS\s+(\S+))?", line, re.I):
            current = m.group(1) or f"stage{len(stages)}"
            stages[current] = {"env": {}, "entrypoint": None, "healthcheck": None, "expose": []}
        elif m := re.match(r"ENV\s+(.*)", line):
            for name, value in re.findall(r"(\w+)=(\S+)", m.group(1)):
                stages[current]["env"][name] = value
        elif m := re.match(r"ENTRYPOINT\s+(.*)", line):
            stages[current]["entrypoint"] = json.loads(m.group(1))[0]
        elif m := re.match(r"HEALTHCHECK\s+(.*)", line):
            stages[current]["healthcheck"] = m.group(1)
        elif m := re.match(r"EXPOSE\s+(.*)", line):
            stages[current]["expose"] = [int(p) for p in m.group(1).split()]
    return stages


def executable_of_image(image):
    """lifelong-kb:dev → lifelong-kb; None for another image."""
    base = image.rsplit("/", 1)[-1].split(":", 1)[0]
    return base if base in EXECUTABLES else None


def k8s_documents():
    """[(file, document)] of every manifest but the kustomization."""
    documents = []
    for name in sorted(os.listdir(K8S)):
        if name.endswith(".yaml") and name != "kustomization.yaml":
            with open(os.path.join(K8S, name), encoding="utf-8") as f:
                documents += [(name, d) for d in yaml.safe_load_all(f) if d]
    return documents


def k8s_containers(documents):
    """[(where, container, pod spec)] of every workload's containers and init containers."""
    found = []
    for file, document in documents:
        spec = document.get("spec", {}).get("template", {}).get("spec")
        if not spec:
            continue
        for kind in ("initContainers", "containers"):
            for container in spec.get(kind, []):
                found.append((f"{file} {document['kind']}/{document['metadata']['name']} {container['name']}", container, spec))
    return found


# ---- checks -------------------------------------------------------------------------------------


def check_k8s_schemas(documents):
    problems = []
    for version in KUBERNETES_VERSIONS:
        for file, document in documents:
            try:
                kubernetes_validate.validate(document, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                problems.append(f"{file} {document.get('kind')}/{document.get('metadata', {}).get('name')} on {version}: "
                                f"{'.'.join(str(p) for p in error.path)}: {error.message}")
            except kubernetes_validate.SchemaNotFoundError as error:
                problems.append(f"{file}: no schema for {error.kind} {error.api_version} on {version}")
    check(f"k8s-schemas ({len(documents)} resources, Kubernetes {' and '.join(KUBERNETES_VERSIONS)}, strict)", problems)


def check_kustomization():
    problems = []
    with open(os.path.join(K8S, "kustomization.yaml"), encoding="utf-8") as f:
        kustomization = yaml.safe_load(f)
    listed = set(kustomization.get("resources", []))
    present = {n for n in os.listdir(K8S) if n.endswith(".yaml") and n != "kustomization.yaml"}
    if listed != present:
        problems.append(f"resources {sorted(listed)} differ from the files {sorted(present)}")
    for generator in kustomization.get("secretGenerator", []):
        for entry in generator.get("files", []):
            source = entry.split("=", 1)[-1]
            if not source.startswith("secrets/"):
                problems.append(f"secret {generator['name']} reads {source}, outside docker/k8s/secrets/")
                continue
            ignored = subprocess.run(["git", "-C", ROOT, "check-ignore", "-q", os.path.join(K8S, source)]).returncode == 0
            if not ignored:
                problems.append(f"{source} (secret {generator['name']}) is not ignored by git")
            tracked = subprocess.run(["git", "-C", ROOT, "ls-files", "--error-unmatch", os.path.join(K8S, source)],
                                     capture_output=True).returncode == 0
            if tracked:
                problems.append(f"{source} is committed")
        if generator.get("literals"):
            problems.append(f"secret {generator['name']} has literal values in the repository")
    for file, document in k8s_documents():
        if document.get("kind") == "Secret":
            problems.append(f"{file} commits a Secret ({document['metadata']['name']})")
    images = {i["name"] for i in kustomization.get("images", [])}
    used = {c["image"].split(":")[0] for _, c, _ in k8s_containers(k8s_documents()) if executable_of_image(c["image"])}
    if used - images:
        problems.append(f"images without an entry in images: {sorted(used - images)}")
    check("kustomization (resources, secret generators from ignored files, images)", problems)


def check_environment(executables, compose, documents):
    known, required = [], []

    def judge(where, executable, variables):
        reads = executables[executable].variables
        for name in sorted(variables):
            if name not in reads:
                known.append(f"{where}: {name} is not read by {executable}")

    def judge_required(where, executable, variables):
        for description, alternatives in executables[executable].required():
            if not any(a in variables for a in alternatives):
                required.append(f"{where}: {description} not set")

    services = executables.values()
    for executable in services:
        if executable.help_only:
            known.append(f"{executable.name} --help names {sorted(executable.help_only)}, which no option derives")

    for stage, content in dockerfile_stages().items():
        executable = content["entrypoint"]
        if executable not in executables:
            if content["env"]:
                known.append(f"Dockerfile stage {stage}: sets {sorted(content['env'])} for no service")
            continue
        judge(f"Dockerfile stage {stage}", executable, content["env"])
        host = executables[executable].variable("host")
        if content["env"].get(host) != "0.0.0.0":
            required.append(f"Dockerfile stage {stage}: {host}=0.0.0.0 not set")
        port = executables[executable].variable("port")
        default_port = executables[executable].default_port
        if f"${{{port}:-{default_port}}}" not in (content["healthcheck"] or ""):
            required.append(f"Dockerfile stage {stage}: HEALTHCHECK does not probe ${{{port}:-{default_port}}}")
        if content["expose"] != [default_port]:
            required.append(f"Dockerfile stage {stage}: EXPOSE {content['expose']}, the port is {default_port}")

    for name, service in compose["services"].items():
        executable = executable_of_image(service.get("image", ""))
        if executable is None:
            continue
        environment = service.get("environment", {})
        if isinstance(environment, list):
            environment = dict(e.split("=", 1) for e in environment)
        judge(f"compose {name}", executable, environment)
        judge_required(f"compose {name}", executable, environment)
        for key in ("command", "entrypoint", "env_file"):
            if key in service:
                known.append(f"compose {name}: configured through {key}, not environment")

    for where, container, _ in k8s_containers(documents):
        executable = executable_of_image(container["image"])
        if executable is None:
            continue
        environment = {e["name"]: e.get("value") for e in container.get("env", [])}
        judge(f"k8s {where}", executable, environment)
        if container.get("command") or container.get("args"):
            if environment:
                known.append(f"k8s {where}: has both a command and environment")
            continue  # an init container running a tool of the image, not the service
        judge_required(f"k8s {where}", executable, environment)

    names = ", ".join(f"{e.name} {len(e.variables)}" for e in services)
    check(f"env-known (variables read: {names})", known)
    check("env-required (listen address, *-address options, PostgreSQL, edge store/node/job, auth tokens)", required)


def check_compose_topology(compose, documents):
    problems = []
    services = compose["services"]
    published = {}
    for name, service in services.items():
        for port in service.get("ports", []):
            target = port["target"] if isinstance(port, dict) else int(str(port).split(":")[-1].split("/")[0])
            published.setdefault(name, []).append(target)
    allowed = {"gateway": [7100]}
    edges = [n for n, s in services.items() if executable_of_image(s.get("image", "")) == "lifelong-edge"]
    for edge in edges:
        allowed[edge] = [7110]
    if published != allowed:
        problems.append(f"published container ports {published}, expected {allowed}")
    if len(edges) < 2:
        problems.append(f"{len(edges)} edge services, expected two")
    stores = {}
    for edge in edges:
        service = services[edge]
        store = service.get("environment", {}).get("LIFELONG_EDGE_STORE", "")
        volumes = [v for v in service.get("volumes", []) if isinstance(v, dict) or ":" in v]
        mounts = [(v["source"], v["target"]) if isinstance(v, dict) else tuple(v.split(":")[:2]) for v in volumes]
        on = [source for source, target in mounts if store.startswith(target.rstrip("/") + "/")]
        if not on:
            problems.append(f"{edge}: its store {store!r} is on no volume")
        else:
            stores[edge] = on[0]
    if len(set(stores.values())) != len(stores):
        problems.append(f"edges share a store volume: {stores}")
    training = services.get("training", {})
    for key in ("container_name", "ports", "hostname"):
        if key in training:
            problems.append(f"training has {key}: it cannot be scaled")
    if "LIFELONG_TRAINING_WORKER_ID" in training.get("environment", {}):
        problems.append("training sets a worker id: every replica would get the same")
    postgres = services.get("postgres", {})
    if not any((v["target"] if isinstance(v, dict) else v.split(":")[1]) == "/var/lib/postgresql/data"
               and (v["type"] == "volume" if isinstance(v, dict) else not v.startswith((".", "/")))
               for v in postgres.get("volumes", [])):
        problems.append("postgres keeps its data on no named volume")
    for name, secret in compose.get("secrets", {}).items():
        path = secret.get("file", "")
        if not path.startswith(os.path.join(DOCKER, "secrets") + "/"):
            problems.append(f"secret {name} comes from {path}, outside docker/secrets/")
        elif subprocess.run(["git", "-C", ROOT, "check-ignore", "-q", path]).returncode != 0:
            problems.append(f"secret {name}: {path} is not ignored by git")
    # docker/.env.example documents every ${…} of the compose file, and holds nothing else.
    example = {line.split("=", 1)[0] for line in open(os.path.join(DOCKER, ".env.example"), encoding="utf-8")
               if re.match(r"^[A-Z_][A-Z0-9_]*=", line)}
    interpolated = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", open(os.path.join(DOCKER, "docker-compose.yml"), encoding="utf-8").read()))
    if example - interpolated:
        problems.append(f".env.example sets what the compose file never reads: {sorted(example - interpolated)}")
    if interpolated - example:
        problems.append(f"the compose file reads what .env.example does not document: {sorted(interpolated - example)}")
    for ignored in (".env", "secrets/x"):
        if subprocess.run(["git", "-C", ROOT, "check-ignore", "-q", os.path.join(DOCKER, ignored)]).returncode != 0:
            problems.append(f"docker/{ignored} is not ignored by git")
    for where, container, spec in k8s_containers(documents):
        if where.split()[1].startswith("DaemonSet/edge"):
            if spec.get("nodeSelector", {}).get("node-role.kubernetes.io/edge") is None:
                problems.append(f"k8s {where}: no nodeSelector on node-role.kubernetes.io/edge")
            if not any(t.get("key") == "node-role.kubernetes.io/edge" for t in spec.get("tolerations", [])):
                problems.append(f"k8s {where}: no toleration of node-role.kubernetes.io/edge")
        if executable_of_image(container["image"]) and not (container.get("command")):
            for probe in ("readinessProbe", "livenessProbe"):
                port = container.get(probe, {}).get("grpc", {}).get("port")
                ports = [p["containerPort"] for p in container.get("ports", [])]
                if port is None or port not in ports:
                    problems.append(f"k8s {where}: {probe} is no grpc probe on its port {ports}")
            resources = container.get("resources", {})
            if not resources.get("requests", {}).get("memory") or not resources.get("limits", {}).get("memory"):
                problems.append(f"k8s {where}: no memory request and limit")
    check("compose-topology and probes (ports, edges' volumes, training scalable, secrets ignored, grpc probes)", problems)


def check_readme(executables):
    problems = []
    text = open(os.path.join(DOCKER, "README.md"), encoding="utf-8").read()
    section = re.search(r"^## Settings\n(.*?)^## ", text, re.S | re.M)
    if not section:
        check("readme-settings", ["docker/README.md has no '## Settings' section"])
        return
    text = section.group(1)
    named = set(re.findall(r"`(LIFELONG_[A-Z0-9_]+)`", text))
    read = set().union(*(e.variables for e in executables.values()))
    for executable in executables.values():
        missing = sorted(v for v in executable.variables if v.startswith("LIFELONG_") and v not in named)
        if missing:
            problems.append(f"{executable.name}: {', '.join(missing)} not in the settings")
    unknown = sorted(named - read)
    if unknown:
        problems.append(f"named but read by no executable: {', '.join(unknown)}")
    check("readme-settings (docker/README.md names every variable read, and no other)", problems)


def main():
    compose_config, bin_dir = sys.argv[1], sys.argv[2]
    with open(compose_config, encoding="utf-8") as f:
        compose = yaml.safe_load(f)
    pg = postgres_variables()
    with concurrent.futures.ThreadPoolExecutor() as pool:
        executables = dict(zip(EXECUTABLES, pool.map(lambda name: Executable(bin_dir, name, pg), EXECUTABLES)))
    documents = k8s_documents()
    check_k8s_schemas(documents)
    check_kustomization()
    check_environment(executables, compose, documents)
    check_compose_topology(compose, documents)
    check_readme(executables)
    failed = sum(1 for _, problems in RESULTS if problems)
    print(f"{len(RESULTS) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
