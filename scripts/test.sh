#!/usr/bin/env bash
# Sets up a fresh Debian machine for the tests, then runs every check and the whole suite.
# Safe to run again: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use for real: the stock age tool (interop), ssh-keygen (SSH
# keys), unshare (a full disk in a private mount namespace).
need=()
command -v age >/dev/null && command -v age-keygen >/dev/null || need+=(age)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
command -v unshare >/dev/null || need+=(util-linux)
if ((${#need[@]})); then
    echo "== installing ${need[*]}"
    if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need[@]}"
fi
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --locked --all-targets -- -D warnings
echo "== cargo test"
cargo test --locked
