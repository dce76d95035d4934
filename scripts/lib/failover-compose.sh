#!/usr/bin/env bash
# The failover drill's compose mode: the same scenario against the production compose stack — load through the
# front door, one backend container stopped hard (SIGKILL: `docker stop --time 0`) and started again — with the
# balancer's own /status.json (read inside its container) telling when it left and rejoined the rotation.
# Sourced by scripts/failover-drill.sh after scripts/lib/harness.sh; uses compose.sh's replica helpers.

# shellcheck source=scripts/lib/compose.sh
source scripts/lib/compose.sh

# compose_status_states: the state of every backend server on the balancer's status page, space-separated
# ("up up ejected"); empty when the page cannot be read.
compose_status_states() {
    fp_compose exec -T balancer curl -fsS --max-time 2 http://127.0.0.1:9090/status.json 2>/dev/null |
        python3 -c 'import json, sys
try:
    servers = json.load(sys.stdin)["upstreams"]["backend"]["servers"]
    print(" ".join(s["state"] for s in servers))
except Exception:
    pass' || true
}

# compose_wait_states PREDICATE SECONDS: polls the status page every 250 ms until PREDICATE (a function given the
# states) succeeds; prints the milliseconds it took, or "never" after SECONDS.
compose_wait_states() {
    local predicate=$1 start i states
    now_ms
    start=$NOW_MS
    for ((i = 0; i < $2 * 4; i++)); do
        states=$(compose_status_states)
        if [ -n "$states" ] && "$predicate" "$states"; then
            now_ms
            echo $((NOW_MS - start))
            return 0
        fi
        sleep 0.25
    done
    echo never
}

compose_some_server_out() { [[ " $1 " =~ \ (ejected|unhealthy|trial)\  ]]; }
compose_all_servers_up() { ! [[ " $1 " =~ \ (ejected|unhealthy|trial|draining)\  ]]; }

# compose_failover_drill URL DURATION CONNECTIONS REPLICA: the drill against the compose stack; exits 0 when every
# request succeeded, 1 otherwise.
compose_failover_drill() {
    local url=$1 duration=$2 connections=$3 replica=$4 kind total=0 failed=0 out_ms back_ms
    command -v docker >/dev/null || die "the compose mode needs docker with the compose plugin"
    fp_compose ps --status running -q balancer | grep -q . ||
        die "the compose stack is not running (see docs/deployment.md)"
    curl -fsS -o /dev/null --max-time 3 "$url/health" || die "$url/health does not answer"
    make_work_dir failover-drill
    write_wrk_script "$WORK_DIR/get.lua"
    write_wrk_script "$WORK_DIR/post.lua" '{"drill":"failover","compose":true}'
    echo "failover-drill: compose stack behind $url; ${duration} s of GET /api/instance and POST /api/echo," \
        "$connections connections each; backend replica $replica stopped hard at 1/3, started at 2/3"
    start_bg "$WORK_DIR/wrk-get.txt" wrk -t1 -c "$connections" -d "${duration}s" --timeout 10s \
        -s "$WORK_DIR/get.lua" "$url/api/instance"
    local wrk_get=$STARTED_PID
    start_bg "$WORK_DIR/wrk-post.txt" wrk -t1 -c "$connections" -d "${duration}s" --timeout 10s \
        -s "$WORK_DIR/post.lua" "$url/api/echo"
    local wrk_post=$STARTED_PID
    now_ms
    local start=$NOW_MS
    sleep_until_ms $((start + duration * 1000 / 3))
    compose_stop_replica "$replica" 0
    out_ms=$(compose_wait_states compose_some_server_out 15)
    sleep_until_ms $((start + duration * 2000 / 3))
    compose_start_replica "$replica"
    back_ms=$(compose_wait_states compose_all_servers_up 30)
    wait "$wrk_get" "$wrk_post" || true
    for kind in get post; do
        read_drill_summary "$WORK_DIR/wrk-$kind.txt" "$kind"
        echo "failover-drill: $kind: ${DRILL[requests]} requests, $DRILL_FAILED failed (statuses ${DRILL[statuses]})"
        total=$((total + DRILL[requests]))
        failed=$((failed + DRILL_FAILED))
    done
    echo "failover-drill: total requests $total failed $failed"
    echo "failover-drill: replica out of rotation ${out_ms} ms after the stop; all back ${back_ms} ms after the start"
    if [ "$failed" -ne 0 ]; then
        echo "failover-drill: FAILED" >&2
        return 1
    fi
    echo "failover-drill: PASS"
}
