"""The measurements behind scripts/bench-platforms.sh; prints a Markdown section."""
import json, os, platform, socket, statistics, subprocess, sys, tempfile, time

x86, arm, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
tools = os.path.join(repo, ".tools/moto")


def median_ms(command, env=None):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1]


work = tempfile.mkdtemp()
key = os.path.join(work, "key.txt")
recipient = subprocess.check_output([x86, "keygen", "-o", key], stderr=subprocess.DEVNULL).decode().strip()
app_alone, _ = median_ms(["true"])

# AWS: moto with authentication on, one RDS-style secret.
sock = socket.socket(); sock.bind(("127.0.0.1", 0)); port = sock.getsockname()[1]; sock.close()
url = f"http://127.0.0.1:{port}"
moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                        env={**os.environ, "PYTHONPATH": tools, "INITIAL_NO_AUTH_ACTION_COUNT": "5"},
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            break
        except OSError:
            time.sleep(0.1)
    setup = [sys.executable, os.path.join(repo, "tests/services/moto_setup.py")]
    env = {**os.environ, "PYTHONPATH": tools, "MOTO_URL": url}
    keys = json.loads(subprocess.check_output(setup + ["init"], env=env))
    env.update(AWS_ACCESS_KEY_ID=keys["access_key_id"], AWS_SECRET_ACCESS_KEY=keys["secret_access_key"])
    secret = {"engine": "postgres", "host": "db.internal", "port": 5432, "username": "app", "password": "bench"}
    subprocess.check_output(setup + ["secret", "shop/db", json.dumps(secret)], env=env)
    aws = {"PATH": os.environ["PATH"], "AWS_ACCESS_KEY_ID": keys["access_key_id"],
           "AWS_SECRET_ACCESS_KEY": keys["secret_access_key"], "AWS_REGION": "us-east-1",
           "AWS_ENDPOINT_URL": url, "AWS_EC2_METADATA_DISABLED": "true"}
    snap = os.path.join(work, "aws.age")
    subprocess.run([x86, "snapshot", "--source", "aws-sm:shop/db", "-r", recipient, "-o", snap],
                   env=aws, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    live, live_p90 = median_ms([x86, "run", "--source", "aws-sm:shop/db", "--snapshot", snap, "-i", key, "--", "true"], aws)
finally:
    moto.kill()
down, down_p90 = median_ms([x86, "run", "--source", "aws-sm:shop/db", "--snapshot", snap, "-i", key, "--", "true"], aws)

# arm64 under qemu (user-mode emulation of every instruction: a functional check, not
# arm64 hardware's speed).
source = os.path.join(work, "s.env")
open(source, "w").write("API_KEY=bench\n")
arm_snap = os.path.join(work, "arm.age")
subprocess.run(["qemu-aarch64-static", arm, "snapshot", "--source", "file:" + source, "-r", recipient, "-o", arm_snap],
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
qemu_version, _ = median_ms(["qemu-aarch64-static", arm, "--version"])
qemu_offline, _ = median_ms(["qemu-aarch64-static", arm, "run", "--offline", "--snapshot", arm_snap, "-i", key, "--", "true"])
native_offline, _ = median_ms([x86, "run", "--offline", "--snapshot", arm_snap, "-i", key, "--", "true"])
sizes = {name: os.path.getsize(path) for name, path in (("x86_64", x86), ("aarch64", arm))}
moto_version = subprocess.check_output([sys.executable, "-c", "import moto; print(moto.__version__)"],
                                       env={**os.environ, "PYTHONPATH": tools}).decode().strip()
print(f"""## Platforms: AWS, arm64

Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.machine()}, {os.cpu_count()} cores, Linux {platform.release()},
`scripts/bench-platforms.sh {runs}` ({runs} runs a row, medians; the app is `/bin/true`,
{app_alone:.2f} ms alone). AWS rows: moto {moto_version} with IAM authentication on, one
RDS-style secret, plain HTTP on 127.0.0.1 (moto answers in Python: most of the live row
is moto). arm64 rows: the static aarch64 binary under `qemu-aarch64-static` (every
instruction emulated: a functional check, not arm64 hardware's speed).

| case | command | median ms | p90 ms |
|---|---|---|---|
| AWS live | `run --source aws-sm:shop/db -- true` (signed `GetSecretValue`) | {live:.1f} | {live_p90:.1f} |
| AWS down | the same, moto stopped (refused: the snapshot) | {down:.1f} | {down_p90:.1f} |
| arm64 `--version` | `qemu-aarch64-static lifeboat --version` | {qemu_version:.1f} | |
| arm64 offline start | `qemu-aarch64-static lifeboat run --offline -- true` | {qemu_offline:.1f} | |
| x86_64 offline start | `lifeboat run --offline -- true` (the same snapshot) | {native_offline:.1f} | |

Static binaries: x86_64 {sizes['x86_64']:,} bytes, aarch64 {sizes['aarch64']:,} bytes.""")
