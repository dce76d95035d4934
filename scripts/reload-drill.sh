#!/usr/bin/env bash
# Reload drill: 21 config reloads (20 valid, 1 invalid; SIGHUP through `balancer reload`) under wrk load must cost
# no request.
# Run `bash scripts/reload-drill.sh --help` for details.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: bash scripts/reload-drill.sh [options]

Reloads the balancer's config 21 times under load and shows that clients never notice. On 127.0.0.1 it
starts four health-service replicas (backend-1 … backend-4, release build, free ports) and the balancer.
Two wrk runs load it for the whole duration (GET /api/instance and POST /api/echo), while the config file
is switched between two valid versions and `balancer reload` is run, evenly spread over the load:
  config A: backend-1..3, response header X-Drill-Config: a
  config B: backend-1..4, response header X-Drill-Config: b
20 reloads alternate between A and B (B first); the 11th reload, in the middle, gets an invalid config
instead (max_fails: three), which must be refused while the balancer keeps serving the previous one: by
`balancer reload` (which checks the file and does not signal), and by the running balancer when SIGHUP comes
anyway.

It prints the requests and failed requests (status below 200 or from 400, or a wrk socket error), the
reloads applied and refused from the balancer's log, the X-Drill-Config header seen after each reload,
and whether backend-4 received requests after each reload that added it (from its own access log).

Options:
  --duration S       seconds of load, at least 20 (default 24)
  --connections C    connections of each wrk run (default 16)
  --no-build         use the existing release binaries instead of running `swift build -c release`
  --keep-temp        keep the temporary directory (configs, logs) instead of removing it
  -h, --help         show this help

It installs wrk, curl and python3 with apt-get when missing (as root, or through sudo), builds the release
products, writes to a temporary directory and sends traffic only to 127.0.0.1. On exit, Ctrl-C included, it
stops every process it started and removes the temporary directory.

Exit status: 0 when every request succeeded, 20 reloads were applied and 1 refused, and backend-4 served
after every reload that added it; 1 otherwise; 2 on a setup failure.
EOF
}

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/lib/harness.sh
source scripts/lib/harness.sh
harness_init reload-drill 2 "kept"

DURATION=24
CONNECTIONS=16
BUILD=1
KEEP_TEMP=0
RELOADS=21
INVALID_AT=11

while [ "$#" -gt 0 ]; do
    case "$1" in
        --duration) [ "$#" -ge 2 ] || die "--duration needs a value"; DURATION=${2%s}; shift 2 ;;
        --connections) [ "$#" -ge 2 ] || die "--connections needs a value"; CONNECTIONS=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --keep-temp) KEEP_TEMP=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
done
if ! [[ $DURATION =~ ^[1-9][0-9]{1,3}$ ]] || [ "$DURATION" -lt 20 ]; then
    die "--duration must be whole seconds, at least 20, not '$DURATION'"
fi
[[ $CONNECTIONS =~ ^[1-9][0-9]{0,3}$ ]] || die "--connections must be a whole number from 1 to 9999"

set_traps
install_missing_tools wrk curl python3
build_release "$BUILD"
make_work_dir reload-drill

pick_ports 6
BALANCER_PORT=${PORTS[4]}
ADMIN_PORT=${PORTS[5]}
BASE_URL=http://127.0.0.1:$BALANCER_PORT

# $1: a or b; $2: the server list.
write_config() {
    cat <<EOF
listen: [127.0.0.1:$BALANCER_PORT]
admin:
  listen: 127.0.0.1:$ADMIN_PORT
workers: 2
access_log: off
pid_file: $WORK_DIR/balancer.pid
shutdown_timeout: 10s
response_headers:
  X-Drill-Config: $1
proxy:
  connect_timeout: 1s
  next_upstream: [error, timeout, non_idempotent]
upstreams:
  backend:
    balance: least_conn
    keepalive: 64
    servers: [$2]
routes:
  - prefix: /
    upstream: backend
EOF
}
write_config a "127.0.0.1:${PORTS[0]}, 127.0.0.1:${PORTS[1]}, 127.0.0.1:${PORTS[2]}" >"$WORK_DIR/config-a.yaml"
write_config b "127.0.0.1:${PORTS[0]}, 127.0.0.1:${PORTS[1]}, 127.0.0.1:${PORTS[2]}, 127.0.0.1:${PORTS[3]}" \
    >"$WORK_DIR/config-b.yaml"
# Invalid in semantics, not syntax: the refusal must name the line and key.
sed 's/^    keepalive: 64$/    keepalive: 64\n    max_fails: three/' "$WORK_DIR/config-b.yaml" \
    >"$WORK_DIR/config-invalid.yaml"
grep -q 'max_fails: three' "$WORK_DIR/config-invalid.yaml" || die "could not make the invalid config"
cp "$WORK_DIR/config-a.yaml" "$WORK_DIR/balancer.yaml"

for n in 1 2 3 4; do
    log=$WORK_DIR/backend-$n.log
    start_bg "$log" "$HEALTH_SERVICE" --host 127.0.0.1 --port "${PORTS[$((n - 1))]}" --instance-id "backend-$n"
    wait_until_answers "backend-$n" "$STARTED_PID" "http://127.0.0.1:${PORTS[$((n - 1))]}/health" "$log"
done
start_bg "$WORK_DIR/balancer.log" "$BALANCER" serve --config "$WORK_DIR/balancer.yaml"
BALANCER_PID=$STARTED_PID
wait_until_answers balancer "$BALANCER_PID" "$BASE_URL/health" "$WORK_DIR/balancer.log"

write_wrk_script "$WORK_DIR/get.lua"
write_wrk_script "$WORK_DIR/post.lua" '{"drill":"reload"}'

echo "reload-drill: ${DURATION}s of load, $RELOADS reloads (the ${INVALID_AT}th with an invalid config)"
wrk -t 1 -c "$CONNECTIONS" -d "${DURATION}s" --timeout 5s -s "$WORK_DIR/get.lua" "$BASE_URL/api/instance" \
    >"$WORK_DIR/wrk-get.txt" 2>&1 &
WRK_GET=$!
wrk -t 1 -c "$CONNECTIONS" -d "${DURATION}s" --timeout 5s -s "$WORK_DIR/post.lua" "$BASE_URL/api/echo" \
    >"$WORK_DIR/wrk-post.txt" 2>&1 &
WRK_POST=$!
STARTED_PIDS+=("$WRK_GET" "$WRK_POST")

# backend-4's proxied requests so far, from its own access log.
backend4_requests() { grep -c '/api/' "$WORK_DIR/backend-4.log" || true; }

now_ms
START_MS=$NOW_MS
# Reloads evenly spread, leaving the first and last 2 s of load untouched.
STEP_MS=$(((DURATION - 4) * 1000 / RELOADS))
ADDED_OK=0
ADDED_TOTAL=0
RUNNING=a
FAILURES=0
VALID=0
for ((r = 1; r <= RELOADS; r++)); do
    target=$((START_MS + 2000 + (r - 1) * STEP_MS))
    sleep_until_ms "$target"
    # Valid reloads alternate B, A, B, … so every one of them changes the config; the invalid one sits between.
    if [ "$r" -eq "$INVALID_AT" ]; then
        kind=invalid
    else
        VALID=$((VALID + 1))
        if [ $((VALID % 2)) -eq 1 ]; then kind=b; else kind=a; fi
    fi
    before=$(backend4_requests)
    cp "$WORK_DIR/config-$kind.yaml" "$WORK_DIR/balancer.yaml.new"
    mv "$WORK_DIR/balancer.yaml.new" "$WORK_DIR/balancer.yaml"
    if [ "$kind" = invalid ]; then
        # `balancer reload` checks the file first and refuses to signal; the signal sent anyway (as a process
        # manager would) must be refused by the running balancer itself.
        if "$BALANCER" reload --pid-file "$WORK_DIR/balancer.pid" >/dev/null 2>"$WORK_DIR/reload-invalid.err"; then
            die "balancer reload accepted the invalid config"
        fi
        grep -q "was not signalled" "$WORK_DIR/reload-invalid.err" || die "balancer reload failed without refusing"
        kill -HUP "$(cat "$WORK_DIR/balancer.pid")" || die "could not send SIGHUP to the balancer"
    else
        "$BALANCER" reload --pid-file "$WORK_DIR/balancer.pid" >/dev/null || die "balancer reload failed"
    fi
    # Wait (bounded) for the balancer to log this reload's outcome.
    for ((i = 0; i < 100; i++)); do
        grep -qE "reload #$r (applied|refused)" "$WORK_DIR/balancer.log" && break
        sleep 0.05
    done
    outcome=$(grep -oE "reload #$r (applied|refused)" "$WORK_DIR/balancer.log" | head -n 1 || true)
    header=$(curl -sS -D - -o /dev/null --max-time 2 "$BASE_URL/api/instance" | tr -d '\r' \
        | awk -F': ' 'tolower($1) == "x-drill-config" { print $2 }')
    line="reload #$r: $kind config, ${outcome:-no outcome logged}, X-Drill-Config: ${header:-none}"
    if [ "$kind" = b ] && [ "$RUNNING" = a ]; then
        ADDED_TOTAL=$((ADDED_TOTAL + 1))
        # backend-4 was just added: it must take requests within 3 s.
        after=$before
        for ((i = 0; i < 60; i++)); do
            after=$(backend4_requests)
            [ "$after" -gt "$before" ] && break
            sleep 0.05
        done
        if [ "$after" -gt "$before" ]; then
            ADDED_OK=$((ADDED_OK + 1))
            line+=", backend-4 +$((after - before)) requests"
        else
            line+=", backend-4 got nothing"
        fi
    fi
    echo "  $line"
    [ "$kind" = invalid ] || RUNNING=$kind
done

wait "$WRK_GET" "$WRK_POST" || true
TOTAL=0
FAILED=0
for kind in get post; do
    read_drill_summary "$WORK_DIR/wrk-$kind.txt" "$kind"
    requests=${DRILL[requests]}
    failed=$DRILL_FAILED
    echo "reload-drill: wrk $kind: $requests requests, $failed failed"
    TOTAL=$((TOTAL + requests))
    FAILED=$((FAILED + failed))
done
APPLIED=$(grep -cE 'reload #[0-9]+ applied' "$WORK_DIR/balancer.log" || true)
REFUSED=$(grep -cE 'reload #[0-9]+ refused' "$WORK_DIR/balancer.log" || true)
echo "reload-drill: total requests: $TOTAL"
echo "reload-drill: failed requests: $FAILED"
echo "reload-drill: reloads applied: $APPLIED, refused: $REFUSED (expected $((RELOADS - 1)) and 1)"
echo "reload-drill: backend-4 served after $ADDED_OK of $ADDED_TOTAL reloads that added it"
grep -E 'max_fails' "$WORK_DIR/balancer.log" | head -n 1 | sed 's/^/reload-drill: refusal logged: /' || true

[ "$FAILED" -eq 0 ] || FAILURES=1
[ "$APPLIED" -eq $((RELOADS - 1)) ] && [ "$REFUSED" -eq 1 ] || FAILURES=1
[ "$ADDED_OK" -eq "$ADDED_TOTAL" ] && [ "$ADDED_TOTAL" -gt 0 ] || FAILURES=1
if [ "$FAILURES" -ne 0 ]; then
    echo "reload-drill: FAILED" >&2
    exit 1
fi
echo "reload-drill: OK"
