#!/bin/sh
# Builds lifeboat as a fully static binary that runs in an image with nothing else in it:
# no shell, no libc, no CA bundle, no /etc/passwd. x86_64 by default; arm64 with
# `--target aarch64-unknown-linux-musl`. A target other than the machine's own is
# cross-compiled with cargo-zigbuild and zig (PyPI's ziglang) as the C compiler and
# linker for ring's C code. Installs what a target needs when it is missing: the rustup
# target, Debian's musl-tools (x86_64 on x86_64), cargo-zigbuild into .tools/cargo and
# ziglang into .tools/zig, its wheel checked against pinned sha256 hashes (everything
# else). Prints
# the binary's size, and copies it to DEST if given.
# Where there is no cargo (an image build stage without a toolchain) it uses a binary
# already built in target/. POSIX sh on purpose: it also runs under busybox.
#
# Usage: scripts/build-static.sh [--target x86_64-unknown-linux-musl|aarch64-unknown-linux-musl] [DEST]
set -eu
cd "$(dirname "$0")/.."
target=x86_64-unknown-linux-musl
if [ "${1:-}" = --target ]; then
    [ $# -ge 2 ] || { echo "build-static.sh: --target needs a target" >&2; exit 2; }
    target=$2
    shift 2
fi
case "$target" in
    x86_64-unknown-linux-musl | aarch64-unknown-linux-musl) ;;
    *) echo "build-static.sh: no static build for $target (x86_64-unknown-linux-musl or aarch64-unknown-linux-musl)" >&2; exit 2 ;;
esac
binary=target/$target/release/lifeboat
# Pinned, so a new release cannot change how the shipped binary is made. cargo checks
# cargo-zigbuild's crates against the checksums in crates.io's index and the crate's
# Cargo.lock (--locked). zig comes from PyPI as the ziglang wheel, which pip installs
# only if its sha256 is one of these: the manylinux x86_64 and aarch64 wheels of
# $ziglang_version (to move to a new version: `pip download --no-deps ziglang==VERSION`,
# with `--only-binary=:all: --platform manylinux2014_aarch64` for the other, and
# sha256sum each wheel).
zigbuild_version=0.24.1
ziglang_version=0.17.1
ziglang_hashes="
ea6cc5d87b033cf0aedfbc8f9549a908cae6c50ac31f1698188fa48a74524b54
b7c5f02fccd40f89b999ee16a1f5ddced56e6182370f8affe494bcf8a28cf07e
"

sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
apt_install() {
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@"
}

# The binary is looked for where this script put it, whatever CARGO_TARGET_DIR says.
export CARGO_TARGET_DIR="$(pwd)/target"
# musl-gcc builds only for the machine it runs on; every other pair (arm64 on x86_64,
# x86_64 on an arm64 builder) is cross-compiled with zig.
compiler=zig
[ "$target" = x86_64-unknown-linux-musl ] && [ "$(uname -m)" = x86_64 ] && compiler=musl-gcc

if command -v cargo >/dev/null 2>&1; then
    if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
        rustup target add "$target"
    fi
    case "$compiler" in
    musl-gcc)
        command -v musl-gcc >/dev/null 2>&1 || apt_install musl-tools
        cargo build --release --locked --target "$target"
        ;;
    zig)
        tools=$(pwd)/.tools
        if [ ! -x "$tools/cargo/bin/cargo-zigbuild" ] ||
            ! "$tools/cargo/bin/cargo-zigbuild" --version | grep -q " $zigbuild_version\$"; then
            cargo install --quiet --locked --root "$tools/cargo" cargo-zigbuild --version "=$zigbuild_version"
        fi
        if [ ! -f "$tools/zig/ziglang/__main__.py" ] ||
            [ ! -d "$tools/zig/ziglang-$ziglang_version.dist-info" ]; then
            command -v pip3 >/dev/null 2>&1 || python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
            # A requirements file is the only way to give pip the hashes it must match.
            requirements=$(mktemp)
            {
                printf 'ziglang==%s' "$ziglang_version"
                for hash in $ziglang_hashes; do
                    printf ' --hash=sha256:%s' "$hash"
                done
                printf '\n'
            } > "$requirements"
            rm -rf "$tools/zig"
            python3 -m pip install --quiet --disable-pip-version-check --require-hashes \
                --no-deps --only-binary=:all: --target "$tools/zig" -r "$requirements" ||
                { rm -f "$requirements"; exit 1; }
            rm -f "$requirements"
        fi
        # cargo-zigbuild runs `python3 -m ziglang` when there is no zig on PATH.
        PATH="$tools/cargo/bin:$PATH" PYTHONPATH="$tools/zig${PYTHONPATH:+:$PYTHONPATH}" \
            cargo zigbuild --release --locked --target "$target"
        ;;
    esac
elif [ ! -x "$binary" ]; then
    echo "build-static.sh: no cargo here and no $binary built beforehand" >&2
    exit 1
fi

echo "static lifeboat ($target): $binary, $(wc -c < "$binary") bytes"
if [ $# -ge 1 ]; then
    mkdir -p "$(dirname "$1")"
    cp "$binary" "$1"
fi
