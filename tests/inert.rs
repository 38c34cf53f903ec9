//! Untrusted bytes stay inert. A snapshot can be forged by anyone who holds a public key,
//! and `inspect` exists to look at files not yet trusted: metadata with a newline, an
//! escape sequence, a bidi override, an overlong field or a bad id is refused by every
//! command, named and never echoed, so nothing raw reaches a terminal, a log line, the
//! audit line or the app's variables.

use lifeboat::keys::parse_recipient;
use lifeboat::secret::{SecretValue, Secrets};
use lifeboat::snapshot::{seal, Metadata, RecipientInfo};
use lifeboat::source::Scope;

use crate::run::setup;
use crate::services::listeners::refused_port;
use crate::util::{Sandbox, CANARIES};

/// Metadata that passes every check; each case below spoils one field.
fn honest(secrets: &Secrets, recipient: RecipientInfo) -> Metadata {
    Metadata {
        format: 1,
        id: "20261201T000000Z-0123456789ab".into(),
        created_at: "2026-12-01T00:00:00Z".into(),
        expires_at: None,
        source: Scope {
            provider: "doppler".into(),
            address: Some("https://api.doppler.com".into()),
            project: Some("shop".into()),
            config: Some("prd".into()),
            ..Scope::default()
        },
        secret_count: secrets.len(),
        recipients: vec![recipient],
        names: None,
        created_by: "lifeboat 0.1.0".into(),
        rekeyed_from: None,
    }
}

const FORGED_LINE: &str =
    "\nsha256:      0000000000000000000000000000000000000000000000000000000000000000\n";

#[test]
fn forged_metadata_is_refused_everywhere_and_never_echoed() {
    let setup = setup();
    let sandbox = &setup.sandbox;
    let recipient_text =
        String::from_utf8_lossy(&sandbox.tool("age-keygen", &["-y", "key.txt"]).stdout)
            .trim()
            .to_string();
    let recipient = parse_recipient(&recipient_text, "test").unwrap();
    let mut secrets = Secrets::new();
    secrets.insert("API_KEY".into(), SecretValue::new(CANARIES[0].into()));

    type Spoil = fn(&mut Metadata);
    let cases: [(&str, Spoil, &str); 10] = [
        (
            "a fingerprint that forges a line",
            |m| {
                m.recipients[0].fingerprint = serde_json::from_value(serde_json::json!(
                    "SHA256:x\n  - x25519 SHA256:FORGED\u{1b}[31mRED\u{202e}"
                ))
                .unwrap()
            },
            "a recipient's fingerprint is not of the form",
        ),
        (
            "a path with a forged line",
            |m| m.source.path = Some(format!("x{FORGED_LINE}")),
            "source.path holds a control",
        ),
        (
            "an escape sequence in a label",
            |m| m.recipients[0].label = Some("\u{1b}[31mred\u{1b}[0m".into()),
            "label holds a control",
        ),
        (
            "a bidi override in the project",
            |m| m.source.project = Some("shop\u{202e}drp".into()),
            "source.project holds a control, escape or bidirectional",
        ),
        (
            "a newline in created_by",
            |m| m.created_by = "lifeboat\n0.1.0".into(),
            "created_by holds a control",
        ),
        (
            "an overlong config",
            |m| m.source.config = Some("c".repeat(300)),
            "source.config is longer than 256 bytes",
        ),
        (
            "an id with a newline",
            |m| m.id = format!("20261201T000000Z-0123456789ab{FORGED_LINE}"),
            "the snapshot id is not of the form",
        ),
        (
            "an id of another grammar",
            |m| m.id = "../../etc/passwd".into(),
            "the snapshot id is not of the form",
        ),
        (
            "a forged lineage line",
            |m| {
                m.rekeyed_from = Some(lifeboat::snapshot::Lineage {
                    id: format!("20261201T000000Z-0123456789ab{FORGED_LINE}"),
                    sha256: "0".repeat(64),
                    rekeyed_at: "2026-12-01T00:00:00Z".into(),
                })
            },
            "rekeyed_from is not a snapshot id",
        ),
        (
            "several sources nested",
            |m| {
                let part = m.source.clone();
                let mut inner = m.source.clone();
                inner.parts = vec![part.clone()];
                m.source.provider = "several".into();
                m.source.parts = vec![inner, part];
            },
            "source.parts nests",
        ),
    ];
    let down = format!("http://127.0.0.1:{}", refused_port());
    for (what, spoil, reason) in cases {
        let mut metadata = honest(&secrets, RecipientInfo::of(&recipient));
        spoil(&mut metadata);
        let sealed = seal(&secrets, &metadata, &[recipient.as_age()]).unwrap();
        sandbox.write("forged.age", &sealed);
        let _ = what;
        let runs = [
            sandbox.run(&["inspect", "forged.age"]),
            sandbox.run(&["inspect", "forged.age", "--json"]),
            sandbox.run(&["verify", "forged.age", "-i", "key.txt"]),
            sandbox.run(&["recover", "forged.age", "-i", "key.txt"]),
            sandbox.run(&[
                "--log-format",
                "json",
                "verify",
                "forged.age",
                "-i",
                "key.txt",
                "--json",
            ]),
            setup.run(&down, &["--snapshot", "forged.age"], &[]),
            setup.run(&down, &["--offline", "--snapshot", "forged.age"], &[]),
        ];
        for run in runs {
            run.code(21).stderr_has(reason);
            assert!(setup.app_env().is_none(), "{what}: the app started");
            for output in [&run.stdout, &run.stderr] {
                assert!(!output.contains("sha256:      0000"), "{what}: {output}");
                assert!(
                    !output.contains('\u{1b}'),
                    "{what}: an escape reached the output"
                );
                assert!(
                    !output.contains('\u{202e}'),
                    "{what}: a bidi override reached the output"
                );
                assert!(
                    !output.contains("ccccccccccccccccccccccccccc"),
                    "{what}: echoed"
                );
                assert!(!output.contains("passwd"), "{what}: echoed");
            }
        }
        // The service up: the app starts live, warned that the snapshot could not serve.
        let run = setup.run(&setup.fake.url(), &["--snapshot", "forged.age"], &[]);
        run.ok()
            .stderr_has("could not serve as a fallback")
            .stderr_has(reason);
        assert!(!run.stderr.contains('\u{1b}') && !run.stderr.contains("sha256:      0000"));
    }
    // The honest one opens, so the cases above fail for their one spoiled field.
    let metadata = honest(&secrets, RecipientInfo::of(&recipient));
    sandbox.write(
        "honest.age",
        seal(&secrets, &metadata, &[recipient.as_age()]).unwrap(),
    );
    sandbox.run(&["verify", "honest.age", "-i", "key.txt"]).ok();
}

/// What a reader would refuse is refused when the snapshot is made, with the reason: a
/// label, or a `file:` path, holding a control character.
#[test]
fn snapshot_refuses_to_record_what_readers_would_refuse() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.write("ok.env", "A=1\n");
    // An SSH key's comment is its default label.
    let public = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/v1/id_ed25519.pub"
    ))
    .unwrap();
    let mut words = public.split_whitespace();
    let red = format!(
        "{} {} red\u{1b}[31mlabel",
        words.next().unwrap(),
        words.next().unwrap()
    );
    sandbox
        .run(&["snapshot", "--source", "file:ok.env", "-r", &red, "-r", &recipient, "-o", "x.age"])
        .code(2)
        .stderr_has("cannot be recorded in the snapshot's metadata: the metadata's a recipient's label holds a control");
    let odd = format!("ok{FORGED_LINE}.env").replace('\n', "\u{7}");
    sandbox.write(&odd, "A=1\n");
    sandbox
        .run(&[
            "snapshot",
            "--source",
            &format!("file:{odd}"),
            "-r",
            &recipient,
            "-o",
            "x.age",
        ])
        .code(2)
        .stderr_has("source.path holds a control");
    assert!(!sandbox.path("x.age").exists());
}

/// Bounded reads: a key, recipients or token "file" that never ends is refused under a
/// memory limit far below what reading it whole would need.
#[test]
fn endless_files_are_cut_off() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.canary_snapshot("snap.age", &[&recipient], &[]);
    let limited = |args: &str| {
        let script = format!("ulimit -v 262144; exec \"$LIFEBOAT\" {args}");
        let mut command = sandbox.wrapped(&["sh", "-c", &script], &[]);
        // `wrapped` puts lifeboat's path after the wrapper; the script runs it itself.
        command.env("LIFEBOAT", env!("CARGO_BIN_EXE_lifeboat"));
        sandbox.run_with(command, &[])
    };
    limited("verify snap.age -i /dev/zero")
        .code(3)
        .stderr_has("no usable key in /dev/zero: it holds more than 1024 KiB");
    limited("snapshot --source file:canaries.env -R /dev/zero -o x.age")
        .code(2)
        .stderr_has("the file holds more than 1 MiB");
    limited("snapshot --source vault:secret/app --token-file /dev/zero -r age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p -o x.age")
        .code(2)
        .stderr_has("the file /dev/zero given to --token-file holds more than 64 KiB");
}

/// One rule for names, the same for every source, and no byte of a value in any error.
#[test]
fn names_follow_one_rule_and_errors_hold_no_value() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    let snapshot = |source: &str| {
        sandbox.run(&[
            "snapshot", "--source", source, "-r", &recipient, "-o", "x.age",
        ])
    };
    // A private key pasted as an unquoted multi-line value.
    sandbox.write(
        "broken.env",
        "TLS_KEY=-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq hkiG9w0canary91bd\nMIIEvQIBADANBgkqhkiG9w0canary7f3a==\n-----END PRIVATE KEY-----\n",
    );
    let run = snapshot("file:broken.env");
    run.code(3).stderr_has("line 2: expected NAME=value");
    for fragment in ["MIIE", "hkiG9w0", "canary"] {
        assert!(!run.stderr.contains(fragment), "{}", run.stderr);
    }
    // A repeated key in JSON, as dotenv refuses a repeated name.
    sandbox.write(
        "twice.json",
        r#"{"API_KEY": "canary-one", "API_KEY": "canary-two"}"#,
    );
    snapshot("file:twice.json")
        .code(3)
        .stderr_has("the key \"API_KEY\" appears twice");
    // A name outside the rule, from JSON (the key is named, escaped; the value is not).
    sandbox.write("odd.json", r#"{"my key\u001b[31m": "canary-value"}"#);
    let run = snapshot("file:odd.json");
    run.code(3)
        .stderr_has("secret \"my key\\u{1b}[31m\" cannot be an environment variable")
        .stderr_has("names are ASCII letters, digits");
    assert!(!run.stderr.contains('\u{1b}'));
    assert!(!sandbox.path("x.age").exists());
}

/// A path that is not UTF-8 (a byte 0xff) in a JSON log or `--json` output is shown, not
/// a panic that would stop the container instead of starting the app.
#[test]
fn a_path_that_is_not_utf8_is_no_panic() {
    use std::os::unix::ffi::OsStrExt;
    let setup = setup();
    let odd = std::ffi::OsStr::from_bytes(b"nope\xff.age");
    let url = setup.fake.url();
    let (args, env) = setup.invocation(&url, &[], &[]);
    let mut full = vec!["--log-format", "json"];
    full.extend(args);
    let mut command = setup.sandbox.command(&full);
    command
        .envs(env.iter().copied())
        .env("LIFEBOAT_SNAPSHOT", odd);
    // The service is up: the app starts live, warned that the snapshot is missing.
    setup
        .sandbox
        .run_with(command, &full)
        .ok()
        .stderr_has("snapshot_unusable");
    let mut command = setup.sandbox.command(&["inspect", "--json"]);
    command.arg(odd);
    let run = setup.sandbox.run_with(command, &["inspect"]);
    run.code(20);
}

/// A service's key that would forge a log line is shown escaped.
#[test]
fn a_service_key_with_an_escape_is_shown_escaped() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.write(
        "evil.json",
        r#"{"\u001b[31mEVIL\nlifeboat: forged line": 1}"#,
    );
    let run = sandbox.run(&[
        "snapshot",
        "--source",
        "file:evil.json",
        "-r",
        &recipient,
        "-o",
        "x.age",
    ]);
    run.code(3)
        .stderr_has("the value of \\u{1b}[31mEVIL\\u{a}lifeboat: forged line is a number");
    assert!(!run.stderr.contains('\u{1b}'));
    assert_eq!(
        run.stderr
            .lines()
            .filter(|l| l.starts_with("lifeboat: forged"))
            .count(),
        0
    );
}
