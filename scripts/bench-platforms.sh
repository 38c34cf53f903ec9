#!/usr/bin/env bash
# Measures what the platforms work added, and writes its section of BENCHMARKS.md
# (between the platforms markers; scripts/bench.sh keeps it): a live start from AWS
# Secrets Manager against moto with authentication on, and the static arm64 binary under
# qemu-user-static. Uses the static binaries scripts/build-static.sh makes and moto in
# .tools/moto (scripts/test.sh installs both).
#
# Usage: scripts/bench-platforms.sh [RUNS]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
x86=target/x86_64-unknown-linux-musl/release/lifeboat
arm=target/aarch64-unknown-linux-musl/release/lifeboat
[ -x "$x86" ] && [ -x "$arm" ] || { echo "build both static binaries first (scripts/build-static.sh [--target aarch64-unknown-linux-musl])" >&2; exit 1; }
[ -d .tools/moto/moto ] || { echo "moto is missing: run scripts/test.sh" >&2; exit 1; }
section=$(python3 scripts/bench_platforms.py "$x86" "$arm" "$runs")
python3 - "$section" <<'PY'
import re, sys
section = sys.argv[1]
path = "BENCHMARKS.md"
text = open(path).read()
block = "<!-- platforms:begin (written by scripts/bench-platforms.sh) -->\n" + section.strip() + "\n<!-- platforms:end -->\n"
if "<!-- platforms:begin" in text:
    text = re.sub(r"<!-- platforms:begin.*?<!-- platforms:end -->\n", lambda _: block, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n" + block
open(path, "w").write(text)
print(block)
PY
