#!/bin/sh
# Builds lifeboat as a fully static binary (x86_64-unknown-linux-musl) that runs in an
# image with nothing else in it: no shell, no libc, no CA bundle, no /etc/passwd.
# Installs the musl target (rustup) and Debian's musl-tools (for ring's C code) when they
# are missing, prints the binary's size, and copies it to DEST if given.
# Where there is no cargo (an image build stage without a toolchain) it uses a binary
# already built in target/. POSIX sh on purpose: it also runs under busybox.
#
# Usage: scripts/build-static.sh [DEST]
set -eu
cd "$(dirname "$0")/.."
target=x86_64-unknown-linux-musl
binary=target/$target/release/lifeboat

if command -v cargo >/dev/null 2>&1; then
    if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
        rustup target add "$target"
    fi
    if ! command -v musl-gcc >/dev/null 2>&1; then
        sudo=""
        [ "$(id -u)" = 0 ] || sudo=sudo
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq musl-tools
    fi
    cargo build --release --locked --target "$target"
elif [ ! -x "$binary" ]; then
    echo "build-static.sh: no cargo here and no $binary built beforehand" >&2
    exit 1
fi

echo "static lifeboat: $binary, $(wc -c < "$binary") bytes"
if [ $# -ge 1 ]; then
    mkdir -p "$(dirname "$1")"
    cp "$binary" "$1"
fi
