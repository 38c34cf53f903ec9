#!/usr/bin/env bash
# The main job end to end on real local parts: keys, a snapshot of a secrets file,
# what it says about itself, a check with the runtime key, a break-glass recovery, and
# the stock age tool opening the same file without lifeboat.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v age >/dev/null; then
    echo "== installing Debian's age (to show that the stock tool opens a snapshot)"
    if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq age
fi
echo "== building lifeboat (release)"
cargo build --release --locked --quiet
lifeboat=$PWD/target/release/lifeboat

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

cat > secrets.env <<'SECRETS'
# What a secrets service would hold for the app (demo values).
DATABASE_URL=postgres://app:demo-password@db.internal:5432/app
export STRIPE_KEY="sk_demo_0123456789"
TLS_KEY="-----BEGIN DEMO KEY-----
not a real key
-----END DEMO KEY-----"
SECRETS

step "$lifeboat" keygen -o runtime.key
step "$lifeboat" keygen -o breakglass.key
runtime=$(age-keygen -y runtime.key)
breakglass=$(age-keygen -y breakglass.key)
step "$lifeboat" snapshot --source file:secrets.env -r "runtime=$runtime" -r "breakglass=$breakglass" \
    --expires-in 30d -o snapshot.age
step "$lifeboat" inspect snapshot.age
step "$lifeboat" verify snapshot.age -i runtime.key --max-age 1h
echo; echo "# the outage: an operator opens it with the offline break-glass key"
step "$lifeboat" recover --snapshot snapshot.age -i breakglass.key --format shell
echo; echo "# no lock-in: the stock age tool decrypts it too"
step age -d -i breakglass.key snapshot.age
echo
echo; echo "# a tampered snapshot is refused (exit 21), and nothing is printed"
cp snapshot.age tampered.age
size=$(stat -c %s tampered.age)
printf 'X' | dd of=tampered.age bs=1 seek=$((size - 20)) conv=notrunc status=none
set +e
"$lifeboat" verify tampered.age -i runtime.key
echo "exit code: $?"
