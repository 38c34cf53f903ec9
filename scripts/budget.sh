#!/usr/bin/env bash
# The instruction budget of every kind of start, checked: each start of the static binary
# is counted with callgrind (instructions, not time: the same on a busy machine as on an
# idle one) and compared with its line in BUDGETS (budgets.txt). Over its budget, a start
# fails the check (exit 1). 20 secrets, as in BENCHMARKS.md; every start ends at an exec
# of /nonexistent (exit 127), so the count is lifeboat's own work, both threads together.
#
# Usage: scripts/budget.sh [--write]
#   --write prints the counts in budgets.txt's format instead of checking (to lower a
#   budget after a saving; raising one needs a reason written beside it, by hand).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
write=0
[ "${1:-}" = "--write" ] && write=1

if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi
if ! command -v valgrind >/dev/null || ! command -v openssl >/dev/null; then
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq valgrind openssl
fi
bin=$repo/target/x86_64-unknown-linux-musl/release/lifeboat
[ -x "$bin" ] || scripts/build-static.sh >/dev/null
fake=$repo/target/release/examples/doppler_fake
[ -x "$fake" ] || cargo build --release --locked --quiet --example doppler_fake

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
token=dp.st.budget.fake-token

# The services: the Doppler API fake over HTTP and behind a TLS front with a local CA,
# and a port nothing listens on (bound, then released: refused).
ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 2 -subj "/CN=lifeboat budget CA" 2>/dev/null
openssl req "${ec[@]}" -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -extfile ext -out server.pem 2>/dev/null
start_fake() {
    local out=$1
    shift
    # stdin held open by a sleep of our own, so the fake keeps serving.
    sleep 600 | "$fake" --secrets 20 --token "$token" "$@" >"$out" &
    pids+=($!)
    for _ in $(seq 100); do [ -s "$out" ] && break; sleep 0.05; done
    head -1 "$out"
}
http=$(start_fake http.url)
https=$(start_fake https.url --tls-cert server.pem --tls-key server.key)
refused=http://127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

"$bin" keygen -o x25519.key >x25519.pub 2>/dev/null
"$bin" keygen --pq -o pq.key >pq.pub 2>/dev/null
DOPPLER_TOKEN=$token DOPPLER_API_HOST=$http "$bin" snapshot --source doppler -R x25519.pub -o x25519.age 2>/dev/null >/dev/null
DOPPLER_TOKEN=$token DOPPLER_API_HOST=$http "$bin" snapshot --source doppler -R pq.pub -o pq.age 2>/dev/null >/dev/null

# One start, counted: the total of "Collected" (every thread) from callgrind's summary.
count() {
    local output
    output=$(env -i PATH=/usr/bin:/bin HOME="$work" "$@" valgrind --tool=callgrind \
        --callgrind-out-file=/dev/null "$bin" "${args[@]}" 2>&1 >/dev/null || true)
    grep -o 'Collected : [0-9]*' <<<"$output" | grep -o '[0-9]*$' || { echo "no count: $output" >&2; echo 0; }
}
declare -A counts
run_x=(run --snapshot x25519.age --source doppler -- /nonexistent)
args=(run --offline --snapshot x25519.age -- /nonexistent)
counts[offline-x25519]=$(count LIFEBOAT_IDENTITY_FILE=x25519.key)
args=(run --offline --snapshot pq.age -- /nonexistent)
counts[offline-pq]=$(count LIFEBOAT_IDENTITY_FILE=pq.key)
args=("${run_x[@]}")
counts[service-up-http]=$(count LIFEBOAT_IDENTITY_FILE=x25519.key DOPPLER_TOKEN=$token DOPPLER_API_HOST="$http")
counts[service-up-https]=$(count LIFEBOAT_IDENTITY_FILE=x25519.key DOPPLER_TOKEN=$token DOPPLER_API_HOST="$https" SSL_CERT_FILE="$work/ca.pem")
counts[refusing]=$(count LIFEBOAT_IDENTITY_FILE=x25519.key DOPPLER_TOKEN=$token DOPPLER_API_HOST="$refused")
args=(run --cache-dir "$work/cache" --snapshot x25519.age --source doppler -- /nonexistent)
# The cache is written by the first start; the second, counted, reads nothing but writes again.
env LIFEBOAT_IDENTITY_FILE=x25519.key DOPPLER_TOKEN=$token DOPPLER_API_HOST="$http" "$bin" "${args[@]}" 2>/dev/null || true
counts[service-up-cache-dir]=$(count LIFEBOAT_IDENTITY_FILE=x25519.key DOPPLER_TOKEN=$token DOPPLER_API_HOST="$http")
args=(--version)
counts[version]=$(count)

order=(offline-x25519 offline-pq service-up-http service-up-https refusing service-up-cache-dir version)
commit=$(git -C "$repo" rev-parse --short=7 HEAD)
today=$(date -u +%Y-%m-%d)
if [ "$write" = 1 ]; then
    for start in "${order[@]}"; do
        printf '%-22s %10s  %s %s\n' "$start" "${counts[$start]}" "$today" "$commit"
    done
    exit 0
fi
failed=0
printf '%-22s %12s %12s  %s\n' start count budget ""
for start in "${order[@]}"; do
    budget=$(awk -v s="$start" '$1 == s { print $2 }' "$repo/budgets.txt")
    if [ -z "$budget" ]; then
        echo "budgets.txt has no line for $start" >&2
        failed=1
        continue
    fi
    verdict=ok
    if [ "${counts[$start]}" -eq 0 ] || [ "${counts[$start]}" -gt "$budget" ]; then
        verdict=OVER
        failed=1
    fi
    printf '%-22s %12s %12s  %s\n' "$start" "${counts[$start]}" "$budget" "$verdict"
done
if [ "$failed" = 1 ]; then
    echo "budget: a start is over its instruction budget (budgets.txt); see BENCHMARKS.md" >&2
    exit 1
fi
echo "budget: every start within its instruction budget"
