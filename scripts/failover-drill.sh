#!/usr/bin/env bash
# Failover drill: the balancer (release build) in front of three health-service replicas under wrk load; one replica
# is SIGKILLed mid-run and restarted later on the same port. Run `bash scripts/failover-drill.sh --help` for details.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: bash scripts/failover-drill.sh [options]

Kills a backend replica under load and shows that clients never notice. On 127.0.0.1 it starts three
health-service replicas (backend-1, backend-2, backend-3, release build, free ports) and the balancer in
front of them (least_conn, keepalive 64, max_fails 1, fail_timeout 5s, active checks of /health every 1s
with timeout 500ms, rise 2, fall 2, slow_start 5s, next_upstream [error, timeout, non_idempotent]). Then
two wrk runs load the balancer at the same time for the whole duration:
  GET  /api/instance
  POST /api/echo with a small JSON body
At 1/3 of the duration backend-2 gets SIGKILL (a crash: no graceful shutdown, requests in flight are cut);
at 2/3 it is started again on the same port.

It prints:
  - requests and failed requests per wrk run and in total; a request failed when its status is below 200 or
    400 and above, or when wrk saw a socket error (connect, read, write, timeout)
  - the time from the kill to the balancer's log lines that take backend-2 out of rotation (passive
    ejection, then active checks marking it unhealthy), from the lines' timestamps
  - the time from the restart to the checks putting backend-2 back, and to the first proxied request the
    restarted replica served (from its own access log)
  - the requests per upstream from the balancer's access log, over the whole run and per phase (before
    the kill, while backend-2 was down, after the restart); the seconds in which the kill and the restart
    happened are left out of the phases, as access-log times have whole seconds

Options:
  --duration S       seconds of load, at least 20 (default 24)
  --connections C    connections of each wrk run (default 16)
  --no-build         use the existing release binaries instead of running `swift build -c release`
  --keep-temp        keep the temporary directory (config, logs, wrk scripts) instead of removing it
  --compose          run against the production compose stack instead (see docs/deployment.md): load through
                     --url, backend replica --replica stopped hard (docker stop --time 0) at 1/3 and started
                     at 2/3, out-of-rotation and back times read from the balancer's /status.json inside
                     its container; nothing is built or started locally
  --url URL          the front door in compose mode (default http://127.0.0.1:80)
  --replica N        which backend replica to stop in compose mode (default 2)
  -h, --help         show this help

What it does to the machine: installs wrk, curl and python3 with apt-get when missing (as root, or through
sudo); builds `swift build -c release --product balancer` and `--product health-service`; writes config and
logs to a temporary directory; sends traffic only to 127.0.0.1. On exit, Ctrl-C included, it stops every
process it started and removes the temporary directory.

Exit status: 0 when every request succeeded and the ejection and the recovery were both seen; 1 when a
request failed, backend-2 was not taken out of rotation, or the restarted replica served nothing; 2 on a
setup failure (bad option, missing tool, failed build, a process that does not come up).
EOF
}

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/lib/harness.sh
source scripts/lib/harness.sh
harness_init failover-drill 2 "config and logs kept in"

DURATION=24
CONNECTIONS=16
BUILD=1
KEEP_TEMP=0
COMPOSE=0
COMPOSE_URL=http://127.0.0.1:80
COMPOSE_REPLICA=2

while [ "$#" -gt 0 ]; do
    case "$1" in
        --duration) need_value "$@"; DURATION=${2%s}; shift 2 ;;
        --connections) need_value "$@"; CONNECTIONS=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --keep-temp) KEEP_TEMP=1; shift ;;
        --compose) COMPOSE=1; shift ;;
        --url) need_value "$@"; COMPOSE_URL=$2; shift 2 ;;
        --replica) need_value "$@"; COMPOSE_REPLICA=$2; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
done

# Shorter runs leave no room for fail_timeout, rise x interval and slow_start within each third.
if ! [[ $DURATION =~ ^[1-9][0-9]{1,3}$ ]] || [ "$DURATION" -lt 20 ] || [ "$DURATION" -gt 3600 ]; then
    die "--duration must be whole seconds from 20 to 3600, not '$DURATION'"
fi
[[ $CONNECTIONS =~ ^[1-9][0-9]{0,3}$ ]] || die "--connections must be a whole number from 1 to 9999"

# Every process started here is in STARTED_PIDS and is stopped on exit, Ctrl-C included.
set_traps
install_missing_tools wrk curl python3
if [ "$COMPOSE" -eq 1 ]; then
    [[ $COMPOSE_REPLICA =~ ^[1-9][0-9]?$ ]] || die "--replica must be a replica number such as 2"
    # shellcheck source=scripts/lib/failover-compose.sh
    source scripts/lib/failover-compose.sh
    status=0
    compose_failover_drill "${COMPOSE_URL%/}" "$DURATION" "$CONNECTIONS" "$COMPOSE_REPLICA" || status=$?
    exit "$status"
fi
build_release "$BUILD"

# ----------------------------------------------------------------------------------------------------
# Clock helpers: milliseconds since the epoch (now_ms and sleep_until_ms come from the harness library).

# seconds_text MS: 1234 -> 1.234 s
seconds_text() {
    printf '%d.%03d s' $(($1 / 1000)) $(($1 % 1000))
}

# line_ms LINE SEEN_MS: when LINE was logged, in epoch milliseconds, from its leading timestamp when that has
# milliseconds (2025-01-31T09:05:07.042Z); otherwise (whole seconds) SEEN_MS, when the polling loop first saw it.
line_ms() {
    local stamp=${1%% *}
    if [[ $stamp =~ T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} ]]; then
        date -u -d "$stamp" +%s%3N
    else
        echo "$2"
    fi
}

# how_timed LINE: says where line_ms took its time from.
how_timed() {
    if [[ ${1%% *} =~ T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} ]]; then
        echo "its timestamp"
    else
        echo "first seen, polling every 50 ms"
    fi
}

# ----------------------------------------------------------------------------------------------------
# Temporary directory, ports, config and wrk scripts

make_work_dir failover-drill
pick_ports 5
REPLICAS=(backend-1 backend-2 backend-3)
REPLICA_PORTS=("${PORTS[0]}" "${PORTS[1]}" "${PORTS[2]}")
BALANCER_PORT=${PORTS[3]}
ADMIN_PORT=${PORTS[4]}
VICTIM=backend-2
VICTIM_PORT=${REPLICA_PORTS[1]}
VICTIM_ADDRESS=127.0.0.1:$VICTIM_PORT
BASE_URL=http://127.0.0.1:$BALANCER_PORT

cat >"$WORK_DIR/balancer.yaml" <<EOF
listen: [127.0.0.1:$BALANCER_PORT]
admin:
  listen: 127.0.0.1:$ADMIN_PORT   # a port of its own: the default 9090 may belong to a balancer already running
workers: 2
access_log: $WORK_DIR/access.log
log_format: combined
proxy:
  connect_timeout: 1s
  read_timeout: 10s
  # /api/echo only reflects the request and changes nothing, so a POST may safely be sent twice: with
  # non_idempotent listed, a POST that was already on its way to the killed replica goes to another one.
  # Without it, the balancer retries a POST only if none of its bytes had left yet, and a POST in flight on
  # backend-2 at the instant of the kill would reach the client as a 502.
  next_upstream: [error, timeout, non_idempotent]
  next_upstream_tries: 3
upstreams:
  backend:
    balance: least_conn
    keepalive: 64
    max_fails: 1              # the first refused connect takes the replica out, for fail_timeout
    fail_timeout: 5s
    slow_start: 5s            # a restarted replica's weight ramps up over 5 s instead of taking a full share
    health_check: {path: /health, interval: 1s, timeout: 500ms, rise: 2, fall: 2}
    servers: [127.0.0.1:${REPLICA_PORTS[0]}, 127.0.0.1:${REPLICA_PORTS[1]}, 127.0.0.1:${REPLICA_PORTS[2]}]
routes:
  - prefix: /
    upstream: backend
EOF

# The hooks count only what a client would call a failure (below 200, or 400 and above).
write_wrk_script "$WORK_DIR/get.lua"
write_wrk_script "$WORK_DIR/post.lua" '{"drill":"failover","item":"apples","quantity":3}'

# ----------------------------------------------------------------------------------------------------
# Processes

# start_replica NAME PORT LOG: starts a replica in the background and sets STARTED_PID.
start_replica() {
    start_bg "$3" "$HEALTH_SERVICE" --host 127.0.0.1 --port "$2" --instance-id "$1"
}

declare -A REPLICA_PID
for i in "${!REPLICAS[@]}"; do
    start_replica "${REPLICAS[$i]}" "${REPLICA_PORTS[$i]}" "$WORK_DIR/${REPLICAS[$i]}.log"
    REPLICA_PID[${REPLICAS[$i]}]=$STARTED_PID
done
for i in "${!REPLICAS[@]}"; do
    name=${REPLICAS[$i]}
    wait_until_answers "$name" "${REPLICA_PID[$name]}" "http://127.0.0.1:${REPLICA_PORTS[$i]}/health" \
        "$WORK_DIR/$name.log"
done

start_bg "$WORK_DIR/balancer.log" "$BALANCER" serve --config "$WORK_DIR/balancer.yaml"
BALANCER_PID=$STARTED_PID
wait_until_answers balancer "$BALANCER_PID" "$BASE_URL/api/instance" "$WORK_DIR/balancer.log"

echo "failover-drill: replicas ${REPLICAS[*]} on ports ${REPLICA_PORTS[*]}, balancer on $BASE_URL" \
    "(admin on 127.0.0.1:$ADMIN_PORT)"
echo "failover-drill: ${DURATION} s of GET /api/instance and POST /api/echo, ${CONNECTIONS} connections each;" \
    "SIGKILL $VICTIM ($VICTIM_ADDRESS) at $((DURATION / 3)) s, restart at $((DURATION * 2 / 3)) s"

# ----------------------------------------------------------------------------------------------------
# Load, kill, restart

now_ms
LOAD_START_MS=$NOW_MS
WRK_PIDS=()
for kind in get post; do
    if [ "$kind" = get ]; then path=/api/instance; else path=/api/echo; fi
    wrk -t 2 -c "$CONNECTIONS" -d "${DURATION}s" --timeout 5s -s "$WORK_DIR/$kind.lua" "$BASE_URL$path" \
        >"$WORK_DIR/wrk-$kind.txt" 2>&1 &
    WRK_PIDS+=("$!")
    STARTED_PIDS+=("$!")
done

KILL_AT_MS=$((LOAD_START_MS + DURATION * 1000 / 3))
RESTART_AT_MS=$((LOAD_START_MS + DURATION * 2000 / 3))

sleep_until_ms "$KILL_AT_MS"
kill -KILL "${REPLICA_PID[$VICTIM]}"
now_ms
KILLED_MS=$NOW_MS
# Reaping it here also keeps bash from reporting the killed job on stderr.
wait "${REPLICA_PID[$VICTIM]}" 2>/dev/null || true
echo "failover-drill: $(seconds_text $((KILLED_MS - LOAD_START_MS))) SIGKILL $VICTIM"

# The balancer says when the replica leaves rotation; watch its log until both lines showed up or the restart
# is due (the restart happens regardless, and missing lines are reported below). The times the lines were first
# seen stand in for their timestamps when those have whole seconds only.
EJECTED_LINE=""
UNHEALTHY_LINE=""
EJECTED_SEEN_MS=0
UNHEALTHY_SEEN_MS=0
while :; do
    now_ms
    [ "$NOW_MS" -lt "$RESTART_AT_MS" ] || break
    if [ -z "$EJECTED_LINE" ]; then
        EJECTED_LINE=$(grep -m 1 -F "server $VICTIM_ADDRESS ejected" "$WORK_DIR/balancer.log" || true)
        EJECTED_SEEN_MS=$NOW_MS
    fi
    if [ -z "$UNHEALTHY_LINE" ]; then
        UNHEALTHY_LINE=$(grep -m 1 -F "server $VICTIM_ADDRESS unhealthy" "$WORK_DIR/balancer.log" || true)
        UNHEALTHY_SEEN_MS=$NOW_MS
    fi
    if [ -n "$EJECTED_LINE" ] && [ -n "$UNHEALTHY_LINE" ]; then break; fi
    sleep 0.05
done

sleep_until_ms "$RESTART_AT_MS"
# Any check or trial that failed before now belongs to the down phase; only lines after this one count below.
DOWN_LOG_LINES=$(wc -l <"$WORK_DIR/balancer.log")
start_replica "$VICTIM" "$VICTIM_PORT" "$WORK_DIR/$VICTIM.restarted.log"
now_ms
RESTARTED_MS=$NOW_MS
echo "failover-drill: $(seconds_text $((RESTARTED_MS - LOAD_START_MS))) restarted $VICTIM on the same port"

# The restarted replica logs one access line per request; health checks are GET /health, the load is /api/.
FIRST_SERVED_LINE=""
BACK_LINE=""
BACK_SEEN_MS=0
while :; do
    now_ms
    if [ -z "$FIRST_SERVED_LINE" ]; then
        FIRST_SERVED_LINE=$(grep -m 1 -E 'access: (GET|POST) /api/' "$WORK_DIR/$VICTIM.restarted.log" || true)
    fi
    if [ -z "$BACK_LINE" ]; then
        BACK_LINE=$(tail -n "+$((DOWN_LOG_LINES + 1))" "$WORK_DIR/balancer.log" \
            | grep -m 1 -F "server $VICTIM_ADDRESS back in rotation" || true)
        BACK_SEEN_MS=$NOW_MS
    fi
    if [ -n "$FIRST_SERVED_LINE" ] && [ -n "$BACK_LINE" ]; then break; fi
    running=0
    for pid in "${WRK_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then running=1; fi
    done
    [ "$running" -eq 1 ] || break
    sleep 0.05
done

for pid in "${WRK_PIDS[@]}"; do wait "$pid" || true; done
# A graceful stop flushes the balancer's buffered access log before the counts are taken.
stop_pids "$BALANCER_PID"

# ----------------------------------------------------------------------------------------------------
# Report

echo
echo "== Requests"
TOTAL=0
FAILED=0
for kind in get post; do
    read_drill_summary "$WORK_DIR/wrk-$kind.txt" "$kind"
    failed=$DRILL_FAILED
    TOTAL=$((TOTAL + DRILL[requests]))
    FAILED=$((FAILED + failed))
    if [ "$kind" = get ]; then label="GET  /api/instance"; else label="POST /api/echo    "; fi
    rate=$(awk '/^Requests\/sec:/ { print $2 }' "$WORK_DIR/wrk-$kind.txt")
    printf '%s  requests %7d  failed %d (status %d [%s], connect %d, read %d, write %d, timeout %d)  %s req/s\n' \
        "$label" "${DRILL[requests]}" "$failed" "${DRILL[failed_status]}" "${DRILL[statuses]}" \
        "${DRILL[connect]}" "${DRILL[read]}" "${DRILL[write]}" "${DRILL[timeout]}" "${rate:-?}"
done
echo "total               requests $(printf '%7d' "$TOTAL")  failed $FAILED"

echo
echo "== $VICTIM ($VICTIM_ADDRESS) out of rotation (SIGKILL at $(seconds_text $((KILLED_MS - LOAD_START_MS))))"
OUT_OF_ROTATION=0
for kind in ejected unhealthy; do
    if [ "$kind" = ejected ]; then
        line=$EJECTED_LINE seen=$EJECTED_SEEN_MS label="ejected (passive)"
    else
        line=$UNHEALTHY_LINE seen=$UNHEALTHY_SEEN_MS label="unhealthy (checks)"
    fi
    if [ -n "$line" ]; then
        OUT_OF_ROTATION=1
        printf '%-19s after %s (%s)\n    %s\n' "$label" "$(seconds_text $(($(line_ms "$line" "$seen") - KILLED_MS)))" \
            "$(how_timed "$line")" "$line"
    else
        printf '%-19s not logged before the restart\n' "$label"
    fi
done

echo
echo "== $VICTIM back (restarted at $(seconds_text $((RESTARTED_MS - LOAD_START_MS))))"
if [ -n "$BACK_LINE" ]; then
    printf '%-19s after %s (%s)\n    %s\n' "back in rotation" \
        "$(seconds_text $(($(line_ms "$BACK_LINE" "$BACK_SEEN_MS") - RESTARTED_MS)))" "$(how_timed "$BACK_LINE")" \
        "$BACK_LINE"
else
    printf '%-19s not logged before the load ended\n' "back in rotation"
fi
if [ -n "$FIRST_SERVED_LINE" ]; then
    printf '%-19s after %s (%s)\n    %s\n' "first request" \
        "$(seconds_text $(($(line_ms "$FIRST_SERVED_LINE" 0) - RESTARTED_MS)))" "$(how_timed "$FIRST_SERVED_LINE")" \
        "$FIRST_SERVED_LINE"
else
    printf '%-19s none served before the load ended\n' "first request"
fi
SERVED_AFTER_RESTART=$(grep -c -E 'access: (GET|POST) /api/' "$WORK_DIR/$VICTIM.restarted.log" || true)
echo "requests served by the restarted $VICTIM: $SERVED_AFTER_RESTART"

# Access-log times have whole seconds: the phases leave out the seconds of the kill and of the restart, and a
# line's phase comes from its second alone (each worker flushes its lines every 200 ms, so lines of neighbouring
# seconds interleave in the file).
log_second() {
    LC_ALL=C date -u -d "@$1" +%d/%b/%Y:%H:%M:%S
}
# log_seconds FROM TO: the access-log times of the seconds FROM..TO-1, space-separated.
log_seconds() {
    local s text=""
    for ((s = $1; s < $2; s++)); do text+="$(log_second "$s") "; done
    echo "$text"
}
KILL_SECOND=$((KILLED_MS / 1000))
RESTART_SECOND=$((RESTARTED_MS / 1000))
now_ms
DOWN_SECONDS=$(log_seconds $((KILL_SECOND + 1)) "$RESTART_SECOND")
AFTER_SECONDS=$(log_seconds $((RESTART_SECOND + 1)) $((NOW_MS / 1000 + 2)))
EDGE_SECONDS="$(log_second "$KILL_SECOND") $(log_second "$RESTART_SECOND")"

echo
echo "== Requests per upstream (balancer access log)"
PER_UPSTREAM=$(awk -v victim="$VICTIM_ADDRESS" -v down="$DOWN_SECONDS" -v after="$AFTER_SECONDS" \
    -v edge="$EDGE_SECONDS" '
    function load(text, phase_name,    n, list, i) {
        n = split(text, list, " ")
        for (i = 1; i <= n; i++) phase_of[list[i]] = phase_name
    }
    BEGIN { load(down, "down"); load(after, "after"); load(edge, "edge") }
    {
        if (!match($0, /upstream=[^ ]+/)) next
        upstream = substr($0, RSTART + 9, RLENGTH - 9)
        second = substr($4, 2)
        phase = (second in phase_of) ? phase_of[second] : "before"
        total[upstream]++
        count[phase, upstream]++
        all++
    }
    END {
        for (u in total) {
            printf "%-22s %9d %9d %12d %9d%s\n", u, total[u], count["before", u], count["down", u], \
                count["after", u], (u == victim ? "   <- killed and restarted" : "")
        }
        printf "~all                   %9d\n", all
        printf "~victim_while_down %d\n", count["down", victim]
    }' "$WORK_DIR/access.log" | sort)
printf '%-22s %9s %9s %12s %9s\n' upstream total before "while down" after
grep -v '^~victim_while_down' <<<"$PER_UPSTREAM" | sed 's/^~all /all  /'
VICTIM_WHILE_DOWN=$(awk '/^~victim_while_down/ { print $2 }' <<<"$PER_UPSTREAM")

# Slow start made visible: the restarted replica's share of each second, up from a trickle to about a third.
echo
echo "== $VICTIM's share of the requests per second after the restart (slow_start 5s; a third is an even share)"
awk -v victim="upstream=$VICTIM_ADDRESS " -v after="$AFTER_SECONDS" '
    BEGIN { n = split(after, order, " ") }
    {
        second = substr($4, 2)
        all[second]++
        if (index($0, victim)) mine[second]++
    }
    END {
        for (i = 1; i <= n; i++) {
            s = order[i]
            if (!(s in all)) continue
            printf "%s  %6d of %6d  %5.1f%%\n", s, mine[s], all[s], 100 * mine[s] / all[s]
        }
    }' "$WORK_DIR/access.log"

echo
VERDICT=0
if [ "$FAILED" -gt 0 ]; then
    echo "FAIL: $FAILED of $TOTAL requests failed"
    VERDICT=1
fi
if [ "$OUT_OF_ROTATION" -eq 0 ]; then
    echo "FAIL: the balancer never took $VICTIM out of rotation"
    VERDICT=1
fi
if [ "$VICTIM_WHILE_DOWN" -gt 0 ]; then
    echo "FAIL: the access log names $VICTIM_ADDRESS for $VICTIM_WHILE_DOWN requests while it was down"
    VERDICT=1
fi
if [ "$SERVED_AFTER_RESTART" -eq 0 ]; then
    echo "FAIL: the restarted $VICTIM served no request"
    VERDICT=1
fi
if [ "$VERDICT" -eq 0 ]; then
    echo "PASS: $TOTAL requests, none failed; $VICTIM left rotation after its crash and served again after its restart"
fi
exit "$VERDICT"
