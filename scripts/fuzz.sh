#!/usr/bin/env bash
# Fuzzes the balancer's HTTP/1 framing with libFuzzer: RequestFramingFuzzer (client bytes -> forwarded request
# stream) and ResponseFramingFuzzer (upstream bytes -> response stream to the client); and its PROXY protocol
# parser: ProxyProtocolFuzzer (a load balancer's first bytes, in two reads -> one verdict). All at once.
#
# Each target starts from a temporary copy of its committed corpus (Tests/Fuzz/Corpus/<Request|Response|
# ProxyProtocol>), so a run never writes into the repository, and stops at its first crash; the crashing input is
# saved in the crash folder the run prints. Prints one line per target with executions and crashes; exits 1 when
# any target crashed.
#
#   bash scripts/fuzz.sh [--seconds N] [--crash-dir DIR]
#                        [--target RequestFramingFuzzer|ResponseFramingFuzzer|ProxyProtocolFuzzer]
#
# A crash replays with `<binary> <crash file>`; `<binary> -minimize_crash=1 -runs=10000 <crash file>` shrinks it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=60
crash_dir=""
targets=(RequestFramingFuzzer ResponseFramingFuzzer ProxyProtocolFuzzer)
usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }
while [ "$#" -gt 0 ]; do
    case "$1" in
        --seconds) seconds=${2:?"--seconds needs a number"}; shift 2 ;;
        --crash-dir) crash_dir=${2:?"--crash-dir needs a folder"}; shift 2 ;;
        --target) targets=("${2:?"--target needs a name"}"); shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "fuzz: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "fuzz: --seconds must be a positive number" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/framing-fuzz.XXXXXX")
pids=()
# shellcheck disable=SC2317 # only ever called by the EXIT trap
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Sanitized objects must never mix with the normal build's, so they get their own scratch path. SwiftPM hands the
# compiler only one of several --sanitize values, so address is added through -Xswiftc as `fuzzer,address`;
# FUZZING swaps each target's corpus-replay main for libFuzzer's entry point.
build_flags=(
    --scratch-path .build-fuzz -c debug --sanitize fuzzer -Xswiftc "-sanitize=fuzzer,address" -Xswiftc -DFUZZING
)
for target in "${targets[@]}"; do
    echo "fuzz: building $target (sanitizers fuzzer, address)"
    # The linker warns about every sanitizer symbol; the log is shown only when the build fails.
    swift build "${build_flags[@]}" --product "$target" >"$work/build.log" 2>&1 ||
        { tail -n 60 "$work/build.log"; echo "fuzz: building $target failed" >&2; exit 2; }
done
bin=$(swift build "${build_flags[@]}" --show-bin-path)
# Crash inputs outlive the run, so they go outside the temporary work folder.
made_crash_dir=false
if [ -z "$crash_dir" ]; then
    crash_dir=$(mktemp -d "${TMPDIR:-/tmp}/framing-fuzz-crashes.XXXXXX")
    made_crash_dir=true
fi
mkdir -p "$crash_dir"
crash_count() { find "$crash_dir" -maxdepth 1 -name "$1-*" -type f | wc -l; }
declare -A crashes_before

echo "fuzz: running ${targets[*]} for ${seconds}s each, at once"

for target in "${targets[@]}"; do
    crashes_before[$target]=$(crash_count "$target")
    # Each target's seeds and dictionary: the framing targets share the HTTP/1 tokens.
    case "$target" in
        ProxyProtocolFuzzer) corpus_name=ProxyProtocol dictionary=Tests/Fuzz/proxy-protocol.dict ;;
        *) corpus_name=${target%FramingFuzzer} dictionary=Tests/Fuzz/http1.dict ;;
    esac
    mkdir -p "$work/corpus/$target"
    cp Tests/Fuzz/Corpus/"$corpus_name"/* "$work/corpus/$target/"
    # The Swift runtime's own crash reporter would take the signal before libFuzzer saves the input.
    # -timeout: an input taking 10 s is a hang worth saving; -max_len: framing bugs need no megabytes; -dict: the
    # header names and codings framing turns on (or the PROXY protocol's tokens), inserted whole.
    SWIFT_BACKTRACE=enable=no "$bin/$target" -dict="$dictionary" \
        -max_total_time="$seconds" -timeout=10 -max_len=4096 -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="$crash_dir/$target-" "$work/corpus/$target" >"$work/$target.log" 2>&1 &
    pids+=($!)
done

status=0
for index in "${!targets[@]}"; do
    target=${targets[$index]}
    wait "${pids[$index]}" && code=0 || code=$?
    log="$work/$target.log"
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    # Without final stats (the run died), the last status line carries the count: `#1234 ...`.
    [ -n "$executions" ] || executions=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
    crashes=$(($(crash_count "$target") - crashes_before[$target]))
    echo "fuzz: $target: ${executions:-0} executions, $crashes crash(es)"
    if [ "$code" -ne 0 ] || [ "$crashes" -gt 0 ]; then
        status=1
        # What libFuzzer and the oracle said about the crash, without the register dump.
        grep -E 'violation|ERROR: libFuzzer|SUMMARY|Test unit written|Fatal error' "$log" | sed 's/^/  /' | head -n 20
    fi
done
if [ "$status" -ne 0 ]; then
    echo "fuzz: crash inputs in $crash_dir"
elif [ "$made_crash_dir" = true ]; then
    rmdir "$crash_dir"
fi
exit "$status"
