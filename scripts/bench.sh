#!/usr/bin/env bash
# Side-by-side benchmark of the balancer, nginx and HAProxy on loopback, in front of the same three
# health-service replicas, with the same number of workers each. Run `bash scripts/bench.sh --help` for details.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: bash scripts/bench.sh [options]

Benchmarks the balancer against nginx and HAProxy in one run on 127.0.0.1. All three proxies sit in
front of the same three health-service replicas (release build) and get the same number of workers:
nginx `worker_processes N`, HAProxy `nbthread N`, balancer `workers: N`. Each proxy balances by least
connections, keeps upstream connections alive and logs nothing per request:
  balancer  balance: least_conn, keepalive: 64, access_log: off
  nginx     least_conn; keepalive 64; proxy_http_version 1.1; proxy_set_header Connection ""; access_log off
  haproxy   balance leastconn; http-reuse always; no log lines
All three set X-Forwarded-For, X-Real-IP, X-Forwarded-Proto, X-Forwarded-Host and X-Request-ID upstream,
as the balancer always does, so each one does the same work per request.

Each round measures every proxy once, in an order that rotates from round to round (round 1: balancer,
nginx, haproxy; round 2: nginx, haproxy, balancer; ...): a 2 s warm-up, then
  wrk -t THREADS -c CONNECTIONS -d DURATION --latency http://127.0.0.1:PORT/health
From wrk's output it takes requests/s, the 50th and 99th latency percentiles, the requests served and
the errors (non-2xx/3xx responses plus socket errors). It reads the proxy's CPU time (utime + stime in
/proc/PID/stat; for nginx summed over master and workers) before and after the wrk run and reports
the proxy's CPU cost per request in microseconds: (delta ticks / CLK_TCK * 1e6) / requests served.

With --limits a fourth proxy joins the /health rotation: a second balancer, identical but for one rate-limit zone
keyed by the client's address that every request passes through (`rate: 1000000r/s`, a burst no run
reaches, so nothing is refused: only the cost of the check is measured). The summary then gives the CPU
per request it adds over the plain balancer, median against median of the same run.

At the end it prints, per proxy, the median over rounds of requests/s, p50, p99 and CPU per request,
and the errors summed over all rounds; then the ratios balancer/nginx and balancer/haproxy for
requests/s and p99, and a verdict against the target: at least 0.8 x nginx's requests/s with a p99
within 1.5 x nginx's.

Three more scenarios compare the balancer with nginx alone (HAProxy serves no files), in the same
rounds, alternating which of the two goes first:
  static-1k  GET of a 1 KiB file from a static route / `location` (balancer: static root with its
             open-file cache; nginx: root, sendfile on, tcp_nopush on, open_file_cache)
  static-1m  the same for a 1 MiB file (sendfile on both sides)
  gzip-json  GET, with Accept-Encoding: gzip, of a 100 KiB JSON document proxied from an origin (a
             separate nginx, not measured) and gzipped on the fly at level 1 (balancer: gzip: {types:
             [application/json]}; nginx: gzip on, gzip_types application/json, gzip_comp_level 1)
Their summary gives, per scenario, the medians of requests/s, p99 and CPU per request, and the
ratio of the balancer's CPU per request to nginx's against the target of at most 1.2.

With --tls, the balancer and nginx (HAProxy sits this one out) terminate TLS instead, with the same
self-signed ECDSA P-256 certificate and Mozilla's intermediate settings, and each round measures, per
proxy: new connections/s with full TLS 1.3 handshakes (THREADS x `openssl s_time -new -www /health`),
with resumed handshakes (`-reuse`: session tickets), and keep-alive requests/s over TLS (wrk https://),
each with the proxy's CPU per connection or request. The verdict: CPU per full handshake (per
connection less per keep-alive request) and per keep-alive request within 1.2 x nginx's.
scripts/lib/bench-tls.sh holds that part.

Options:
  --tls              measure TLS termination against nginx instead (see above)
  --workers N        workers of each proxy (default 1, so the proxies, the replicas and wrk share a
                     2-core machine fairly)
  --rounds R         rounds (default 3)
  --duration D       length of each measured wrk run: seconds, e.g. 10s or 1m (default 10s)
  --connections C    wrk connections (default 50)
  --threads T        wrk threads (default 2)
  --scenarios LIST   comma-separated subset of health,static-1k,static-1m,gzip-json (default: all)
  --json FILE        also write the results, every round included, as JSON to FILE
  --limits           also run the balancer with one rate-limit zone (see above) and report its cost
  --no-build         use the existing release binaries instead of running `swift build -c release`
  --keep-temp        keep the temporary directory (configs and logs) instead of removing it
  -h, --help         show this help

What it does to the machine:
  - Installs wrk, nginx, haproxy, curl, python3, pkg-config, libpq-dev and libhiredis-dev with apt-get
    when missing (as root, or through sudo); `apt-get update` runs only when something is missing.
    When it installs nginx or haproxy, it keeps their services from starting during the installation
    (a temporary /usr/sbin/policy-rc.d, unless one exists) and stops them if they started anyway, so
    nothing is left on port 80; it never starts anything on port 80 itself.
  - Builds `swift build -c release --product balancer` and `--product health-service` (several
    minutes the first time).
  - Picks free loopback ports, writes every config and log to a temporary directory, sends traffic
    only to 127.0.0.1, and on exit, Ctrl-C included, stops every process it started and removes the
    temporary directory.

Exit status: 0 when the measurement ran, whether or not the target was met; 1 on a setup failure
(bad option, missing tool, failed build, a process that does not come up); 3 when a proxy died
during the measurement (its log is printed).
EOF
}

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/lib/harness.sh
source scripts/lib/harness.sh
harness_init bench 1 "configs and logs kept in"

# ----------------------------------------------------------------------------------------------------
# Options

WORKERS=1
ROUNDS=3
DURATION=10s
CONNECTIONS=50
THREADS=2
JSON_FILE=""
BUILD=1
KEEP_TEMP=0
WARMUP_SECONDS=2
PROXIES=(balancer nginx haproxy)
SCENARIOS=health,static-1k,static-1m,gzip-json
LIMITS=0
TLS=0

while [ "$#" -gt 0 ]; do
    case "$1" in
        --workers) need_value "$@"; WORKERS=$2; shift 2 ;;
        --rounds) need_value "$@"; ROUNDS=$2; shift 2 ;;
        --duration) need_value "$@"; DURATION=$2; shift 2 ;;
        --connections) need_value "$@"; CONNECTIONS=$2; shift 2 ;;
        --threads) need_value "$@"; THREADS=$2; shift 2 ;;
        --json) need_value "$@"; JSON_FILE=$2; shift 2 ;;
        --scenarios) need_value "$@"; SCENARIOS=$2; shift 2 ;;
        --limits) LIMITS=1; shift ;;
        --no-build) BUILD=0; shift ;;
        --keep-temp) KEEP_TEMP=1; shift ;;
        --tls) TLS=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
done

# is_count VALUE MAX: VALUE is a whole number from 1 to MAX.
is_count() {
    [[ $1 =~ ^[1-9][0-9]{0,5}$ ]] && [ "$1" -le "$2" ]
}

is_count "$WORKERS" 64 || die "--workers must be a whole number from 1 to 64, not '$WORKERS'"
is_count "$ROUNDS" 100 || die "--rounds must be a whole number from 1 to 100, not '$ROUNDS'"
is_count "$CONNECTIONS" 10000 || die "--connections must be a whole number from 1 to 10000, not '$CONNECTIONS'"
is_count "$THREADS" 64 || die "--threads must be a whole number from 1 to 64, not '$THREADS'"
[ "$CONNECTIONS" -ge "$THREADS" ] || die "--connections ($CONNECTIONS) must be at least --threads ($THREADS)"
if [[ $DURATION =~ ^([1-9][0-9]{0,3})s?$ ]]; then
    DURATION_SECONDS=${BASH_REMATCH[1]}
elif [[ $DURATION =~ ^([1-9][0-9]?)m$ ]]; then
    DURATION_SECONDS=$((BASH_REMATCH[1] * 60))
else
    die "--duration must be seconds or minutes such as 10s, 30 or 1m, not '$DURATION'"
fi
[ "$DURATION_SECONDS" -le 3600 ] || die "--duration must be at most one hour"
if [ -n "$JSON_FILE" ]; then
    json_dir=$(dirname "$JSON_FILE")
    if [ ! -d "$json_dir" ] || [ ! -w "$json_dir" ]; then
        die "--json: cannot write into directory '$json_dir'"
    fi
fi
[ -r /proc/self/stat ] || die "this benchmark needs Linux and /proc"
IFS=, read -r -a SCENARIO_LIST <<<"$SCENARIOS"
for scenario in "${SCENARIO_LIST[@]}"; do
    case "$scenario" in
        health | static-1k | static-1m | gzip-json) ;;
        *) die "--scenarios: unknown scenario '$scenario' (health, static-1k, static-1m, gzip-json)" ;;
    esac
done
# has_scenario NAME: NAME was asked for.
has_scenario() {
    [[ ",$SCENARIOS," == *",$1,"* ]]
}
# The scenarios besides /health, which compare the balancer with nginx only.
FILE_SCENARIOS=()
for scenario in "${SCENARIO_LIST[@]}"; do
    [ "$scenario" = health ] || FILE_SCENARIOS+=("$scenario")
done

# ----------------------------------------------------------------------------------------------------
# Cleanup: every process started here is recorded in STARTED_PIDS and stopped on exit, Ctrl-C included.

WRK_PID=""
POLICY_RC_D_CREATED=0 # 1 while a policy-rc.d made here keeps services from starting during apt-get install

remove_policy_rc_d() {
    if [ "$POLICY_RC_D_CREATED" -eq 1 ]; then
        as_root rm -f /usr/sbin/policy-rc.d || echo "bench: warning: could not remove /usr/sbin/policy-rc.d" >&2
        POLICY_RC_D_CREATED=0
    fi
}

# child_pids PID: the pids whose parent is PID.
child_pids() {
    local stat_file stat rest fields
    for stat_file in /proc/[0-9]*/stat; do
        stat=$(cat "$stat_file" 2>/dev/null) || continue
        rest=${stat##*) }
        read -r -a fields <<<"$rest"
        if [ "${fields[1]:-}" = "$1" ]; then
            stat_file=${stat_file#/proc/}
            echo "${stat_file%/stat}"
        fi
    done
}

# stop_pids_and_children PID...: stop_pids, then SIGKILL to any children the PIDs had (nginx workers).
stop_pids_and_children() {
    local pid children=()
    for pid in "$@"; do
        kill -0 "$pid" 2>/dev/null || continue
        # shellcheck disable=SC2207 # one pid per word
        children+=($(child_pids "$pid"))
    done
    stop_pids "$@"
    for pid in "${children[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
    done
}

# stop_started: on exit, wrk, the started processes and nginx's workers, and any policy-rc.d made here.
stop_started() {
    # shellcheck disable=SC2086 # WRK_PID is empty or one pid
    stop_pids_and_children $WRK_PID "${STARTED_PIDS[@]}"
    remove_policy_rc_d
}
set_traps

# ----------------------------------------------------------------------------------------------------
# Dependencies

# find_tool NAME: prints the path of NAME, looking in /usr/sbin and /sbin too (not on a user's PATH).
find_tool() {
    command -v "$1" 2>/dev/null && return 0
    local dir
    for dir in /usr/sbin /sbin /usr/local/sbin; do
        if [ -x "$dir/$1" ]; then
            echo "$dir/$1"
            return 0
        fi
    done
    return 1
}

# stop_distro_service NAME: stops the system service NAME, started by its package's installation.
stop_distro_service() {
    echo "bench: stopping the $1 service in case its installation started it"
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
        as_root systemctl stop "$1" || true
    elif command -v service >/dev/null; then
        as_root service "$1" stop || true
    fi
}

install_missing() {
    local missing=() tool package
    local tools=(wrk nginx haproxy curl python3 pkg-config)
    [ "$TLS" -eq 0 ] || tools=(wrk nginx curl python3 pkg-config openssl)
    for tool in "${tools[@]}"; do
        find_tool "$tool" >/dev/null || missing+=("$tool")
    done
    for package in libpq-dev libhiredis-dev; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$package")
        fi
    done
    [ "${#missing[@]}" -gt 0 ] || return 0
    command -v apt-get >/dev/null || die "missing ${missing[*]} and apt-get is not available to install them"
    echo "bench: installing ${missing[*]}"
    apt_update
    # Keep the packages' services from starting during the installation (they would bind port 80, and
    # the installation fails when something else holds it): invoke-rc.d honours a policy-rc.d that
    # answers 101. Only when there is none already; cleanup removes it even if the install is interrupted.
    if [[ " ${missing[*]} " =~ \ (nginx|haproxy)\  ]] && [ ! -e /usr/sbin/policy-rc.d ]; then
        POLICY_RC_D_CREATED=1
        as_root sh -c 'printf "#!/bin/sh\nexit 101\n" >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d' \
            || die "creating /usr/sbin/policy-rc.d failed"
    fi
    apt_install "${missing[@]}"
    remove_policy_rc_d
    for package in "${missing[@]}"; do
        case "$package" in
            nginx | haproxy) stop_distro_service "$package" ;;
        esac
    done
}

install_missing
NGINX=$(find_tool nginx) || die "nginx not found"
if [ "$TLS" -eq 1 ]; then
    PROXIES=(balancer nginx)
    find_tool openssl >/dev/null || die "openssl not found"
else
    HAPROXY=$(find_tool haproxy) || die "haproxy not found"
fi
WRK=$(find_tool wrk) || die "wrk not found"
find_tool curl >/dev/null || die "curl not found"
find_tool python3 >/dev/null || die "python3 not found"
CLK_TCK=$(getconf CLK_TCK) || die "getconf CLK_TCK failed"
[[ $CLK_TCK =~ ^[1-9][0-9]*$ ]] || die "unexpected CLK_TCK '$CLK_TCK'"

# ----------------------------------------------------------------------------------------------------
# Build

build_release "$BUILD"

# ----------------------------------------------------------------------------------------------------
# Temporary directory, ports and configs

make_work_dir balancer-bench
# nginx workers drop to an unprivileged user when started as root; let them reach their temp paths.
chmod 755 "$WORK_DIR"
mkdir -p "$WORK_DIR/nginx-temp" "$WORK_DIR/wrk" "$WORK_DIR/www/static" "$WORK_DIR/origin/json" \
    "$WORK_DIR/origin-temp"

pick_ports 10
REPLICA_PORTS=("${PORTS[0]}" "${PORTS[1]}" "${PORTS[2]}")
BALANCER_PORT=${PORTS[3]}
BALANCER_ADMIN_PORT=${PORTS[4]}
NGINX_PORT=${PORTS[5]}
HAPROXY_PORT=${PORTS[6]}
ORIGIN_PORT=${PORTS[7]}

# The files of the static and gzip scenarios: random bytes (nothing to compress) of 1 KiB and 1 MiB, and a
# 100 KiB JSON document for the origin.
head -c 1024 /dev/urandom >"$WORK_DIR/www/static/1k.bin"
head -c 1048576 /dev/urandom >"$WORK_DIR/www/static/1m.bin"
python3 - "$WORK_DIR/origin/json/data.json" <<'PY'
import json, sys
items = [{"id": i, "name": f"item {i}", "price": i * 1.25, "tags": ["fruit", "pack"], "stock": i % 17}
         for i in range(5000)]
text = json.dumps({"items": items})
# Cut to 100 KiB at an item boundary, still valid JSON.
cut = text.rfind("}, {", 0, 102400 - 3)
open(sys.argv[1], "w").write(text[:cut + 1] + "]}")
PY
chmod -R a+rX "$WORK_DIR/www" "$WORK_DIR/origin"
LIMITED_PORT=${PORTS[8]}
LIMITED_ADMIN_PORT=${PORTS[9]}
if [ "$LIMITS" -eq 1 ]; then
    PROXIES=(balancer limited nginx haproxy)
fi

cat >"$WORK_DIR/balancer.yaml" <<EOF
listen: [127.0.0.1:$BALANCER_PORT]
admin:
  listen: 127.0.0.1:$BALANCER_ADMIN_PORT
workers: $WORKERS
access_log: off
gzip: {types: [application/json], min_length: 1k, level: 1}
upstreams:
  backend:
    balance: least_conn
    keepalive: 64
    servers: [127.0.0.1:${REPLICA_PORTS[0]}, 127.0.0.1:${REPLICA_PORTS[1]}, 127.0.0.1:${REPLICA_PORTS[2]}]
  origin:
    keepalive: 64
    servers: [127.0.0.1:$ORIGIN_PORT]
routes:
  - prefix: /
    upstream: backend
  - prefix: /static/
    static: {root: $WORK_DIR/www}
  - prefix: /json/
    upstream: origin
EOF

# The JSON origin of the gzip scenario: an nginx of its own, so its CPU is not counted as the proxies'.
cat >"$WORK_DIR/origin.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK_DIR/origin.pid;
error_log $WORK_DIR/origin-error.log warn;
events {
    worker_connections 4096;
}
http {
    access_log off;
    sendfile on;
    types { application/json json; }
    client_body_temp_path $WORK_DIR/origin-temp/body;
    proxy_temp_path $WORK_DIR/origin-temp/proxy;
    fastcgi_temp_path $WORK_DIR/origin-temp/fastcgi;
    uwsgi_temp_path $WORK_DIR/origin-temp/uwsgi;
    scgi_temp_path $WORK_DIR/origin-temp/scgi;
    server {
        listen 127.0.0.1:$ORIGIN_PORT;
        root $WORK_DIR/origin;
        location = /health { return 200 "ok"; }
    }
}
EOF

# The same balancer with one rate-limit zone every request is checked against: one key (wrk connects from
# 127.0.0.1), a rate and burst no run reaches, so every request pays the check and none is refused.
sed -e "s/^listen: \[127.0.0.1:$BALANCER_PORT\]\$/listen: [127.0.0.1:$LIMITED_PORT]/" \
    -e "s/^  listen: 127.0.0.1:$BALANCER_ADMIN_PORT\$/  listen: 127.0.0.1:$LIMITED_ADMIN_PORT/" \
    "$WORK_DIR/balancer.yaml" >"$WORK_DIR/limited.yaml"
cat >>"$WORK_DIR/limited.yaml" <<EOF
rate_limits:
  bench: {key: client_address, rate: 1000000r/s, size: 10m}
rate_limit: {zone: bench, burst: 1000000, nodelay: true}
EOF

cat >"$WORK_DIR/nginx.conf" <<EOF
worker_processes $WORKERS;
daemon off;
pid $WORK_DIR/nginx.pid;
error_log $WORK_DIR/nginx-error.log warn;

events {
    worker_connections 4096;
}

http {
    access_log off;
    # The static and gzip scenarios: files with sendfile and an open-file cache (the balancer has one too), and
    # gzip of proxied JSON at level 1 with buffers large enough to hold the 100 KiB document in memory.
    sendfile on;
    tcp_nopush on;
    open_file_cache max=1000 inactive=20s;
    open_file_cache_valid 1s;
    types { application/octet-stream bin; application/json json; }
    gzip on;
    gzip_types application/json;
    gzip_min_length 1k;
    gzip_comp_level 1;
    gzip_proxied any;
    gzip_vary on;
    proxy_buffers 32 8k;
    client_body_temp_path $WORK_DIR/nginx-temp/body;
    proxy_temp_path $WORK_DIR/nginx-temp/proxy;
    fastcgi_temp_path $WORK_DIR/nginx-temp/fastcgi;
    uwsgi_temp_path $WORK_DIR/nginx-temp/uwsgi;
    scgi_temp_path $WORK_DIR/nginx-temp/scgi;

    upstream backend {
        least_conn;
        server 127.0.0.1:${REPLICA_PORTS[0]};
        server 127.0.0.1:${REPLICA_PORTS[1]};
        server 127.0.0.1:${REPLICA_PORTS[2]};
        keepalive 64;
    }

    upstream origin {
        server 127.0.0.1:$ORIGIN_PORT;
        keepalive 64;
    }

    server {
        listen 127.0.0.1:$NGINX_PORT;
        # Inherited by both proxied locations.
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host \$http_host;
        proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        proxy_set_header X-Real-IP \$remote_addr;
        proxy_set_header X-Forwarded-Proto \$scheme;
        proxy_set_header X-Forwarded-Host \$http_host;
        proxy_set_header X-Request-ID \$request_id;
        location /static/ {
            root $WORK_DIR/www;
        }
        location /json/ {
            proxy_pass http://origin;
        }
        location / {
            proxy_pass http://backend;
        }
    }
}
EOF

cat >"$WORK_DIR/haproxy.cfg" <<EOF
global
    nbthread $WORKERS
    maxconn 8192

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 75s
    option forwardfor

frontend bench
    bind 127.0.0.1:$HAPROXY_PORT
    http-request set-header X-Real-IP %[src]
    http-request set-header X-Forwarded-Proto http
    http-request set-header X-Forwarded-Host %[req.hdr(host)]
    http-request set-header X-Request-ID %[uuid]
    default_backend replicas

backend replicas
    balance leastconn
    http-reuse always
    server backend-1 127.0.0.1:${REPLICA_PORTS[0]}
    server backend-2 127.0.0.1:${REPLICA_PORTS[1]}
    server backend-3 127.0.0.1:${REPLICA_PORTS[2]}
EOF

# show_log FILE: the last lines of a log, for a failure message.
show_log() {
    if [ -s "$1" ]; then
        echo "---- last lines of $(basename "$1") ----" >&2
        tail -n 40 "$1" >&2
        echo "----" >&2
    fi
}

if [ "$TLS" -eq 1 ]; then
    # shellcheck source=scripts/lib/bench-tls.sh
    source scripts/lib/bench-tls.sh
    tls_make_certificate
    tls_write_configs
fi

"$BALANCER" check --config "$WORK_DIR/balancer.yaml" >"$WORK_DIR/balancer-check.log" 2>&1 \
    || { show_log "$WORK_DIR/balancer-check.log"; die "the balancer rejected its benchmark config"; }
"$BALANCER" check --config "$WORK_DIR/limited.yaml" >"$WORK_DIR/limited-check.log" 2>&1 \
    || { show_log "$WORK_DIR/limited-check.log"; die "the balancer rejected its rate-limited benchmark config"; }
"$NGINX" -t -q -e "$WORK_DIR/nginx-error.log" -p "$WORK_DIR" -c "$WORK_DIR/nginx.conf" \
    >"$WORK_DIR/nginx-check.log" 2>&1 \
    || { show_log "$WORK_DIR/nginx-check.log"; die "nginx rejected its benchmark config"; }
"$NGINX" -t -q -e "$WORK_DIR/origin-error.log" -p "$WORK_DIR" -c "$WORK_DIR/origin.conf" \
    >"$WORK_DIR/origin-check.log" 2>&1 \
    || { show_log "$WORK_DIR/origin-check.log"; die "nginx rejected the JSON origin's config"; }
if [ "$TLS" -eq 0 ]; then
    "$HAPROXY" -c -q -f "$WORK_DIR/haproxy.cfg" >"$WORK_DIR/haproxy-check.log" 2>&1 \
        || { show_log "$WORK_DIR/haproxy-check.log"; die "haproxy rejected its benchmark config"; }
fi

# ----------------------------------------------------------------------------------------------------
# Processes

# start NAME COMMAND...: starts COMMAND in the background with its output in WORK_DIR/NAME.log and
# sets STARTED_PID.
start() {
    local name=$1
    shift
    start_bg "$WORK_DIR/$name.log" "$@"
}

# wait_healthy NAME PID PORT [SCHEME]: waits up to 30 s for SCHEME://127.0.0.1:PORT/health to answer 2xx.
wait_healthy() {
    local name=$1 pid=$2 port=$3 scheme=${4:-http} status=0
    wait_for_url "$scheme://127.0.0.1:$port/health" "$pid" 30 || status=$?
    [ "$status" -ne 0 ] || return 0
    show_log "$WORK_DIR/$name.log"
    if [ "$status" -eq 1 ]; then
        die "$name exited while starting"
    fi
    die "$name did not answer $scheme://127.0.0.1:$port/health within 30 s"
}

echo "bench: starting 3 health-service replicas on ports ${REPLICA_PORTS[*]}"
for i in 0 1 2; do
    start "backend-$((i + 1))" env -u DATABASE_URL -u REDIS_URL LOG_LEVEL=warning \
        "$HEALTH_SERVICE" --host 127.0.0.1 --port "${REPLICA_PORTS[$i]}" --instance-id "backend-$((i + 1))"
    wait_healthy "backend-$((i + 1))" "$STARTED_PID" "${REPLICA_PORTS[$i]}"
done

start origin "$NGINX" -e "$WORK_DIR/origin-error.log" -p "$WORK_DIR" -c "$WORK_DIR/origin.conf"
wait_healthy origin "$STARTED_PID" "$ORIGIN_PORT"

echo "bench: starting the proxies with $WORKERS worker(s) each:" \
    "balancer on $BALANCER_PORT, nginx on $NGINX_PORT$([ "$TLS" -eq 1 ] && echo " (TLS)" || echo ", haproxy on $HAPROXY_PORT")"
SCHEME=http
[ "$TLS" -eq 0 ] || SCHEME=https
start balancer "$BALANCER" serve --config "$WORK_DIR/balancer.yaml"
BALANCER_PID=$STARTED_PID
start nginx "$NGINX" -e "$WORK_DIR/nginx-error.log" -p "$WORK_DIR" -c "$WORK_DIR/nginx.conf"
NGINX_PID=$STARTED_PID
if [ "$TLS" -eq 0 ]; then
    start haproxy "$HAPROXY" -db -f "$WORK_DIR/haproxy.cfg"
    HAPROXY_PID=$STARTED_PID
fi
wait_healthy balancer "$BALANCER_PID" "$BALANCER_PORT" "$SCHEME"
LIMITED_PID=""
if [ "$LIMITS" -eq 1 ]; then
    echo "bench: starting the balancer with one rate-limit zone on $LIMITED_PORT"
    start limited "$BALANCER" serve --config "$WORK_DIR/limited.yaml"
    LIMITED_PID=$STARTED_PID
    wait_healthy limited "$LIMITED_PID" "$LIMITED_PORT"
fi
wait_healthy nginx "$NGINX_PID" "$NGINX_PORT" "$SCHEME"
[ "$TLS" -eq 1 ] || wait_healthy haproxy "$HAPROXY_PID" "$HAPROXY_PORT"

proxy_pid() {
    case "$1" in
        balancer) echo "$BALANCER_PID" ;;
        limited) echo "$LIMITED_PID" ;;
        nginx) echo "$NGINX_PID" ;;
        haproxy) echo "$HAPROXY_PID" ;;
    esac
}

proxy_port() {
    case "$1" in
        balancer) echo "$BALANCER_PORT" ;;
        limited) echo "$LIMITED_PORT" ;;
        nginx) echo "$NGINX_PORT" ;;
        haproxy) echo "$HAPROXY_PORT" ;;
    esac
}

proxy_log() {
    case "$1" in
        nginx) echo "$WORK_DIR/nginx-error.log" ;;
        *) echo "$WORK_DIR/$1.log" ;;
    esac
}

# cpu_ticks PID...: utime + stime (fields 14 and 15 of /proc/PID/stat) summed over the PIDs.
cpu_ticks() {
    local total=0 pid stat rest fields
    for pid in "$@"; do
        stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
        # Fields after the command name, which is in parentheses and may contain spaces, start at field 3.
        rest=${stat##*) }
        read -r -a fields <<<"$rest"
        total=$((total + fields[11] + fields[12]))
    done
    echo "$total"
}

# proxy_ticks NAME: the CPU ticks used so far by the proxy's process(es); nginx's master and workers.
proxy_ticks() {
    local pid
    pid=$(proxy_pid "$1")
    if [ "$1" = nginx ]; then
        # shellcheck disable=SC2046 # one pid per word
        cpu_ticks "$pid" $(child_pids "$pid")
    else
        cpu_ticks "$pid"
    fi
}

# parse_wrk FILE: "requests_per_s p50_ms p99_ms requests non2xx socket_errors" from wrk's --latency output.
parse_wrk() {
    awk '
        function ms(v) {
            if (v ~ /us$/) return v / 1000
            if (v ~ /ms$/) return v + 0
            if (v ~ /[0-9]s$/) return v * 1000
            if (v ~ /m$/) return v * 60000
            return v + 0
        }
        BEGIN { rps = 0; p50 = 0; p99 = 0; requests = 0; non2xx = 0; socket = 0 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        / requests in / { requests = $1 }
        /Socket errors:/ { socket = ($4 + 0) + ($6 + 0) + ($8 + 0) + ($10 + 0) }
        /Non-2xx or 3xx responses:/ { non2xx = $NF }
        $1 == "Requests/sec:" { rps = $2 }
        END { printf "%.2f %.3f %.3f %d %d %d\n", rps, p50, p99, requests, non2xx, socket }
    ' "$1"
}

# stat_of PROXY COLUMN DECIMALS|sum: the median (with DECIMALS decimals) or the sum of a results column
# over the proxy's rounds.
stat_of() {
    awk -v p="$1" -v c="$2" '$1 == p { print $c }' "$RESULTS" | sort -g | awk -v how="$3" '
        { v[NR] = $1; s += $1 }
        END {
            if (NR == 0) { print "n/a"; exit }
            if (how == "sum") { printf "%d\n", s; exit }
            if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%.*f\n", how, m
        }'
}

# ratio A B: A / B with 2 decimals, or n/a.
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.2f\n", a / b }'
}

# json_number VALUE: VALUE, or null when it is n/a.
json_number() {
    if [ "$1" = n/a ]; then echo null; else echo "$1"; fi
}

# ----------------------------------------------------------------------------------------------------
# Measurement

# run_wrk OUT LIMIT ARGS...: runs wrk ARGS with its output in OUT, killed after LIMIT seconds at most.
# wrk runs in the background and is waited for, so Ctrl-C or SIGTERM stop the benchmark at once.
run_wrk() {
    local out=$1 limit=$2
    shift 2
    timeout "$limit" "$WRK" "$@" >"$out" 2>&1 &
    WRK_PID=$!
    wait "$WRK_PID" || true
    WRK_PID=""
}

if [ "$TLS" -eq 1 ]; then
    DIED=()
    WRK_LIMIT=$((DURATION_SECONDS + 60))
    tls_run
    if [ "${#DIED[@]}" -gt 0 ]; then
        echo "bench: ${DIED[*]} died during the measurement; results are incomplete" >&2
        exit 3
    fi
    exit 0
fi

echo "bench: $ROUNDS round(s); each: ${WARMUP_SECONDS}s warm-up, then wrk -t$THREADS -c$CONNECTIONS" \
    "-d$DURATION --latency; CPU from /proc (CLK_TCK $CLK_TCK); $(nproc) cores"
RESULTS=$WORK_DIR/results.txt # lines: proxy round rps p50_ms p99_ms requests non2xx socket cpu_us_per_request
: >"$RESULTS"
DIED=()
URL_PATH=/health
WRK_LIMIT=$((DURATION_SECONDS + 60))

FILE_RESULTS=$WORK_DIR/file-results.txt # lines: scenario proxy round rps p50_ms p99_ms requests non2xx socket cpu_us
: >"$FILE_RESULTS"

# scenario_url SCENARIO PORT: the URL a scenario loads.
scenario_url() {
    case "$1" in
        static-1k) echo "http://127.0.0.1:$2/static/1k.bin" ;;
        static-1m) echo "http://127.0.0.1:$2/static/1m.bin" ;;
        gzip-json) echo "http://127.0.0.1:$2/json/data.json" ;;
    esac
}

# measure_file_scenario SCENARIO PROXY ROUND: one wrk run of a file scenario against PROXY, appended to
# FILE_RESULTS.
measure_file_scenario() {
    local scenario=$1 proxy=$2 round=$3 pid port url out before after rps p50 p99 requests non2xx socket cpu_us
    local headers=()
    pid=$(proxy_pid "$proxy")
    port=$(proxy_port "$proxy")
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "round $round/$ROUNDS  $scenario $proxy: not running, skipped"
        return
    fi
    url=$(scenario_url "$scenario" "$port")
    [ "$scenario" = gzip-json ] && headers=(-H "Accept-Encoding: gzip")
    run_wrk /dev/null "$((WARMUP_SECONDS + 60))" "${headers[@]}" -t"$THREADS" -c"$CONNECTIONS" \
        -d"${WARMUP_SECONDS}s" "$url"
    out=$WORK_DIR/wrk/$scenario-$proxy-$round.txt
    before=$(proxy_ticks "$proxy")
    run_wrk "$out" "$WRK_LIMIT" "${headers[@]}" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url"
    after=$(proxy_ticks "$proxy")
    read -r rps p50 p99 requests non2xx socket <<<"$(parse_wrk "$out")"
    cpu_us=$(awk -v d="$((after - before))" -v hz="$CLK_TCK" -v n="$requests" \
        'BEGIN { if (n > 0) printf "%.2f", d / hz * 1e6 / n; else print "0" }')
    echo "$scenario $proxy $round $rps $p50 $p99 $requests $non2xx $socket $cpu_us" >>"$FILE_RESULTS"
    printf 'round %d/%d  %-9s %-8s  %10s req/s  p50 %8s ms  p99 %8s ms  %7s us CPU/req  non-2xx %s  socket errors %s\n' \
        "$round" "$ROUNDS" "$scenario" "$proxy" "$rps" "$p50" "$p99" "$cpu_us" "$non2xx" "$socket"
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "bench: $proxy died during round $round of $scenario; wrk said:" >&2
        cat "$out" >&2
        show_log "$(proxy_log "$proxy")"
        DIED+=("$proxy")
    fi
}

for ((round = 1; round <= ROUNDS; round++)); do
    for scenario in "${FILE_SCENARIOS[@]}"; do
        # The two alternate which goes first from round to round.
        if ((round % 2)); then pair=(balancer nginx); else pair=(nginx balancer); fi
        for proxy in "${pair[@]}"; do measure_file_scenario "$scenario" "$proxy" "$round"; done
    done
    has_scenario health || continue
    for ((k = 0; k < ${#PROXIES[@]}; k++)); do
        proxy=${PROXIES[$(((round - 1 + k) % ${#PROXIES[@]}))]}
        pid=$(proxy_pid "$proxy")
        port=$(proxy_port "$proxy")
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "round $round/$ROUNDS  $proxy: not running, skipped"
            continue
        fi
        url="http://127.0.0.1:$port$URL_PATH"
        run_wrk /dev/null "$((WARMUP_SECONDS + 60))" -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP_SECONDS}s" "$url"
        out=$WORK_DIR/wrk/$proxy-$round.txt
        before=$(proxy_ticks "$proxy")
        run_wrk "$out" "$WRK_LIMIT" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url"
        after=$(proxy_ticks "$proxy")
        read -r rps p50 p99 requests non2xx socket <<<"$(parse_wrk "$out")"
        cpu_us=$(awk -v d="$((after - before))" -v hz="$CLK_TCK" -v n="$requests" \
            'BEGIN { if (n > 0) printf "%.2f", d / hz * 1e6 / n; else print "0" }')
        echo "$proxy $round $rps $p50 $p99 $requests $non2xx $socket $cpu_us" >>"$RESULTS"
        printf 'round %d/%d  %-8s  %10s req/s  p50 %8s ms  p99 %8s ms  %7s us CPU/req  non-2xx %s  socket errors %s\n' \
            "$round" "$ROUNDS" "$proxy" "$rps" "$p50" "$p99" "$cpu_us" "$non2xx" "$socket"
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "bench: $proxy died during round $round; wrk said:" >&2
            cat "$out" >&2
            show_log "$(proxy_log "$proxy")"
            DIED+=("$proxy")
        elif [ "$requests" -eq 0 ]; then
            echo "bench: $proxy served no requests in round $round; wrk said:" >&2
            cat "$out" >&2
        fi
    done
done

# ----------------------------------------------------------------------------------------------------
# Summary

declare -A RPS P50 P99 CPU ERRORS
for proxy in "${PROXIES[@]}"; do
    RPS[$proxy]=$(stat_of "$proxy" 3 1)
    P50[$proxy]=$(stat_of "$proxy" 4 3)
    P99[$proxy]=$(stat_of "$proxy" 5 3)
    CPU[$proxy]=$(stat_of "$proxy" 9 2)
    non2xx=$(stat_of "$proxy" 7 sum)
    socket=$(stat_of "$proxy" 8 sum)
    if [ "$non2xx" = n/a ]; then
        ERRORS[$proxy]=n/a
    else
        ERRORS[$proxy]=$((non2xx + socket))
    fi
done

RPS_VS_NGINX=$(ratio "${RPS[balancer]}" "${RPS[nginx]}")
P99_VS_NGINX=$(ratio "${P99[balancer]}" "${P99[nginx]}")
RPS_VS_HAPROXY=$(ratio "${RPS[balancer]}" "${RPS[haproxy]}")
P99_VS_HAPROXY=$(ratio "${P99[balancer]}" "${P99[haproxy]}")

if [ "$RPS_VS_NGINX" = n/a ] || [ "$P99_VS_NGINX" = n/a ]; then
    VERDICT="target not evaluated: missing results"
    TARGET_MET=null
else
    rps_ok=$(awk -v r="$RPS_VS_NGINX" 'BEGIN { print (r >= 0.8) ? 1 : 0 }')
    p99_ok=$(awk -v r="$P99_VS_NGINX" 'BEGIN { print (r <= 1.5) ? 1 : 0 }')
    if [ "$rps_ok" -eq 1 ] && [ "$p99_ok" -eq 1 ]; then
        VERDICT="MET"
        TARGET_MET=true
    else
        VERDICT="MISSED"
        TARGET_MET=false
    fi
    VERDICT="$VERDICT: balancer at $RPS_VS_NGINX x nginx's requests/s (needs >= 0.80), p99 at $P99_VS_NGINX x nginx's (needs <= 1.50)"
fi

echo
echo "Medians over $ROUNDS round(s); $WORKERS worker(s) per proxy; wrk -t$THREADS -c$CONNECTIONS -d$DURATION;" \
    "errors = non-2xx + socket errors over all rounds"
printf '%-9s %12s %10s %10s %14s %8s\n' proxy "requests/s" "p50 ms" "p99 ms" "CPU us/req" errors
for proxy in "${PROXIES[@]}"; do
    printf '%-9s %12s %10s %10s %14s %8s\n' "$proxy" "${RPS[$proxy]}" "${P50[$proxy]}" "${P99[$proxy]}" \
        "${CPU[$proxy]}" "${ERRORS[$proxy]}"
done
echo
printf 'balancer/nginx:   requests/s %s x, p99 %s x\n' "$RPS_VS_NGINX" "$P99_VS_NGINX"
printf 'balancer/haproxy: requests/s %s x, p99 %s x\n' "$RPS_VS_HAPROXY" "$P99_VS_HAPROXY"
echo "target (>= 0.8 x nginx requests/s at c=$CONNECTIONS, p99 <= 1.5 x nginx's): $VERDICT"
LIMIT_COST=n/a
if [ "$LIMITS" -eq 1 ]; then
    LIMIT_COST=$(awk -v a="${CPU[limited]}" -v b="${CPU[balancer]}" \
        'BEGIN { if (a == "n/a" || b == "n/a") print "n/a"; else printf "%.2f\n", a - b }')
    # The same difference round by round (the two balancers of one round ran within a minute of each other), and
    # its median, which one busy round sways less.
    per_round=$(awk '$1 == "balancer" { b[$2] = $9 } $1 == "limited" { l[$2] = $9 }
        END { for (r = 1; r in b; r++) if (r in l) printf "%s%.2f", (n++ ? " " : ""), l[r] - b[r] }' "$RESULTS")
    round_median=$(tr ' ' '\n' <<<"$per_round" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR == 0) print "n/a"; else if (NR % 2) printf "%.2f\n", v[(NR + 1) / 2];
              else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    echo "one rate-limit zone: CPU per request $LIMIT_COST us over the plain balancer (median against median);" \
        "per round: ${per_round:-n/a} (median $round_median); target <= 1 us"
fi

# file_stat SCENARIO PROXY COLUMN DECIMALS: the median of a FILE_RESULTS column over the rounds.
file_stat() {
    awk -v s="$1" -v p="$2" -v c="$3" '$1 == s && $2 == p { print $c }' "$FILE_RESULTS" | sort -g | awk -v d="$4" '
        { v[NR] = $1 }
        END {
            if (NR == 0) { print "n/a"; exit }
            if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%.*f\n", d, m
        }'
}

declare -A FILE_CPU_RATIO
if [ "${#FILE_SCENARIOS[@]}" -gt 0 ]; then
    echo
    echo "Balancer next to nginx (medians over $ROUNDS round(s)); target: CPU per request <= 1.2 x nginx's"
    printf '%-10s %-9s %12s %10s %14s\n' scenario proxy "requests/s" "p99 ms" "CPU us/req"
    for scenario in "${FILE_SCENARIOS[@]}"; do
        for proxy in balancer nginx; do
            printf '%-10s %-9s %12s %10s %14s\n' "$scenario" "$proxy" "$(file_stat "$scenario" "$proxy" 4 1)" \
                "$(file_stat "$scenario" "$proxy" 6 3)" "$(file_stat "$scenario" "$proxy" 10 2)"
        done
        FILE_CPU_RATIO[$scenario]=$(ratio "$(file_stat "$scenario" balancer 10 2)" "$(file_stat "$scenario" nginx 10 2)")
        verdict=$(awk -v r="${FILE_CPU_RATIO[$scenario]}" 'BEGIN { if (r == "n/a") print "not evaluated";
            else print (r <= 1.2) ? "MET" : "MISSED" }')
        printf '%-10s balancer/nginx: requests/s %s x, CPU per request %s x: %s\n' "$scenario" \
            "$(ratio "$(file_stat "$scenario" balancer 4 1)" "$(file_stat "$scenario" nginx 4 1)")" \
            "${FILE_CPU_RATIO[$scenario]}" "$verdict"
    done
fi

if [ -n "$JSON_FILE" ]; then
    {
        printf '{\n'
        printf '  "settings": {"workers": %d, "rounds": %d, "duration_seconds": %d, "connections": %d, ' \
            "$WORKERS" "$ROUNDS" "$DURATION_SECONDS" "$CONNECTIONS"
        printf '"threads": %d, "warmup_seconds": %d, "cores": %d, "path": "%s"},\n' \
            "$THREADS" "$WARMUP_SECONDS" "$(nproc)" "$URL_PATH"
        printf '  "proxies": {\n'
        for ((k = 0; k < ${#PROXIES[@]}; k++)); do
            proxy=${PROXIES[$k]}
            printf '    "%s": {\n' "$proxy"
            printf '      "median": {"requests_per_second": %s, "p50_ms": %s, "p99_ms": %s, "cpu_us_per_request": %s},\n' \
                "$(json_number "${RPS[$proxy]}")" "$(json_number "${P50[$proxy]}")" \
                "$(json_number "${P99[$proxy]}")" "$(json_number "${CPU[$proxy]}")"
            printf '      "errors_total": %s,\n' "$(json_number "${ERRORS[$proxy]}")"
            printf '      "rounds": ['
            awk -v p="$proxy" '$1 == p {
                    printf "%s\n        {\"round\": %d, \"requests_per_second\": %s, \"p50_ms\": %s, \"p99_ms\": %s, ",
                        (n++ ? "," : ""), $2, $3, $4, $5
                    printf "\"requests\": %d, \"non_2xx\": %d, \"socket_errors\": %d, \"cpu_us_per_request\": %s}", $6, $7, $8, $9
                }
                END { if (n) printf "\n      " }' "$RESULTS"
            printf ']\n'
            if [ "$k" -lt $((${#PROXIES[@]} - 1)) ]; then printf '    },\n'; else printf '    }\n'; fi
        done
        printf '  },\n'
        printf '  "ratios": {"balancer_vs_nginx": {"requests_per_second": %s, "p99": %s}, ' \
            "$(json_number "$RPS_VS_NGINX")" "$(json_number "$P99_VS_NGINX")"
        printf '"balancer_vs_haproxy": {"requests_per_second": %s, "p99": %s}},\n' \
            "$(json_number "$RPS_VS_HAPROXY")" "$(json_number "$P99_VS_HAPROXY")"
        printf '  "target": {"min_requests_per_second_vs_nginx": 0.8, "max_p99_vs_nginx": 1.5, "met": %s},\n' "$TARGET_MET"
        printf '  "scenarios": {'
        first=1
        for scenario in "${FILE_SCENARIOS[@]}"; do
            [ "$first" -eq 1 ] || printf ','
            first=0
            printf '\n    "%s": {"cpu_per_request_vs_nginx": %s, "max_cpu_per_request_vs_nginx": 1.2' \
                "$scenario" "$(json_number "${FILE_CPU_RATIO[$scenario]}")"
            for proxy in balancer nginx; do
                printf ', "%s": {"requests_per_second": %s, "p99_ms": %s, "cpu_us_per_request": %s}' "$proxy" \
                    "$(json_number "$(file_stat "$scenario" "$proxy" 4 1)")" \
                    "$(json_number "$(file_stat "$scenario" "$proxy" 6 3)")" \
                    "$(json_number "$(file_stat "$scenario" "$proxy" 10 2)")"
            done
            printf '}'
        done
        printf '\n  }\n'
        printf '  "limit_zone_cpu_us_per_request": %s,\n' "$(json_number "$LIMIT_COST")"
        printf '  "target": {"min_requests_per_second_vs_nginx": 0.8, "max_p99_vs_nginx": 1.5, "met": %s}\n' "$TARGET_MET"
        printf '}\n'
    } >"$JSON_FILE"
    echo "bench: results written to $JSON_FILE"
fi

if [ "${#DIED[@]}" -gt 0 ]; then
    echo "bench: ${DIED[*]} died during the measurement; results are incomplete" >&2
    exit 3
fi
