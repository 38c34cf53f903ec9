#!/usr/bin/env bash
# Fuzzes every parser that reads bytes lifeboat did not write (cargo fuzz, libFuzzer with
# AddressSanitizer), each target for SECONDS (default 600). The committed seeds are in
# fuzz/seeds/TARGET; what the fuzzer learns goes to fuzz/corpus/TARGET (not committed),
# crashes to fuzz/artifacts/TARGET. Prints one line per target (executions, rate, corpus,
# crashes) and writes them to fuzz/last-run.txt; exits 1 if any target crashed.
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
echo "== building ${#targets[@]} targets"
(cd fuzz && cargo fuzz build -O >/dev/null)

mkdir -p fuzz/logs
run_one() {
    local target=$1
    mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
    # The first corpus directory receives new inputs; the seeds stay as committed.
    (cd fuzz && cargo fuzz run -O "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 \
        -timeout=10 >"logs/$target.log" 2>&1) || true
    local runs rate corpus crashes
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "fuzz/logs/$target.log" | grep -o '[0-9]*$' || echo 0)
    corpus=$(find "fuzz/corpus/$target" -type f | wc -l)
    crashes=$(find "fuzz/artifacts/$target" -type f | wc -l)
    rate=$(( ${runs:-0} / seconds ))
    printf '%-18s %6ss %12s runs %9s/s  corpus %6s  crashes %s\n' \
        "$target" "$seconds" "${runs:-0}" "$rate" "$corpus" "$crashes"
}

parallel=${LIFEBOAT_FUZZ_PARALLEL:-1}
: >fuzz/last-run.txt
running=0
for target in "${targets[@]}"; do
    run_one "$target" >>fuzz/last-run.txt &
    running=$((running + 1))
    if [ "$running" -ge "$parallel" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait
echo "== $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, ${seconds}s per target"
cat fuzz/last-run.txt
if grep -q 'crashes [1-9]' fuzz/last-run.txt; then
    echo "crashes found: see fuzz/artifacts/ and fuzz/logs/" >&2
    exit 1
fi
