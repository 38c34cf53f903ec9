#!/usr/bin/env bash
# The main job with AWS, on real local parts: moto (PyPI moto[server]) serves Secrets
# Manager with IAM authentication on, so a request lifeboat signs wrongly is refused;
# lifeboat snapshots an RDS-style secret from it (as a Dockerfile RUN step would), starts
# an app on live secrets, then moto stops and the app starts on the snapshot; the
# break-glass key recovers the secrets. Nothing leaves 127.0.0.1 (IMDS is off).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

if [ ! -d .tools/moto/moto ]; then
    echo "== installing moto[server] into .tools/moto"
    python3 -m pip install --quiet --disable-pip-version-check --target .tools/moto 'moto[server]==5.2.5'
fi
echo "== building lifeboat (release)"
cargo build --release --locked --quiet
lifeboat=$repo/target/release/lifeboat
setup=$repo/tests/services/moto_setup.py

work=$(mktemp -d)
cd "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export MOTO_URL=http://127.0.0.1:$port
INITIAL_NO_AUTH_ACTION_COUNT=5 PYTHONPATH=$repo/.tools/moto python3 -m moto.server -H 127.0.0.1 -p "$port" >moto.log 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null; wait $moto_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 300); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
# Each command is shown quoted as a shell would need it (printf %q), so a pasted one runs.
step() { printf '\n\033[1m$'; printf ' %q' "$@"; printf '\033[0m\n'; "$@"; }

echo; echo "# AWS: moto on 127.0.0.1:$port, an IAM user (the first five actions), then authentication on"
keys=$(PYTHONPATH=$repo/.tools/moto python3 "$setup" init)
AWS_ACCESS_KEY_ID=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["access_key_id"])' "$keys")
AWS_SECRET_ACCESS_KEY=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["secret_access_key"])' "$keys")
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION=us-east-1 AWS_ENDPOINT_URL=$MOTO_URL AWS_EC2_METADATA_DISABLED=true
PYTHONPATH=$repo/.tools/moto python3 "$setup" secret prod/shop \
    '{"engine":"postgres","host":"db.internal","port":5432,"username":"app","password":"demo-password"}' >/dev/null

echo; echo "# keys: a runtime key for the orchestrator, a break-glass key kept offline"
runtime=$("$lifeboat" keygen -o runtime.key)
breakglass=$("$lifeboat" keygen -o breakglass.key)
echo; echo "# image build: the RUN step that bakes the snapshot, signed with SigV4"
step "$lifeboat" snapshot --source aws-sm:prod/shop -r "runtime=$runtime" -r "breakglass=$breakglass" -o snapshot.age
step "$lifeboat" inspect snapshot.age
echo; echo "# a wrong secret key: moto refuses the signature"
AWS_SECRET_ACCESS_KEY=not-the-key "$lifeboat" snapshot --source aws-sm:prod/shop -r "$runtime" -o other.age || echo "(exit $?: denied, as it should be)"

echo; echo "# container start: live from Secrets Manager"
export LIFEBOAT_SOURCE=aws-sm:prod/shop LIFEBOAT_SNAPSHOT=snapshot.age LIFEBOAT_IDENTITY_FILE=runtime.key
app=(sh -c 'echo "app: password=$password port=$port origin=$LIFEBOAT_ORIGIN"; echo "app: AWS_SECRET_ACCESS_KEY is ${AWS_SECRET_ACCESS_KEY:-not in my environment}"')
PYTHONPATH=$repo/.tools/moto python3 "$setup" secret prod/shop \
    '{"engine":"postgres","host":"db.internal","port":5432,"username":"app","password":"rotated-after-the-build"}' >/dev/null
step "$lifeboat" run -- "${app[@]}"

echo; echo "# the outage: Secrets Manager goes away"
kill $moto_pid; wait $moto_pid 2>/dev/null || true
step "$lifeboat" run -- "${app[@]}"

echo; echo "# break-glass: the operator's key opens the snapshot"
step "$lifeboat" recover snapshot.age -i breakglass.key --format dotenv
