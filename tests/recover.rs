//! `lifeboat recover`: formats, output files, the audit line.

use std::os::unix::fs::PermissionsExt;

use serde_json::Value;

use crate::util::{Sandbox, CANARIES};

fn setup() -> (Sandbox, String) {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    let run = sandbox.canary_snapshot("s.age", &[&recipient], &[]);
    let id = run.snapshot_id();
    (sandbox, id)
}

#[test]
fn every_format_holds_the_values_exactly() {
    let (sandbox, _) = setup();
    let recover = |format: &str| {
        let run = sandbox.run(&[
            "recover",
            "--snapshot",
            "s.age",
            "-i",
            "key.txt",
            "--format",
            format,
        ]);
        run.ok();
        run.stdout
    };
    // dotenv reads back through lifeboat's own dotenv source.
    sandbox.write("back.env", recover("dotenv"));
    let recipient = sandbox.tool("age-keygen", &["-y", "key.txt"]);
    let recipient = String::from_utf8_lossy(&recipient.stdout)
        .trim()
        .to_string();
    sandbox
        .run(&[
            "snapshot",
            "--source",
            "file:back.env",
            "-r",
            &recipient,
            "-o",
            "back.age",
        ])
        .ok();
    let json = |file: &str| -> Value {
        let run = sandbox.run(&[
            "recover",
            "--snapshot",
            file,
            "-i",
            "key.txt",
            "--format",
            "json",
        ]);
        serde_json::from_str(&run.stdout).unwrap()
    };
    assert_eq!(json("back.age"), json("s.age"));
    assert_eq!(json("s.age")["MULTI"], CANARIES[2]);
    // shell: a POSIX shell sourcing it sees the same bytes.
    sandbox.write("vars.sh", recover("shell"));
    let shell = std::process::Command::new("sh")
        .args([
            "-c",
            ". ./vars.sh; printf '%s|%s|%s' \"$API_KEY\" \"$MULTI\" \"$UNICODE\"",
        ])
        .current_dir(sandbox.root())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(shell.stdout).unwrap(),
        format!("{}|{}|{}", CANARIES[0], CANARIES[2], CANARIES[3])
    );
    // env cannot hold a line break: refused, naming the secret, printing nothing.
    sandbox
        .run(&[
            "recover",
            "--snapshot",
            "s.age",
            "-i",
            "key.txt",
            "--format",
            "env",
        ])
        .code(2)
        .no_stdout()
        .stderr_has("secret \"MULTI\" cannot be written as env");
}

#[test]
fn output_files_are_private_and_never_replaced_silently() {
    let (sandbox, _) = setup();
    sandbox
        .run(&[
            "recover",
            "--snapshot",
            "s.age",
            "-i",
            "key.txt",
            "-o",
            "out.env",
        ])
        .ok()
        .no_stdout();
    let mode = std::fs::metadata(sandbox.path("out.env"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(String::from_utf8(sandbox.read("out.env"))
        .unwrap()
        .contains(CANARIES[0]));
    sandbox.write("keep.env", "precious\n");
    sandbox
        .run(&[
            "recover",
            "--snapshot",
            "s.age",
            "-i",
            "key.txt",
            "-o",
            "keep.env",
        ])
        .code(1)
        .stderr_has("keep.env already exists");
    assert_eq!(sandbox.read("keep.env"), b"precious\n");
    sandbox
        .run(&[
            "recover",
            "--snapshot",
            "s.age",
            "-i",
            "key.txt",
            "-o",
            "keep.env",
            "--force",
            "--format",
            "json",
        ])
        .ok();
    let replaced: Value = serde_json::from_slice(&sandbox.read("keep.env")).unwrap();
    assert_eq!(replaced["API_KEY"], CANARIES[0]);
}

#[test]
fn leaves_an_audit_line() {
    let (sandbox, id) = setup();
    let fingerprint: Value = sandbox.inspect_json("s.age");
    let fingerprint = fingerprint["recipients"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    sandbox
        .run(&["recover", "--snapshot", "s.age", "-i", "key.txt"])
        .ok()
        .stderr_has(&format!("audit: recovered snapshot {id}"))
        .stderr_has(&format!(
            "with key x25519 {fingerprint} (key.txt) by user tester at "
        ));
    let run = sandbox.run(&[
        "recover",
        "--snapshot",
        "s.age",
        "-i",
        "key.txt",
        "--log-format",
        "json",
    ]);
    let event: Value = serde_json::from_str(run.ok().stderr.trim()).expect("one JSON line");
    assert_eq!(event["event"], "audit_recover");
    assert_eq!(event["snapshot_id"], id.as_str());
    assert_eq!(event["key_fingerprint"], fingerprint.as_str());
    assert_eq!(event["user"], "tester");
    assert!(event["recovered_at"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn a_closed_pipe_is_an_error_not_a_crash() {
    let (sandbox, _) = setup();
    let mut child = sandbox
        .command(&["recover", "--snapshot", "s.age", "-i", "key.txt"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    crate::util::assert_no_secrets(&stderr, "stderr");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        matches!(output.status.code(), Some(0) | Some(1)),
        "{stderr}"
    );
}

/// `--format kubernetes` writes a Secret that Kubernetes' own schema accepts (checked
/// with kubernetes-validate; no cluster runs here) and whose `data` decodes to the exact
/// values; `--format env-file` is Docker's syntax and refuses what it cannot hold;
/// `--only` recovers a few.
#[test]
fn kubernetes_secret_env_file_and_only() {
    use base64::Engine as _;
    let (sandbox, _) = setup();
    let manifest = "secret.yaml";
    sandbox
        .run(&[
            "recover",
            "--snapshot",
            "s.age",
            "-i",
            "key.txt",
            "--format",
            "kubernetes",
            "--name",
            "app-secrets",
            "--namespace",
            "shop",
            "-o",
            manifest,
        ])
        .ok();
    let validator = std::process::Command::new("python3")
        .args([
            "-m",
            "kubernetes_validate",
            "-k",
            "1.37.0",
            "--strict",
            manifest,
        ])
        .env(
            "PYTHONPATH",
            concat!(env!("CARGO_MANIFEST_DIR"), "/.tools/python"),
        )
        .current_dir(sandbox.root())
        .output()
        .expect("python3 is required");
    assert!(
        validator.status.success(),
        "kubernetes-validate (scripts/test.sh installs it) refused the Secret: {}{}",
        String::from_utf8_lossy(&validator.stdout),
        String::from_utf8_lossy(&validator.stderr)
    );
    let text = String::from_utf8(sandbox.read(manifest)).unwrap();
    assert!(
        text.starts_with("apiVersion: v1\nkind: Secret\nmetadata:\n  name: \"app-secrets\"\n  namespace: \"shop\"\n"),
        "{text}"
    );
    let value_of = |key: &str| {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("  \"{key}\": ")))
            .unwrap_or_else(|| panic!("no {key} in {text}"));
        let encoded = line.split_once(": ").unwrap().1.trim_matches('"');
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(value_of("API_KEY"), CANARIES[0]);
    assert_eq!(value_of("MULTI"), CANARIES[2]);
    assert_eq!(value_of("UNICODE"), CANARIES[3]);
    sandbox
        .run(&[
            "recover",
            "s.age",
            "-i",
            "key.txt",
            "--format",
            "kubernetes",
            "--name",
            "Not_A_Name",
        ])
        .code(2)
        .stderr_has("--name must be a Kubernetes name");
    sandbox
        .run(&[
            "recover",
            "s.age",
            "-i",
            "key.txt",
            "--format",
            "kubernetes",
            "--namespace",
            "my.team",
        ])
        .code(2)
        .stderr_has("--namespace must be a Kubernetes namespace");
    sandbox
        .run(&[
            "recover",
            "s.age",
            "-i",
            "key.txt",
            "--format",
            "kubernetes",
            "--namespace",
            "my.team",
        ])
        .code(2)
        .stderr_has("--namespace must be a Kubernetes namespace");

    // env-file: no quoting, so a multi-line value is refused by name.
    sandbox
        .run(&["recover", "s.age", "-i", "key.txt", "--format", "env-file"])
        .code(2)
        .stderr_has("secret \"MULTI\" cannot be written as env-file: its value has a line break");
    let run = sandbox.run(&[
        "recover",
        "s.age",
        "-i",
        "key.txt",
        "--format",
        "env-file",
        "--only",
        "API_KEY,UNICODE",
    ]);
    run.ok();
    assert_eq!(
        run.stdout,
        format!("API_KEY={}\nUNICODE={}\n", CANARIES[0], CANARIES[3])
    );
    run.stderr_has("2 secrets");
    sandbox
        .run(&["recover", "s.age", "-i", "key.txt", "--only", "NOPE"])
        .code(2)
        .stderr_has("--only NOPE: the snapshot holds no secret of that name");
}

/// The audit line says what happened, after it happened: a write that failed is not
/// recorded as a recovery to that file, and a recovery to stdout is recorded after the
/// secrets went out.
#[test]
fn the_audit_line_comes_after_the_write_and_says_what_happened() {
    let (sandbox, id) = setup();
    let recover = |extra: &[&str]| {
        let mut args = vec!["recover", "--snapshot", "s.age", "-i", "key.txt"];
        args.extend(extra);
        sandbox.run(&args)
    };

    // A directory that does not exist: the key was used, nothing was written.
    let run = recover(&["-o", "missing/out.env"]);
    run.code(1);
    assert!(!run.stderr.contains("audit: recovered"), "{}", run.stderr);
    run.stderr_has(&format!("audit: opened snapshot {id}"))
        .stderr_has("; nothing was written to missing/out.env");
    assert!(!sandbox.path("missing").exists());
    let run = recover(&["-o", "missing/out.env", "--log-format", "json"]);
    let audit: Value = run
        .stderr
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .find(|event| event["event"].as_str().unwrap().starts_with("audit"))
        .expect("an audit event");
    assert_eq!(audit["event"], "audit_recover_failed");
    assert_eq!(audit["written"], false);

    // An existing file without --force: refused before the key is even loaded.
    sandbox.write("taken.env", "KEEP=1\n");
    let run = recover(&["-o", "taken.env"]);
    run.code(1).stderr_has("taken.env already exists");
    assert!(!run.stderr.contains("audit:"), "{}", run.stderr);
    assert_eq!(sandbox.read("taken.env"), b"KEEP=1\n");

    // Written: the line names the file, which is there.
    recover(&["-o", "out.env"])
        .ok()
        .stderr_has(&format!("audit: recovered snapshot {id}"))
        .stderr_has(" to out.env");
    assert!(String::from_utf8(sandbox.read("out.env"))
        .unwrap()
        .contains(CANARIES[0]));

    // To stdout, with stdout and stderr on one pipe: the secrets, then the line.
    let both = sandbox.path("both.out");
    sandbox.holds_secrets(&both);
    let file = std::fs::File::create(&both).unwrap();
    let status = sandbox
        .command(&["recover", "--snapshot", "s.age", "-i", "key.txt"])
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .status()
        .unwrap();
    assert!(status.success());
    let out = String::from_utf8(std::fs::read(&both).unwrap()).unwrap();
    let (secret, audit) = (
        out.find(CANARIES[0]).expect("the secrets"),
        out.find("audit: recovered").expect("the audit line"),
    );
    assert!(secret < audit, "{out}");
}

/// Counts read as words: "1 secret", never "1 secrets".
#[test]
fn the_audit_line_counts_in_words() {
    let (sandbox, _) = setup();
    let run = sandbox.run(&["recover", "s.age", "-i", "key.txt", "--only", "API_KEY"]);
    run.ok().stderr_has(", 1 secret) from s.age");
    assert!(!run.stderr.contains("1 secrets"), "{}", run.stderr);
}
