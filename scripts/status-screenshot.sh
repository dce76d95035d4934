#!/usr/bin/env bash
# Takes a screenshot of the balancer's /status page during a small failover drill, into docs/status-page.png:
# three health-service replicas and the balancer on 127.0.0.1 (free ports), a little load, one replica killed,
# and a `web` group whose only server nothing listens on (shown "up · failing", as run-local.sh's is).
#
# Usage: bash scripts/status-screenshot.sh [--release] [--no-build] [--out FILE]
# Needs chromium (Debian package `chromium`), curl and python3. Stops everything it started on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CONFIGURATION=debug
BUILD=1
OUT=docs/status-page.png
while [[ $# -gt 0 ]]; do
    case "$1" in
        --release) CONFIGURATION=release ;;
        --no-build) BUILD=0 ;;
        --out) OUT="$2"; shift ;;
        -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
        *) echo "status-screenshot: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
for tool in chromium curl python3; do
    command -v "$tool" >/dev/null || { echo "status-screenshot: $tool is required" >&2; exit 2; }
done
# shellcheck source=scripts/lib/swift-release.sh
source scripts/lib/swift-release.sh
BUILD_FLAGS=(-c "$CONFIGURATION")
[[ $CONFIGURATION != release ]] || BUILD_FLAGS=("${SWIFT_RELEASE_FLAGS[@]}")
if [[ $BUILD == 1 ]]; then
    swift build "${BUILD_FLAGS[@]}" --product balancer
    swift build "${BUILD_FLAGS[@]}" --product health-service
fi
BIN=".build/$CONFIGURATION"
TMP="$(mktemp -d)"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() {  # URL: polls up to 20 s
    for _ in $(seq 1 200); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
    echo "status-screenshot: $1 did not answer within 20 s" >&2; exit 2
}

PORTS=()
for i in 1 2 3; do
    port=$(free_port); PORTS+=("$port")
    "$BIN/health-service" --host 127.0.0.1 --port "$port" --instance-id "backend-$i" >"$TMP/replica-$i.log" 2>&1 &
    PIDS+=($!)
done
REPLICA_PIDS=("${PIDS[@]}")
PUBLIC=$(free_port)
ADMIN=$(free_port)
NOTHING=$(free_port)  # nothing listens here: the web app that is not running
cat >"$TMP/balancer.yaml" <<YAML
listen: [127.0.0.1:$PUBLIC]
admin: {listen: 127.0.0.1:$ADMIN}
access_log: off
upstreams:
  backend:
    servers: [127.0.0.1:${PORTS[0]}, 127.0.0.1:${PORTS[1]}, 127.0.0.1:${PORTS[2]}]
    max_fails: 1
    fail_timeout: 30s
    health_check: {path: /health, interval: 1s, timeout: 500ms, rise: 2, fall: 2}
  web:
    servers: [127.0.0.1:$NOTHING]
routes:
  - {prefix: /api/, upstream: backend}
  - {prefix: /, upstream: web}
YAML
for port in "${PORTS[@]}"; do wait_for "http://127.0.0.1:$port/health"; done
"$BIN/balancer" serve --config "$TMP/balancer.yaml" >"$TMP/balancer.log" 2>&1 &
PIDS+=($!)
wait_for "http://127.0.0.1:$ADMIN/status.json"

load() {  # SECONDS: a few sequential clients
    local end=$((SECONDS + $1)) clients=()
    for _ in 1 2 3; do
        (while [[ $SECONDS -lt $end ]]; do curl -s -o /dev/null "http://127.0.0.1:$PUBLIC/api/instance" || true; done) &
        clients+=($!)
    done
    (while [[ $SECONDS -lt $end ]]; do curl -s -o /dev/null "http://127.0.0.1:$PUBLIC/" || true; sleep 1; done) &
    clients+=($!)
    wait "${clients[@]}" || true
}
load 12
kill -9 "${REPLICA_PIDS[1]}"
echo "status-screenshot: killed backend-2 (127.0.0.1:${PORTS[1]})"
load 6
mkdir -p "$(dirname "$OUT")"
chromium --headless --disable-gpu --no-sandbox --hide-scrollbars --virtual-time-budget=3000 \
    --window-size=1200,900 --screenshot="$OUT" "http://127.0.0.1:$ADMIN/status" 2>/dev/null
echo "status-screenshot: wrote $OUT"
