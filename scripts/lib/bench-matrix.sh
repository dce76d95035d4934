#!/usr/bin/env bash
# The request matrix of scripts/bench.sh: requests/s, p50, p99 and the proxy's CPU per request for every backend
# kind (proxy-only, replicas) x worker count x wrk concurrency, each proxy in turn, in rounds whose order rotates.
#
# Sourced by scripts/bench.sh; uses its run_wrk, parse_wrk, show_log, the helpers of scripts/lib/bench-proxies.sh,
# and ROUNDS, DURATION, WARMUP_SECONDS, WRK_LIMIT, CLK_TCK, THREADS_OPTION, CONNECTION_LIST, MATRIX_RESULTS,
# DIED.

# matrix_threads CONNECTIONS: wrk's threads at that concurrency: --threads when given, else 1 up to 100
# connections (the issue's `wrk -t1 -c50`) and 2 above (one thread cannot keep 256 connections busy).
matrix_threads() {
    if [ -n "$THREADS_OPTION" ]; then
        echo "$THREADS_OPTION"
    elif [ "$1" -le 100 ]; then
        echo 1
    else
        echo 2
    fi
}

# matrix_measure BACKEND WORKERS CONNECTIONS NAME PROXY ROUND URL_PATH: a warm-up and one measured wrk run
# against the proxy started as NAME; appends a line to MATRIX_RESULTS.
matrix_measure() {
    local backend=$1 workers=$2 conns=$3 name=$4 proxy=$5 round=$6 path=$7 pid url out before after threads
    local rps p50 p99 requests non2xx socket cpu_us lines
    pid=$(proxy_pid "$name")
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "round $round/$ROUNDS  $backend $proxy: not running, skipped"
        return
    fi
    threads=$(matrix_threads "$conns")
    url="http://127.0.0.1:$(proxy_port "$name")$path"
    run_wrk /dev/null "$((WARMUP_SECONDS + 60))" -t"$threads" -c"$conns" -d"${WARMUP_SECONDS}s" "$url"
    take_access_log "$name" >/dev/null
    out=$WORK_DIR/wrk/$backend-w$workers-c$conns-$proxy-$round.txt
    before=$(proxy_ticks "$name")
    run_wrk "$out" "$WRK_LIMIT" -t"$threads" -c"$conns" -d"$DURATION" --latency "$url"
    after=$(proxy_ticks "$name")
    lines=$(take_access_log "$name")
    read -r rps p50 p99 requests non2xx socket <<<"$(parse_wrk "$out")"
    cpu_us=$(awk -v d="$((after - before))" -v hz="$CLK_TCK" -v n="$requests" \
        'BEGIN { if (n > 0) printf "%.2f", d / hz * 1e6 / n; else print "0" }')
    echo "$backend $workers $conns $proxy $round $rps $p50 $p99 $requests $non2xx $socket $cpu_us $lines" \
        >>"$MATRIX_RESULTS"
    printf 'round %d/%d  %-10s w%d c%-4d %-8s %9s req/s  p50 %7s ms  p99 %7s ms  %6s us CPU/req  errors %d%s\n' \
        "$round" "$ROUNDS" "$backend" "$workers" "$conns" "$proxy" "$rps" "$p50" "$p99" "$cpu_us" \
        "$((non2xx + socket))" "$([ "$ACCESS_LOG" -eq 0 ] || echo "  log lines $lines")"
    # Which socket errors (connect, read, write, timeout), so a bad round can be told from a slow one.
    [ "$socket" -eq 0 ] || echo "           wrk: $(grep -m1 'Socket errors:' "$out")"
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "bench: $proxy ($backend) died during round $round; wrk said:" >&2
        cat "$out" >&2
        show_log "$(proxy_log "$name")"
        DIED+=("$proxy")
    elif [ "$requests" -eq 0 ]; then
        echo "bench: $proxy ($backend) served no requests in round $round; wrk said:" >&2
        cat "$out" >&2
    fi
}

# matrix_round ROUND WORKERS BACKEND...: one round of every BACKEND at every concurrency; within a cell each proxy
# runs once, the first one rotating with the round and the cell.
matrix_round() {
    local round=$1 workers=$2 backend conns cell=0 k n names=() proxies=() path
    shift 2
    for backend in "$@"; do
        case "$backend" in
            proxy-only)
                names=(po-balancer po-nginx po-haproxy)
                proxies=(balancer nginx haproxy)
                path=/
                ;;
            replicas)
                names=(balancer nginx haproxy)
                proxies=(balancer nginx haproxy)
                if [ "$LIMITS" -eq 1 ]; then
                    names=(balancer limited nginx haproxy)
                    proxies=(balancer limited nginx haproxy)
                fi
                path=/health
                ;;
        esac
        n=${#names[@]}
        for conns in "${CONNECTION_LIST[@]}"; do
            for ((k = 0; k < n; k++)); do
                local i=$(((round - 1 + cell + k) % n))
                matrix_measure "$backend" "$workers" "$conns" "${names[$i]}" "${proxies[$i]}" "$round" "$path"
            done
            cell=$((cell + 1))
        done
    done
}
