#!/usr/bin/env bash
# Fuzzes every parser that reads bytes lifeboat did not write (cargo fuzz, libFuzzer with
# AddressSanitizer), each target for SECONDS (default 600). The committed seeds are in
# fuzz/seeds/TARGET; what the fuzzer learns goes to fuzz/corpus/TARGET (not committed),
# crashes to fuzz/artifacts/TARGET. Prints one line per target (executions, rate, corpus,
# crashes, status) and exits 1 if any target crashed, ran out of memory or time on one
# input, or did not run at all; exits non-zero too if a target does not build.
#
# The bounds every input must keep (fuzz/README.md): at most LIFEBOAT_FUZZ_MAX_LEN bytes
# of input (default 65536), 5 seconds per input (-timeout: a parser that is more than
# linear shows up here on large inputs), no single allocation above 512 MB
# (-malloc_limit_mb) and 2048 MB of memory in all (-rss_limit_mb, AddressSanitizer's
# overhead included).
#
# A run of 300 seconds or more a target (a measured run) writes its figures to
# fuzz/last-run.txt, which is committed; a shorter one (scripts/test.sh runs every target
# for 20 seconds, so a target that stops building or crashes at once fails CI) writes
# them to fuzz/logs/short-run.txt.
#
# A crash is fixed in the code, then its input is copied into fuzz/regressions/TARGET so
# the normal test suite (tests/fuzz_regressions.rs) keeps it fixed.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET…]
#   LIFEBOAT_FUZZ_PARALLEL=N runs N targets at a time (default 1: one per core is the
#   most this machine gives, and the other core keeps the rest of the work going).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
max_len=${LIFEBOAT_FUZZ_MAX_LEN:-65536}

if ! command -v cargo-fuzz >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/cargo-fuzz" ]; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked --quiet
fi
export PATH="$HOME/.cargo/bin:$PATH"
# cargo fuzz passes nightly-only flags (-Z sanitizer); this lets the stable toolchain
# accept them instead of requiring a nightly one to be installed.
export RUSTC_BOOTSTRAP=1

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cd fuzz && cargo fuzz list)
fi
started=$(date +%s)
echo "== building ${#targets[@]} targets"
(cd fuzz && cargo fuzz build -O >/dev/null)
built=$(date +%s)

mkdir -p fuzz/logs
run_one() {
    local target=$1 status=ok
    mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
    # The first corpus directory receives new inputs; the seeds stay as committed.
    (cd fuzz && cargo fuzz run -O "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 -max_len="$max_len" \
        -timeout=5 -malloc_limit_mb=512 -rss_limit_mb=2048 \
        >"logs/$target.log" 2>&1) || status=failed
    local runs rate corpus crashes
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "fuzz/logs/$target.log" | grep -o '[0-9]*$' || echo 0)
    corpus=$(find "fuzz/corpus/$target" -type f | wc -l)
    crashes=$(find "fuzz/artifacts/$target" -type f | wc -l)
    # A target that never ran an input (it did not start) is a failure too.
    [ "${runs:-0}" -gt 0 ] || status=failed
    rate=$(( ${runs:-0} / seconds ))
    printf '%-18s %6ss %12s runs %9s/s  corpus %6s  crashes %s  %s\n' \
        "$target" "$seconds" "${runs:-0}" "$rate" "$corpus" "$crashes" "$status"
}

parallel=${LIFEBOAT_FUZZ_PARALLEL:-1}
if [ "$seconds" -ge 300 ]; then report=fuzz/last-run.txt; else report=fuzz/logs/short-run.txt; fi
lines=$(mktemp)
running=0
for target in "${targets[@]}"; do
    run_one "$target" >>"$lines" &
    running=$((running + 1))
    if [ "$running" -ge "$parallel" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait
finished=$(date +%s)
{
    echo "== $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, ${seconds}s per target, $parallel at a time, inputs up to $max_len bytes"
    echo "== build $((built - started))s, runs $((finished - built))s"
    sort "$lines"
} >"$report"
rm -f "$lines"
cat "$report"
if grep -Eq 'crashes [1-9]|failed$' "$report"; then
    echo "a target crashed or did not run: see fuzz/artifacts/ and fuzz/logs/" >&2
    exit 1
fi
