#!/usr/bin/env bash
# Shared helpers of the loopback harnesses scripts/bench.sh, scripts/failover-drill.sh and scripts/reload-drill.sh:
# errors, root and package installation, the release build, cleanup on exit, the temporary directory, free
# ports, background processes, waiting for a URL, millisecond clocks and wrk scripts that count failures.
#
# Sourced from the repository root after `set -euo pipefail`, then `harness_init NAME STATUS KEPT_TEXT`. The
# sourcing script sets KEEP_TEMP (1 keeps WORK_DIR on exit) and may redefine stop_started to stop more than
# STARTED_PIDS on exit.

# shellcheck source=scripts/lib/swift-release.sh
source scripts/lib/swift-release.sh

HARNESS_NAME=harness
HARNESS_DIE_STATUS=1
HARNESS_KEPT_TEXT="kept"
KEEP_TEMP=0
STARTED_PIDS=()
STARTED_PID=""
WORK_DIR=""
NOW_MS=0
PORTS=()
BALANCER=""
HEALTH_SERVICE=""
# Extra curl options of wait_for_url (a certificate to trust for https:// URLs).
HARNESS_CURL_OPTIONS=()

# harness_init NAME STATUS KEPT_TEXT: messages start with NAME, die exits with STATUS, a kept WORK_DIR is
# announced as "NAME: KEPT_TEXT DIR".
harness_init() {
    HARNESS_NAME=$1
    HARNESS_DIE_STATUS=$2
    HARNESS_KEPT_TEXT=$3
}

# die MESSAGE...: prints MESSAGE as an error and exits with HARNESS_DIE_STATUS.
die() {
    echo "$HARNESS_NAME: error: $*" >&2
    exit "$HARNESS_DIE_STATUS"
}

# need_value OPTION [VALUE...]: dies unless OPTION is followed by a non-empty value.
need_value() {
    if [ "$#" -lt 2 ] || [ -z "$2" ]; then
        die "$1 needs a value (see --help)"
    fi
}

# as_root COMMAND...: runs COMMAND as root, directly or through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        die "'$*' needs root and sudo is not installed; run it as root"
    fi
}

# apt_update: refreshes the package lists, as root.
apt_update() {
    as_root apt-get update -qq || die "apt-get update failed"
}

# apt_install PACKAGE...: installs the PACKAGEs non-interactively, as root.
apt_install() {
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" || die "apt-get install $* failed"
}

# install_missing_tools TOOL...: installs with apt-get the TOOLs (package named as the tool) not on PATH.
install_missing_tools() {
    local missing=() tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || missing+=("$tool")
    done
    [ "${#missing[@]}" -gt 0 ] || return 0
    command -v apt-get >/dev/null || die "missing ${missing[*]} and apt-get is not available to install them"
    echo "$HARNESS_NAME: installing ${missing[*]}"
    apt_update
    apt_install "${missing[@]}"
}

# build_release BUILD: builds the balancer and health-service release products when BUILD is 1; sets
# BALANCER and HEALTH_SERVICE to their paths either way.
build_release() {
    local product bin_dir
    command -v swift >/dev/null || die "swift is not on PATH; install the Swift toolchain first"
    if [ "$1" -eq 1 ]; then
        for product in balancer health-service; do
            echo "$HARNESS_NAME: swift build ${SWIFT_RELEASE_FLAGS[*]} --product $product"
            swift build "${SWIFT_RELEASE_FLAGS[@]}" --product "$product" || die "building $product failed"
        done
    fi
    bin_dir=$(swift build "${SWIFT_RELEASE_FLAGS[@]}" --show-bin-path) || die "swift build --show-bin-path failed"
    BALANCER=$bin_dir/balancer
    HEALTH_SERVICE=$bin_dir/health-service
    [ -x "$BALANCER" ] || die "$BALANCER is missing; run without --no-build"
    [ -x "$HEALTH_SERVICE" ] || die "$HEALTH_SERVICE is missing; run without --no-build"
}

# stop_pids PID...: SIGTERM to every PID, then SIGKILL to those still running after 5 s.
stop_pids() {
    local pid i running
    for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
    for ((i = 0; i < 50; i++)); do
        running=0
        for pid in "$@"; do
            if kill -0 "$pid" 2>/dev/null; then
                running=1
                break
            fi
        done
        [ "$running" -eq 1 ] || break
        sleep 0.1
    done
    for pid in "$@"; do kill -KILL "$pid" 2>/dev/null || true; done
}

# stop_started: stops every process in STARTED_PIDS (a script may redefine it to stop more).
stop_started() {
    if [ "${#STARTED_PIDS[@]}" -gt 0 ]; then stop_pids "${STARTED_PIDS[@]}"; fi
}

# remove_work_dir: removes WORK_DIR, or says where it is when KEEP_TEMP is 1.
remove_work_dir() {
    if [ -n "$WORK_DIR" ] && [ -d "$WORK_DIR" ]; then
        if [ "$KEEP_TEMP" -eq 1 ]; then
            echo "$HARNESS_NAME: $HARNESS_KEPT_TEXT $WORK_DIR" >&2
        else
            rm -rf "$WORK_DIR"
        fi
    fi
}

# shellcheck disable=SC2317 # only ever called by the EXIT trap
# harness_exit: the EXIT trap: stops and reaps the started processes, removes WORK_DIR, keeps the exit status.
harness_exit() {
    local status=$?
    trap - EXIT INT TERM
    stop_started
    # Reap them so no zombie outlives the script when it was sourced into a long-lived shell.
    wait 2>/dev/null || true
    remove_work_dir
    exit "$status"
}

# set_traps: cleanup on exit, Ctrl-C (status 130) and SIGTERM (status 143) included.
set_traps() {
    trap harness_exit EXIT
    trap 'echo "$HARNESS_NAME: interrupted" >&2; exit 130' INT
    trap 'exit 143' TERM
}

# make_work_dir PREFIX: creates the temporary directory PREFIX.XXXXXX and sets WORK_DIR.
make_work_dir() {
    WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || die "mktemp failed"
}

# free_ports COUNT: COUNT distinct loopback ports that were free a moment ago (bound to port 0 by the kernel).
free_ports() {
    python3 - "$1" <<'EOF'
import socket
import sys

sockets = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    sockets.append(s)
print(" ".join(str(s.getsockname()[1]) for s in sockets))
for s in sockets:
    s.close()
EOF
}

# pick_ports COUNT: sets PORTS to COUNT free loopback ports.
pick_ports() {
    local ports
    ports=$(free_ports "$1") || die "picking free ports failed"
    read -r -a PORTS <<<"$ports"
    [ "${#PORTS[@]}" -eq "$1" ] || die "picking free ports failed"
}

# start_bg LOG COMMAND...: starts COMMAND in the background with its output in LOG, records it in
# STARTED_PIDS and sets STARTED_PID (the command itself, not a subshell: a simple command is exec'ed).
start_bg() {
    local log=$1
    shift
    "$@" >"$log" 2>&1 &
    STARTED_PID=$!
    STARTED_PIDS+=("$STARTED_PID")
}

# wait_for_url URL PID SECONDS: polls URL until it answers 2xx; status 1 when PID exits first, 2 on timeout.
wait_for_url() {
    local url=$1 pid=$2 i deadline=$((SECONDS + $3))
    for ((i = 0; i < $3 * 10 && SECONDS < deadline; i++)); do
        if curl -fsS -o /dev/null --max-time 1 "${HARNESS_CURL_OPTIONS[@]}" "$url" 2>/dev/null; then return 0; fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 2
}

# wait_until_answers NAME PID URL LOG: waits up to 20 s for URL to answer 2xx; dies with LOG's tail otherwise.
wait_until_answers() {
    local status=0
    wait_for_url "$3" "$2" 20 || status=$?
    case "$status" in
        0) return 0 ;;
        1) tail -n 20 "$4" >&2; die "$1 exited during start-up (log above)" ;;
        *) tail -n 20 "$4" >&2; die "$1 did not answer $3 within 20 s (log above)" ;;
    esac
}

# now_ms: sets NOW_MS to the milliseconds since the epoch, without forking `date`.
now_ms() {
    local micros=${EPOCHREALTIME/[.,]/}
    NOW_MS=$((micros / 1000))
}

# sleep_until_ms T: sleeps until the epoch millisecond T (returns at once when it has passed).
sleep_until_ms() {
    now_ms
    local left=$(($1 - NOW_MS))
    if [ "$left" -gt 0 ]; then sleep "$((left / 1000)).$(printf '%03d' $((left % 1000)))"; fi
}

# write_wrk_script FILE [BODY]: a wrk Lua script that GETs, or POSTs the JSON BODY, and at the end prints
# "DRILL requests=N failed_status=N connect=N read=N write=N timeout=N statuses=CODExN,...|-".
# wrk counts 3xx as errors in "Non-2xx or 3xx responses"; these hooks count only what a client would call a
# failure (below 200, or 400 and above) per status, summed over wrk's threads at the end.
write_wrk_script() {
    {
        if [ "$#" -ge 2 ]; then
            printf '%s\n' 'wrk.method = "POST"' "wrk.body = '$2'" 'wrk.headers["Content-Type"] = "application/json"'
        fi
        cat <<'EOF'
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    failed = 0
    statuses = {}
end

function response(status, headers, body)
    if status < 200 or status >= 400 then
        failed = failed + 1
        statuses[status] = (statuses[status] or 0) + 1
    end
end

function done(summary, latency, requests)
    local failed_total, by_status = 0, {}
    for _, thread in ipairs(threads) do
        failed_total = failed_total + thread:get("failed")
        for status, count in pairs(thread:get("statuses")) do
            by_status[status] = (by_status[status] or 0) + count
        end
    end
    local listed = {}
    for status, count in pairs(by_status) do table.insert(listed, status .. "x" .. count) end
    local e = summary.errors
    io.write(string.format(
        "DRILL requests=%d failed_status=%d connect=%d read=%d write=%d timeout=%d statuses=%s\n",
        summary.requests, failed_total, e.connect, e.read, e.write, e.timeout,
        #listed > 0 and table.concat(listed, ",") or "-"))
end
EOF
    } >"$1"
}

declare -A DRILL=()
DRILL_FAILED=0

# read_drill_summary FILE KIND: from the output FILE of the wrk run KIND, sets DRILL[requests|failed_status|connect|read|write|timeout|
# statuses] and DRILL_FAILED (failed statuses plus socket errors); dies with FILE shown when it has no summary.
read_drill_summary() {
    local summary pair
    summary=$(grep '^DRILL ' "$1" || true)
    if [ -z "$summary" ]; then
        cat "$1" >&2
        die "wrk ($2) printed no summary (output above)"
    fi
    DRILL=()
    for pair in ${summary#DRILL }; do DRILL[${pair%%=*}]=${pair#*=}; done
    # shellcheck disable=SC2034 # read by the sourcing script
    DRILL_FAILED=$((DRILL[failed_status] + DRILL[connect] + DRILL[read] + DRILL[write] + DRILL[timeout]))
}
