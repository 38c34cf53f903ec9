//! `lifeboat run` against the Doppler fake and a real OpenBao: live first, fallback by
//! class, guards on the snapshot, exec. The app writes its environment to `app.env`
//! (NUL-separated), so a missing file proves it never started.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use crate::services::bao::{Bao, ROOT_TOKEN};
use crate::services::doppler_fake::{DopplerFake, Mode};
use crate::services::listeners::{refused_port, Silent};
use crate::util::{assert_no_secrets, Run, Sandbox, CANARIES, TOKENS};

const TOKEN: &str = TOKENS[0];
pub const APP: [&str; 4] = ["--", "sh", "-c", "env -0 > app.env"];

pub struct Setup {
    pub sandbox: Sandbox,
    pub fake: DopplerFake,
    pub snapshot_id: String,
}

/// A Doppler fake, a runtime key, and a snapshot of the fake's secrets.
pub fn setup() -> Setup {
    let fake = DopplerFake::start(
        &[("API_KEY", CANARIES[0]), ("MULTI", CANARIES[2])],
        TOKEN,
        "shop",
        "prd",
    );
    let sandbox = Sandbox::new();
    // The app's own record of its environment: secrets by design.
    sandbox.holds_secrets("app.env");
    let recipient = sandbox.keygen("key.txt");
    let run = sandbox.run_env(
        &[
            "snapshot", "--source", "doppler", "-r", &recipient, "-o", "snap.age",
        ],
        &[("DOPPLER_TOKEN", TOKEN), ("DOPPLER_API_HOST", &fake.url())],
    );
    let snapshot_id = run.ok().snapshot_id();
    Setup {
        sandbox,
        fake,
        snapshot_id,
    }
}

impl Setup {
    /// Runs the app through lifeboat with the service at `api_host`.
    pub fn run(&self, api_host: &str, extra_args: &[&str], extra_env: &[(&str, &str)]) -> Run {
        let (args, env) = self.invocation(api_host, extra_args, extra_env);
        let _ = std::fs::remove_file(self.sandbox.path("app.env"));
        self.sandbox.run_env(&args, &env)
    }

    /// The arguments and environment of [`Setup::run`].
    pub fn invocation<'a>(
        &self,
        api_host: &'a str,
        extra_args: &[&'a str],
        extra_env: &[(&'a str, &'a str)],
    ) -> (Vec<&'a str>, Vec<(&'a str, &'a str)>) {
        let mut args = vec!["run"];
        args.extend(extra_args);
        args.extend(APP);
        let mut env = vec![
            ("DOPPLER_TOKEN", TOKEN),
            ("DOPPLER_API_HOST", api_host),
            ("LIFEBOAT_SOURCE", "doppler"),
            ("LIFEBOAT_SNAPSHOT", "snap.age"),
            ("LIFEBOAT_IDENTITY_FILE", "key.txt"),
        ];
        env.retain(|(name, _)| !extra_env.iter().any(|(n, _)| n == name));
        env.extend(extra_env);
        // An empty value in `extra_env` means: leave the variable unset.
        env.retain(|(_, value)| !value.is_empty());
        (args, env)
    }

    /// The app's environment, or None if it never started.
    pub fn app_env(&self) -> Option<BTreeMap<String, String>> {
        let bytes = std::fs::read(self.sandbox.path("app.env")).ok()?;
        Some(
            String::from_utf8(bytes)
                .unwrap()
                .split('\0')
                .filter_map(|pair| pair.split_once('='))
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[track_caller]
    pub fn assert_fell_back(&self, run: &Run) {
        run.ok()
            .stderr_has("the live fetch failed")
            .stderr_has(&format!("starting from snapshot {}", self.snapshot_id));
        let env = self.app_env().expect("the app started");
        assert_eq!(env["LIFEBOAT_ORIGIN"], "snapshot");
        assert_eq!(env["LIFEBOAT_SNAPSHOT_ID"], self.snapshot_id);
        assert!(env["LIFEBOAT_SNAPSHOT_CREATED_AT"].ends_with('Z'));
        assert_eq!(env["API_KEY"], CANARIES[0], "the snapshot's value");
        assert_eq!(env["MULTI"], CANARIES[2]);
        assert_credentials_removed(&env);
    }
}

fn assert_credentials_removed(env: &BTreeMap<String, String>) {
    for name in [
        "DOPPLER_TOKEN",
        "LIFEBOAT_IDENTITY",
        "LIFEBOAT_IDENTITY_FILE",
        "VAULT_TOKEN",
    ] {
        assert!(!env.contains_key(name), "{name} reached the app");
    }
    for (name, value) in env {
        for token in TOKENS {
            assert!(!value.contains(token), "a token reached the app in {name}");
        }
        assert!(
            !value.contains("AGE-SECRET-KEY-1"),
            "the identity reached the app in {name}"
        );
    }
}

#[test]
fn live_values_win_and_the_app_is_told() {
    let setup = setup();
    setup
        .fake
        .set_secret("API_KEY", "changed-after-the-snapshot");
    let run = setup.run(&setup.fake.url(), &[], &[]);
    run.ok()
        .stderr_has("secrets from doppler shop/prd at http://127.0.0.1:");
    let env = setup.app_env().unwrap();
    assert_eq!(env["API_KEY"], "changed-after-the-snapshot");
    assert_eq!(env["LIFEBOAT_ORIGIN"], "live");
    assert!(!env.contains_key("LIFEBOAT_SNAPSHOT_ID"));
    assert_credentials_removed(&env);
    // The identity as key text is removed too.
    let key = String::from_utf8(setup.sandbox.read("key.txt")).unwrap();
    setup
        .run(
            &setup.fake.url(),
            &[],
            &[("LIFEBOAT_IDENTITY", &key), ("LIFEBOAT_IDENTITY_FILE", "")],
        )
        .ok();
    assert_credentials_removed(&setup.app_env().unwrap());
    // --keep-credentials passes them on, on request.
    setup
        .run(&setup.fake.url(), &["--keep-credentials"], &[])
        .ok();
    assert_eq!(setup.app_env().unwrap()["DOPPLER_TOKEN"], TOKEN);
}

#[test]
fn secrets_win_over_inherited_variables_unless_told_otherwise() {
    let setup = setup();
    setup
        .run(&setup.fake.url(), &[], &[("API_KEY", "from-the-image")])
        .ok();
    assert_eq!(setup.app_env().unwrap()["API_KEY"], CANARIES[0]);
    setup
        .run(
            &setup.fake.url(),
            &["--keep-existing-env"],
            &[("API_KEY", "from-the-image")],
        )
        .ok()
        .stderr_has("kept the existing value of API_KEY");
    assert_eq!(setup.app_env().unwrap()["API_KEY"], "from-the-image");
}

#[test]
fn unavailable_classes_fall_back_to_the_snapshot() {
    let setup = setup();
    let old = setup.sandbox.read("snap.age");
    setup.fake.set_secret("API_KEY", "live-value-never-seen");
    for (mode, class) in [
        (Mode::Status(500), "server-error"),
        (Mode::Status(502), "server-error"),
        (Mode::Status(503), "server-error"),
        (Mode::RateLimited(30), "server-error"),
        (Mode::NotJson, "bad-response"),
        (Mode::NonStringValues, "bad-response"),
        (Mode::Reset, "unreachable"),
    ] {
        setup.fake.set_mode(mode);
        let run = setup.run(&setup.fake.url(), &["--timeout", "1s"], &[]);
        setup.assert_fell_back(&run);
        run.stderr_has(&format!(": {class}: "));
        assert_eq!(setup.sandbox.read("snap.age"), old);
    }
    let refused = format!("http://127.0.0.1:{}", refused_port());
    let run = setup.run(&refused, &[], &[]);
    setup.assert_fell_back(&run);
    run.stderr_has("unreachable: connection refused");
    let silent = Silent::start();
    let run = setup.run(
        &format!("http://127.0.0.1:{}", silent.port),
        &["--timeout", "1s"],
        &[],
    );
    setup.assert_fell_back(&run);
    run.stderr_has("no complete answer within the deadline of 1000 ms");
    assert_eq!(setup.sandbox.read("snap.age"), old);
}

#[test]
fn denied_and_not_found_are_fatal_and_the_snapshot_survives() {
    let setup = setup();
    let old = setup.sandbox.read("snap.age");
    for (status, code) in [(401, 10), (403, 10), (404, 11)] {
        setup.fake.set_mode(Mode::Status(status));
        setup
            .run(&setup.fake.url(), &[], &[])
            .code(code)
            .stderr_has(&format!("HTTP {status}"));
        assert!(setup.app_env().is_none(), "the app started after {status}");
        assert_eq!(
            setup.sandbox.read("snap.age"),
            old,
            "{status} changed the snapshot"
        );
    }
    // --fallback-on changes the set.
    setup.fake.set_mode(Mode::Status(403));
    let run = setup.run(&setup.fake.url(), &["--fallback-on", "denied"], &[]);
    setup.assert_fell_back(&run);
    setup.fake.set_mode(Mode::Status(503));
    setup
        .run(
            &setup.fake.url(),
            &["--fallback-on", "none", "--timeout", "1s"],
            &[],
        )
        .code(12);
    assert!(setup.app_env().is_none());
    setup
        .run(&setup.fake.url(), &["--fallback-on", "typo"], &[])
        .code(2)
        .stderr_has("unknown failure class");
}

#[test]
fn offline_makes_no_request_and_live_only_never_opens_the_snapshot() {
    let setup = setup();
    let before = setup.fake.downloads().len();
    let run = setup.run(&setup.fake.url(), &["--offline"], &[]);
    run.ok()
        .stderr_has(&format!("secrets from snapshot {}", setup.snapshot_id))
        .stderr_has("offline");
    assert_eq!(
        setup.fake.downloads().len(),
        before,
        "--offline made a request"
    );
    assert_eq!(setup.app_env().unwrap()["LIFEBOAT_ORIGIN"], "snapshot");
    let refused = format!("http://127.0.0.1:{}", refused_port());
    setup.run(&refused, &["--live-only"], &[]).code(12);
    assert!(setup.app_env().is_none());
    // --live-only with the service up needs no snapshot at all.
    setup
        .run(
            &setup.fake.url(),
            &["--live-only"],
            &[("LIFEBOAT_SNAPSHOT", "missing.age")],
        )
        .ok();
    setup
        .run(&setup.fake.url(), &["--offline", "--live-only"], &[])
        .code(2);
    setup
        .run(&setup.fake.url(), &[], &[("LIFEBOAT_SOURCE", "")])
        .code(2)
        .stderr_has("no source");
}

/// Each guard refuses the snapshot with its own code when it is needed, and is a warning
/// when the service is up.
#[test]
fn snapshot_guards() {
    let setup = setup();
    let recipient =
        String::from_utf8_lossy(&setup.sandbox.tool("age-keygen", &["-y", "key.txt"]).stdout)
            .trim()
            .to_string();
    setup.sandbox.keygen("other.txt");
    setup
        .sandbox
        .run_env(
            &[
                "snapshot",
                "--source",
                "doppler",
                "-r",
                &recipient,
                "-o",
                "expiring.age",
                "--expires-in",
                "1s",
            ],
            &[
                ("DOPPLER_TOKEN", TOKEN),
                ("DOPPLER_API_HOST", &setup.fake.url()),
            ],
        )
        .ok();
    let staging = DopplerFake::start(&[("API_KEY", "staging")], TOKEN, "shop", "stg");
    setup
        .sandbox
        .run_env(
            &[
                "snapshot",
                "--source",
                "doppler",
                "-r",
                &recipient,
                "-o",
                "staging.age",
            ],
            &[
                ("DOPPLER_TOKEN", TOKEN),
                ("DOPPLER_API_HOST", &staging.url()),
            ],
        )
        .ok();
    let mut corrupt = setup.sandbox.read("snap.age");
    let last = corrupt.len() - 1;
    corrupt[last] ^= 1;
    setup.sandbox.write("corrupt.age", &corrupt);
    setup
        .sandbox
        .wait_until_stale("expiring.age", "key.txt", &[]);
    setup
        .sandbox
        .wait_until_stale("snap.age", "key.txt", &["--max-age", "1s"]);

    let down = format!("http://127.0.0.1:{}", refused_port());
    let scoped = [("DOPPLER_PROJECT", "shop"), ("DOPPLER_CONFIG", "prd")];
    // (run flags, environment, exit code with the service down, message)
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, i32, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec!["--max-age", "1s"],
            vec![],
            22,
            "more than the allowed 1s",
        ),
        (
            vec!["--snapshot", "expiring.age"],
            vec![],
            22,
            "the snapshot expired at",
        ),
        (
            vec!["--snapshot", "staging.age"],
            scoped.to_vec(),
            23,
            "Doppler config \"stg\", but run is configured for \"prd\"",
        ),
        (
            vec![],
            vec![("LIFEBOAT_IDENTITY_FILE", "other.txt")],
            21,
            "none of the given keys can open this snapshot",
        ),
        (
            vec!["--snapshot", "corrupt.age"],
            vec![],
            21,
            "the encrypted payload is damaged",
        ),
        (
            vec!["--snapshot", "missing.age"],
            vec![],
            20,
            "does not exist",
        ),
        (
            vec![],
            vec![("LIFEBOAT_IDENTITY_FILE", "")],
            2,
            "no key given",
        ),
        // The key's own code, not "the service is unavailable".
        (
            vec![],
            vec![("LIFEBOAT_IDENTITY_FILE", "missing.key")],
            3,
            "cannot read missing.key",
        ),
    ];
    for (args, env, code, message) in cases {
        setup
            .run(&down, &args, &env)
            .code(code)
            .stderr_has("the live fetch failed")
            .stderr_has("the snapshot cannot be used")
            .stderr_has(message);
        assert!(
            setup.app_env().is_none(),
            "{args:?} {env:?}: the app started"
        );
        // With the service up the app starts on live secrets, and the operator is told.
        setup
            .run(&setup.fake.url(), &args, &env)
            .ok()
            .stderr_has("could not serve as a fallback")
            .stderr_has(message);
        assert_eq!(
            setup.app_env().unwrap()["LIFEBOAT_ORIGIN"],
            "live",
            "{args:?}"
        );
    }
    // A different address is only noted.
    setup
        .run(&down, &[], &scoped)
        .ok()
        .stderr_has("note: the snapshot was made from");
}

#[test]
fn exec_keeps_the_pid_the_exit_status_and_signals() {
    let setup = setup();
    let base = |app: &[&str]| {
        let mut args = vec![
            "run",
            "--offline",
            "--snapshot",
            "snap.age",
            "-i",
            "key.txt",
            "--",
        ];
        args.extend(app);
        args.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let status = setup.sandbox.run(
        &base(&["sh", "-c", "exit 7"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    status.code(7);
    setup
        .sandbox
        .run(&[
            "run",
            "--offline",
            "--snapshot",
            "snap.age",
            "-i",
            "key.txt",
            "--",
            "no-such-command-xyz",
        ])
        .code(127)
        .stderr_has("command not found");
    setup.sandbox.write("not-executable", "#!/bin/sh\n");
    setup
        .sandbox
        .run(&[
            "run",
            "--offline",
            "--snapshot",
            "snap.age",
            "-i",
            "key.txt",
            "--",
            "./not-executable",
        ])
        .code(126);

    // The trap is set before the PID is printed: the test sends TERM as soon as it reads
    // the PID, and a shell without its trap yet would die of it (a race CI once lost).
    let script = "trap 'echo got-term; exit 42' TERM; echo $$; while :; do sleep 0.05; done";
    let args = base(&["sh", "-c", script]);
    let mut child = setup
        .sandbox
        .command(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(
        line.trim(),
        child.id().to_string(),
        "the app has lifeboat's PID"
    );
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut rest = String::new();
    stdout.read_line(&mut rest).unwrap();
    assert_eq!(rest.trim(), "got-term");
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(42));
    assert_no_secrets(&String::from_utf8_lossy(&output.stderr), "stderr");
}

#[test]
fn secrets_too_large_for_the_environment_are_named() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.write(
        "big.json",
        serde_json::json!({"HUGE": "x".repeat(200_000), "SMALL": "y"}).to_string(),
    );
    sandbox
        .run(&[
            "snapshot",
            "--source",
            "file:big.json",
            "-r",
            &recipient,
            "-o",
            "big.age",
        ])
        .ok();
    sandbox
        .run(&[
            "run",
            "--offline",
            "--snapshot",
            "big.age",
            "-i",
            "key.txt",
            "--",
            "true",
        ])
        .code(3)
        .stderr_has("secret HUGE is 200006 bytes as NAME=value, over the kernel's limit of 131072");
    let many: serde_json::Map<String, serde_json::Value> = (0..30)
        .map(|i| (format!("S{i}"), "z".repeat(100_000).into()))
        .collect();
    sandbox.write("many.json", serde_json::Value::Object(many).to_string());
    sandbox
        .run(&[
            "snapshot",
            "--source",
            "file:many.json",
            "-r",
            &recipient,
            "-o",
            "many.age",
        ])
        .ok();
    sandbox
        .run(&[
            "run",
            "--offline",
            "--snapshot",
            "many.age",
            "-i",
            "key.txt",
            "--",
            "true",
        ])
        .code(3)
        .stderr_has("over the kernel's limit (ARG_MAX)");
}

#[test]
fn json_events_carry_the_fallback_facts() {
    let setup = setup();
    let down = format!("http://127.0.0.1:{}", refused_port());
    let run = setup.run(&down, &["--log-format", "json"], &[]);
    setup.assert_fell_back(&run);
    let event: serde_json::Value = run
        .stderr
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).expect("one JSON object per line")
        })
        .find(|e| e["event"] == "fallback")
        .expect("a fallback event");
    assert_eq!(event["level"], "warning");
    assert_eq!(event["class"], "unreachable");
    assert_eq!(event["snapshot_id"], setup.snapshot_id.as_str());
    assert_eq!(event["secret_count"], 5);
    assert!(event["age_seconds"].is_u64());
    assert!(event["created_at"].as_str().unwrap().ends_with('Z'));
    assert!(event["reason"]
        .as_str()
        .unwrap()
        .contains("connection refused"));
    let live = setup.run(&setup.fake.url(), &["--log-format", "json"], &[]);
    let event: serde_json::Value =
        serde_json::from_str(live.ok().stderr.lines().next().unwrap()).unwrap();
    assert_eq!(event["event"], "secrets_live");
    assert_eq!(event["origin"], "live");
}

#[test]
fn openbao_live_then_fallback_when_it_stops() {
    let bao = Bao::start();
    bao.put("app", &[&format!("API_KEY={}", CANARIES[1])]);
    let address = bao.address.clone();
    let sandbox = Sandbox::new();
    sandbox.holds_secrets("app.env");
    let recipient = sandbox.keygen("key.txt");
    let env = [
        ("VAULT_ADDR", address.as_str()),
        ("VAULT_TOKEN", ROOT_TOKEN),
        ("LIFEBOAT_SOURCE", "vault:secret/app"),
        ("LIFEBOAT_SNAPSHOT", "snap.age"),
        ("LIFEBOAT_IDENTITY_FILE", "key.txt"),
    ];
    sandbox
        .run_env(&["snapshot", "-r", &recipient, "-o", "snap.age"], &env)
        .ok();
    bao.put("app", &[&format!("API_KEY={}", CANARIES[3])]);
    let mut args = vec!["run"];
    args.extend(APP);
    sandbox
        .run_env(&args, &env)
        .ok()
        .stderr_has("secrets from vault secret/app (version 2)");
    let live = String::from_utf8(sandbox.read("app.env")).unwrap();
    assert!(live.contains(&format!("API_KEY={}\0", CANARIES[3])));
    assert!(live.contains("LIFEBOAT_ORIGIN=live\0"));
    assert!(!live.contains(ROOT_TOKEN));
    drop(bao);
    sandbox
        .run_env(&args, &env)
        .ok()
        .stderr_has("unreachable: connection refused");
    let fallback = String::from_utf8(sandbox.read("app.env")).unwrap();
    assert!(fallback.contains(&format!("API_KEY={}\0", CANARIES[1])));
    assert!(fallback.contains("LIFEBOAT_ORIGIN=snapshot\0"));
}

/// While lifeboat holds plaintext its core limit is zero; the app gets its own back.
#[test]
fn no_core_dumps_while_holding_plaintext() {
    let setup = setup();
    let silent = Silent::start();
    let script =
        "ulimit -c 1024; exec \"$LIFEBOAT\" run --timeout 2s -- sh -c 'ulimit -c > app.core'";
    let child = std::process::Command::new("sh")
        .args(["-c", script])
        .current_dir(setup.sandbox.root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("LIFEBOAT", env!("CARGO_BIN_EXE_lifeboat"))
        .env("DOPPLER_TOKEN", TOKEN)
        .env(
            "DOPPLER_API_HOST",
            format!("http://127.0.0.1:{}", silent.port),
        )
        .env("LIFEBOAT_SOURCE", "doppler")
        .env("LIFEBOAT_SNAPSHOT", "snap.age")
        .env("LIFEBOAT_IDENTITY_FILE", "key.txt")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Connected to the service: lifeboat is past its hardening, and waiting.
    silent.wait_for(1, Duration::from_secs(10));
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id())).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    assert_eq!(core.split_whitespace().nth(4), Some("0"), "{core}");
    let output = child.wait_with_output().unwrap();
    assert_no_secrets(&String::from_utf8_lossy(&output.stderr), "stderr");
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(setup.sandbox.read("app.core"))
            .unwrap()
            .trim(),
        "1024"
    );
}
