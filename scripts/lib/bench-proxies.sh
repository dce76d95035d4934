#!/usr/bin/env bash
# The proxy processes of scripts/bench.sh: starting one (after its own config check), stopping it, its pids (nginx:
# master and workers), CPU ticks and port, and the access-log lines every config gets (`--access-log`).
#
# Sourced by scripts/bench.sh after scripts/lib/harness.sh; uses its start, wait_healthy, show_log, child_pids,
# stop_pids_and_children and the variables BALANCER, NGINX, HAPROXY, WORK_DIR and ACCESS_LOG.

declare -A PROXY_PID=()    # NAME -> the pid started (nginx: the master)
declare -A PROXY_PIDS=()   # NAME -> every pid whose CPU and memory count (nginx: master and workers)
declare -A PROXY_PORT=()   # NAME -> its listening port
declare -A PROXY_LOG=()    # NAME -> the log to show when it fails
declare -A PROXY_ACCESS=() # NAME -> its access log with --access-log

# access_log_path NAME: where NAME's access log goes with --access-log.
access_log_path() {
    echo "$WORK_DIR/access/$1.log"
}

# balancer_access_log NAME: the balancer's access_log line (combined format: upstream, upstream_status,
# request_time and request_id follow the combined fields).
balancer_access_log() {
    if [ "$ACCESS_LOG" -eq 1 ]; then
        echo "access_log: $(access_log_path "$1")"
        echo "log_format: combined"
    else
        echo "access_log: off"
    fi
}

# nginx_access_log NAME: nginx's http-level access-log lines: off, or the combined format with the upstream's
# address, status and timings to a file, buffered as the balancer batches its lines (64k, flushed every second).
nginx_access_log() {
    if [ "$ACCESS_LOG" -eq 1 ]; then
        cat <<EOF
log_format bench '\$remote_addr - \$remote_user [\$time_local] "\$request" \$status \$body_bytes_sent '
                     '"\$http_referer" "\$http_user_agent" upstream=\$upstream_addr upstream_status=\$upstream_status '
                     'request_time=\$request_time upstream_connect_time=\$upstream_connect_time '
                     'upstream_response_time=\$upstream_response_time request_id=\$request_id';
    access_log $(access_log_path "$1") bench buffer=64k flush=1s;
EOF
    else
        echo "access_log off;"
    fi
}

# haproxy_log_global: HAProxy's global log target with --access-log: its standard output, which start_proxy sends
# to the access-log file (HAProxy has no file target of its own; `log stdout` writes each line with one write).
haproxy_log_global() {
    [ "$ACCESS_LOG" -eq 0 ] || echo "    log stdout format raw local0 info"
}

# haproxy_log_defaults: HAProxy's defaults lines with --access-log: option httplog (timers Tq/Tw/Tc/Tr/Ta, the
# server, status and bytes) for every request.
haproxy_log_defaults() {
    [ "$ACCESS_LOG" -eq 0 ] || printf '    log global\n    option httplog\n'
}

# haproxy_preamble WORKERS MAXCONN: the global and defaults sections every HAProxy config of the bench starts with.
haproxy_preamble() {
    cat <<EOF
global
    nbthread $1
    maxconn $2
$(haproxy_log_global)

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 75s
    option forwardfor
$(haproxy_log_defaults)
EOF
}

# haproxy_forwarded_headers: the request headers HAProxy sets, as the balancer always does (X-Forwarded-For comes
# from `option forwardfor`).
haproxy_forwarded_headers() {
    cat <<'EOF'
    http-request set-header X-Real-IP %[src]
    http-request set-header X-Forwarded-Proto http
    http-request set-header X-Forwarded-Host %[req.hdr(host)]
    http-request set-header X-Request-ID %[uuid]
EOF
}

# check_proxy_config KIND CONFIG NAME: dies with the checker's words when the proxy rejects CONFIG.
check_proxy_config() {
    local log=$WORK_DIR/$3-check.log
    case "$1" in
        balancer) "$BALANCER" check --config "$2" >"$log" 2>&1 ;;
        nginx) "$NGINX" -t -q -e "$WORK_DIR/$3-error.log" -p "$WORK_DIR" -c "$2" >"$log" 2>&1 ;;
        haproxy) "$HAPROXY" -c -q -f "$2" >"$log" 2>&1 ;;
    esac || {
        show_log "$log"
        die "$1 rejected its config $(basename "$2")"
    }
}

# start_proxy NAME KIND CONFIG PORT: checks CONFIG, starts the proxy KIND (balancer, nginx or haproxy) with it and
# waits until http://127.0.0.1:PORT/health answers; records its pids, port and logs under NAME.
start_proxy() {
    local name=$1 kind=$2 config=$3 port=$4 access
    access=$(access_log_path "$name")
    mkdir -p "$WORK_DIR/access"
    check_proxy_config "$kind" "$config" "$name"
    case "$kind" in
        balancer)
            start "$name" "$BALANCER" serve --config "$config"
            PROXY_LOG[$name]=$WORK_DIR/$name.log
            ;;
        nginx)
            start "$name" "$NGINX" -e "$WORK_DIR/$name-error.log" -p "$WORK_DIR" -c "$config"
            PROXY_LOG[$name]=$WORK_DIR/$name-error.log
            ;;
        haproxy)
            if [ "$ACCESS_LOG" -eq 1 ]; then
                # Standard output (the log lines) appended to the access log; errors still in NAME.log.
                # shellcheck disable=SC2016 # expanded by the inner shell
                start "$name" bash -c 'exec "$@" >>"$0"' "$access" "$HAPROXY" -db -f "$config"
            else
                start "$name" "$HAPROXY" -db -f "$config"
            fi
            PROXY_LOG[$name]=$WORK_DIR/$name.log
            ;;
        *) die "unknown proxy kind '$kind'" ;;
    esac
    # shellcheck disable=SC2153 # set by start_bg in scripts/lib/harness.sh
    PROXY_PID[$name]=$STARTED_PID
    PROXY_PORT[$name]=$port
    PROXY_ACCESS[$name]=""
    [ "$ACCESS_LOG" -eq 0 ] || PROXY_ACCESS[$name]=$access
    wait_healthy "$name" "$STARTED_PID" "$port" "${5:-http}"
    if [ "$kind" = nginx ]; then
        # The workers are forked before any of them answers, so all are there now.
        PROXY_PIDS[$name]="$STARTED_PID $(child_pids "$STARTED_PID" | tr '\n' ' ')"
    else
        PROXY_PIDS[$name]=$STARTED_PID
    fi
}

# stop_proxies NAME...: stops the proxies (nginx's workers too) and forgets their pids, so the exit trap never
# signals a pid the system has since given to another process.
stop_proxies() {
    local name pids=() pid kept=()
    for name in "$@"; do
        [ -n "${PROXY_PID[$name]:-}" ] || continue
        pids+=("${PROXY_PID[$name]}")
    done
    [ "${#pids[@]}" -gt 0 ] || return 0
    stop_pids_and_children "${pids[@]}"
    for pid in "${STARTED_PIDS[@]}"; do
        [[ " ${pids[*]} " == *" $pid "* ]] || kept+=("$pid")
    done
    STARTED_PIDS=("${kept[@]}")
    # Reap them.
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    for name in "$@"; do
        PROXY_PID[$name]=""
        PROXY_PIDS[$name]=""
    done
}

proxy_pid() {
    echo "${PROXY_PID[$1]:-}"
}

proxy_port() {
    echo "${PROXY_PORT[$1]:-}"
}

proxy_log() {
    echo "${PROXY_LOG[$1]:-$WORK_DIR/$1.log}"
}

# proxy_pid_list NAME: the proxy's pids separated by commas (for scripts/lib/bench_clients.py).
proxy_pid_list() {
    local pids
    read -r -a pids <<<"${PROXY_PIDS[$1]:-}"
    (
        IFS=,
        echo "${pids[*]}"
    )
}

# proxy_ticks NAME: the CPU ticks used so far by the proxy's processes; nginx's master and workers.
proxy_ticks() {
    # shellcheck disable=SC2086 # one pid per word
    cpu_ticks ${PROXY_PIDS[$1]:-}
}

# take_access_log NAME: prints how many lines NAME's access log holds and empties it (0 without --access-log);
# the next run's lines are then counted alone and the file does not grow for the whole benchmark.
take_access_log() {
    local file=${PROXY_ACCESS[$1]:-} lines
    if [ -z "$file" ] || [ ! -f "$file" ]; then
        echo 0
        return
    fi
    lines=$(wc -l <"$file")
    # One line kept for whoever looks at the formats (--keep-temp).
    [ -s "$file.sample" ] || head -n 1 "$file" >"$file.sample"
    : >"$file"
    echo "$lines"
}
