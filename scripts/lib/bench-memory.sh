#!/usr/bin/env bash
# The memory section of scripts/bench.sh: what an idle keep-alive client connection and an open WebSocket tunnel
# cost each proxy.
#
#   idle     IDLE_CONNECTIONS connections (default 8,000), each after one proxied GET / answered by the
#            `return 200` backends, held open; (RSS held - RSS before) / connections.
#   tunnels  TUNNELS WebSocket tunnels (default 1,000) to the replicas' echo (GET /api/ws), each after one
#            message echoed, held open; (RSS held - RSS before) / tunnels.
#
# Each proxy (MEMORY_WORKERS workers) is started fresh for each test from the "edge" configs of
# scripts/lib/bench-proxy-only.sh, warmed with a few hundred of the same connections opened and closed, and then
# measured by scripts/lib/bench_clients.py, which reads VmRSS (summed over nginx's master and workers) just before
# the first connection and while all are held. Appends "test proxy count opened failed before held after" to
# MEMORY_RESULTS.
#
# Sourced by scripts/bench.sh; uses MEM_PORTS, MEMORY_WORKERS, IDLE_CONNECTIONS, TUNNELS, DIED and the helpers of
# scripts/lib/bench-proxies.sh and scripts/lib/bench-proxy-only.sh.

# memory_measure TEST PROXY: one fresh proxy, a warm-up and the measured connections.
memory_measure() {
    local test=$1 proxy=$2 name="mem-$2" port count warm line pids
    case "$proxy" in
        balancer) port=${MEM_PORTS[0]} ;;
        nginx) port=${MEM_PORTS[2]} ;;
        haproxy) port=${MEM_PORTS[3]} ;;
    esac
    count=$IDLE_CONNECTIONS
    [ "$test" = idle ] || count=$TUNNELS
    warm=$((count / 10 < 200 ? count / 10 + 1 : 200))
    start_proxy "$name" "$proxy" "$WORK_DIR/$(memory_config "$proxy")" "$port"
    pids=$(proxy_pid_list "$name")
    # The warm-up: the same kind of connections, opened, used once and closed.
    timeout 120 python3 scripts/lib/bench_clients.py "$test" --port "$port" --count "$warm" --settle 0 \
        >/dev/null 2>>"$WORK_DIR/memory-clients.log" || true
    line=$(timeout 600 python3 scripts/lib/bench_clients.py "$test" --port "$port" --count "$count" \
        --pids "$pids" 2>>"$WORK_DIR/memory-clients.log") || true
    if [ -z "$line" ]; then
        echo "bench: the $test client printed nothing for $proxy; its log:" >&2
        show_log "$WORK_DIR/memory-clients.log"
        line="0 $count 0 0 0"
    fi
    echo "$test $proxy $count $line" >>"$MEMORY_RESULTS"
    local opened failed before held after
    read -r opened failed before held after <<<"$line"
    printf 'memory  %-7s %-8s  %5d held, %d failed  RSS %6.1f -> %6.1f MB (after close %6.1f)  %6.2f kB each\n' \
        "$test" "$proxy" "$opened" "$failed" "$(kib_to_mb "$before")" "$(kib_to_mb "$held")" "$(kib_to_mb "$after")" \
        "$(awk -v g="$((held - before))" -v n="$opened" 'BEGIN { if (n > 0) print g * 1.024 / n; else print 0 }')"
    if ! kill -0 "$(proxy_pid "$name")" 2>/dev/null; then
        echo "bench: $proxy died during the $test test" >&2
        show_log "$(proxy_log "$name")"
        DIED+=("$proxy")
    fi
    stop_proxies "$name"
}

# memory_config PROXY: the edge config file of PROXY for the memory section.
memory_config() {
    case "$1" in
        balancer) echo mem-balancer.yaml ;;
        nginx) echo mem-nginx.conf ;;
        haproxy) echo mem-haproxy.cfg ;;
    esac
}

# kib_to_mb KIB: KiB (as /proc counts) in MB of 10^6 bytes.
kib_to_mb() {
    awk -v k="$1" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }'
}

# memory_run: both tests against every proxy.
memory_run() {
    local most=$((IDLE_CONNECTIONS > TUNNELS * 2 ? IDLE_CONNECTIONS : TUNNELS * 2)) test proxy
    po_write_configs mem "$MEMORY_WORKERS" "${MEM_PORTS[0]}" "${MEM_PORTS[1]}" "${MEM_PORTS[2]}" "${MEM_PORTS[3]}" \
        edge "$((most + 256))"
    echo
    echo "bench: memory: $IDLE_CONNECTIONS idle keep-alive connections (one GET / each) and $TUNNELS WebSocket" \
        "tunnels (GET /api/ws, one message echoed) held open through each proxy ($MEMORY_WORKERS worker(s), started" \
        "fresh for each test)"
    for test in idle tunnels; do
        for proxy in balancer nginx haproxy; do
            memory_measure "$test" "$proxy"
        done
    done
}
