//! Many apps on one host: one runtime key per environment, one shared `--cache-dir`, a
//! shared sticky directory with a co-tenant of another uid. Each app starts only on its own
//! secrets, one app's failures never change another's start, and nothing a neighbour
//! plants (a FIFO, a huge sparse file) hangs or kills a start. The Doppler API is the fake
//! (no real one runs here); OpenBao, moto and the HTTPS endpoint's front are as in the
//! other tests.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::services::bao::Bao;
use crate::services::doppler_fake::{DopplerFake, Mode};
use crate::services::http_fake::{forward, FakeServer, Reply};
use crate::services::moto::Moto;
use crate::util::{wait_until, Run, Sandbox, TOKENS};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A front that passes requests on to `upstream` (`http://127.0.0.1:PORT`) and answers
/// 503 to those `one_app` picks while the switch it returns is on: one app's outage.
fn front(
    upstream: &str,
    one_app: impl Fn(&crate::services::http_fake::Seen) -> bool + Send + Sync + 'static,
) -> (FakeServer, Arc<AtomicBool>) {
    let down = Arc::new(AtomicBool::new(false));
    let switch = down.clone();
    let upstream = upstream.trim_start_matches("http://").to_string();
    let server = FakeServer::start(move |seen| {
        if switch.load(Ordering::SeqCst) && one_app(seen) {
            return Reply::text(503, "down");
        }
        forward(seen, &upstream)
    });
    (server, down)
}

/// One app of a shared host: its source, its snapshot, its environment, and the file its
/// command writes its environment to (NUL-separated; missing: it never started).
struct App {
    name: &'static str,
    source: String,
    env: Vec<(&'static str, String)>,
}

impl App {
    fn new(name: &'static str, source: &str, env: &[(&'static str, &str)]) -> Self {
        App {
            name,
            source: source.into(),
            env: env.iter().map(|(n, v)| (*n, v.to_string())).collect(),
        }
    }

    fn snapshot_file(&self) -> String {
        format!("{}.age", self.name)
    }

    fn env_pairs(&self) -> Vec<(&'static str, &str)> {
        self.env.iter().map(|(n, v)| (*n, v.as_str())).collect()
    }

    /// Bakes its snapshot, sealed to the host's one runtime key.
    fn bake(&self, sandbox: &Sandbox, recipient: &str) {
        let file = self.snapshot_file();
        sandbox
            .run_env(
                &[
                    "snapshot",
                    "--source",
                    &self.source,
                    "-r",
                    recipient,
                    "-o",
                    &file,
                ],
                &self.env_pairs(),
            )
            .ok();
    }

    /// `run --cache-dir cache` for this app; its environment, if it started.
    fn start(&self, sandbox: &Sandbox, extra: &[&str]) -> (Run, Option<BTreeMap<String, String>>) {
        let out = format!("{}.env", self.name);
        let _ = std::fs::remove_file(sandbox.path(&out));
        let snapshot = self.snapshot_file();
        let script = format!("env -0 > {out}");
        let mut args = vec![
            "run",
            "--cache-dir",
            "cache",
            "--snapshot",
            &snapshot,
            "--source",
            &self.source,
        ];
        args.extend(extra);
        args.extend(["--", "sh", "-c", &script]);
        let mut env = self.env_pairs();
        env.push(("LIFEBOAT_IDENTITY_FILE", "key.txt"));
        let run = sandbox.run_env(&args, &env);
        let started = std::fs::read(sandbox.path(&out)).ok().map(|bytes| {
            String::from_utf8(bytes)
                .unwrap()
                .split('\0')
                .filter_map(|pair| pair.split_once('='))
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect()
        });
        (run, started)
    }
}

fn cache_files(sandbox: &Sandbox) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(sandbox.path("cache"))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("lifeboat-cache-"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Two apps of one host, each with its own value of `KEY`, started live (each writing its
/// cache) and then through `outage` of `first` alone: `second` stays live on its own value,
/// and `first` falls back on its own.
fn keep_apart(sandbox: &Sandbox, first: &App, second: &App, outage: impl Fn(bool)) {
    for (app, value) in [(first, "first-value"), (second, "second-value")] {
        let (run, env) = app.start(sandbox, &[]);
        run.ok().stderr_has("(live,");
        assert_eq!(env.unwrap()["KEY"], value, "{}", app.name);
    }
    assert_eq!(
        cache_files(sandbox).len(),
        2,
        "the two apps shared a cache file"
    );
    outage(true);
    for _ in 0..2 {
        let (run, env) = first.start(sandbox, &["--timeout", "2s"]);
        run.ok().stderr_has("the live fetch failed");
        let env = env.expect("the first app started");
        assert_eq!(env["KEY"], "first-value");
        assert_eq!(env["LIFEBOAT_ORIGIN"], "cache");
        // The other app's breaker is untouched: it asks its service, and is served.
        let (run, env) = second.start(sandbox, &[]);
        run.ok().stderr_has("(live,");
        assert!(!run.stderr.contains("not asking again"), "{}", run.stderr);
        assert_eq!(env.unwrap()["KEY"], "second-value");
    }
    outage(false);
}

/// A Doppler API in front of two projects (a service token for each), at one address.
struct TwoProjects {
    front: FakeServer,
    shop: std::sync::Arc<DopplerFake>,
    billing: std::sync::Arc<DopplerFake>,
}

const SHOP_TOKEN: &str = TOKENS[0];
const BILLING_TOKEN: &str = "dp.st.prd.canary-billing-token-5b7d";

fn two_projects() -> TwoProjects {
    let shop = std::sync::Arc::new(DopplerFake::start(
        &[("KEY", "second-value"), ("SHOP_KEY", "s")],
        SHOP_TOKEN,
        "shop",
        "prd",
    ));
    let billing = std::sync::Arc::new(DopplerFake::start(
        &[("KEY", "first-value"), ("BILLING_KEY", "b")],
        BILLING_TOKEN,
        "billing",
        "prd",
    ));
    let (to_shop, to_billing) = (shop.url(), billing.url());
    let front = FakeServer::start(move |seen| {
        let auth = seen
            .headers
            .get("authorization")
            .cloned()
            .unwrap_or_default();
        let upstream = if auth.contains(BILLING_TOKEN) {
            &to_billing
        } else {
            &to_shop
        };
        forward(seen, upstream.trim_start_matches("http://"))
    });
    TwoProjects {
        front,
        shop,
        billing,
    }
}

#[test]
fn doppler_projects_sharing_a_cache_and_a_key_keep_apart() {
    let api = two_projects();
    let sandbox = Sandbox::new();
    sandbox.holds_secrets("shop.env");
    sandbox.holds_secrets("billing.env");
    let recipient = sandbox.keygen("key.txt");
    let url = api.front.url();
    let app = |name, project, token| {
        App::new(
            name,
            "doppler",
            &[
                ("DOPPLER_API_HOST", &url),
                ("DOPPLER_PROJECT", project),
                ("DOPPLER_CONFIG", "prd"),
                ("DOPPLER_TOKEN", token),
            ],
        )
    };
    let shop = app("shop", "shop", SHOP_TOKEN);
    let billing = app("billing", "billing", BILLING_TOKEN);
    shop.bake(&sandbox, &recipient);
    billing.bake(&sandbox, &recipient);
    // Billing's service fails: shop's start is never moved off its own healthy service.
    keep_apart(&sandbox, &billing, &shop, |down| {
        api.billing.set_mode(if down {
            Mode::Status(503)
        } else {
            Mode::Normal
        })
    });

    // With service tokens (no DOPPLER_PROJECT at start: the token implies it), and shop's
    // own snapshot unusable, shop never starts on billing's cache.
    let vague = |name, token| {
        App::new(
            name,
            "doppler",
            &[("DOPPLER_API_HOST", &url), ("DOPPLER_TOKEN", token)],
        )
    };
    let shop = vague("shop", SHOP_TOKEN);
    let billing = vague("billing", BILLING_TOKEN);
    std::fs::remove_dir_all(sandbox.path("cache")).unwrap();
    billing.start(&sandbox, &[]).0.ok().stderr_has("(live,");
    std::fs::write(sandbox.path("shop.age"), b"not a snapshot").unwrap();
    api.shop.set_mode(Mode::Status(503));
    let (run, env) = shop.start(&sandbox, &["--timeout", "1s"]);
    assert!(
        env.is_none(),
        "shop started on {:?}",
        env.map(|e| e.get("DOPPLER_PROJECT").cloned())
    );
    assert_ne!(run.code, 0);
}

#[test]
fn vault_namespaces_sharing_a_cache_and_a_key_keep_apart() {
    let bao = Bao::start();
    for (namespace, value) in [("stg", "first-value"), ("prd", "second-value")] {
        bao.must(&["namespace", "create", namespace]);
        let flag = format!("-namespace={namespace}");
        bao.must(&["secrets", "enable", &flag, "-path=secret", "kv-v2"]);
        bao.must(&["kv", "put", &flag, "secret/app", &format!("KEY={value}")]);
    }
    let (vault, down) = front(&bao.address, |seen| {
        seen.headers.get("x-vault-namespace").map(String::as_str) == Some("stg")
    });
    let sandbox = Sandbox::new();
    sandbox.holds_secrets("stg.env");
    sandbox.holds_secrets("prd.env");
    let recipient = sandbox.keygen("key.txt");
    let app = |name, namespace, address: &str| {
        App::new(
            name,
            "vault:secret/app",
            &[
                ("VAULT_ADDR", address),
                ("VAULT_TOKEN", crate::services::bao::ROOT_TOKEN),
                ("VAULT_NAMESPACE", namespace),
            ],
        )
    };
    let stg = app("stg", "stg", &vault.url());
    let prd = app("prd", "prd", &vault.url());
    stg.bake(&sandbox, &recipient);
    prd.bake(&sandbox, &recipient);
    let shown = sandbox.inspect_json("stg.age");
    assert_eq!(shown["source"]["namespace"], "stg", "{shown}");

    // The staging app's service goes away (its namespace is seen through an address that
    // refuses): production's start is its own.
    keep_apart(&sandbox, &stg, &prd, |d| down.store(d, Ordering::SeqCst));

    // A staging snapshot never serves production in an outage.
    std::fs::copy(sandbox.path("stg.age"), sandbox.path("prd.age")).unwrap();
    std::fs::remove_dir_all(sandbox.path("cache")).unwrap();
    let refused = format!(
        "http://127.0.0.1:{}",
        crate::services::listeners::refused_port()
    );
    let prd_down = app("prd", "prd", &refused);
    let (run, env) = prd_down.start(&sandbox, &["--timeout", "1s"]);
    run.code(23)
        .stderr_has("Vault namespace \"stg\", but run is configured for \"prd\"")
        .stderr_has("--allow-other-source");
    assert!(env.is_none());
}

#[test]
fn aws_regions_sharing_a_cache_and_a_key_keep_apart() {
    let moto = Moto::start();
    moto.setup_in(
        "us-east-1",
        &["secret", "shop/app", r#"{"KEY":"first-value"}"#],
    );
    moto.setup_in(
        "eu-west-1",
        &["secret", "shop/app", r#"{"KEY":"second-value"}"#],
    );
    let sandbox = Sandbox::new();
    sandbox.holds_secrets("east.env");
    sandbox.holds_secrets("west.env");
    let recipient = sandbox.keygen("key.txt");
    let app = |name, region: &'static str, endpoint: &str| {
        let mut env: Vec<(&'static str, String)> = moto.env();
        env.retain(|(n, _)| *n != "AWS_REGION" && *n != "AWS_ENDPOINT_URL");
        env.push(("AWS_REGION", region.into()));
        env.push(("AWS_ENDPOINT_URL", endpoint.into()));
        App {
            name,
            source: "aws-sm:shop/app".into(),
            env,
        }
    };
    let moto_url = moto
        .env()
        .into_iter()
        .find(|(n, _)| *n == "AWS_ENDPOINT_URL")
        .unwrap()
        .1;
    // The front passes the Host header on as signed, so moto checks every signature.
    let (aws, down) = front(&moto_url, |seen| {
        seen.headers
            .get("authorization")
            .is_some_and(|a| a.contains("/us-east-1/"))
    });
    let east = app("east", "us-east-1", &aws.url());
    let west = app("west", "eu-west-1", &aws.url());
    east.bake(&sandbox, &recipient);
    west.bake(&sandbox, &recipient);
    keep_apart(&sandbox, &east, &west, |d| down.store(d, Ordering::SeqCst));
}

#[test]
fn https_queries_sharing_a_cache_and_a_key_keep_apart() {
    let down = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let failing = down.clone();
    let server = FakeServer::start(move |seen| {
        let stg = seen.target.contains("env=stg");
        if stg && failing.load(std::sync::atomic::Ordering::SeqCst) {
            return Reply::text(503, "down");
        }
        let value = if stg { "first-value" } else { "second-value" };
        Reply::json(200, &serde_json::json!({ "KEY": value }))
    });
    let sandbox = Sandbox::new();
    sandbox.holds_secrets("stg.env");
    sandbox.holds_secrets("prd.env");
    let recipient = sandbox.keygen("key.txt");
    let stg = App::new(
        "stg",
        &format!("{}/secrets.json?env=stg", server.url()),
        &[],
    );
    let prd = App::new(
        "prd",
        &format!("{}/secrets.json?env=prd", server.url()),
        &[],
    );
    stg.bake(&sandbox, &recipient);
    prd.bake(&sandbox, &recipient);
    assert_eq!(
        sandbox.inspect_json("stg.age")["source"]["query"],
        "env=stg"
    );
    keep_apart(&sandbox, &stg, &prd, |d| {
        down.store(d, std::sync::atomic::Ordering::SeqCst)
    });
    // The staging snapshot never serves production, whatever the host is called.
    std::fs::copy(sandbox.path("stg.age"), sandbox.path("prd.age")).unwrap();
    std::fs::remove_dir_all(sandbox.path("cache")).unwrap();
    let port = crate::services::listeners::refused_port();
    let prd_down = App::new(
        "prd",
        &format!("http://localhost:{port}/secrets.json?env=prd"),
        &[],
    );
    let (run, env) = prd_down.start(&sandbox, &["--timeout", "1s"]);
    run.code(23)
        .stderr_has("URL query \"env=stg\", but run is configured for \"env=prd\"");
    assert!(env.is_none());
    // Another host name for the same path and query is only noted (the issue's trap:
    // `localhost` for `127.0.0.1`).
    let stg_elsewhere = App::new(
        "prd",
        &format!("http://localhost:{port}/secrets.json?env=stg"),
        &[],
    );
    let (run, env) = stg_elsewhere.start(&sandbox, &["--timeout", "1s"]);
    run.ok().stderr_has("note: the snapshot was made from");
    assert_eq!(env.unwrap()["KEY"], "first-value");
    // And --allow-other-source lets the mismatch serve, said out loud.
    let (run, env) = prd_down.start(&sandbox, &["--timeout", "1s", "--allow-other-source"]);
    run.ok()
        .stderr_has("it serves anyway (--allow-other-source)");
    assert_eq!(env.unwrap()["KEY"], "first-value");
}

/// A Doppler app on the fake, with its snapshot baked.
fn doppler_app(sandbox: &Sandbox, fake: &DopplerFake, extra_snapshot: &[&str]) -> App {
    let recipient = sandbox.keygen("key.txt");
    let app = App::new(
        "app",
        "doppler",
        &[
            ("DOPPLER_API_HOST", &fake.url()),
            ("DOPPLER_TOKEN", TOKENS[0]),
        ],
    );
    let mut args = vec![
        "snapshot", "--source", "doppler", "-r", &recipient, "-o", "app.age",
    ];
    args.extend(extra_snapshot);
    sandbox.run_env(&args, &app.env_pairs()).ok();
    sandbox.holds_secrets("app.env");
    app
}

#[test]
fn a_cache_never_outlives_the_image_snapshot_s_expiry() {
    let fake = DopplerFake::start(&[("KEY", "first-value")], TOKENS[0], "shop", "prd");
    let sandbox = Sandbox::new();
    let app = doppler_app(&sandbox, &fake, &["--expires-in", "4s"]);
    fake.set_secret("KEY", "rotated-value");
    app.start(&sandbox, &[]).0.ok().stderr_has("(live,");
    // The cache carries the snapshot's expiry.
    let cache = sandbox.path(&format!("cache/{}", cache_files(&sandbox)[0]));
    assert!(cache.exists());
    fake.set_mode(Mode::Status(503));
    let (run, env) = app.start(&sandbox, &["--timeout", "1s"]);
    run.ok();
    assert_eq!(env.unwrap()["LIFEBOAT_ORIGIN"], "cache");
    wait_until("the snapshot expires", Duration::from_secs(20), || {
        let (run, _) = app.start(&sandbox, &["--timeout", "1s"]);
        run.code != 0
    });
    let (run, env) = app.start(&sandbox, &["--timeout", "1s"]);
    assert!(
        env.is_none(),
        "a copy served after the image's snapshot expired"
    );
    run.stderr_has("expired");
}

#[test]
fn run_check_changes_nothing_on_disk() {
    let fake = DopplerFake::start(&[("KEY", "first-value")], TOKENS[0], "shop", "prd");
    let sandbox = Sandbox::new();
    let app = doppler_app(&sandbox, &fake, &[]);
    let listing = |sandbox: &Sandbox| crate::util::files_under(&sandbox.path("cache"));
    std::fs::create_dir(sandbox.path("cache")).unwrap();
    app.start(&sandbox, &["--check"]).0.ok();
    assert!(
        listing(&sandbox).is_empty(),
        "--check wrote {:?}",
        listing(&sandbox)
    );
    fake.set_mode(Mode::Status(503));
    app.start(&sandbox, &["--check", "--timeout", "1s"]).0.ok();
    assert!(
        listing(&sandbox).is_empty(),
        "--check wrote {:?}",
        listing(&sandbox)
    );
    // Without --check the same starts write the cache and the breaker's record.
    fake.set_mode(Mode::Normal);
    app.start(&sandbox, &[]).0.ok();
    fake.set_mode(Mode::Status(503));
    app.start(&sandbox, &["--timeout", "1s"]).0.ok();
    assert_eq!(listing(&sandbox).len(), 2, "{:?}", listing(&sandbox));
}

#[test]
fn a_huge_sparse_file_in_the_cache_s_place_costs_no_memory() {
    let fake = DopplerFake::start(&[("KEY", "first-value")], TOKENS[0], "shop", "prd");
    let sandbox = Sandbox::new();
    let app = doppler_app(&sandbox, &fake, &[]);
    app.start(&sandbox, &[]).0.ok();
    let cache = sandbox.path(&format!("cache/{}", cache_files(&sandbox)[0]));
    // A neighbour's 256 MiB sparse file under the cache's name, a valid-looking first
    // line and all.
    let mut planted = std::fs::read(&cache).unwrap()[..83].to_vec();
    planted.resize(4096, b'x');
    std::fs::write(&cache, &planted).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&cache)
        .unwrap()
        .set_len(256 << 20)
        .unwrap();
    fake.set_mode(Mode::Status(503));
    // A 128 MiB data limit, as in a small pod: the start must not allocate the file.
    let (mut args, env) = (
        vec![
            "run",
            "--cache-dir",
            "cache",
            "--snapshot",
            "app.age",
            "--source",
            "doppler",
            "--timeout",
            "1s",
        ],
        app.env_pairs(),
    );
    args.extend(["--", "sh", "-c", "env -0 > app.env"]);
    let mut command = sandbox.wrapped(&["prlimit", "--data=134217728", "--"], &args);
    command.envs(env).env("LIFEBOAT_IDENTITY_FILE", "key.txt");
    let run = sandbox.run_with(command, &args);
    run.ok().stderr_has("runtime cache: the cache file is torn");
    assert!(sandbox.path("app.env").exists(), "the app never started");
}

/// Runs, as uid 65534, a loop that for `seconds` keeps flipping 2,000 `.lifeboat-*.tmp`
/// names in `dir` between regular files and FIFOs: a neighbour racing the orphan scan
/// between its listing (which saw a regular file) and its open (which meets a FIFO).
/// With that many names the scan's own work opens the window wide.
fn race_fifos(dir: &std::path::Path, seconds: u32) -> Racer {
    // Debian's own Python, which the other user may run (the test runner's may live in
    // root's home).
    let script = r#"
import os, stat, sys, time
d, end = sys.argv[1], time.time() + float(sys.argv[2])
names = [os.path.join(d, ".lifeboat-race%04d.tmp" % i) for i in range(2000)]
for p in names:
    open(p, "w").close()
while time.time() < end:
    for p in names:
        try:
            fifo = stat.S_ISFIFO(os.lstat(p).st_mode)
        except OSError:
            fifo = True
        try:
            if fifo:
                open(p + ".r", "w").close()
                os.rename(p + ".r", p)
            else:
                os.mkfifo(p + ".f")
                os.rename(p + ".f", p)
        except OSError:
            pass
"#;
    std::process::Command::new("setpriv")
        .args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
        .args(["/usr/bin/python3", "-c", script])
        .arg(dir)
        .arg(seconds.to_string())
        .spawn()
        .map(Racer)
        .expect("setpriv /usr/bin/python3")
}

/// The neighbour's process, stopped (by its PID) when the test ends, however it ends.
struct Racer(std::process::Child);

impl Drop for Racer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn fifos_raced_in_by_another_user_hang_neither_run_nor_recover() {
    let fake = DopplerFake::start(&[("KEY", "first-value")], TOKENS[0], "shop", "prd");
    let sandbox = Sandbox::new();
    let app = doppler_app(&sandbox, &fake, &[]);
    // A shared sticky directory, as /tmp is (under /tmp, so uid 65534 can reach it).
    let shared = tempfile::Builder::new()
        .prefix("lifeboat-shared-")
        .tempdir_in("/tmp")
        .unwrap();
    let cache = shared.path().join("cache");
    std::fs::create_dir(&cache).unwrap();
    use std::os::unix::fs::PermissionsExt;
    for dir in [shared.path(), &cache] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o1777)).unwrap();
    }
    let racers = [race_fifos(shared.path(), 60), race_fifos(&cache, 60)];
    // The names are there before the first start.
    wait_until("the neighbour's files", Duration::from_secs(10), || {
        [shared.path(), cache.as_path()].iter().all(|dir| {
            std::fs::read_dir(dir)
                .map(|e| e.count() >= 2000)
                .unwrap_or(false)
        })
    });
    let cache_dir = cache.to_string_lossy().into_owned();
    let out = shared.path().join("out.env").to_string_lossy().into_owned();
    // Every start and every recovery scans the directory for orphans once.
    for round in 0..5 {
        let mut args = vec![
            "run",
            "--cache-dir",
            &cache_dir,
            "--snapshot",
            "app.age",
            "--source",
            "doppler",
        ];
        args.extend(["--", "sh", "-c", "env -0 > app.env"]);
        let mut command = sandbox.wrapped(&["timeout", "10"], &args);
        command
            .envs(app.env_pairs())
            .env("LIFEBOAT_IDENTITY_FILE", "key.txt");
        let run = sandbox.run_with(command, &args);
        assert_eq!(run.code, 0, "run, round {round}: {}", run.stderr);
        let _ = std::fs::remove_file(&out);
        let recover = ["recover", "app.age", "-i", "key.txt", "-o", &out];
        let run = sandbox.run_with(sandbox.wrapped(&["timeout", "10"], &recover), &recover);
        assert_eq!(run.code, 0, "recover, round {round}: {}", run.stderr);
    }
    drop(racers);
    let _ = std::fs::remove_file(&out);
}

#[test]
fn an_answer_lifeboat_cannot_use_falls_back_in_run_and_is_refused_by_snapshot() {
    let body = std::sync::Arc::new(std::sync::Mutex::new(
        serde_json::json!({"KEY": "first-value"}),
    ));
    let served = body.clone();
    let server = FakeServer::start(move |_| Reply::json(200, &served.lock().unwrap()));
    let sandbox = Sandbox::new();
    sandbox.holds_secrets("app.env");
    let recipient = sandbox.keygen("key.txt");
    let app = App::new("app", &format!("{}/s.json", server.url()), &[]);
    app.bake(&sandbox, &recipient);
    for (what, answer, said) in [
        ("no secrets", serde_json::json!({}), "holds no secrets"),
        (
            "a name no variable can have",
            serde_json::json!({"2FA_SEED": "x"}),
            "2FA_SEED",
        ),
        (
            "a NUL in a value",
            serde_json::json!({"KEY": "a\u{0}b"}),
            "NUL",
        ),
    ] {
        *body.lock().unwrap() = answer;
        // No cooldown: each start asks, so each answer is seen.
        let (run, env) = app.start(&sandbox, &["--live-cooldown", "0s"]);
        run.ok()
            .stderr_has("bad-response")
            .stderr_has(said)
            .stderr_has("lifeboat cannot use this answer");
        assert_eq!(env.expect(what)["KEY"], "first-value", "{what}");
        let refused = sandbox.run(&[
            "snapshot",
            "--source",
            &app.source,
            "-r",
            &recipient,
            "-o",
            "new.age",
        ]);
        assert_ne!(refused.code, 0, "snapshot sealed {what}");
        assert!(!sandbox.path("new.age").exists());
        // With bad-response not among the classes that fall back, the start stops.
        let (run, env) = app.start(
            &sandbox,
            &["--live-cooldown", "0s", "--fallback-on", "unreachable"],
        );
        assert_ne!(run.code, 0);
        assert!(env.is_none(), "{what}");
    }
}

#[test]
fn a_post_quantum_runtime_key_keeps_a_cache_too() {
    let fake = DopplerFake::start(&[("KEY", "first-value")], TOKENS[0], "shop", "prd");
    let sandbox = Sandbox::new();
    sandbox.holds_secrets("app.env");
    let recipient = sandbox
        .run(&["keygen", "--pq", "-o", "key.txt"])
        .ok()
        .stdout
        .trim()
        .to_string();
    let app = App::new(
        "app",
        "doppler",
        &[
            ("DOPPLER_API_HOST", &fake.url()),
            ("DOPPLER_TOKEN", TOKENS[0]),
        ],
    );
    app.bake(&sandbox, &recipient);
    fake.set_secret("KEY", "rotated-value");
    app.start(&sandbox, &[]).0.ok().stderr_has("(live,");
    fake.set_mode(Mode::Status(503));
    let (run, env) = app.start(&sandbox, &["--timeout", "1s"]);
    run.ok().stderr_has("starting from the runtime cache");
    let env = env.unwrap();
    assert_eq!(env["LIFEBOAT_ORIGIN"], "cache");
    assert_eq!(env["KEY"], "rotated-value");
}
