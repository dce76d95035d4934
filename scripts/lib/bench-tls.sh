#!/usr/bin/env bash
# The TLS half of scripts/bench.sh (`--tls`): the balancer and nginx terminate TLS with the same ECDSA P-256
# certificate, in front of the same replicas, and are measured alternately on
#   - new connections/s with full handshakes: `openssl s_time -new -www /health` (TLS 1.3), THREADS clients;
#   - new connections/s with resumed handshakes: `openssl s_time -reuse -www /health` (TLS 1.3 session tickets;
#     the page is fetched so the client reads the ticket the server sends after the handshake);
#   - keep-alive requests/s over TLS: `wrk https://.../health`, as the plain benchmark.
# CPU per connection (handshake plus its one request) and per keep-alive request come from /proc as in the plain
# benchmark; CPU per handshake is estimated as CPU per connection less CPU per keep-alive request.
#
# Sourced by scripts/bench.sh after its options, ports and build; uses its helpers (start, proxy_ticks, run_wrk,
# parse_wrk, stat_of, ratio, json_number, show_log).

# tls_make_certificate: one self-signed ECDSA P-256 certificate for 127.0.0.1 and localhost, both proxies' own.
tls_make_certificate() {
    TLS_CERT=$WORK_DIR/tls/cert.pem
    TLS_KEY=$WORK_DIR/tls/key.pem
    mkdir -p "$WORK_DIR/tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$TLS_KEY" -out "$TLS_CERT" \
        >"$WORK_DIR/tls/openssl.log" 2>&1 || { show_log "$WORK_DIR/tls/openssl.log"; die "openssl req failed"; }
    # nginx's workers drop to an unprivileged user; they read the files after the master did, but keep them
    # readable for both anyway (a throwaway key in a throwaway directory).
    chmod 644 "$TLS_CERT" "$TLS_KEY"
    # wait_for_url's curl trusts the certificate itself.
    # shellcheck disable=SC2034 # read by wait_for_url in scripts/lib/harness.sh
    HARNESS_CURL_OPTIONS=(--cacert "$TLS_CERT")
}

# tls_write_configs: the balancer's and nginx's configs of the plain benchmark, their listeners made TLS listeners.
tls_write_configs() {
    # The plain benchmark's config with its one listener made a TLS listener.
    sed -i "s|^listen: \[127.0.0.1:$BALANCER_PORT\]\$|listen: [{address: 127.0.0.1:$BALANCER_PORT, tls: {certificates: [{cert: $TLS_CERT, key: $TLS_KEY}]}}]|" \
        "$WORK_DIR/balancer.yaml"
    grep -q "cert: $TLS_CERT" "$WORK_DIR/balancer.yaml" || die "could not add TLS to balancer.yaml"
    # Mozilla's intermediate settings, as the balancer's (TLS 1.2 and 1.3, ECDHE with AES-GCM or ChaCha20),
    # with session tickets and a shared session cache so both resume.
    local ciphers="ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384"
    ciphers+=":ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
    sed -i "s|listen 127.0.0.1:$NGINX_PORT;|listen 127.0.0.1:$NGINX_PORT ssl;\\
        ssl_certificate $TLS_CERT;\\
        ssl_certificate_key $TLS_KEY;\\
        ssl_protocols TLSv1.2 TLSv1.3;\\
        ssl_ciphers $ciphers;\\
        ssl_prefer_server_ciphers off;\\
        ssl_session_cache shared:SSL:10m;\\
        ssl_session_timeout 1d;\\
        ssl_session_tickets on;|" "$WORK_DIR/nginx.conf"
    grep -q "ssl_certificate $TLS_CERT" "$WORK_DIR/nginx.conf" || die "could not add TLS to nginx.conf"
    # shellcheck disable=SC2016 # nginx variables, not the shell's
    sed -i 's|proxy_set_header X-Forwarded-Proto \$scheme;|&\n            proxy_set_header X-Forwarded-Port \$server_port;|' \
        "$WORK_DIR/nginx.conf"
}

# run_s_time OUT MODE SECONDS PORT: THREADS parallel `openssl s_time` clients (MODE -new or -reuse) fetching
# /health over TLS 1.3 for SECONDS; their outputs are appended to OUT. Waited for in the background, like wrk.
run_s_time() {
    local out=$1 mode=$2 seconds=$3 port=$4 i pids=()
    : >"$out"
    for ((i = 0; i < THREADS; i++)); do
        timeout "$((seconds + 30))" openssl s_time -connect "127.0.0.1:$port" "$mode" -tls1_3 -www /health \
            -time "$seconds" >>"$out.$i" 2>&1 &
        pids+=("$!")
    done
    for i in "${!pids[@]}"; do
        wait "${pids[$i]}" || true
        cat "$out.$i" >>"$out"
        rm -f "$out.$i"
    done
}

# parse_s_time OUT SECONDS: "connections_per_s connections resumed" summed over the clients of run_s_time
# (resumed: connections whose session was reused, s_time's `r` marks).
parse_s_time() {
    awk -v secs="$2" '
        / connections in [0-9.]+ real seconds/ { n += $1 }
        { resumed += gsub(/r/, "r", $0) * ($0 ~ /^[r*]+$/) }
        END { printf "%.1f %d %d\n", n / secs, n, resumed }' "$1"
}

# measure_connections PROXY ROUND MODE: "connections_per_s cpu_us_per_connection resumed_share" of one
# run_s_time (MODE -new or -reuse) against PROXY.
measure_connections() {
    local proxy=$1 out=$WORK_DIR/tls/$1-$2$3.txt before after cps n reused
    before=$(proxy_ticks "$proxy")
    run_s_time "$out" "$3" "$DURATION_SECONDS" "$(proxy_port "$proxy")"
    after=$(proxy_ticks "$proxy")
    read -r cps n reused <<<"$(parse_s_time "$out" "$DURATION_SECONDS")"
    awk -v d="$((after - before))" -v hz="$CLK_TCK" -v n="$n" -v r="$reused" -v cps="$cps" \
        'BEGIN { if (n > 0) printf "%s %.1f %.2f\n", cps, d / hz * 1e6 / n, r / n; else print cps " 0 0" }'
}

# tls_measure ROUND PROXY: one round of the three measurements on PROXY; appends to TLS_RESULTS
# "proxy round full_cps full_cpu_us resumed_cps resumed_cpu_us resumed_share keepalive_rps keepalive_cpu_us errors".
tls_measure() {
    local round=$1 proxy=$2 port pid before after out full_cps full_cpu resumed_cps resumed_cpu share
    local rps requests non2xx socket ka_cpu
    port=$(proxy_port "$proxy")
    pid=$(proxy_pid "$proxy")
    run_wrk /dev/null "$((WARMUP_SECONDS + 60))" -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP_SECONDS}s" \
        "https://127.0.0.1:$port/health"

    read -r full_cps full_cpu _ <<<"$(measure_connections "$proxy" "$round" -new)"
    read -r resumed_cps resumed_cpu share <<<"$(measure_connections "$proxy" "$round" -reuse)"

    out=$WORK_DIR/tls/$proxy-$round-keepalive.txt
    before=$(proxy_ticks "$proxy")
    run_wrk "$out" "$WRK_LIMIT" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "https://127.0.0.1:$port/health"
    after=$(proxy_ticks "$proxy")
    read -r rps _ _ requests non2xx socket <<<"$(parse_wrk "$out")"
    ka_cpu=$(awk -v d="$((after - before))" -v hz="$CLK_TCK" -v n="$requests" \
        'BEGIN { if (n > 0) printf "%.2f", d / hz * 1e6 / n; else print "0" }')

    echo "$proxy $round $full_cps $full_cpu $resumed_cps $resumed_cpu $share $rps $ka_cpu $((non2xx + socket))" \
        >>"$TLS_RESULTS"
    printf 'round %d/%d  %-8s  full %7s conn/s %7s us CPU/conn  resumed %7s conn/s %7s us CPU/conn (%s reused)' \
        "$round" "$ROUNDS" "$proxy" "$full_cps" "$full_cpu" "$resumed_cps" "$resumed_cpu" "$share"
    printf '  keep-alive %9s req/s %6s us CPU/req  errors %s\n' "$rps" "$ka_cpu" "$((non2xx + socket))"
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "bench: $proxy died during round $round" >&2
        show_log "$(proxy_log "$proxy")"
        DIED+=("$proxy")
    fi
}

# tls_stat PROXY COLUMN DECIMALS: the median of a TLS_RESULTS column over the proxy's rounds.
tls_stat() {
    local saved=${RESULTS:-}
    RESULTS=$TLS_RESULTS
    stat_of "$@"
    RESULTS=$saved
}

# tls_run: every round, then the medians, the ratios against nginx and the verdict (CPU per handshake and per
# request within 1.2 x nginx's); the JSON file when asked for.
tls_run() {
    TLS_RESULTS=$WORK_DIR/tls-results.txt
    : >"$TLS_RESULTS"
    echo "bench: TLS, $ROUNDS round(s); each: ${WARMUP_SECONDS}s warm-up, then $THREADS x openssl s_time -new," \
        "$THREADS x openssl s_time -reuse (TLS 1.3, -www /health, ${DURATION_SECONDS}s each) and wrk -t$THREADS" \
        "-c$CONNECTIONS -d$DURATION over TLS; CPU from /proc (CLK_TCK $CLK_TCK); $(nproc) cores"
    local round k proxy
    for ((round = 1; round <= ROUNDS; round++)); do
        for ((k = 0; k < ${#PROXIES[@]}; k++)); do
            proxy=${PROXIES[$(((round - 1 + k) % ${#PROXIES[@]}))]}
            if ! kill -0 "$(proxy_pid "$proxy")" 2>/dev/null; then
                echo "round $round/$ROUNDS  $proxy: not running, skipped"
                continue
            fi
            tls_measure "$round" "$proxy"
        done
    done

    declare -A FULL FULL_CPU RES RES_CPU SHARE KA KA_CPU HS_CPU
    for proxy in "${PROXIES[@]}"; do
        FULL[$proxy]=$(tls_stat "$proxy" 3 1)
        FULL_CPU[$proxy]=$(tls_stat "$proxy" 4 1)
        RES[$proxy]=$(tls_stat "$proxy" 5 1)
        RES_CPU[$proxy]=$(tls_stat "$proxy" 6 1)
        SHARE[$proxy]=$(tls_stat "$proxy" 7 2)
        KA[$proxy]=$(tls_stat "$proxy" 8 1)
        KA_CPU[$proxy]=$(tls_stat "$proxy" 9 2)
        HS_CPU[$proxy]=$(awk -v c="${FULL_CPU[$proxy]}" -v r="${KA_CPU[$proxy]}" \
            'BEGIN { if (c == "n/a" || r == "n/a") print "n/a"; else printf "%.1f\n", c - r }')
    done
    local hs_ratio resumed_ratio req_ratio verdict met
    hs_ratio=$(ratio "${HS_CPU[balancer]}" "${HS_CPU[nginx]}")
    resumed_ratio=$(ratio "${RES_CPU[balancer]}" "${RES_CPU[nginx]}")
    req_ratio=$(ratio "${KA_CPU[balancer]}" "${KA_CPU[nginx]}")
    if [ "$hs_ratio" = n/a ] || [ "$req_ratio" = n/a ]; then
        verdict="target not evaluated: missing results"
        met=null
    elif awk -v h="$hs_ratio" -v r="$req_ratio" 'BEGIN { exit !(h <= 1.2 && r <= 1.2) }'; then
        verdict="MET"
        met=true
    else
        verdict="MISSED"
        met=false
    fi
    verdict+=": CPU per full handshake $hs_ratio x nginx's, per keep-alive request $req_ratio x (needs <= 1.20 each)"

    echo
    echo "TLS medians over $ROUNDS round(s); $WORKERS worker(s) per proxy; same ECDSA P-256 certificate;" \
        "conn = a new TLS 1.3 connection with one GET /health"
    printf '%-9s %11s %12s %11s %13s %7s %12s %11s %10s\n' proxy "full conn/s" "us CPU/conn" "resumed/s" \
        "us CPU/resumed" reused "keep-alive/s" "us CPU/req" "us CPU/hs"
    for proxy in "${PROXIES[@]}"; do
        printf '%-9s %11s %12s %11s %13s %7s %12s %11s %10s\n' "$proxy" "${FULL[$proxy]}" "${FULL_CPU[$proxy]}" \
            "${RES[$proxy]}" "${RES_CPU[$proxy]}" "${SHARE[$proxy]}" "${KA[$proxy]}" "${KA_CPU[$proxy]}" \
            "${HS_CPU[$proxy]}"
    done
    echo "(us CPU/hs: CPU per full-handshake connection less CPU per keep-alive request)"
    echo
    printf 'balancer/nginx: full conn/s %s x, resumed conn/s %s x, keep-alive req/s %s x\n' \
        "$(ratio "${FULL[balancer]}" "${FULL[nginx]}")" "$(ratio "${RES[balancer]}" "${RES[nginx]}")" \
        "$(ratio "${KA[balancer]}" "${KA[nginx]}")"
    printf 'balancer/nginx CPU: per full handshake %s x, per resumed connection %s x, per keep-alive request %s x\n' \
        "$hs_ratio" "$resumed_ratio" "$req_ratio"
    echo "target (CPU per handshake and per request <= 1.2 x nginx's): $verdict"

    if [ -n "$JSON_FILE" ]; then
        {
            printf '{\n  "settings": {"tls": true, "workers": %d, "rounds": %d, "duration_seconds": %d, ' \
                "$WORKERS" "$ROUNDS" "$DURATION_SECONDS"
            printf '"connections": %d, "threads": %d, "cores": %d},\n  "proxies": {\n' \
                "$CONNECTIONS" "$THREADS" "$(nproc)"
            for ((k = 0; k < ${#PROXIES[@]}; k++)); do
                proxy=${PROXIES[$k]}
                printf '    "%s": {"full_connections_per_second": %s, "cpu_us_per_full_connection": %s, ' \
                    "$proxy" "$(json_number "${FULL[$proxy]}")" "$(json_number "${FULL_CPU[$proxy]}")"
                printf '"resumed_connections_per_second": %s, "cpu_us_per_resumed_connection": %s, ' \
                    "$(json_number "${RES[$proxy]}")" "$(json_number "${RES_CPU[$proxy]}")"
                printf '"resumed_share": %s, "keepalive_requests_per_second": %s, "cpu_us_per_request": %s, ' \
                    "$(json_number "${SHARE[$proxy]}")" "$(json_number "${KA[$proxy]}")" \
                    "$(json_number "${KA_CPU[$proxy]}")"
                printf '"cpu_us_per_handshake": %s}%s\n' "$(json_number "${HS_CPU[$proxy]}")" \
                    "$([ "$k" -lt $((${#PROXIES[@]} - 1)) ] && echo ,)"
            done
            printf '  },\n  "ratios": {"cpu_per_handshake": %s, "cpu_per_resumed_connection": %s, ' \
                "$(json_number "$hs_ratio")" "$(json_number "$resumed_ratio")"
            printf '"cpu_per_request": %s},\n' "$(json_number "$req_ratio")"
            printf '  "target": {"max_cpu_vs_nginx": 1.2, "met": %s}\n}\n' "$met"
        } >"$JSON_FILE"
        echo "bench: results written to $JSON_FILE"
    fi
}
