#!/usr/bin/env bash
# Runs every test target of the package against a throwaway PostgreSQL and Redis on free loopback ports.
#
# Installs missing Debian packages first, hands the servers to the tests through TEST_DATABASE_URL, TEST_REDIS_URL,
# TEST_SERVICES_CTL and TEST_SERVICES_DIR, and stops them on exit, whether the tests pass or not.
# Extra arguments go to `swift test` (e.g. `bash scripts/test.sh --filter HealthServiceTests`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/install-deps.sh
source scripts/install-deps.sh
# shellcheck source=scripts/lib/services.sh
source scripts/lib/services.sh

# Beyond what the stack needs: headless Chromium renders the status page in its tests, and Prometheus' own
# parser reads /metrics.
install_deps chromium
if ! python3 -c 'import prometheus_client' 2>/dev/null; then
    python3 -m pip install --quiet prometheus_client
fi

# Under /tmp rather than $TMPDIR: the PostgreSQL user must be able to reach the data directory.
state=$(mktemp -d /tmp/frontdoor-test.XXXXXX)
cleanup() {
    services_stop_all "$state"
    rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "Starting PostgreSQL and Redis for the tests..."
services_start_all "$state"
TEST_DATABASE_URL=$(services_postgres_url "$state")
TEST_REDIS_URL=$(services_redis_url "$state")
export TEST_DATABASE_URL TEST_REDIS_URL
export TEST_SERVICES_CTL="$PWD/scripts/lib/services-ctl.sh"
export TEST_SERVICES_DIR="$state"
echo "PostgreSQL on 127.0.0.1:$(cat "$state/postgres/port"), Redis on 127.0.0.1:$(cat "$state/redis/port")"

swift build --build-tests
# Deployment files (Dockerfile, compose, Kubernetes, deploy script) checked without a Docker engine; skipped when
# only some tests were asked for.
# A failed deployment check still lets the tests run, so one run reports both; the exit status covers both.
deploy_status=0
if [ "$#" -eq 0 ]; then
    bash scripts/check-deploy.sh || deploy_status=$?
fi
# The HTTP/1 framing fuzz targets, 45 s each (both at once), also only for a full run; a crash fails the run after
# the tests have run, like a failed deployment check.
fuzz_status=0
if [ "$#" -eq 0 ]; then
    bash scripts/fuzz.sh --seconds 45 || fuzz_status=$?
fi
# swift test prints XCTest's summary and then Swift Testing's own (which finds no tests of its kind); the plain
# closing line below states the XCTest totals so the last word of a run is the real count.
results=$(mktemp)
set +e
swift test "$@" 2>&1 | tee "$results"
test_status=${PIPESTATUS[0]}
set -e
summary=$(grep -E 'Executed [0-9]+ tests?, with [0-9]+ failures?' "$results" | tail -n 1)
# Failed test cases, not failed assertions (one test can fail several).
failed=$(grep -cE "^Test Case '.*' failed" "$results" || true)
rm -f "$results"
if [ -n "$summary" ]; then
    executed=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")
    echo "tests: $((executed - failed)) passed, $failed failed"
fi
[ "$test_status" -eq 0 ] && [ "$deploy_status" -eq 0 ] && [ "$fuzz_status" -eq 0 ]
