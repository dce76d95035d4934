#!/usr/bin/env bash
# Side-by-side benchmark of the balancer, nginx and HAProxy on loopback: requests/s, latency and CPU per request in
# front of two kinds of backends with 1 and 2 workers, memory per idle connection and per WebSocket tunnel, and the
# cost of 1 GiB transfers. Run `bash scripts/bench.sh --help` for details.
set -euo pipefail

usage() {
    cat <<'EOF_USAGE'
Usage: bash scripts/bench.sh [options]

Benchmarks the balancer against nginx and HAProxy in one run on 127.0.0.1 and prints every figure with the
balancer/nginx ratio and a verdict against the targets. Sections (--sections; the default runs the first four,
about 14 minutes on a 2-core machine):

  proxy-only  Requests. Each proxy is a least-conn balancer with upstream keep-alive that adds two response headers
              (X-Frame-Options, X-Content-Type-Options) in front of three nginx `return 200` backends (one separate
              nginx with three server blocks, not measured), so the backends cost almost nothing and the proxy is
              what is measured. GET /.
  replicas    Requests, as proxy-only but in front of three health-service replicas (release build). GET /health.
  memory      The memory per idle keep-alive client connection (--idle-connections, default 8,000, held open
              after one request each) and per open WebSocket tunnel (--tunnels, default 1,000, to the replicas'
              echo at /api/ws, one message echoed each): RSS growth of the proxy / connections.
  transfer    The cost of a 1 GiB upload (to a sink upstream that discards it) and a 1 GiB download (a file of an
              origin nginx, not measured) in one request each: the proxy's CPU seconds per GiB and its RSS growth
              (once per round: the median CPU per GiB and the largest growth are reported).
  files       (not in the default) static-1k, static-1m and gzip-json, the balancer against nginx alone (below).

For proxy-only and replicas every combination of --workers (default 1,2) and --connections (default 50,256) is
measured. The proxies get the same number of workers: nginx `worker_processes N`, HAProxy `nbthread N`, balancer
`workers: N`. Each balances by least connections, keeps upstream connections alive and logs nothing per request
(unless --access-log):
  balancer  balance: least_conn, keepalive: 64, access_log: off
  nginx     least_conn; keepalive 64; proxy_http_version 1.1; proxy_set_header Connection ""; access_log off
  haproxy   balance leastconn; http-reuse always; no log lines
All three set X-Forwarded-For, X-Real-IP, X-Forwarded-Proto, X-Forwarded-Host and X-Request-ID upstream,
as the balancer always does, so each one does the same work per request.

Each round measures every proxy once per backend kind and concurrency, in an order that rotates from round to
round and cell to cell: a 1 s warm-up, then
  wrk -t THREADS -c CONNECTIONS -d DURATION --latency http://127.0.0.1:PORT/PATH
(THREADS: 1 up to 100 connections, as the issue's `wrk -t1 -c50`, and 2 above, so -t2 at c=256). From wrk's
output it takes requests/s, the 50th and 99th latency percentiles, the requests served and the errors (non-2xx/3xx
responses plus socket errors). It reads the proxy's CPU time (utime + stime in /proc/PID/stat; for nginx summed
over master and workers) before and after the wrk run and reports the proxy's CPU cost per request in
microseconds: (delta ticks / CLK_TCK * 1e6) / requests served. Per cell it prints the median over rounds and the
ratios against nginx, and the verdicts: requests/s >= 0.9 x nginx's, p99 <= 1.1 x, CPU per request <= 1.15 x.

The memory and transfer sections start each proxy fresh (the first of --workers, default 1 worker) with limits
raised to hold the connections (balancer limits.max_connections, nginx worker_connections, HAProxy maxconn; the
script raises its own open-files limit to the hard limit) and no body-size limit; nginx streams both ways
(proxy_request_buffering off; proxy_buffering off). RSS is VmRSS from /proc/PID/status, summed over nginx's master
and workers. Targets: <= 4.6 kB per idle keep-alive connection, <= 8 kB per open tunnel, CPU per GiB <= nginx's,
RSS growth during a transfer < 16 MB (kB = 1000 bytes, MB = 10^6 bytes).

With --access-log every proxy logs every request to a file: the balancer `access_log: FILE` (combined format with
upstream=, upstream_status=, request_time= and request_id=), nginx a combined `log_format` with $upstream_addr,
$upstream_status, $request_time, $upstream_connect_time and $upstream_response_time (`buffer=64k flush=1s`, as the
balancer batches its lines), HAProxy `option httplog` to `log stdout`, which the script appends to a file. The
request table then gives the log lines written per request.

With --limits a fourth proxy joins the replicas rotation: a second balancer, identical but for one rate-limit zone
keyed by the client's address that every request passes through (`rate: 1000000r/s`, a burst no run
reaches, so nothing is refused: only the cost of the check is measured). The summary then gives the CPU
per request it adds over the plain balancer, median against median of the same run.

The files section (--sections files, or --scenarios naming them) compares the balancer with nginx alone
(HAProxy serves no files), in the same rounds as the first worker count, alternating which of the two goes
first, at the first --connections value:
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
scripts/lib/bench-tls.sh holds that part; it runs alone, with one worker count and one concurrency (defaults:
1 worker, wrk -t2 -c50, rounds of 10 s after a 2 s warm-up).

Options:
  --sections LIST    comma-separated subset of proxy-only,replicas,memory,transfer,files, or `all`
                     (default: proxy-only,replicas,memory,transfer)
  --quick            a short run of the same sections: 1 round of 3 s, 2,000 idle connections, 250 tunnels,
                     256 MiB transfers (options given explicitly win)
  --workers LIST     worker counts of each proxy, comma-separated (default 1,2; with --tls one count, default 1)
  --connections LIST wrk connections, comma-separated (default 50,256; with --tls one count, default 50)
  --threads T        wrk threads for every run (default: 1 up to 100 connections, 2 above; with --tls 2)
  --rounds R         rounds (default 3)
  --duration D       length of each measured wrk run: seconds, e.g. 8s or 1m (default 8s; with --tls 10s)
  --scenarios LIST   comma-separated subset of health,static-1k,static-1m,gzip-json: without --sections, runs
                     the replicas section for `health` and the files section for the others
  --idle-connections N  idle keep-alive connections of the memory section (default 8000)
  --tunnels N        WebSocket tunnels of the memory section (default 1000)
  --transfer-size S  bytes per transfer: 1g, 256m, ... (default 1g)
  --access-log       every proxy logs every request to a file (see above)
  --json FILE        also write the results, every round included, as JSON to FILE
  --limits           also run the balancer with one rate-limit zone (see above) and report its cost
  --no-build         use the existing release binaries instead of running `swift build -c release`
  --keep-temp        keep the temporary directory (configs and logs) instead of removing it
  -h, --help         show this help

What it does to the machine:
  - Installs wrk, nginx, haproxy, curl, python3, pkg-config, libpq-dev, libhiredis-dev and libjemalloc-dev
    with apt-get when missing (as root, or through sudo); `apt-get update` runs only when something is missing.
    When it installs nginx or haproxy, it keeps their services from starting during the installation
    (a temporary /usr/sbin/policy-rc.d, unless one exists) and stops them if they started anyway, so
    nothing is left on port 80; it never starts anything on port 80 itself. The memory and transfer
    clients and the sink are scripts/lib/bench_clients.py (Python's standard library only).
  - Builds `swift build -c release --product balancer` and `--product health-service` (several
    minutes the first time).
  - Picks free loopback ports, writes every config and log to a temporary directory, sends traffic
    only to 127.0.0.1 (every run bounded in time, at most --idle-connections connections at once), and on
    exit, Ctrl-C included, stops every process it started and removes the temporary directory. The transfer
    file is sparse (no disk space).

Exit status: 0 when the measurement ran, whether or not the targets were met; 1 on a setup failure
(bad option, missing tool, failed build, a process that does not come up); 3 when a proxy died
during the measurement (its log is printed).
EOF_USAGE
}

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/lib/harness.sh
source scripts/lib/harness.sh
harness_init bench 1 "configs and logs kept in"
# shellcheck source=scripts/lib/bench-proxies.sh
source scripts/lib/bench-proxies.sh

# ----------------------------------------------------------------------------------------------------
# Options

WORKERS_OPTION=""
CONNECTIONS_OPTION=""
THREADS_OPTION=""
ROUNDS_OPTION=""
DURATION_OPTION=""
IDLE_OPTION=""
TUNNELS_OPTION=""
TRANSFER_OPTION=""
SECTIONS_OPTION=""
SCENARIOS_OPTION=""
QUICK=0
ACCESS_LOG=0
JSON_FILE=""
BUILD=1
KEEP_TEMP=0
PROXIES=(balancer nginx haproxy)
LIMITS=0
TLS=0

while [ "$#" -gt 0 ]; do
    case "$1" in
        --workers) need_value "$@"; WORKERS_OPTION=$2; shift 2 ;;
        --rounds) need_value "$@"; ROUNDS_OPTION=$2; shift 2 ;;
        --duration) need_value "$@"; DURATION_OPTION=$2; shift 2 ;;
        --connections) need_value "$@"; CONNECTIONS_OPTION=$2; shift 2 ;;
        --threads) need_value "$@"; THREADS_OPTION=$2; shift 2 ;;
        --json) need_value "$@"; JSON_FILE=$2; shift 2 ;;
        --scenarios) need_value "$@"; SCENARIOS_OPTION=$2; shift 2 ;;
        --sections) need_value "$@"; SECTIONS_OPTION=$2; shift 2 ;;
        --idle-connections) need_value "$@"; IDLE_OPTION=$2; shift 2 ;;
        --tunnels) need_value "$@"; TUNNELS_OPTION=$2; shift 2 ;;
        --transfer-size) need_value "$@"; TRANSFER_OPTION=$2; shift 2 ;;
        --quick) QUICK=1; shift ;;
        --access-log) ACCESS_LOG=1; shift ;;
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

# count_list OPTION LIST MAX: prints LIST's counts one per line; dies unless each is from 1 to MAX and none repeats.
count_list() {
    local items item seen=" "
    IFS=, read -r -a items <<<"$2"
    [ "${#items[@]}" -gt 0 ] || die "$1 needs at least one value"
    for item in "${items[@]}"; do
        is_count "$item" "$3" || die "$1 takes whole numbers from 1 to $3, not '$item'"
        [[ $seen != *" $item "* ]] || die "$1 names $item twice"
        seen+="$item "
        echo "$item"
    done
}

if [ "$TLS" -eq 1 ]; then
    # The TLS comparison keeps its own defaults, one worker count and one concurrency.
    if [ -n "$SECTIONS_OPTION$IDLE_OPTION$TUNNELS_OPTION$TRANSFER_OPTION" ] || [ "$QUICK" -eq 1 ] \
        || [ "$ACCESS_LOG" -eq 1 ] || [ "$LIMITS" -eq 1 ]; then
        die "--tls runs alone: no --sections, --quick, --access-log, --limits or memory options"
    fi
    WORKERS=${WORKERS_OPTION:-1}
    CONNECTIONS=${CONNECTIONS_OPTION:-50}
    THREADS=${THREADS_OPTION:-2}
    is_count "$WORKERS" 64 || die "--workers with --tls must be one whole number from 1 to 64, not '$WORKERS'"
    is_count "$CONNECTIONS" 10000 || die "--connections with --tls must be one whole number from 1 to 10000, not '$CONNECTIONS'"
    DURATION=${DURATION_OPTION:-10s}
    WARMUP_SECONDS=2
    WORKER_LIST=("$WORKERS")
    CONNECTION_LIST=("$CONNECTIONS")
else
    list=$(count_list --workers "${WORKERS_OPTION:-1,2}" 64) || exit 1
    mapfile -t WORKER_LIST <<<"$list"
    list=$(count_list --connections "${CONNECTIONS_OPTION:-50,256}" 10000) || exit 1
    mapfile -t CONNECTION_LIST <<<"$list"
    WORKERS=${WORKER_LIST[0]}
    CONNECTIONS=${CONNECTION_LIST[0]}
    DURATION=${DURATION_OPTION:-8s}
    WARMUP_SECONDS=1
    [ "$QUICK" -eq 0 ] || DURATION=${DURATION_OPTION:-3s}
fi
ROUNDS=${ROUNDS_OPTION:-3}
[ "$QUICK" -eq 0 ] || ROUNDS=${ROUNDS_OPTION:-1}
IDLE_CONNECTIONS=${IDLE_OPTION:-8000}
TUNNELS=${TUNNELS_OPTION:-1000}
TRANSFER_SIZE=${TRANSFER_OPTION:-1g}
if [ "$QUICK" -eq 1 ]; then
    IDLE_CONNECTIONS=${IDLE_OPTION:-2000}
    TUNNELS=${TUNNELS_OPTION:-250}
    TRANSFER_SIZE=${TRANSFER_OPTION:-256m}
fi
# The transfers are repeated as the request rounds (each is a few seconds) and their medians reported.
TRANSFER_ROUNDS=$ROUNDS

is_count "$ROUNDS" 100 || die "--rounds must be a whole number from 1 to 100, not '$ROUNDS'"
if [ -n "$THREADS_OPTION" ]; then
    is_count "$THREADS_OPTION" 64 || die "--threads must be a whole number from 1 to 64, not '$THREADS_OPTION'"
fi
[ "$TLS" -eq 0 ] || [ "$CONNECTIONS" -ge "$THREADS" ] \
    || die "--connections ($CONNECTIONS) must be at least --threads ($THREADS)"
if [ "$TLS" -eq 0 ] && [ -n "$THREADS_OPTION" ]; then
    for connections in "${CONNECTION_LIST[@]}"; do
        [ "$connections" -ge "$THREADS_OPTION" ] \
            || die "--connections ($connections) must be at least --threads ($THREADS_OPTION)"
    done
fi
is_count "$IDLE_CONNECTIONS" 100000 || die "--idle-connections must be a whole number from 1 to 100000, not '$IDLE_CONNECTIONS'"
is_count "$TUNNELS" 50000 || die "--tunnels must be a whole number from 1 to 50000, not '$TUNNELS'"
if [[ $TRANSFER_SIZE =~ ^([1-9][0-9]{0,4})([kmg]?)$ ]]; then
    case "${BASH_REMATCH[2]}" in
        k) TRANSFER_BYTES=$((BASH_REMATCH[1] * 1024)) ;;
        m) TRANSFER_BYTES=$((BASH_REMATCH[1] * 1024 * 1024)) ;;
        g) TRANSFER_BYTES=$((BASH_REMATCH[1] * 1024 * 1024 * 1024)) ;;
        *) TRANSFER_BYTES=${BASH_REMATCH[1]} ;;
    esac
else
    die "--transfer-size must be a size such as 1g, 256m or 64k, not '$TRANSFER_SIZE'"
fi
if [ "$TRANSFER_BYTES" -lt 65536 ] || [ "$TRANSFER_BYTES" -gt $((16 * 1024 * 1024 * 1024)) ]; then
    die "--transfer-size must be from 64k to 16g"
fi
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

# The scenarios of the files section (and `health`, the replicas section, for --scenarios as it was).
SCENARIOS=${SCENARIOS_OPTION:-health,static-1k,static-1m,gzip-json}
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

# The sections: asked for, or what --scenarios names (as before sections existed), or the default.
if [ -n "$SECTIONS_OPTION" ]; then
    SECTIONS=$SECTIONS_OPTION
    [ "$SECTIONS" != all ] || SECTIONS="proxy-only,replicas,memory,transfer,files"
elif [ -n "$SCENARIOS_OPTION" ]; then
    SECTIONS=""
    has_scenario health && SECTIONS=replicas
    [ "${#FILE_SCENARIOS[@]}" -eq 0 ] || SECTIONS+="${SECTIONS:+,}files"
else
    SECTIONS="proxy-only,replicas,memory,transfer"
fi
IFS=, read -r -a SECTION_LIST <<<"$SECTIONS"
for section in "${SECTION_LIST[@]}"; do
    case "$section" in
        proxy-only | replicas | memory | transfer | files) ;;
        *) die "--sections: unknown section '$section' (proxy-only, replicas, memory, transfer, files or all)" ;;
    esac
done
# has_section NAME: the section NAME runs.
has_section() {
    [[ ",$SECTIONS," == *",$1,"* ]]
}
has_section files || FILE_SCENARIOS=()
if [ "$LIMITS" -eq 1 ] && ! has_section replicas; then
    die "--limits is measured in the replicas section, which --sections leaves out"
fi
# The backend kinds of the request matrix, in order.
MATRIX_KINDS=()
for section in proxy-only replicas; do
    has_section "$section" && MATRIX_KINDS+=("$section")
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
    for package in libpq-dev libhiredis-dev libjemalloc-dev; do
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

pick_ports 26
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
# The proxy-only backends (one nginx, three server blocks), the proxy-only proxies (balancer, its admin, nginx,
# haproxy), those of the memory section and of the transfer section, and the transfer's sink.
BACKEND_PORTS=("${PORTS[10]}" "${PORTS[11]}" "${PORTS[12]}")
PO_PORTS=("${PORTS[13]}" "${PORTS[14]}" "${PORTS[15]}" "${PORTS[16]}")
MEM_PORTS=("${PORTS[17]}" "${PORTS[18]}" "${PORTS[19]}" "${PORTS[20]}")
XFER_PORTS=("${PORTS[21]}" "${PORTS[22]}" "${PORTS[23]}" "${PORTS[24]}")
SINK_PORT=${PORTS[25]}

# write_replica_configs WORKERS: the configs of the replicas section (and of the files section and --tls) with
# WORKERS workers each: balancer.yaml, limited.yaml, nginx.conf, haproxy.cfg, and the origin's origin.conf.
write_replica_configs() {
    local workers=$1
    cat >"$WORK_DIR/balancer.yaml" <<EOF
listen: [127.0.0.1:$BALANCER_PORT]
admin:
  listen: 127.0.0.1:$BALANCER_ADMIN_PORT
workers: $workers
$(balancer_access_log balancer)
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
        -e "s|^access_log: .*/access/balancer.log\$|access_log: $(access_log_path limited)|" \
        "$WORK_DIR/balancer.yaml" >"$WORK_DIR/limited.yaml"
    cat >>"$WORK_DIR/limited.yaml" <<EOF
rate_limits:
  bench: {key: client_address, rate: 1000000r/s, size: 10m}
rate_limit: {zone: bench, burst: 1000000, nodelay: true}
EOF

    cat >"$WORK_DIR/nginx.conf" <<EOF
worker_processes $workers;
daemon off;
pid $WORK_DIR/nginx.pid;
error_log $WORK_DIR/nginx-error.log warn;

events {
    worker_connections 4096;
}

http {
    $(nginx_access_log nginx)
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
$(haproxy_preamble "$workers" 8192)

frontend bench
    bind 127.0.0.1:$HAPROXY_PORT
$(haproxy_forwarded_headers)
    default_backend replicas

backend replicas
    balance leastconn
    http-reuse always
    server backend-1 127.0.0.1:${REPLICA_PORTS[0]}
    server backend-2 127.0.0.1:${REPLICA_PORTS[1]}
    server backend-3 127.0.0.1:${REPLICA_PORTS[2]}
EOF
}

# show_log FILE: the last lines of a log, for a failure message.
show_log() {
    if [ -s "$1" ]; then
        echo "---- last lines of $(basename "$1") ----" >&2
        tail -n 40 "$1" >&2
        echo "----" >&2
    fi
}

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
    [ ! -f "$WORK_DIR/$name-error.log" ] || show_log "$WORK_DIR/$name-error.log"
    if [ "$status" -eq 1 ]; then
        die "$name exited while starting"
    fi
    die "$name did not answer $scheme://127.0.0.1:$port/health within 30 s"
}

# start_replicas: the three health-service replicas.
start_replicas() {
    local i
    echo "bench: starting 3 health-service replicas on ports ${REPLICA_PORTS[*]}"
    for i in 0 1 2; do
        start "replica-$((i + 1))" env -u DATABASE_URL -u REDIS_URL LOG_LEVEL=warning \
            "$HEALTH_SERVICE" --host 127.0.0.1 --port "${REPLICA_PORTS[$i]}" --instance-id "backend-$((i + 1))"
        wait_healthy "replica-$((i + 1))" "$STARTED_PID" "${REPLICA_PORTS[$i]}"
    done
}

# start_origin: the nginx serving the gzip scenario's JSON and the transfer's file (not measured).
start_origin() {
    "$NGINX" -t -q -e "$WORK_DIR/origin-error.log" -p "$WORK_DIR" -c "$WORK_DIR/origin.conf" \
        >"$WORK_DIR/origin-check.log" 2>&1 \
        || { show_log "$WORK_DIR/origin-check.log"; die "nginx rejected the origin's config"; }
    start origin "$NGINX" -e "$WORK_DIR/origin-error.log" -p "$WORK_DIR" -c "$WORK_DIR/origin.conf"
    wait_healthy origin "$STARTED_PID" "$ORIGIN_PORT"
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

DIED=()
WRK_LIMIT=$((DURATION_SECONDS + 60))

if [ "$TLS" -eq 1 ]; then
    # shellcheck source=scripts/lib/bench-tls.sh
    source scripts/lib/bench-tls.sh
    write_replica_configs "$WORKERS"
    tls_make_certificate
    tls_write_configs
    start_replicas
    start_origin
    echo "bench: starting the proxies with $WORKERS worker(s) each: balancer on $BALANCER_PORT, nginx on" \
        "$NGINX_PORT (TLS)"
    start_proxy balancer balancer "$WORK_DIR/balancer.yaml" "$BALANCER_PORT" https
    start_proxy nginx nginx "$WORK_DIR/nginx.conf" "$NGINX_PORT" https
    tls_run
    if [ "${#DIED[@]}" -gt 0 ]; then
        echo "bench: ${DIED[*]} died during the measurement; results are incomplete" >&2
        exit 3
    fi
    exit 0
fi

# shellcheck source=scripts/lib/bench-proxy-only.sh
source scripts/lib/bench-proxy-only.sh
# shellcheck source=scripts/lib/bench-matrix.sh
source scripts/lib/bench-matrix.sh
# shellcheck source=scripts/lib/bench-memory.sh
source scripts/lib/bench-memory.sh
# shellcheck source=scripts/lib/bench-transfer.sh
source scripts/lib/bench-transfer.sh

MATRIX_RESULTS=$WORK_DIR/matrix.txt     # backend workers conns proxy round rps p50 p99 requests non2xx socket cpu_us lines
FILE_RESULTS=$WORK_DIR/files.txt        # scenario proxy round rps p50_ms p99_ms requests non2xx socket cpu_us
MEMORY_RESULTS=$WORK_DIR/memory.txt     # test proxy count opened failed rss_before rss_held rss_after (KiB)
TRANSFER_RESULTS=$WORK_DIR/transfer.txt # direction proxy round size moved seconds ticks rss_before rss_peak status
: >"$MATRIX_RESULTS"
: >"$FILE_RESULTS"
: >"$MEMORY_RESULTS"
: >"$TRANSFER_RESULTS"
# The file scenarios run at the first concurrency, with its wrk threads.
THREADS=$(matrix_threads "$CONNECTIONS")
MEMORY_WORKERS=$WORKERS

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

# file_round ROUND: one round of the file scenarios, the balancer and nginx alternating which goes first.
file_round() {
    local scenario pair proxy
    for scenario in "${FILE_SCENARIOS[@]}"; do
        if (($1 % 2)); then pair=(balancer nginx); else pair=(nginx balancer); fi
        for proxy in "${pair[@]}"; do measure_file_scenario "$scenario" "$proxy" "$1"; done
    done
}

# The open-files limit: the memory section holds IDLE_CONNECTIONS client connections in one client and one
# proxy at a time (HAProxy wants two descriptors per connection it may hold); everything started inherits it.
if has_section memory; then
    hard=$(ulimit -Hn)
    needed=$((IDLE_CONNECTIONS > TUNNELS * 2 ? IDLE_CONNECTIONS : TUNNELS * 2))
    if [ "$hard" != unlimited ] && [ "$hard" -lt $((needed + 1024)) ]; then
        die "the hard open-files limit ($hard) is too low for $needed connections; raise it (ulimit -Hn, as root)" \
            "or use --idle-connections / --tunnels below $((hard - 1024))"
    fi
    ulimit -n "$hard" || die "could not raise the open-files limit to $hard"
fi

MEASURE_START=$SECONDS
# A rough duration, printed before the run starts.
per_run=$((DURATION_SECONDS + WARMUP_SECONDS + 1))
estimate=0
for kind in "${MATRIX_KINDS[@]}"; do
    cell_proxies=3
    [ "$kind" != replicas ] || [ "$LIMITS" -eq 0 ] || cell_proxies=4
    estimate=$((estimate + ${#WORKER_LIST[@]} * ${#CONNECTION_LIST[@]} * cell_proxies * ROUNDS * per_run))
done
estimate=$((estimate + ${#FILE_SCENARIOS[@]} * 2 * ROUNDS * per_run + ${#WORKER_LIST[@]} * 10))
! has_section memory || estimate=$((estimate + 20 + (IDLE_CONNECTIONS + TUNNELS) * 4 / 1000))
! has_section transfer || estimate=$((estimate + TRANSFER_ROUNDS * (10 + TRANSFER_BYTES * 15 / 1024 / 1024 / 1024)))
echo "bench: sections ${SECTIONS}; workers ${WORKER_LIST[*]}; connections ${CONNECTION_LIST[*]}; $ROUNDS round(s)" \
    "of ${DURATION_SECONDS}s after a ${WARMUP_SECONDS}s warm-up; CPU from /proc (CLK_TCK $CLK_TCK); $(nproc) cores;" \
    "about $(((estimate + 59) / 60)) min"

# ----------------------------------------------------------------------------------------------------
# The backends: started once for every section that needs them.

write_replica_configs "$WORKERS"
if has_section replicas || has_section files || has_section memory; then
    start_replicas
fi
if has_section files || has_section transfer; then
    start_origin
fi
if has_section proxy-only || has_section memory; then
    po_write_backends
    "$NGINX" -t -q -e "$WORK_DIR/backends-error.log" -p "$WORK_DIR" -c "$WORK_DIR/backends.conf" \
        >"$WORK_DIR/backends-check.log" 2>&1 \
        || { show_log "$WORK_DIR/backends-check.log"; die "nginx rejected the backends' config"; }
    echo "bench: starting the proxy-only backends (one nginx, return 200) on ports ${BACKEND_PORTS[*]}"
    start backends "$NGINX" -e "$WORK_DIR/backends-error.log" -p "$WORK_DIR" -c "$WORK_DIR/backends.conf"
    for port in "${BACKEND_PORTS[@]}"; do wait_healthy backends "$STARTED_PID" "$port"; done
fi
if has_section transfer; then
    start sink python3 scripts/lib/bench_clients.py sink --port "$SINK_PORT"
    wait_healthy sink "$STARTED_PID" "$SINK_PORT"
fi

# ----------------------------------------------------------------------------------------------------
# Requests: every worker count in turn, the proxies of each backend kind started with that many workers.

for workers in "${WORKER_LIST[@]}"; do
    first=0
    [ "$workers" != "$WORKERS" ] || first=1
    [ "${#MATRIX_KINDS[@]}" -gt 0 ] || { [ "$first" -eq 1 ] && [ "${#FILE_SCENARIOS[@]}" -gt 0 ]; } || continue
    running=()
    echo
    if has_section replicas || { [ "$first" -eq 1 ] && [ "${#FILE_SCENARIOS[@]}" -gt 0 ]; }; then
        write_replica_configs "$workers"
        echo "bench: starting the replicas' proxies with $workers worker(s) each: balancer on $BALANCER_PORT," \
            "nginx on $NGINX_PORT, haproxy on $HAPROXY_PORT$([ "$LIMITS" -eq 0 ] || echo ", limited on $LIMITED_PORT")"
        start_proxy balancer balancer "$WORK_DIR/balancer.yaml" "$BALANCER_PORT"
        start_proxy nginx nginx "$WORK_DIR/nginx.conf" "$NGINX_PORT"
        start_proxy haproxy haproxy "$WORK_DIR/haproxy.cfg" "$HAPROXY_PORT"
        running+=(balancer nginx haproxy)
        if [ "$LIMITS" -eq 1 ]; then
            start_proxy limited balancer "$WORK_DIR/limited.yaml" "$LIMITED_PORT"
            running+=(limited)
        fi
    fi
    if has_section proxy-only; then
        po_write_configs po "$workers" "${PO_PORTS[@]}"
        echo "bench: starting the proxy-only proxies with $workers worker(s) each: balancer on ${PO_PORTS[0]}," \
            "nginx on ${PO_PORTS[2]}, haproxy on ${PO_PORTS[3]}"
        po_start po "${PO_PORTS[0]}" "${PO_PORTS[2]}" "${PO_PORTS[3]}"
        running+=(po-balancer po-nginx po-haproxy)
    fi
    for ((round = 1; round <= ROUNDS; round++)); do
        [ "$first" -eq 0 ] || file_round "$round"
        matrix_round "$round" "$workers" "${MATRIX_KINDS[@]}"
    done
    stop_proxies "${running[@]}"
done

# ----------------------------------------------------------------------------------------------------
# Memory and transfers

! has_section memory || memory_run
! has_section transfer || transfer_run

# ----------------------------------------------------------------------------------------------------
# Summary

report_args=(--work-dir "$WORK_DIR" --rounds "$ROUNDS" --duration "$DURATION_SECONDS" --warmup "$WARMUP_SECONDS"
    --workers "$(IFS=,; echo "${WORKER_LIST[*]}")" --connections "$(IFS=,; echo "${CONNECTION_LIST[*]}")"
    --threads "${THREADS_OPTION:-0}" --memory-workers "$MEMORY_WORKERS" --transfer-bytes "$TRANSFER_BYTES"
    --sections "$SECTIONS" --access-log "$ACCESS_LOG" --clk-tck "$CLK_TCK" --elapsed "$((SECONDS - MEASURE_START))")
[ -z "$JSON_FILE" ] || report_args+=(--json "$JSON_FILE")
python3 scripts/lib/bench_report.py "${report_args[@]}" || die "the summary failed"

if [ "${#DIED[@]}" -gt 0 ]; then
    echo "bench: ${DIED[*]} died during the measurement; results are incomplete" >&2
    exit 3
fi
