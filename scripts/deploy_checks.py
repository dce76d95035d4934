#!/usr/bin/env python3
"""The checks of scripts/check-deploy.sh that read YAML, one subcommand each; the shell script runs them.

    deploy_checks.py configs OUT_DIR        balancer configs under config/ and compose/, one path a line (ConfigMap
                                            values are written to OUT_DIR first)
    deploy_checks.py kubernetes             cross-references of compose/kubernetes/
    deploy_checks.py compose                mounts and upstreams of the compose files
    deploy_checks.py rolling-order FILE     the order of a deploy-production.sh --dry-run output
    deploy_checks.py capabilities           how each container and pod of our images runs its binary, one
                                            tab-separated line each (see capability_settings)
    deploy_checks.py selftest               this file's own tests

Every check prints its problems, one a line, and exits 1 when there are any. Run from the repository root.
"""
import glob
import os
import re
import sys
import unittest

import yaml

KUBERNETES = "compose/kubernetes"
COMPOSE_FILES = ("compose/docker-compose.prod.yml", "compose/docker-compose.yml")

# The capabilities Docker and containerd give a container unless told otherwise (moby's and containerd's defaults,
# which Kubernetes uses too).
DEFAULT_CAPABILITIES = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "NET_RAW",
    "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})
# Secrets a Deployment may mount although no manifest defines them: made with kubectl (or cert-manager) in the
# cluster, because a private key never belongs in git. compose/kubernetes/balancer.yaml says how to create each.
SECRETS_MADE_IN_THE_CLUSTER = frozenset({"balancer-tls"})
# Our images, as compose build targets and image names, and the binary each runs.
BINARIES = {"balancer": "balancer", "health-service": "health-service"}


def balancer_configs(out_dir):
    """Every YAML under config/ and compose/ whose top level has `upstreams`, and every ConfigMap value that is
    such a config (written to a file in out_dir first)."""
    found = []
    os.makedirs(out_dir, exist_ok=True)
    paths = sorted(set(glob.glob("config/**/*.yaml", recursive=True) + glob.glob("config/**/*.yml", recursive=True)
                       + glob.glob("compose/**/*.yaml", recursive=True) + glob.glob("compose/**/*.yml", recursive=True)))
    for path in paths:
        with open(path) as f:
            documents = [d for d in yaml.safe_load_all(f) if d is not None]
        for document in documents:
            if isinstance(document, dict) and "upstreams" in document:
                found.append(path)
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
                        found.append(target)
    return found


def kubernetes_problems(base=KUBERNETES):
    """Names, labels, ports, probes and security of the Kubernetes manifests, checked against each other."""
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
            if ("secret" in volume and volume["secret"]["secretName"] not in secrets
                    and volume["secret"]["secretName"] not in SECRETS_MADE_IN_THE_CLUSTER):
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
                mount_paths = [m["mountPath"].rstrip("/")
                               for c in deployments["balancer"]["spec"]["template"]["spec"]["containers"]
                               for m in c.get("volumeMounts", [])]
                for root in static_roots(config):
                    if root not in mount_paths and root not in baked_paths():
                        problem(f"ConfigMap {name}: static root {root} is neither mounted into the balancer pods "
                                "nor copied there by the Dockerfile")
    return problems


def static_roots(config):
    """The `root:` of every static route of a balancer config (absolute paths inside its container)."""
    return [route["static"]["root"] for route in config.get("routes") or []
            if isinstance(route, dict) and isinstance(route.get("static"), dict) and "root" in route["static"]]


def baked_paths(path="Dockerfile"):
    """Destinations the balancer stage of the Dockerfile copies files to."""
    paths, stage = [], None
    with open(path) as f:
        for line in f:
            words = line.split()
            if words[:1] == ["FROM"]:
                stage = words[-1] if "AS" in words else None
            elif words[:1] == ["COPY"] and stage == "balancer" and len(words) >= 3:
                paths.append(words[-1].rstrip("/"))
    return paths


def compose_problems():
    """Mounts that must exist, and balancer upstreams that must be services of the same compose file."""
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
                        mounted = [str(v).split(":")[1] for v in service.get("volumes", []) if ":" in str(v)]
                        for root in static_roots(config):
                            if root not in mounted and root not in baked_paths():
                                problems.append(f"{source_path}: static root {root} is neither mounted into {name} "
                                                f"in {path} nor copied there by the Dockerfile")
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
    return problems


def rolling_order_problems(text):
    """A dry run's plan must build, check the config and back up before replacing one replica at a time."""
    lines = [l for l in text.splitlines() if l.startswith("[dry-run]")]
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
    if problems:
        problems += ["dry-run output:"] + lines
    return problems


def capability_names(names):
    """Upper-case names without CAP_, as compose and Kubernetes both accept either spelling."""
    return {str(name).upper().removeprefix("CAP_") for name in names or []}


def bounding_set(drop, add):
    """The capabilities a container ends up with: the runtime's defaults, less `drop`, plus `add` (ALL in either
    stands for every capability; add wins, as in Docker and Kubernetes)."""
    drop, add = capability_names(drop), capability_names(add)
    kept = set() if "ALL" in drop else set(DEFAULT_CAPABILITIES) - drop
    if "ALL" in add:
        return "ALL"
    return kept | add


def dockerfile_facts(path="Dockerfile"):
    """The image's user (uid, gid) and the file capabilities the build gives each binary."""
    with open(path) as f:
        text = f.read()
    user = re.findall(r"^USER\s+(\d+)(?::(\d+))?\s*$", text, re.M)
    uid, gid = (user[-1][0], user[-1][1] or user[-1][0]) if user else ("0", "0")
    file_caps = {name: caps for caps, name in re.findall(r"setcap\s+(\S+)\s+/out/([\w-]+)", text)}
    return uid, gid, file_caps


def listen_addresses(config_text):
    """The `listen` addresses of a balancer config (an entry is an address or a mapping with `address`)."""
    config = yaml.safe_load(config_text) or {}
    listen = config.get("listen", [])
    entries = listen if isinstance(listen, list) else [listen]
    return [str(a.get("address") if isinstance(a, dict) else a) for a in entries]


def low_ports(addresses):
    """Those of `addresses` whose port is below 1024, which only a process with CAP_NET_BIND_SERVICE may bind."""
    return [a for a in addresses if a.rpartition(":")[2].isdigit() and int(a.rpartition(":")[2]) < 1024]


def compose_settings(path, compose, image_uid, image_gid, baked_config):
    """(label, binary, uid, gid, bounding set, no_new_privs, config text or None) for every service of `compose`
    built from one of our targets."""
    base = os.path.dirname(path)
    rows = []
    for name, service in (compose.get("services") or {}).items():
        build = service.get("build")
        target = build.get("target") if isinstance(build, dict) else None
        if target not in BINARIES:
            continue
        user = str(service.get("user", f"{image_uid}:{image_gid}"))
        uid, _, gid = user.partition(":")
        no_new_privs = any(str(o).replace("=", ":") in ("no-new-privileges", "no-new-privileges:true")
                           for o in service.get("security_opt", []))
        config = baked_config if BINARIES[target] == "balancer" else None
        for volume in service.get("volumes", []):
            source, _, rest = str(volume).partition(":")
            if rest.split(":")[0] == "/etc/balancer/balancer.yaml":
                with open(os.path.normpath(os.path.join(base, source))) as f:
                    config = f.read()
        rows.append((f"{path} service {name}", BINARIES[target], uid, gid or uid,
                     bounding_set(service.get("cap_drop"), service.get("cap_add")), no_new_privs, config))
    return rows


def kubernetes_settings(objects, image_uid, image_gid, baked_config):
    """The same rows for every container of a Deployment whose image is one of ours."""
    configmaps = {o["metadata"]["name"]: o for o in objects if o.get("kind") == "ConfigMap"}
    rows = []
    for deployment in (o for o in objects if o.get("kind") == "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        pod_context = pod.get("securityContext", {})
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for container in pod["containers"]:
            image = container["image"].rpartition("/")[2].partition(":")[0]
            if image not in BINARIES:
                continue
            context = container.get("securityContext", {})
            uid = context.get("runAsUser", pod_context.get("runAsUser", image_uid))
            gid = context.get("runAsGroup", pod_context.get("runAsGroup", image_gid))
            capabilities = context.get("capabilities", {})
            config = baked_config if BINARIES[image] == "balancer" else None
            for mount in container.get("volumeMounts", []):
                source = volumes.get(mount["name"], {}).get("configMap")
                if source and mount["mountPath"].rstrip("/") == "/etc/balancer":
                    config = (configmaps.get(source["name"], {}).get("data") or {}).get("balancer.yaml", config)
            rows.append((f"Deployment {deployment['metadata']['name']}, container {container['name']}",
                         BINARIES[image], str(uid), str(gid),
                         bounding_set(capabilities.get("drop"), capabilities.get("add")),
                         context.get("allowPrivilegeEscalation") is False, config))
    return rows


def capability_settings():
    """One tab-separated line per container or pod that runs one of our binaries:

        label  binary  uid  gid  bounding set (setpriv syntax)  no_new_privs (0/1)  file capabilities (or -)
        low listen addresses (comma-separated, or -)

    check-deploy.sh runs the binary that way and, when a balancer listens below port 1024, has it bind them."""
    uid, gid, file_caps = dockerfile_facts()
    with open("config/balancer.yaml") as f:
        baked = f.read()
    rows = []
    for path in COMPOSE_FILES:
        with open(path) as f:
            rows += compose_settings(path, yaml.safe_load(f), uid, gid, baked)
    objects = []
    for path in sorted(glob.glob(os.path.join(KUBERNETES, "*.yaml"))):
        with open(path) as f:
            objects += [d for d in yaml.safe_load_all(f) if d]
    rows += kubernetes_settings(objects, uid, gid, baked)
    lines = []
    for label, binary, row_uid, row_gid, bounding, no_new_privs, config in rows:
        setpriv_caps = "-all" if bounding != "ALL" else "+all"
        if bounding != "ALL":
            setpriv_caps += "".join(f",+{c.lower()}" for c in sorted(bounding))
        low = low_ports(listen_addresses(config)) if config else []
        lines.append("\t".join([label, binary, row_uid, row_gid, setpriv_caps, "1" if no_new_privs else "0",
                                 file_caps.get(binary, "-"), ",".join(low) or "-"]))
    return lines


class DeployChecksTests(unittest.TestCase):
    """The derivations the checks rely on, on small inline examples."""

    def test_bounding_set(self):
        self.assertEqual(bounding_set(["ALL"], []), set())
        self.assertEqual(bounding_set(["ALL"], ["NET_BIND_SERVICE"]), {"NET_BIND_SERVICE"})
        self.assertEqual(bounding_set(["all"], ["cap_net_bind_service"]), {"NET_BIND_SERVICE"})
        self.assertEqual(bounding_set(None, None), set(DEFAULT_CAPABILITIES))
        self.assertNotIn("NET_RAW", bounding_set(["NET_RAW"], None))
        self.assertEqual(bounding_set(["ALL"], ["ALL"]), "ALL")

    def test_listen_addresses_of_mappings(self):
        text = "listen: [0.0.0.0:8080, {address: 0.0.0.0:443, tls: {certificates: [{cert: c, key: k}]}}]"
        self.assertEqual(listen_addresses(text), ["0.0.0.0:8080", "0.0.0.0:443"])

    def test_low_ports(self):
        self.assertEqual(low_ports(listen_addresses("listen: [0.0.0.0:80, '[::]:443', 127.0.0.1:8080]")),
                         ["0.0.0.0:80", "[::]:443"])
        self.assertEqual(low_ports(listen_addresses("listen: 0.0.0.0:8080")), [])

    def test_compose_service_settings(self):
        compose = {"services": {
            "balancer": {"build": {"target": "balancer"}, "cap_drop": ["ALL"], "cap_add": ["NET_BIND_SERVICE"]},
            "backend": {"build": {"target": "health-service"}, "cap_drop": ["ALL"], "user": "2000:3000",
                        "security_opt": ["no-new-privileges:true"]},
            "dev": {"build": {"target": "toolchain"}},
            "web": {"image": "python:3-alpine"},
        }}
        rows = compose_settings("compose/x.yml", compose, "1000", "1000", "listen: [0.0.0.0:80]")
        self.assertEqual([r[:6] for r in rows], [
            ("compose/x.yml service balancer", "balancer", "1000", "1000", {"NET_BIND_SERVICE"}, False),
            ("compose/x.yml service backend", "health-service", "2000", "3000", set(), True),
        ])
        self.assertEqual(rows[0][6], "listen: [0.0.0.0:80]")

    def test_kubernetes_container_settings(self):
        objects = [
            {"kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"balancer.yaml": "listen: [0.0.0.0:8080]"}},
            {"kind": "Deployment", "metadata": {"name": "balancer"}, "spec": {"template": {"spec": {
                "securityContext": {"runAsUser": 1000, "runAsGroup": 1000},
                "volumes": [{"name": "config", "configMap": {"name": "cfg"}}],
                "containers": [{"name": "balancer", "image": "registry.example.com/fruitpak/balancer:1.0",
                                "volumeMounts": [{"name": "config", "mountPath": "/etc/balancer"}],
                                "securityContext": {"allowPrivilegeEscalation": False,
                                                    "capabilities": {"drop": ["ALL"]}}}]}}}},
        ]
        rows = kubernetes_settings(objects, "1000", "1000", "listen: [0.0.0.0:80]")
        self.assertEqual(rows, [("Deployment balancer, container balancer", "balancer", "1000", "1000", set(), True,
                                 "listen: [0.0.0.0:8080]")])

    def test_rolling_order_is_refused_out_of_order(self):
        problems = rolling_order_problems("[dry-run] docker compose up -d --no-deps --scale backend=4 --no-recreate "
                                          "backend\n")
        self.assertIn("missing build, balancer check or backup step", problems)


def main(argv):
    command, arguments = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    if command == "configs":
        for path in balancer_configs(*arguments):
            print(path)
        return 0
    if command == "capabilities":
        for line in capability_settings(*arguments):
            print(line)
        return 0
    if command == "selftest":
        result = unittest.main(argv=[argv[0]], module=__name__, exit=False, verbosity=0).result
        return 0 if result.wasSuccessful() else 1
    checks = {"kubernetes": kubernetes_problems, "compose": compose_problems,
              "rolling-order": lambda path: rolling_order_problems(open(path).read())}
    if command not in checks:
        print(__doc__, file=sys.stderr)
        return 2
    problems = checks[command](*arguments)
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
