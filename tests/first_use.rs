//! What a first-time user trips on, each found by following the README literally and then
//! making the usual mistakes: key text or a token where a path belongs, a snapshot of
//! another provider, a mistyped flag, `LIFEBOAT_OFFLINE=1`, `recover FILE`, a missing key
//! with the service down, a load balancer with no backend, and `run --check`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::run::setup;
use crate::services::http_fake::{FakeServer, Reply};
use crate::services::listeners::refused_port;
use crate::util::{has_private_key, Sandbox, TOKENS};

/// What lifeboat shows instead of a value that looks like key text or a token.
const NOT_SHOWN: &str = "[a value that looks like key text or a token, not shown]";

fn repo(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(path)
        .display()
        .to_string()
}

#[test]
fn key_text_and_tokens_given_as_paths_are_never_echoed() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("runtime.key");
    sandbox.canary_snapshot("snap.age", &[&recipient], &[]);
    let key_text = String::from_utf8(sandbox.read("runtime.key")).unwrap();
    assert!(has_private_key(&key_text));

    // `-i "$(cat runtime.key)"`: the key where its path belongs.
    let run = sandbox.run(&["verify", "snap.age", "-i", &key_text]);
    run.code(3)
        .stderr_has(&format!("cannot read {NOT_SHOWN}"))
        .stderr_has("put it in LIFEBOAT_IDENTITY");
    // The same through LIFEBOAT_IDENTITY_FILE in `run`, in JSON too.
    let down = format!("http://127.0.0.1:{}", refused_port());
    for format in ["text", "json"] {
        let run = sandbox.run_env(
            &[
                "--log-format",
                format,
                "run",
                "--snapshot",
                "snap.age",
                "--",
                "true",
            ],
            &[
                ("LIFEBOAT_SOURCE", "doppler"),
                ("DOPPLER_TOKEN", TOKENS[0]),
                ("DOPPLER_API_HOST", &down),
                ("LIFEBOAT_IDENTITY_FILE", &key_text),
            ],
        );
        run.code(3).stderr_has(NOT_SHOWN);
        assert!(!has_private_key(&run.stderr), "{format}: {}", run.stderr);
    }

    // `--token-file TOKEN` (and the AppRole files): the token is not shown either.
    for (flag, token) in [
        ("--token-file", "hvs.CAESIcanaryTokenGivenAsAPath1234"),
        ("--token-file", TOKENS[0]),
        ("--role-id-file", "hvs.CAESIcanaryRoleIdGivenAsAPath1234"),
        // An AppRole id is a UUID: no heuristic could tell it from a file name.
        ("--secret-id-file", "4f2a8c1e-7b3d-4e5f-9a6b-canary0c1d2e"),
    ] {
        let mut args = vec![
            "snapshot",
            "--source",
            "vault:secret/app",
            "-r",
            &recipient,
            "-o",
            "out.age",
        ];
        args.extend([flag, token]);
        let run = sandbox.run_env(
            &args,
            &[
                ("VAULT_ADDR", "http://127.0.0.1:1"),
                ("VAULT_SECRET_ID", "x"),
            ],
        );
        run.code(3)
            .stderr_has(&format!("cannot read the file given to {flag}"));
        assert!(!run.stderr.contains(token), "{flag}: {}", run.stderr);
    }

    // A private SSH key where a public key or a key file belongs: clap would otherwise
    // print it (it starts with `-----`), once with `-r` and twice with `-i`.
    let made = sandbox.tool(
        "ssh-keygen",
        &["-q", "-t", "ed25519", "-N", "", "-f", "id_ed25519"],
    );
    assert!(made.status.success());
    sandbox.holds_secrets("id_ed25519");
    let ssh_key = String::from_utf8(sandbox.read("id_ed25519")).unwrap();
    let run = sandbox.run(&[
        "snapshot",
        "--source",
        "file:canaries.env",
        "-r",
        &ssh_key,
        "-o",
        "x.age",
    ]);
    run.code(2)
        .stderr_has("this is a private key; give the public key");
    assert!(!has_private_key(&run.stderr));
    let run = sandbox.run(&["verify", "snap.age", "-i", &ssh_key]);
    run.code(3).stderr_has(NOT_SHOWN);
    assert!(
        !run.stderr.contains("b3BlbnNzaC1rZXktdjE"),
        "{}",
        run.stderr
    );
    // A clap error with such a value in it (here: after an unknown flag) is scrubbed too.
    let run = sandbox.run(&["verify", "snap.age", "--no-such-flag", &ssh_key]);
    run.code(2);
    assert!(
        !run.stderr.contains("b3BlbnNzaC1rZXktdjE"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("PRIVATE KEY"), "{}", run.stderr);

    // `-i age1…`: a public key where the private one belongs is named as such.
    sandbox
        .run(&["verify", "snap.age", "-i", &recipient])
        .code(3)
        .stderr_has("that is a public key (a recipient, for -r)");
}

/// A snapshot of another provider is another scope (exit 23) unless the user says it is
/// meant; a `file:` snapshot under a live source included.
#[test]
fn the_scope_check_compares_the_provider() {
    let setup = setup();
    let down = format!("http://127.0.0.1:{}", refused_port());
    // A Vault start has no Doppler token (one it had would be the app's: only the
    // configured source's credentials are removed).
    let vault = [
        ("LIFEBOAT_SOURCE", "vault:secret/app"),
        ("VAULT_ADDR", down.as_str()),
        ("VAULT_TOKEN", TOKENS[1]),
        ("DOPPLER_TOKEN", ""),
    ];
    // The Doppler snapshot, with Vault down.
    setup
        .run(&down, &[], &vault)
        .code(23)
        .stderr_has("the snapshot was made from a \"doppler\" source, but run is configured for a \"vault\" source");
    assert!(setup.app_env().is_none());
    let run = setup.run(&down, &["--allow-other-source"], &vault);
    setup.assert_fell_back(&run);

    // A file: snapshot under doppler, with Doppler down.
    let sandbox = &setup.sandbox;
    let recipient = String::from_utf8_lossy(&sandbox.tool("age-keygen", &["-y", "key.txt"]).stdout)
        .trim()
        .to_string();
    sandbox.canary_snapshot("file.age", &[&recipient], &[]);
    setup
        .run(&down, &["--snapshot", "file.age"], &[])
        .code(23)
        .stderr_has("made from a \"file\" source, but run is configured for a \"doppler\" source");
    setup
        .run(
            &down,
            &["--snapshot", "file.age"],
            &[("LIFEBOAT_ALLOW_OTHER_SOURCE", "yes")],
        )
        .ok()
        .stderr_has("starting from snapshot");
    // With the service up the app starts live, and the operator learns of it.
    setup
        .run(&setup.fake.url(), &["--snapshot", "file.age"], &[])
        .ok()
        .stderr_has("could not serve as a fallback")
        .stderr_has("made from a \"file\" source");
}

#[test]
fn a_mistyped_flag_is_a_usage_error_never_the_app() {
    let setup = setup();
    let before = setup.fake.downloads().len();
    let run = setup.run(&setup.fake.url(), &["--keep-existing-evn"], &[]);
    run.code(2)
        .stderr_has("unexpected argument '--keep-existing-evn'")
        .stderr_has("a similar argument exists: '--keep-existing-env'");
    let run = setup.run(&setup.fake.url(), &["--ofline"], &[]);
    run.code(2)
        .stderr_has("a similar argument exists: '--offline'");
    assert!(setup.app_env().is_none());
    assert_eq!(
        setup.fake.downloads().len(),
        before,
        "a mistyped flag fetched secrets"
    );
    // Without `--` the app is not taken from the flags either.
    setup
        .sandbox
        .run(&["run", "--offline", "true"])
        .code(2)
        .stderr_has("unexpected argument 'true'");
    // A lifeboat flag after `--` goes to the app, with a note.
    setup
        .sandbox
        .run_env(
            &["run", "--snapshot", "snap.age", "--", "--offline", "true"],
            &[("LIFEBOAT_IDENTITY_FILE", "key.txt")],
        )
        .code(2)
        .stderr_has("note: --offline comes after `--`, so it goes to the app, not to lifeboat");
}

#[test]
fn boolean_variables_read_as_people_write_them() {
    let setup = setup();
    for value in ["1", "yes", "ON", "True", "t"] {
        let run = setup.run(&setup.fake.url(), &[], &[("LIFEBOAT_OFFLINE", value)]);
        run.ok().stderr_has("offline");
        assert_eq!(
            setup.app_env().unwrap()["LIFEBOAT_ORIGIN"],
            "snapshot",
            "{value}"
        );
    }
    for value in ["0", "no", "Off", "false"] {
        setup
            .run(&setup.fake.url(), &[], &[("LIFEBOAT_OFFLINE", value)])
            .ok();
        assert_eq!(
            setup.app_env().unwrap()["LIFEBOAT_ORIGIN"],
            "live",
            "{value}"
        );
    }
    // A variable set to no is not the flag: no conflict with --live-only.
    setup
        .run(
            &setup.fake.url(),
            &[],
            &[("LIFEBOAT_OFFLINE", "0"), ("LIFEBOAT_LIVE_ONLY", "1")],
        )
        .ok();
    setup
        .run(
            &setup.fake.url(),
            &[],
            &[("LIFEBOAT_OFFLINE", "1"), ("LIFEBOAT_LIVE_ONLY", "yes")],
        )
        .code(2)
        .stderr_has("--offline and --live-only cannot both be set");
    setup
        .run(&setup.fake.url(), &[], &[("LIFEBOAT_OFFLINE", "maybe")])
        .code(2)
        .stderr_has("error: LIFEBOAT_OFFLINE holds an invalid value 'maybe' for '--offline'")
        .stderr_has("expected 1 or 0, true or false, yes or no, on or off");
    // Usage errors follow the log format.
    let run = setup.run(
        &setup.fake.url(),
        &[],
        &[
            ("LIFEBOAT_OFFLINE", "maybe"),
            ("LIFEBOAT_LOG_FORMAT", "json"),
        ],
    );
    run.code(2);
    let event: Value = serde_json::from_str(run.stderr.trim()).expect("one JSON object");
    assert_eq!(event["exit_code"], 2);
    assert_eq!(event["error"], "usage");
    assert!(event["message"]
        .as_str()
        .unwrap()
        .contains("LIFEBOAT_OFFLINE"));
}

#[test]
fn recover_verify_and_inspect_take_the_snapshot_alike() {
    let sandbox = Sandbox::new();
    let identity = repo("tests/data/v1/identity.txt");
    let snapshot = repo("tests/data/v1/snapshot.age");
    let image = repo("fuzz/seeds/image_archive/oci-archive.tar");
    sandbox
        .run(&["recover", &snapshot, "-i", &identity, "--format", "json"])
        .ok()
        .stdout_has("\"API_TOKEN\": \"tok_vector_0123456789\"");
    sandbox
        .run(&["verify", "--image", &image, "-i", &identity])
        .ok()
        .stdout_has(
            "oci-archive.tar:/etc/lifeboat/snapshot.age is snapshot 20261121T051536Z-b808eb42578c",
        );
    sandbox.run(&["inspect", &snapshot]).ok();
    sandbox.run(&["inspect", "--image", &image]).ok();
    // One vocabulary in every --json output: `snapshot` (the path) and `snapshot_id`.
    for args in [
        vec!["inspect", snapshot.as_str(), "--json"],
        vec![
            "verify",
            snapshot.as_str(),
            "-i",
            identity.as_str(),
            "--json",
        ],
    ] {
        let json: Value = serde_json::from_str(&sandbox.run(&args).ok().stdout).unwrap();
        assert_eq!(json["snapshot"], snapshot, "{args:?}");
        assert_eq!(
            json["snapshot_id"], "20261121T051536Z-b808eb42578c",
            "{args:?}"
        );
    }
}

/// A load balancer with no healthy backend accepts and closes: `run` falls back at once,
/// as for a refused connection; `snapshot` tries three times in all.
#[test]
fn a_connection_accepted_then_closed() {
    let setup = setup();
    let balancer = FakeServer::start(|_| Reply::Close);
    let started = Instant::now();
    let run = setup.run(&balancer.url(), &["--timeout", "10s"], &[]);
    let took = started.elapsed();
    setup.assert_fell_back(&run);
    run.stderr_has("unreachable: ");
    assert_eq!(balancer.seen().len(), 1, "run retried a closed connection");
    // Not a speed assertion: a bound far under the 10 s deadline it used to run into.
    assert!(took < Duration::from_secs(5), "run took {took:?}");

    let recipient = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
    setup
        .sandbox
        .run_env(
            &[
                "snapshot", "--source", "doppler", "-r", recipient, "-o", "lb.age",
            ],
            &[
                ("DOPPLER_TOKEN", TOKENS[0]),
                ("DOPPLER_API_HOST", &balancer.url()),
            ],
        )
        .code(12)
        .stderr_has("after 3 attempts");
    assert_eq!(balancer.seen().len(), 4);
}

/// `run --check`: everything but the exec, then what would have happened, with the code
/// `run` would have had.
#[test]
fn run_check_reports_without_starting_the_app() {
    let setup = setup();
    let run = setup.run(&setup.fake.url(), &["--check"], &[]);
    run.ok()
        .stdout_has("check: ok: would start /")
        .stdout_has("secrets from the live source");
    assert!(setup.app_env().is_none(), "--check started the app");
    let down = format!("http://127.0.0.1:{}", refused_port());
    setup
        .run(&down, &["--check"], &[])
        .ok()
        .stdout_has(&format!("from the snapshot {}", setup.snapshot_id));
    assert!(setup.app_env().is_none());
    // The codes run would have had.
    setup
        .run(
            &down,
            &["--check", "--max-age", "1s"],
            &[("LIFEBOAT_SNAPSHOT", "missing.age")],
        )
        .code(20)
        .no_stdout();
    let denied = FakeServer::start(|_| Reply::text(403, "no"));
    setup
        .run(&denied.url(), &["--check"], &[])
        .code(10)
        .no_stdout();
    let keys = [
        ("LIFEBOAT_SNAPSHOT", "snap.age"),
        ("LIFEBOAT_IDENTITY_FILE", "key.txt"),
    ];
    setup
        .sandbox
        .run_env(
            &["run", "--check", "--offline", "--", "no-such-app-anywhere"],
            &keys,
        )
        .code(127)
        .stderr_has("command not found: no-such-app-anywhere");
    let run = setup.sandbox.run_env(
        &[
            "--log-format=json",
            "run",
            "--check",
            "--offline",
            "--",
            "sh",
        ],
        &keys,
    );
    run.ok();
    let report: Value = serde_json::from_str(run.stdout.trim()).expect("a JSON report");
    assert_eq!(report["check"], "ok");
    assert_eq!(report["app_variables"]["LIFEBOAT_ORIGIN"], "snapshot");
}

/// The smaller things: plurals, a summary instead of a thousand fingerprints, --force.
#[test]
fn messages_a_person_can_read() {
    let sandbox = Sandbox::new();
    let mut recipients = Vec::new();
    for n in 0..7 {
        recipients.push(sandbox.keygen(&format!("k{n}.key")));
    }
    sandbox.keygen("stranger.key");
    let refs: Vec<&str> = recipients.iter().map(String::as_str).collect();
    sandbox.write("one.env", "ONLY=1\n");
    let mut args = vec!["snapshot", "--source", "file:one.env", "-o", "one.age"];
    for r in &refs {
        args.extend(["-r", r]);
    }
    sandbox
        .run(&args)
        .ok()
        .stdout_has("1 secret from file one.env")
        .stderr_has("to 7 recipients");
    sandbox
        .run(&["verify", "one.age", "-i", "stranger.key"])
        .code(21)
        .stderr_has("and 2 more (`lifeboat inspect` lists them all)");
    sandbox.write("out.env", "x");
    sandbox
        .run(&["recover", "one.age", "-i", "k0.key", "-o", "out.env"])
        .code(1)
        .stderr_has("--force replaces it");
}

/// An empty service address (an image's `ENV VAULT_ADDR=` from a build argument nobody
/// gave) is a configuration error before any request, never Vault's default and a quiet
/// fallback; one without a scheme says what to write. Unset, the default is used and named.
#[test]
fn an_empty_or_schemeless_service_address_is_a_configuration_error() {
    let setup = setup();
    let sandbox = &setup.sandbox;
    for (variable, source, value, said) in [
        (
            "VAULT_ADDR",
            "vault:secret/app",
            "",
            "VAULT_ADDR is set but empty",
        ),
        (
            "VAULT_ADDR",
            "vault:secret/app",
            "  ",
            "VAULT_ADDR is set but empty",
        ),
        (
            "VAULT_ADDR",
            "vault:secret/app",
            "vault.internal:8200",
            "VAULT_ADDR has no scheme: write it as https://HOST:PORT",
        ),
        (
            "DOPPLER_API_HOST",
            "doppler",
            "",
            "DOPPLER_API_HOST is set but empty",
        ),
    ] {
        let run = sandbox.run_env(
            &[
                "run",
                "--snapshot",
                "snap.age",
                "--source",
                source,
                "--allow-other-source",
                "--",
                "sh",
                "-c",
                "env -0 > app.env",
            ],
            &[
                (variable, value),
                ("VAULT_TOKEN", TOKENS[1]),
                ("DOPPLER_TOKEN", TOKENS[0]),
                ("LIFEBOAT_IDENTITY_FILE", "key.txt"),
            ],
        );
        run.code(2).stderr_has(said);
        assert!(
            setup.app_env().is_none(),
            "{variable}={value:?}: the app started"
        );
    }
    // Unset: Vault's default, named in the message (nothing listens there on this host).
    let run = sandbox.run_env(
        &[
            "run",
            "--snapshot",
            "snap.age",
            "--source",
            "vault:secret/app",
            "--allow-other-source",
            "--timeout",
            "1s",
            "--",
            "sh",
            "-c",
            "env -0 > app.env",
        ],
        &[
            ("VAULT_TOKEN", TOKENS[1]),
            ("LIFEBOAT_IDENTITY_FILE", "key.txt"),
        ],
    );
    run.ok().stderr_has("at https://127.0.0.1:8200");
}

/// A newcomer's mistakes, each told the way out: a recipients file given to `-r`, a
/// mistyped source kind (a suggestion that is itself accepted), a Vault KV path written
/// the way the HTTP API spells it (checked against a real OpenBao).
#[test]
fn a_newcomer_s_mistakes_name_the_way_out() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.write("runtime.pub", format!("{recipient}\n"));
    sandbox.write("a.env", "A=1\n");
    sandbox
        .run(&[
            "snapshot",
            "--source",
            "file:a.env",
            "-r",
            "runtime.pub",
            "-o",
            "s.age",
        ])
        .code(2)
        .stderr_has("it names a file, not a recipient: give a file of recipients with -R FILE");
    for (source, meant) in [
        ("dopler", "did you mean doppler?"),
        ("Doppler", "did you mean doppler?"),
        ("vault/secret/app", "did you mean vault:secret/app?"),
        (
            "https//example.invalid/x",
            "did you mean https://example.invalid/x?",
        ),
    ] {
        sandbox
            .run(&[
                "snapshot", "--source", source, "-r", &recipient, "-o", "s.age",
            ])
            .code(2)
            .stderr_has(meant);
    }
    let bao = crate::services::bao::Bao::start();
    bao.put("secret/app", &["A=1"]);
    sandbox
        .run_env(
            &[
                "snapshot",
                "--source",
                "vault:secret/data/app",
                "-r",
                &recipient,
                "-o",
                "s.age",
            ],
            &[
                ("VAULT_ADDR", &bao.address),
                ("VAULT_TOKEN", crate::services::bao::ROOT_TOKEN),
            ],
        )
        .code(11)
        .stderr_has("without the API's data/ segment: vault:secret/app, not vault:secret/data/app");
    assert!(!sandbox.path("s.age").exists());
}

/// A lifeboat flag among the app's arguments, anywhere after `--`: when the start fails
/// (no key, no source), the note says where the flag went.
#[test]
fn a_lifeboat_flag_after_the_separator_is_named_when_the_start_fails() {
    let sandbox = Sandbox::new();
    sandbox.keygen("runtime.key");
    for (args, flags) in [
        (
            &["run", "--offline", "--", "env", "-i", "runtime.key"][..],
            "-i",
        ),
        (
            &["run", "--offline", "--", "-i", "runtime.key", "env"][..],
            "-i",
        ),
        (&["run", "--", "env", "--offline"][..], "--offline"),
    ] {
        let run = sandbox.run(args);
        assert_ne!(run.code, 0, "{args:?}");
        run.stderr_has(&format!(
            "note: {flags} after `--` went to the app, not to lifeboat; put lifeboat's flags before `--`"
        ));
    }
}

/// Errors that say what to do: a mistyped `-i` path, an unknown `--only` name (the close
/// names listed), a `--token-file` path that is plainly a path (named; one that may be
/// the token itself is not), a path put in `LIFEBOAT_IDENTITY`, `keygen --passphrase`
/// with no terminal (about the flag, not a file that does not exist), an unknown `--file`.
#[test]
fn errors_say_what_to_do() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("k.key");
    sandbox.write("a.env", "API_KEY=1\nDB_PASSWORD=2\n");
    sandbox
        .run(&[
            "snapshot",
            "--source",
            "file:a.env",
            "-r",
            &recipient,
            "-o",
            "s.age",
        ])
        .ok();
    sandbox
        .run(&["recover", "s.age", "-i", "k.kye"])
        .code(3)
        .stderr_has(
            "hint: check the path given to -i (LIFEBOAT_IDENTITY_FILE for run): it names no file",
        );
    sandbox
        .run(&["recover", "s.age", "-i", "k.key", "--only", "API_KY"])
        .code(2)
        .stderr_has(
            "--only API_KY: the snapshot holds no secret of that name; did you mean API_KEY?",
        );
    sandbox
        .run(&[
            "snapshot",
            "--source",
            "doppler",
            "--token-file",
            "./nofile",
            "-r",
            &recipient,
            "-o",
            "t.age",
        ])
        .code(3)
        .stderr_has("cannot read the file ./nofile given to --token-file");
    let bare = sandbox.run(&[
        "snapshot",
        "--source",
        "doppler",
        "--token-file",
        "dp-pasted-value",
        "-r",
        &recipient,
        "-o",
        "t.age",
    ]);
    bare.code(3)
        .stderr_has("cannot read the file given to --token-file");
    assert!(!bare.stderr.contains("dp-pasted-value"));
    sandbox
        .run_env(
            &["run", "--offline", "--snapshot", "s.age", "--", "true"],
            &[("LIFEBOAT_IDENTITY", "./k.key")],
        )
        .code(3)
        .stderr_has("set LIFEBOAT_IDENTITY_FILE to the path instead");
    let args = ["keygen", "--passphrase", "-o", "pp.key"];
    sandbox
        .run_with(sandbox.wrapped(&["setsid", "-w"], &args), &args)
        .code(2)
        .stderr_has(
            "--passphrase asks for the new key's passphrase on a terminal, and there is none",
        );
    assert!(!sandbox.path("pp.key").exists());
    sandbox
        .run_env(
            &[
                "run",
                "--offline",
                "--snapshot",
                "s.age",
                "--files-dir",
                "/dev/shm/lifeboat-test-x",
                "--file",
                "TLS_KEY",
                "--check",
                "--",
                "true",
            ],
            &[("LIFEBOAT_IDENTITY_FILE", "k.key")],
        )
        .code(2)
        .stderr_has("or leave out --file (LIFEBOAT_FILES) for an app that has none");
}

/// `--version` alone is answered before the parser is built; it says exactly what the
/// parser says (reached here through another flag first).
#[test]
fn the_quick_version_is_the_parser_s_version() {
    let sandbox = Sandbox::new();
    let quick = sandbox.run(&["--version"]);
    let short = sandbox.run(&["-V"]);
    let parsed = sandbox.run(&["--log-format", "text", "--version"]);
    quick.ok();
    assert!(
        quick.stdout.starts_with("lifeboat 0.1.0 (commit "),
        "{}",
        quick.stdout
    );
    assert_eq!(quick.stdout, parsed.ok().stdout);
    assert_eq!(short.ok().stdout, quick.stdout);
}
