//! `lifeboat snapshot` with live sources: a real OpenBao server, the Doppler fake (proven
//! with the real Doppler CLI), a JSON endpoint, and every failure class produced for real.
//! A failed snapshot never creates or changes the output file, and no token or value
//! reaches a message (the harness checks every run).

use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};

use crate::services::bao::{Bao, ROOT_TOKEN};
use crate::services::doppler_fake::{DopplerFake, Mode};
use crate::services::http_fake::{FakeServer, Reply};
use crate::services::listeners::{refused_port, Silent};
use crate::services::python_tool;
use crate::util::{Run, Sandbox, CANARIES, TOKENS};

const DOPPLER_TOKEN: &str = TOKENS[0];
const HTTP_TOKEN: &str = TOKENS[2];

fn doppler() -> DopplerFake {
    DopplerFake::start(
        &[
            ("API_KEY", CANARIES[0]),
            ("DB_PASSWORD", CANARIES[1]),
            ("MULTI", CANARIES[2]),
        ],
        DOPPLER_TOKEN,
        "shop",
        "prd",
    )
}

/// A sandbox with a key, an existing snapshot whose bytes must survive every failure,
/// and the recipient.
fn sandbox_with_old_snapshot() -> (Sandbox, String, Vec<u8>) {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.canary_snapshot("snap.age", &[&recipient], &[]);
    let old = sandbox.read("snap.age");
    (sandbox, recipient, old)
}

fn snapshot_with(
    sandbox: &Sandbox,
    recipient: &str,
    source: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Run {
    let mut args = vec![
        "snapshot", "--source", source, "-r", recipient, "-o", "snap.age",
    ];
    args.extend(extra);
    sandbox.run_env(&args, env)
}

fn recovered(sandbox: &Sandbox) -> Value {
    let run = sandbox.run(&[
        "recover",
        "--snapshot",
        "snap.age",
        "-i",
        "key.txt",
        "--format",
        "json",
    ]);
    serde_json::from_str(&run.ok().stdout).unwrap()
}

#[test]
fn doppler_snapshot_records_the_scope() {
    let fake = doppler();
    let (sandbox, recipient, _) = sandbox_with_old_snapshot();
    let env = [
        ("DOPPLER_TOKEN", DOPPLER_TOKEN),
        ("DOPPLER_API_HOST", &fake.url() as &str),
    ];
    snapshot_with(&sandbox, &recipient, "doppler", &[], &env)
        .ok()
        .stdout_has(&format!(
            "6 secrets from doppler shop/prd at {}",
            fake.url()
        ));
    let secrets = recovered(&sandbox);
    assert_eq!(secrets["API_KEY"], CANARIES[0]);
    assert_eq!(secrets["DOPPLER_CONFIG"], "prd");
    let meta = sandbox.inspect_json("snap.age");
    assert_eq!(
        meta["source"],
        json!({"provider": "doppler", "address": fake.url(), "project": "shop", "config": "prd"})
    );
    sandbox
        .run(&["inspect", "snap.age"])
        .ok()
        .stdout_has("source:      doppler shop/prd at http://127.0.0.1:");
    // What was sent: the token as a bearer, to the download endpoint, with our agent.
    let request = fake.downloads().pop().unwrap();
    assert_eq!(
        request.headers["authorization"],
        format!("Bearer {DOPPLER_TOKEN}")
    );
    assert!(request.headers["user-agent"].starts_with("lifeboat/"));
    assert!(request.target.contains("format=json"), "{}", request.target);
    // --token-file wins over DOPPLER_TOKEN, and DOPPLER_PROJECT/CONFIG are passed on.
    sandbox.write("token", format!("{DOPPLER_TOKEN}\n"));
    let env = [
        ("DOPPLER_TOKEN", "dp.st.wrong"),
        ("DOPPLER_API_HOST", &fake.url() as &str),
        ("DOPPLER_PROJECT", "shop"),
        ("DOPPLER_CONFIG", "prd"),
    ];
    snapshot_with(
        &sandbox,
        &recipient,
        "doppler",
        &["--token-file", "token"],
        &env,
    )
    .ok();
    let request = fake.downloads().pop().unwrap();
    assert!(
        request.target.contains("project=shop") && request.target.contains("config=prd"),
        "{}",
        request.target
    );
}

/// The fake is faithful: the real Doppler CLI runs against it.
#[test]
fn the_real_doppler_cli_works_against_the_fake() {
    let fake = doppler();
    let home = tempfile::tempdir().unwrap();
    let doppler = python_tool("doppler_cli", "doppler");
    let common = [
        "--no-check-version",
        "--api-host",
        &fake.url(),
        "--token",
        DOPPLER_TOKEN,
    ];
    let run = Command::new(&doppler)
        .arg("run")
        .args(common)
        .args(["--", "env"])
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var_os("PATH").unwrap())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "doppler run: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.contains(&format!("API_KEY={}", CANARIES[0])),
        "{stdout}"
    );
    assert!(stdout.contains("DOPPLER_PROJECT=shop"), "{stdout}");
    let download = Command::new(&doppler)
        .args(["secrets", "download", "--no-file", "--format", "json"])
        .args(common)
        .env_clear()
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert!(
        download.status.success(),
        "doppler secrets download: {}",
        String::from_utf8_lossy(&download.stderr)
    );
    let secrets: Value = serde_json::from_slice(&download.stdout).unwrap();
    assert_eq!(secrets["MULTI"], CANARIES[2]);
    assert_eq!(secrets["DOPPLER_CONFIG"], "prd");
    // A wrong token is refused by the fake as by the API, and the CLI says so.
    let denied = Command::new(&doppler)
        .args([
            "secrets",
            "download",
            "--no-file",
            "--format",
            "json",
            "--no-check-version",
            "--api-host",
            &fake.url(),
            "--token",
            "dp.st.bad",
        ])
        .env_clear()
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert!(!denied.status.success());
    assert!(String::from_utf8_lossy(&denied.stderr).contains("Invalid Auth token"));
}

#[test]
fn vault_kv2_read_and_scalars() {
    let bao = Bao::start();
    bao.put("app", &[&format!("API_KEY={}", CANARIES[0])]);
    bao.put_json(
        "app",
        &json!({"API_KEY": CANARIES[1], "PORT": 8080, "DEBUG": true, "NOTHING": null}),
    );
    let (sandbox, recipient, old) = sandbox_with_old_snapshot();
    let env = [
        ("VAULT_ADDR", bao.address.as_str()),
        ("VAULT_TOKEN", ROOT_TOKEN),
    ];
    snapshot_with(&sandbox, &recipient, "vault:secret/app", &[], &env)
        .ok()
        .stdout_has("4 secrets from vault secret/app (version 2) at http://127.0.0.1:");
    assert_eq!(
        recovered(&sandbox),
        json!({"API_KEY": CANARIES[1], "PORT": "8080", "DEBUG": "true", "NOTHING": "null"})
    );
    let meta = sandbox.inspect_json("snap.age");
    assert_eq!(meta["source"]["mount"], "secret");
    assert_eq!(meta["source"]["path"], "app");
    assert_eq!(meta["source"]["version"], 2);
    // Nested values are refused by name; nothing is written.
    bao.put_json(
        "nested",
        &json!({"A": "1", "DB": {"password": CANARIES[0]}}),
    );
    let restore = sandbox.read("snap.age");
    snapshot_with(&sandbox, &recipient, "vault:secret/nested", &[], &env)
        .code(12)
        .stderr_has("bad-response: the value of DB is an object");
    assert_eq!(sandbox.read("snap.age"), restore);
    assert_ne!(restore, old);
}

#[test]
fn vault_denied_not_found_and_approle() {
    let bao = Bao::start();
    bao.put("ci/app", &[&format!("API_KEY={}", CANARIES[0])]);
    let (sandbox, recipient, old) = sandbox_with_old_snapshot();
    let address = bao.address.as_str();
    snapshot_with(
        &sandbox,
        &recipient,
        "vault:secret/ci/app",
        &[],
        &[("VAULT_ADDR", address), ("VAULT_TOKEN", "wrong-token")],
    )
    .code(10)
    .stderr_has("denied: HTTP 403 Forbidden");
    snapshot_with(
        &sandbox,
        &recipient,
        "vault:secret/ci/missing",
        &[],
        &[("VAULT_ADDR", address), ("VAULT_TOKEN", ROOT_TOKEN)],
    )
    .code(11)
    .stderr_has("not-found: HTTP 404 Not Found");
    assert_eq!(sandbox.read("snap.age"), old);

    bao.must(&["auth", "enable", "approle"]);
    sandbox.write(
        "policy.hcl",
        "path \"secret/data/ci/*\" { capabilities = [\"read\"] }\n",
    );
    bao.must(&[
        "policy",
        "write",
        "ci-read",
        &sandbox.path("policy.hcl").display().to_string(),
    ]);
    bao.must(&["write", "auth/approle/role/ci", "token_policies=ci-read"]);
    let role_id = bao.must(&["read", "-field=role_id", "auth/approle/role/ci/role-id"]);
    let secret_id = bao.must(&[
        "write",
        "-f",
        "-field=secret_id",
        "auth/approle/role/ci/secret-id",
    ]);
    snapshot_with(
        &sandbox,
        &recipient,
        "vault:secret/ci/app",
        &[],
        &[
            ("VAULT_ADDR", address),
            ("VAULT_ROLE_ID", &role_id),
            ("VAULT_SECRET_ID", &secret_id),
        ],
    )
    .ok();
    assert_eq!(recovered(&sandbox)["API_KEY"], CANARIES[0]);
    sandbox.write("role", &role_id);
    sandbox.write("secret", &secret_id);
    snapshot_with(
        &sandbox,
        &recipient,
        "vault:secret/ci/app",
        &["--role-id-file", "role", "--secret-id-file", "secret"],
        &[("VAULT_ADDR", address)],
    )
    .ok();
    snapshot_with(
        &sandbox,
        &recipient,
        "vault:secret/ci/app",
        &[],
        &[
            ("VAULT_ADDR", address),
            ("VAULT_ROLE_ID", &role_id),
            ("VAULT_SECRET_ID", "not-the-secret-id"),
        ],
    )
    .code(10)
    .stderr_has("denied");
    snapshot_with(
        &sandbox,
        &recipient,
        "vault:secret/ci/app",
        &[],
        &[("VAULT_ADDR", address)],
    )
    .code(2)
    .stderr_has("no Vault credentials");
}

#[test]
fn vault_over_tls_is_trusted_only_through_its_ca() {
    let bao = Bao::start_tls();
    bao.put("app", &[&format!("API_KEY={}", CANARIES[0])]);
    let (sandbox, recipient, old) = sandbox_with_old_snapshot();
    let ca = bao.ca_file.clone().unwrap().display().to_string();
    let base = [
        ("VAULT_ADDR", bao.address.as_str()),
        ("VAULT_TOKEN", ROOT_TOKEN),
    ];
    snapshot_with(&sandbox, &recipient, "vault:secret/app", &[], &base)
        .code(12)
        .stderr_has("unreachable: TLS failure: invalid peer certificate: UnknownIssuer");
    assert_eq!(sandbox.read("snap.age"), old);
    let with_ca = [base[0], base[1], ("VAULT_CACERT", ca.as_str())];
    snapshot_with(&sandbox, &recipient, "vault:secret/app", &[], &with_ca).ok();
    snapshot_with(
        &sandbox,
        &recipient,
        "vault:secret/app",
        &["--ca-file", &ca],
        &base,
    )
    .ok();
    assert_eq!(recovered(&sandbox)["API_KEY"], CANARIES[0]);
    // SSL_CERT_FILE (read by the system-roots loader) works too.
    snapshot_with(
        &sandbox,
        &recipient,
        "vault:secret/app",
        &[],
        &[base[0], base[1], ("SSL_CERT_FILE", ca.as_str())],
    )
    .ok();
    sandbox.write("not-a-ca.pem", "hello\n");
    snapshot_with(
        &sandbox,
        &recipient,
        "vault:secret/app",
        &["--ca-file", "not-a-ca.pem"],
        &base,
    )
    .code(2)
    .stderr_has("holds no PEM certificates");
}

#[test]
fn json_endpoint_with_a_bearer_token() {
    let server = FakeServer::start(|request| {
        if request.headers.get("authorization").map(String::as_str)
            == Some(&format!("Bearer {HTTP_TOKEN}"))
        {
            Reply::json(200, &json!({"API_KEY": CANARIES[0]}))
        } else {
            Reply::json(401, &json!({"errors": ["missing token"]}))
        }
    });
    let (sandbox, recipient, _) = sandbox_with_old_snapshot();
    let url = format!("{}/v1/secrets?signature=canary-query-secret", server.url());
    snapshot_with(&sandbox, &recipient, &url, &[], &[])
        .code(10)
        .stderr_has("denied: HTTP 401 Unauthorized: \"missing token\"");
    snapshot_with(
        &sandbox,
        &recipient,
        &url,
        &[],
        &[("LIFEBOAT_HTTP_TOKEN", HTTP_TOKEN)],
    )
    .ok();
    sandbox.write("token", HTTP_TOKEN);
    snapshot_with(&sandbox, &recipient, &url, &["--token-file", "token"], &[]).ok();
    assert_eq!(recovered(&sandbox), json!({"API_KEY": CANARIES[0]}));
    // The recorded scope: the address (only noted), the path and the query (what select
    // the secrets), never a credential the query carries, as signed URLs do.
    let meta = sandbox.inspect_json("snap.age");
    assert_eq!(meta["source"]["address"], server.url());
    assert_eq!(meta["source"]["path"], "/v1/secrets");
    assert_eq!(meta["source"]["query"], "signature=[REDACTED]");
    assert!(!String::from_utf8_lossy(&sandbox.read("snap.age")).contains("canary-query-secret"));
}

/// Every failure class, produced for real, with its exit code; the old snapshot survives.
#[test]
fn every_failure_class_from_the_doppler_fake() {
    let fake = doppler();
    let (sandbox, recipient, old) = sandbox_with_old_snapshot();
    let env = [
        ("DOPPLER_TOKEN", DOPPLER_TOKEN),
        ("DOPPLER_API_HOST", &fake.url() as &str),
    ];
    let cases: Vec<(Mode, i32, &str)> = vec![
        (
            Mode::Status(401),
            10,
            "denied: HTTP 401 Unauthorized: \"The fake was told to fail\"",
        ),
        (Mode::Status(403), 10, "denied: HTTP 403 Forbidden"),
        (Mode::Status(404), 11, "not-found: HTTP 404 Not Found"),
        (
            Mode::Status(500),
            12,
            "server-error: HTTP 500 Internal Server Error",
        ),
        (Mode::Status(502), 12, "server-error: HTTP 502 Bad Gateway"),
        (
            Mode::Status(503),
            12,
            "server-error: HTTP 503 Service Unavailable",
        ),
        (
            Mode::NotJson,
            12,
            "bad-response: not valid JSON (line 1 column 1)",
        ),
        (
            Mode::NonStringValues,
            12,
            "bad-response: the value of PORT is a number, not a string",
        ),
        (Mode::Reset, 12, "unreachable: "),
        (Mode::EchoToken, 10, "Invalid token Bearer [REDACTED]"),
        (
            Mode::Oversized,
            12,
            "bad-response: the response is larger than 64 MiB",
        ),
    ];
    for (mode, code, message) in cases {
        fake.set_mode(mode.clone());
        let before = fake.downloads().len();
        snapshot_with(&sandbox, &recipient, "doppler", &["--timeout", "1s"], &env)
            .code(code)
            .no_stdout()
            .stderr_has(message);
        assert_eq!(
            sandbox.read("snap.age"),
            old,
            "{mode:?} changed the snapshot"
        );
        let attempts = fake.downloads().len() - before;
        match mode {
            Mode::Status(401 | 403 | 404)
            | Mode::NotJson
            | Mode::NonStringValues
            | Mode::EchoToken
            | Mode::Oversized => {
                assert_eq!(attempts, 1, "{mode:?} is not retried")
            }
            _ => assert!(attempts > 1, "{mode:?} is retried within the deadline"),
        }
        // Nor is a snapshot created where there was none.
        let fresh = [
            "snapshot",
            "--source",
            "doppler",
            "-r",
            &recipient,
            "-o",
            "fresh.age",
            "--timeout",
            "1s",
        ];
        sandbox.run_env(&fresh, &env).code(code);
        assert!(
            !sandbox.path("fresh.age").exists(),
            "{mode:?} created a snapshot"
        );
    }
    // A wrong service token is denied by the API itself.
    fake.set_mode(Mode::Normal);
    snapshot_with(
        &sandbox,
        &recipient,
        "doppler",
        &[],
        &[env[1], ("DOPPLER_TOKEN", "dp.st.revoked")],
    )
    .code(10)
    .stderr_has("Invalid Auth token");
    // A project the token does not cover.
    snapshot_with(
        &sandbox,
        &recipient,
        "doppler",
        &[],
        &[env[0], env[1], ("DOPPLER_PROJECT", "other")],
    )
    .code(10);
    snapshot_with(&sandbox, &recipient, "doppler", &[], &[env[1]])
        .code(2)
        .stderr_has("no Doppler token");
    assert_eq!(sandbox.read("snap.age"), old);
}

#[test]
fn retry_after_is_honoured_within_the_deadline() {
    let fake = doppler();
    let (sandbox, recipient, old) = sandbox_with_old_snapshot();
    let env = [
        ("DOPPLER_TOKEN", DOPPLER_TOKEN),
        ("DOPPLER_API_HOST", &fake.url() as &str),
    ];
    fake.fail_next(1, Mode::RateLimited(1));
    snapshot_with(&sandbox, &recipient, "doppler", &["--timeout", "5s"], &env).ok();
    let seen = fake.downloads();
    assert_eq!(seen.len(), 2);
    let waited = seen[1].at - seen[0].at;
    assert!(
        waited >= Duration::from_millis(950),
        "waited only {waited:?}"
    );
    // A Retry-After longer than what is left gives up at once, saying why.
    let restore = sandbox.read("snap.age");
    assert_ne!(restore, old);
    fake.set_mode(Mode::RateLimited(120));
    snapshot_with(&sandbox, &recipient, "doppler", &["--timeout", "5s"], &env)
        .code(12)
        .stderr_has("server-error: HTTP 429 Too Many Requests")
        .stderr_has("the server asked to retry after 120 s, past the deadline");
    assert_eq!(sandbox.read("snap.age"), restore);
}

#[test]
fn transport_failures_are_unreachable() {
    let (sandbox, recipient, old) = sandbox_with_old_snapshot();
    let refused = format!("http://127.0.0.1:{}", refused_port());
    snapshot_with(
        &sandbox,
        &recipient,
        "doppler",
        &[],
        &[
            ("DOPPLER_TOKEN", DOPPLER_TOKEN),
            ("DOPPLER_API_HOST", &refused),
        ],
    )
    .code(12)
    .stderr_has("unreachable: connection refused (after 2 attempts)");
    let silent = Silent::start();
    let silent_url = format!("http://127.0.0.1:{}", silent.port);
    snapshot_with(
        &sandbox,
        &recipient,
        "doppler",
        &["--timeout", "1s"],
        &[
            ("DOPPLER_TOKEN", DOPPLER_TOKEN),
            ("DOPPLER_API_HOST", &silent_url),
        ],
    )
    .code(12)
    .stderr_has("unreachable: no complete answer within the deadline of 1000 ms");
    assert_eq!(sandbox.read("snap.age"), old);
    snapshot_with(
        &sandbox,
        &recipient,
        "doppler",
        &[],
        &[
            ("DOPPLER_TOKEN", DOPPLER_TOKEN),
            ("DOPPLER_API_HOST", "ftp://127.0.0.1"),
        ],
    )
    .code(2)
    .stderr_has("must be an http:// or https:// address");
}

/// DNS fails inside a network namespace of its own (no interface but a down loopback),
/// so the lookup cannot send a query anywhere.
#[test]
fn dns_failure_is_unreachable() {
    let (sandbox, recipient, old) = sandbox_with_old_snapshot();
    let output = Command::new("unshare")
        .args([
            "-rn",
            env!("CARGO_BIN_EXE_lifeboat"),
            "snapshot",
            "--source",
            "doppler",
            "-r",
            &recipient,
            "-o",
            "snap.age",
            "--timeout",
            "3s",
        ])
        .current_dir(sandbox.root())
        .env_clear()
        .env("DOPPLER_TOKEN", DOPPLER_TOKEN)
        .env("DOPPLER_API_HOST", "https://api.doppler.invalid")
        .output()
        .expect("unshare (util-linux) is required");
    let stderr = String::from_utf8_lossy(&output.stderr);
    crate::util::assert_no_secrets(&stderr, "stderr");
    assert_eq!(output.status.code(), Some(12), "{stderr}");
    assert!(
        stderr.contains("unreachable: DNS lookup failed"),
        "{stderr}"
    );
    assert_eq!(sandbox.read("snap.age"), old);
}

/// A redirect to another origin is not followed, so the token never reaches it.
#[test]
fn the_token_is_sent_only_to_its_origin() {
    let fake = doppler();
    let elsewhere = FakeServer::start(|_| Reply::json(200, &json!({"STOLEN": "yes"})));
    let (sandbox, recipient, old) = sandbox_with_old_snapshot();
    fake.set_mode(Mode::Redirect(elsewhere.url()));
    snapshot_with(
        &sandbox,
        &recipient,
        "doppler",
        &[],
        &[
            ("DOPPLER_TOKEN", DOPPLER_TOKEN),
            ("DOPPLER_API_HOST", &fake.url()),
        ],
    )
    .code(12)
    .stderr_has(&format!(
        "bad-response: HTTP 302 Found: a redirect to {}, not followed",
        elsewhere.url()
    ));
    assert!(
        elsewhere.seen().is_empty(),
        "the other origin was contacted"
    );
    assert_eq!(sandbox.read("snap.age"), old);
}

/// HTTPS_PROXY and NO_PROXY are honoured: a local proxy sees the CONNECT for the
/// service, and nothing leaves the machine.
#[test]
fn proxies_are_honoured() {
    let proxy = FakeServer::start(|_| Reply::text(502, "no upstream here"));
    let (sandbox, recipient, _) = sandbox_with_old_snapshot();
    let env = [
        ("DOPPLER_TOKEN", DOPPLER_TOKEN),
        ("DOPPLER_API_HOST", "https://api.doppler.invalid"),
        ("HTTPS_PROXY", &proxy.url() as &str),
    ];
    snapshot_with(&sandbox, &recipient, "doppler", &["--timeout", "2s"], &env).code(12);
    let seen = proxy.seen();
    assert!(!seen.is_empty(), "the proxy was not used");
    assert_eq!(seen[0].method, "CONNECT");
    assert_eq!(seen[0].target, "api.doppler.invalid:443");
    assert!(
        !seen[0].headers.contains_key("authorization"),
        "the token went to the proxy"
    );
    // NO_PROXY: the fake is reached directly, the proxy not at all.
    let fake = doppler();
    let before = proxy.seen().len();
    let env = [
        ("DOPPLER_TOKEN", DOPPLER_TOKEN),
        ("DOPPLER_API_HOST", &fake.url() as &str),
        ("HTTP_PROXY", &proxy.url() as &str),
        ("NO_PROXY", "127.0.0.1"),
    ];
    snapshot_with(&sandbox, &recipient, "doppler", &[], &env).ok();
    assert_eq!(proxy.seen().len(), before);
}

/// VAULT_NAMESPACE reaches the server as X-Vault-Namespace (a Vault Enterprise and OpenBao
/// feature; checked on a recording server, since the dev server's namespaces need setup
/// this test does not need).
#[test]
fn vault_namespace_header() {
    let server = FakeServer::start(|request| {
        if request.headers.get("x-vault-namespace").map(String::as_str) == Some("team-a")
            && request.target == "/v1/kv/data/app"
        {
            Reply::json(
                200,
                &json!({"data": {"data": {"API_KEY": CANARIES[0]}, "metadata": {"version": 3}}}),
            )
        } else {
            Reply::json(404, &json!({"errors": []}))
        }
    });
    let (sandbox, recipient, _) = sandbox_with_old_snapshot();
    let env = [
        ("VAULT_ADDR", &server.url() as &str),
        ("VAULT_TOKEN", ROOT_TOKEN),
        ("VAULT_NAMESPACE", "team-a"),
    ];
    snapshot_with(&sandbox, &recipient, "vault:kv/app", &[], &env)
        .ok()
        .stdout_has("1 secret from vault namespace team-a kv/app (version 3)");
    assert_eq!(server.seen()[0].headers["x-vault-token"], ROOT_TOKEN);
}

/// A hostile or broken service cannot hold a build or a start past its deadline, nor
/// flood lifeboat: a body that trickles one byte a second, a megabyte of headers.
#[test]
fn a_trickling_body_or_a_flood_of_headers_is_cut_off() {
    let fake = doppler();
    let (sandbox, recipient, old) = sandbox_with_old_snapshot();
    let env = [
        ("DOPPLER_TOKEN", DOPPLER_TOKEN),
        ("DOPPLER_API_HOST", &fake.url() as &str),
    ];
    let cases = [
        (Mode::Trickle, "unreachable: "),
        (Mode::HugeHeaders, "bad-response: "),
    ];
    for (mode, message) in cases {
        fake.set_mode(mode.clone());
        let started = std::time::Instant::now();
        let run = snapshot_with(&sandbox, &recipient, "doppler", &["--timeout", "2s"], &env);
        let took = started.elapsed();
        run.code(12).no_stdout().stderr_has(message);
        // Not a speed assertion: a bound on hanging, far above the 2 s deadline.
        assert!(
            took < Duration::from_secs(10),
            "{mode:?} held snapshot for {took:?}"
        );
        assert_eq!(
            sandbox.read("snap.age"),
            old,
            "{mode:?} changed the snapshot"
        );

        // At start, the same service means the snapshot.
        let run = sandbox.run_env(
            &[
                "run",
                "--source",
                "doppler",
                "--snapshot",
                "snap.age",
                "-i",
                "key.txt",
                "--timeout",
                "2s",
                // The snapshot here is a file: one; that it stands in for Doppler is meant.
                "--allow-other-source",
                "--",
                "true",
            ],
            &env,
        );
        run.ok()
            .stderr_has(message)
            .stderr_has("starting from snapshot");
    }
}
