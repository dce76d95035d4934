#!/usr/bin/env bash
# Runs every test target of the package against a throwaway PostgreSQL and Redis on free loopback ports.
#
# Installs missing Debian packages first (the tests themselves never install anything), hands the servers to the
# tests through TEST_DATABASE_URL, TEST_REDIS_URL, TEST_SERVICES_CTL and TEST_SERVICES_DIR, and stops them on
# exit, whether the tests pass or not.
# Extra arguments go to `swift test` (e.g. `bash scripts/test.sh --filter HealthServiceTests`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/install-deps.sh
source scripts/install-deps.sh
# shellcheck source=scripts/lib/services.sh
source scripts/lib/services.sh

# Beyond what the stack needs: headless Chromium renders the status page in its tests, and Prometheus' own
# parser reads /metrics. The parser comes from Debian, not pip: Debian's python3 refuses `pip install` outside a
# virtual environment (PEP 668), and the tests run Debian's /usr/bin/python3 whatever `python3` is first on PATH.
install_deps "${FRONTDOOR_TEST_APT_PACKAGES[@]}"

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
# The fuzz targets (HTTP/1 framing both ways, the PROXY protocol parser), 45 s each (all at once), also only for a
# full run; a crash fails the run after the tests have run, like a failed deployment check.
fuzz_status=0
if [ "$#" -eq 0 ]; then
    bash scripts/fuzz.sh --seconds 45 || fuzz_status=$?
fi
# swift test prints XCTest's summary and then Swift Testing's own (which finds no tests of its kind); the plain
# closing line below states the XCTest totals so the last word of a run is the real count.
#
# Two bounds keep a hung test from stalling the run (XCTest on Linux has no time limit of its own): each test
# case gets TEST_CASE_TIME_LIMIT seconds (the tests' watchdog, Tests/BalancerTests/Support/ChildProcesses.swift),
# and the whole `swift test` FRONTDOOR_TEST_TIMEOUT seconds, after which `timeout` stops it and its children.
export TEST_CASE_TIME_LIMIT=${TEST_CASE_TIME_LIMIT:-300}
run_limit=${FRONTDOOR_TEST_TIMEOUT:-2400}
results=$(mktemp)
set +e
# --foreground keeps Ctrl-C reaching swift test; swift test passes the stop on to the test process.
timeout --foreground --kill-after=30 "$run_limit" swift test "$@" 2>&1 | tee "$results"
test_status=${PIPESTATUS[0]}
set -e
if [ "$test_status" -eq 124 ] || [ "$test_status" -eq 137 ]; then
    last=$(grep -oE "^Test Case '[^']*' started" "$results" | tail -n 1 | sed -E "s/^Test Case '(.*)' started/\1/")
    echo "error: swift test ran longer than ${run_limit} s (FRONTDOOR_TEST_TIMEOUT) and was stopped;" \
        "the last test started was ${last:-none}" >&2
fi
summary=$(grep -E 'Executed [0-9]+ tests?, with [0-9]+ failures?' "$results" | tail -n 1)
# Failed test cases, not failed assertions (one test can fail several).
failed=$(grep -cE "^Test Case '.*' failed" "$results" || true)
if [ -n "$summary" ]; then
    executed=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")
    echo "tests: $((executed - failed)) passed, $failed failed"
else
    # The run was cut short (a time limit, a crash): count the test cases that finished.
    passed=$(grep -cE "^Test Case '.*' passed" "$results" || true)
    echo "error: the test run did not finish; the counts below are of the test cases that did" >&2
    echo "tests: $passed passed, $failed failed"
fi
rm -f "$results"
[ "$test_status" -eq 0 ] && [ "$deploy_status" -eq 0 ] && [ "$fuzz_status" -eq 0 ]
