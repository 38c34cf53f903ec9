#!/usr/bin/env bash
# Makes a release in dist/ (or OUT): for each target, a tarball with the static binary,
# the completion scripts, the man pages, the licences and the README; lifeboat's own
# image (FROM scratch: the binary and its licence) for linux/amd64 and linux/arm64, as one
# OCI archive holding both (`skopeo copy oci-archive:… docker://…`, `podman load`) and a
# docker-archive per platform (`docker load`); and SHA256SUMS over all of it.
#
# Builds from the commit checked out, and refuses a tree with uncommitted changes or
# untracked files that .gitignore does not cover (a .cargo/config.toml changes the binary
# as surely as an edit; either way the binary would not be the commit it names) unless
# --allow-modified; checks that each binary's --version names that commit, as git gave it
# (not LIFEBOAT_BUILD_COMMIT), and says "-modified" only with --allow-modified. The
# tarballs are made to be reproducible from one commit (file times are the commit's,
# owners 0, umask 022, names sorted, gzip with no name or time; not yet checked by a
# second run); the image archives are not (buildah records its own times).
# Needs cargo, buildah (images) and what scripts/build-static.sh installs.
#
# Usage: scripts/release.sh [--allow-modified] [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."

allow_modified=false
if [ "${1:-}" = --allow-modified ]; then
    allow_modified=true
    shift
fi
out=${1:-dist}
die() { echo "release.sh: $*" >&2; exit 1; }
umask 022
# git must not rewrite the index while looking (that would make cargo rebuild).
export GIT_OPTIONAL_LOCKS=0
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
[ -n "$version" ] || die "no version in Cargo.toml"
[ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$(pwd)" ] || die "not a git checkout of lifeboat: a release names its commit"
status=$(git status --porcelain)
if ! $allow_modified && [ -n "$status" ]; then
    die "the tree has uncommitted changes or untracked files (git status lists them); commit or remove them, or give --allow-modified for a test build"
fi
# A release names the commit git checked out; build.rs would otherwise take this one.
unset LIFEBOAT_BUILD_COMMIT
command -v buildah >/dev/null || die "buildah is needed for the images (apt-get install buildah)"
commit=$(git rev-parse --short=12 HEAD)
revision=$(git rev-parse HEAD)
# The commit's own time on every file, so two runs from one commit give the same tarballs.
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)
fi
export SOURCE_DATE_EPOCH

targets=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl)
for target in "${targets[@]}"; do
    scripts/build-static.sh --target "$target"
done

# Each binary names the commit it was built from (the arm64 one under qemu, if here).
for target in "${targets[@]}"; do
    binary=target/$target/release/lifeboat
    case "$target" in
        x86_64-*) runner=() ;;
        aarch64-*) runner=(qemu-aarch64-static) ;;
    esac
    if [ ${#runner[@]} -gt 0 ] && ! command -v "${runner[0]}" >/dev/null; then
        echo "release.sh: warning: no ${runner[0]} here, $target's --version not checked" >&2
        continue
    fi
    said=$("${runner[@]}" "$binary" --version)
    case "$said" in
        "lifeboat $version (commit $commit)") ;;
        "lifeboat $version (commit $commit-modified)")
            $allow_modified ||
                die "$binary says \"$said\": it was built from a tree with changes not in commit $commit (a build left from before they were undone?); give --allow-modified for a test build" ;;
        *) die "$binary says \"$said\", not commit $commit: a stale build?" ;;
    esac
done

mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
# Everything is made in $work/dist and moved into OUT at the end: a failed run leaves no
# tarball next to sums that do not match it.
rm -f "$out/SHA256SUMS"
dist=$work/dist
mkdir -p "$dist"

# The tarballs.
for target in "${targets[@]}"; do
    name=lifeboat-$version-$target
    stage=$work/$name
    mkdir -p "$stage/completions" "$stage/man/man1"
    install -m 0755 "target/$target/release/lifeboat" "$stage/lifeboat"
    install -m 0644 completions/* "$stage/completions/"
    install -m 0644 man/*.1 "$stage/man/man1/"
    install -m 0644 LICENSE-MIT LICENSE-APACHE README.md "$stage/"
    tar -C "$work" --sort=name --owner=0 --group=0 --numeric-owner \
        --mtime="@$SOURCE_DATE_EPOCH" --format=gnu -cf - "$name" | gzip -9n > "$dist/$name.tar.gz"
done

# The images, in a private buildah storage that is removed afterwards.
buildah=(buildah --root "$work/storage" --runroot "$work/run" --storage-driver vfs)
export BUILDAH_ISOLATION=chroot
image=localhost/lifeboat:$version
"${buildah[@]}" manifest create "$image" >/dev/null
for target in "${targets[@]}"; do
    case "$target" in
        x86_64-*) arch=amd64 ;;
        aarch64-*) arch=arm64 ;;
    esac
    # The same image as Dockerfile.lifeboat's final stage, from the binaries built above.
    container=$("${buildah[@]}" from --arch "$arch" --os linux scratch)
    "${buildah[@]}" copy --chmod 0755 "$container" "target/$target/release/lifeboat" /lifeboat >/dev/null
    "${buildah[@]}" copy --chmod 0644 "$container" LICENSE-MIT LICENSE-APACHE /licenses/lifeboat/ >/dev/null
    "${buildah[@]}" config --arch "$arch" --os linux --entrypoint '["/lifeboat"]' \
        --label "org.opencontainers.image.version=$version" \
        --label "org.opencontainers.image.revision=$revision" \
        --label "org.opencontainers.image.licenses=MIT OR Apache-2.0" "$container"
    "${buildah[@]}" commit --quiet --timestamp "$SOURCE_DATE_EPOCH" "$container" "$image-$arch" >/dev/null
    "${buildah[@]}" rm "$container" >/dev/null
    "${buildah[@]}" manifest add "$image" "containers-storage:$image-$arch" >/dev/null
    "${buildah[@]}" push --quiet "$image-$arch" \
        "docker-archive:$dist/lifeboat-$version-image-linux-$arch.docker.tar:lifeboat:$version"
done
"${buildah[@]}" manifest push --quiet --all "$image" "oci-archive:$dist/lifeboat-$version-image.oci.tar:lifeboat:$version"

(
    cd "$dist"
    sha256sum -- * > "$work/SHA256SUMS"
)
mv -f "$dist"/* "$out/"
mv -f "$work/SHA256SUMS" "$out/SHA256SUMS"
echo "release $version ($commit) in $out:"
(cd "$out" && ls -l)
