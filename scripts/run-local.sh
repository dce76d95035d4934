#!/usr/bin/env bash
# Runs the FruitPAK front door stack locally: PostgreSQL, Redis and three health-service replicas (release build)
# on 127.0.0.1:8001-8003, and the balancer on 127.0.0.1:8080 in front of them, serving the web app's files from
# compose/web itself (config/balancer.local.yaml), until Ctrl-C or SIGTERM, then stops everything it started.
#
# A replica that exits (a crash, kill -9) is started again after RESTART_DELAY seconds, as compose's
# `restart: unless-stopped` would: meanwhile the balancer fails over and its status page shows the replica go
# down and come back. Only the balancer exiting stops the stack.
#
# Safe to run again and again: a previous run's processes and state (even after kill -9) are cleaned up first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/install-deps.sh
source scripts/install-deps.sh
# shellcheck source=scripts/lib/services.sh
source scripts/lib/services.sh
# shellcheck source=scripts/lib/swift-release.sh
source scripts/lib/swift-release.sh

RUN_DIR=/tmp/frontdoor-run-local
REPLICAS=(backend-1 backend-2 backend-3)
REPLICA_PORTS=(8001 8002 8003)
FRONT_DOOR_PORT=8080
FRONT_DOOR_CONFIG=config/balancer.local.yaml
PRODUCTS=(health-service balancer)
# Long enough for the health checks of config/balancer.local.yaml (every 2 s, fall 2) to take the replica out of
# rotation, so the status page shows it down before it comes back.
RESTART_DELAY=${RESTART_DELAY:-5}

# Stops every process recorded in RUN_DIR/pids (SIGTERM, then SIGKILL after 35 s), then PostgreSQL and Redis.
stop_everything() {
    local pidfile pid name i
    for pidfile in "$RUN_DIR"/pids/*.pid; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        name=$(basename "$pidfile" .pid)
        # Only signal the pid if it still runs one of our binaries: after a reboot the number may be someone else's.
        if grep -qa -e health-service -e balancer "/proc/$pid/cmdline" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for i in $(seq 1 350); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -KILL "$pid" 2>/dev/null || true
            echo "stopped $name"
        fi
        rm -f "$pidfile"
    done
    services_stop_all "$RUN_DIR/services"
}

# start_process NAME COMMAND...: starts COMMAND in the background, appending to RUN_DIR/logs/NAME.log (a
# restarted replica keeps the log of its previous run).
start_process() {
    local name=$1
    shift
    "$@" >>"$RUN_DIR/logs/$name.log" 2>&1 &
    echo "$!" >"$RUN_DIR/pids/$name.pid"
}

# start_replica INDEX: starts replica INDEX of REPLICAS on its port.
start_replica() {
    local i=$1
    start_process "${REPLICAS[$i]}" env DATABASE_URL="$DATABASE_URL" REDIS_URL="$REDIS_URL" ENVIRONMENT=local \
        "$BIN/health-service" --host 127.0.0.1 --port "${REPLICA_PORTS[$i]}" --instance-id "${REPLICAS[$i]}"
}

# name_of_pid PID: prints the name whose RUN_DIR/pids file holds PID (nothing when none does).
name_of_pid() {
    local pidfile
    for pidfile in "$RUN_DIR"/pids/*.pid; do
        [ -f "$pidfile" ] || continue
        if [ "$(cat "$pidfile")" = "$1" ]; then
            basename "$pidfile" .pid
            return 0
        fi
    done
}

# admin_address CONFIG: prints the `admin: listen:` address of a balancer config (nothing when it has none).
admin_address() {
    awk '/^admin:/ { admin = 1; next } admin && /^[^ #]/ { exit } admin && $1 == "listen:" { print $2; exit }' "$1"
}

# wait_until_ready NAME URL: polls URL until it answers 2xx (30 s at most).
wait_until_ready() {
    local name=$1 url=$2 i
    for i in $(seq 1 300); do
        if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
            return 0
        fi
        if ! kill -0 "$(cat "$RUN_DIR/pids/$name.pid")" 2>/dev/null; then
            tail -n 20 "$RUN_DIR/logs/$name.log" >&2
            echo "error: $name exited during start-up (log above, full log in $RUN_DIR/logs/$name.log)." >&2
            return 1
        fi
        sleep 0.1
    done
    echo "error: $name did not answer $url within 30 s (after $i tries); see $RUN_DIR/logs/$name.log." >&2
    return 1
}

# require_free_port PORT: fails with a hint when something else already listens there. SO_REUSEADDR as the
# replicas set it, so connections of a previous run lingering in TIME_WAIT do not count as "in use".
require_free_port() {
    if ! python3 -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()' "$1" 2>/dev/null; then
        echo "error: 127.0.0.1:$1 is in use by another process;" \
            "stop it (see: ss -ltnp 'sport = :$1') and run again." >&2
        exit 1
    fi
}

mkdir -p "$RUN_DIR"
stop_everything
rm -rf "$RUN_DIR"
mkdir -p "$RUN_DIR/pids" "$RUN_DIR/logs"
trap stop_everything EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

install_deps
for port in "${REPLICA_PORTS[@]}" "$FRONT_DOOR_PORT"; do require_free_port "$port"; done

echo "Building ${PRODUCTS[*]} (release)..."
for product in "${PRODUCTS[@]}"; do swift build "${SWIFT_RELEASE_FLAGS[@]}" --product "$product"; done
BIN=$(swift build "${SWIFT_RELEASE_FLAGS[@]}" --show-bin-path)

echo "Starting PostgreSQL and Redis..."
services_start_all "$RUN_DIR/services"
DATABASE_URL=$(services_postgres_url "$RUN_DIR/services")
REDIS_URL=$(services_redis_url "$RUN_DIR/services")

for i in "${!REPLICAS[@]}"; do start_replica "$i"; done
for i in "${!REPLICAS[@]}"; do
    wait_until_ready "${REPLICAS[$i]}" "http://127.0.0.1:${REPLICA_PORTS[$i]}/health/ready"
done

# --- Front door ------------------------------------------------------------------------------------------------
# The balancer on 127.0.0.1:8080 in front of the three replicas (config/balancer.local.yaml); checked first, like
# `nginx -t` before a start. Its access log and upstream events go to its log file.
"$BIN/balancer" check --config "$FRONT_DOOR_CONFIG" >/dev/null
start_process balancer "$BIN/balancer" serve --config "$FRONT_DOOR_CONFIG"
wait_until_ready balancer "http://127.0.0.1:$FRONT_DOOR_PORT/health"
# -----------------------------------------------------------------------------------------------------------------

echo
echo "PostgreSQL  127.0.0.1:$(cat "$RUN_DIR/services/postgres/port")  (logs: $RUN_DIR/services/postgres/log)"
echo "Redis       127.0.0.1:$(cat "$RUN_DIR/services/redis/port")"
for i in "${!REPLICAS[@]}"; do
    echo "${REPLICAS[$i]}   http://127.0.0.1:${REPLICA_PORTS[$i]}   (log: $RUN_DIR/logs/${REPLICAS[$i]}.log)"
done
echo
echo "Front door  http://127.0.0.1:$FRONT_DOOR_PORT   (log: $RUN_DIR/logs/balancer.log)"
echo "            try: curl http://127.0.0.1:$FRONT_DOOR_PORT/health   (answers from the replicas in turn)"
echo "                 curl http://127.0.0.1:$FRONT_DOOR_PORT/             (the web app, served from compose/web)"
ADMIN=$(admin_address "$FRONT_DOOR_CONFIG")
if [ -n "$ADMIN" ]; then
    echo "Status page http://$ADMIN/status   (JSON: http://$ADMIN/status.json, Prometheus: http://$ADMIN/metrics)"
fi
echo
echo "A replica that exits is restarted after $RESTART_DELAY s (like compose's restart: unless-stopped);"
echo "try: kill -9 \$(cat $RUN_DIR/pids/backend-2.pid)   and watch the status page."
echo "All replicas and the balancer are ready. Press Ctrl-C to stop everything."

# Supervises until a signal arrives: a replica that exits is started again after RESTART_DELAY seconds; the
# balancer exiting stops everything. `wait -n` returns when any child exits, including the 1-second timer that
# lets due restarts happen; a trapped signal interrupts it at once.
declare -A restart_due=()
while true; do
    sleep 1 &
    timer=$!
    set +e
    died=
    wait -n -p died
    status=$?
    set -e
    if [ -n "$died" ] && [ "$died" != "$timer" ]; then
        kill "$timer" 2>/dev/null || true
        wait "$timer" 2>/dev/null || true
        name=$(name_of_pid "$died")
        case "$name" in
        backend-*)
            echo "$(date +%T) $name exited (status $status); restarting it in $RESTART_DELAY s." \
                "Log: $RUN_DIR/logs/$name.log" >&2
            rm -f "$RUN_DIR/pids/$name.pid"
            restart_due[$name]=$((SECONDS + RESTART_DELAY))
            ;;
        *)
            echo "${name:-A process} exited unexpectedly (status $status); stopping everything." \
                "Logs are in $RUN_DIR/logs." >&2
            exit 1
            ;;
        esac
    fi
    for i in "${!REPLICAS[@]}"; do
        name=${REPLICAS[$i]}
        if [ -z "${restart_due[$name]:-}" ] || [ "$SECONDS" -lt "${restart_due[$name]}" ]; then
            continue
        fi
        unset "restart_due[$name]"
        start_replica "$i"
        echo "$(date +%T) $name started again (pid $(cat "$RUN_DIR/pids/$name.pid"))." >&2
    done
done
