#!/usr/bin/env bash
# The transfer section of scripts/bench.sh: the cost of moving TRANSFER_BYTES (default 1 GiB) through each proxy
# in one request, both ways:
#
#   upload    POST /upload with a Content-Length body of zeros, streamed by scripts/lib/bench_clients.py from one
#             1 MiB buffer, to a sink upstream (bench_clients.py sink) that reads and discards it and answers the
#             count;
#   download  GET /big/transfer.bin, a sparse file of TRANSFER_BYTES served by the origin nginx (not measured)
#             with sendfile, read to the end by the client.
#
# nginx streams both ways (proxy_request_buffering off, proxy_buffering off; its buffers otherwise at their
# defaults); the balancer and HAProxy always do. Each proxy (MEMORY_WORKERS workers) is started fresh for each
# transfer; measured: the proxy's CPU ticks during the transfer, per GiB, and its RSS growth (largest VmRSS
# sampled every 20 ms less the RSS before). Appends "direction proxy round size moved seconds ticks before peak
# status" to TRANSFER_RESULTS.
#
# Sourced by scripts/bench.sh; uses XFER_PORTS, MEMORY_WORKERS, TRANSFER_BYTES, DIED and the helpers of
# scripts/lib/bench-proxies.sh and scripts/lib/bench-proxy-only.sh.

# transfer_measure DIRECTION PROXY ROUND: one fresh proxy and one transfer through it.
transfer_measure() {
    local direction=$1 proxy=$2 round=$3 name="xfer-$2" port config line path_args=()
    case "$proxy" in
        balancer) port=${XFER_PORTS[0]} config=xfer-balancer.yaml ;;
        nginx) port=${XFER_PORTS[2]} config=xfer-nginx.conf ;;
        haproxy) port=${XFER_PORTS[3]} config=xfer-haproxy.cfg ;;
    esac
    [ "$direction" = upload ] || path_args=(--path /big/transfer.bin)
    start_proxy "$name" "$proxy" "$WORK_DIR/$config" "$port"
    line=$(timeout 900 python3 scripts/lib/bench_clients.py "$direction" --port "$port" --bytes "$TRANSFER_BYTES" \
        "${path_args[@]}" --pids "$(proxy_pid_list "$name")" 2>>"$WORK_DIR/transfer-clients.log") || true
    [ -n "$line" ] || line="0 0 0 0 0 0"
    echo "$direction $proxy $round $TRANSFER_BYTES $line" >>"$TRANSFER_RESULTS"
    local moved seconds ticks before peak status
    read -r moved seconds ticks before peak status <<<"$line"
    printf 'transfer %-8s %-8s  %d of %d bytes (status %s) in %ss  CPU %s s  RSS %s -> peak %s MB\n' \
        "$direction" "$proxy" "$moved" "$TRANSFER_BYTES" "$status" "$seconds" \
        "$(awk -v t="$ticks" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')" \
        "$(kib_to_mb "$before")" "$(kib_to_mb "$peak")"
    if [ "$moved" != "$TRANSFER_BYTES" ]; then
        echo "bench: the $direction through $proxy moved $moved of $TRANSFER_BYTES bytes" >&2
        show_log "$WORK_DIR/transfer-clients.log"
    fi
    if ! kill -0 "$(proxy_pid "$name")" 2>/dev/null; then
        echo "bench: $proxy died during the $direction" >&2
        show_log "$(proxy_log "$name")"
        DIED+=("$proxy")
    fi
    stop_proxies "$name"
}

# transfer_run: every proxy both ways, TRANSFER_ROUNDS times, the order rotating from round to round.
transfer_run() {
    local round direction k proxies=(balancer nginx haproxy)
    mkdir -p "$WORK_DIR/origin/big"
    # Sparse: no disk space, and the origin's sendfile reads zero pages.
    truncate -s "$TRANSFER_BYTES" "$WORK_DIR/origin/big/transfer.bin"
    chmod -R a+rX "$WORK_DIR/origin"
    po_write_configs xfer "$MEMORY_WORKERS" "${XFER_PORTS[0]}" "${XFER_PORTS[1]}" "${XFER_PORTS[2]}" \
        "${XFER_PORTS[3]}" edge 4096
    echo
    echo "bench: transfers: $TRANSFER_BYTES bytes up (to a sink that discards them) and down (a file of the origin" \
        "nginx) through each proxy ($MEMORY_WORKERS worker(s), started fresh for each transfer), $TRANSFER_ROUNDS round(s)"
    for ((round = 1; round <= TRANSFER_ROUNDS; round++)); do
        for direction in upload download; do
            for ((k = 0; k < 3; k++)); do
                transfer_measure "$direction" "${proxies[$(((round - 1 + k) % 3))]}" "$round"
            done
        done
    done
}
