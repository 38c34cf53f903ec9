//! `lifeboat snapshot` with offline sources: round trips, and failures that write nothing.

use std::os::unix::fs::PermissionsExt;

use lifeboat::snapshot::sha256_hex;
use serde_json::Value;

use crate::util::{files_under, Sandbox, CANARIES};

fn recovered(sandbox: &Sandbox, snapshot: &str, key: &str) -> serde_json::Map<String, Value> {
    let run = sandbox.run(&[
        "recover",
        "--snapshot",
        snapshot,
        "-i",
        key,
        "--format",
        "json",
    ]);
    run.ok();
    match serde_json::from_str(&run.stdout).expect("recover prints JSON") {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

#[test]
fn dotenv_source_round_trips_through_recover() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    let run = sandbox.canary_snapshot("snap.age", &[&recipient], &[]);
    let sha = sha256_hex(&sandbox.read("snap.age"));
    run.stdout_has("snap.age: snapshot ")
        .stdout_has("4 secrets from file canaries.env")
        .stdout_has(&format!("sha256 {sha}"));
    assert_eq!(run.stdout.lines().count(), 1, "one summary line");
    let secrets = recovered(&sandbox, "snap.age", "key.txt");
    assert_eq!(secrets["API_KEY"], CANARIES[0]);
    assert_eq!(secrets["DB_PASSWORD"], CANARIES[1]);
    assert_eq!(secrets["MULTI"], CANARIES[2]);
    assert_eq!(secrets["UNICODE"], CANARIES[3]);
    let mode = std::fs::metadata(sandbox.path("snap.age"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o777,
        0o644,
        "ciphertext is readable by the app's user"
    );
}

#[test]
fn json_source_round_trips() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    let doc = serde_json::json!({"API_KEY": CANARIES[0], "MULTI": CANARIES[2]});
    sandbox.write("secrets.json", doc.to_string());
    sandbox
        .run(&[
            "snapshot",
            "--source",
            "file:secrets.json",
            "-r",
            &recipient,
            "-o",
            "s.age",
        ])
        .ok();
    let secrets = recovered(&sandbox, "s.age", "key.txt");
    assert_eq!(Value::Object(secrets), doc);
}

#[test]
fn env_source_takes_the_prefix_only() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox
        .run_env(
            &["snapshot", "--source", "env:APP_", "-o", "s.age"],
            &[
                ("APP_API_KEY", CANARIES[0]),
                ("APP_DB_PASSWORD", CANARIES[1]),
                ("OTHER_SECRET", CANARIES[3]),
                ("LIFEBOAT_RECIPIENTS", &recipient),
            ],
        )
        .ok()
        .stdout_has("2 secrets from env prefix APP_");
    let secrets = recovered(&sandbox, "s.age", "key.txt");
    assert_eq!(secrets.len(), 2);
    assert_eq!(secrets["API_KEY"], CANARIES[0]);
    assert_eq!(secrets["DB_PASSWORD"], CANARIES[1]);
}

#[test]
fn recipients_from_files_and_the_environment_with_labels() {
    let sandbox = Sandbox::new();
    let runtime = sandbox.keygen("runtime.txt");
    let breakglass = sandbox.keygen("breakglass.txt");
    let third = sandbox.keygen("third.txt");
    sandbox.write(
        "recipients.txt",
        format!("# the break-glass key\nbreakglass={breakglass}\n\n{runtime}\n"),
    );
    sandbox.write("canaries.env", crate::util::canary_dotenv());
    sandbox
        .run_env(
            &[
                "snapshot",
                "--source",
                "file:canaries.env",
                "-R",
                "recipients.txt",
                "-o",
                "s.age",
            ],
            &[],
        )
        .ok();
    let meta = sandbox.inspect_json("s.age");
    assert_eq!(meta["recipients"].as_array().unwrap().len(), 2);
    assert_eq!(meta["recipients"][0]["label"], "breakglass");
    for key in ["runtime.txt", "breakglass.txt"] {
        sandbox.run(&["verify", "s.age", "-i", key]).ok();
    }
    // LIFEBOAT_RECIPIENTS: comma- and newline-separated, duplicates removed.
    sandbox
        .run_env(
            &["snapshot", "--source", "file:canaries.env", "-o", "e.age"],
            &[(
                "LIFEBOAT_RECIPIENTS",
                &format!("{runtime},{third}\n{runtime}\n"),
            )],
        )
        .ok();
    let meta = sandbox.inspect_json("e.age");
    assert_eq!(meta["recipients"].as_array().unwrap().len(), 2);
    sandbox.run(&["verify", "e.age", "-i", "third.txt"]).ok();
}

#[test]
fn names_are_published_only_on_request() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.canary_snapshot("private.age", &[&recipient], &[]);
    let private = sandbox.run(&["inspect", "private.age", "--json"]);
    assert!(!private.ok().stdout.contains("API_KEY"));
    assert!(!String::from_utf8_lossy(&sandbox.read("private.age")).contains("API_KEY"));
    sandbox.canary_snapshot("public.age", &[&recipient], &["--publish-names"]);
    sandbox
        .run(&["inspect", "public.age"])
        .ok()
        .stdout_has("API_KEY, DB_PASSWORD, MULTI, UNICODE");
}

/// Every way `snapshot` can fail: the exit code, and nothing written or changed.
#[test]
fn failures_write_nothing_and_keep_the_old_snapshot() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.canary_snapshot("snap.age", &[&recipient], &[]);
    let before = sandbox.read("snap.age");
    sandbox.write("empty.env", "# nothing here\n");
    sandbox.write(
        "broken.env",
        format!("GOOD=1\nthis line has no pair {}\n", CANARIES[0]),
    );
    sandbox.write(
        "nested.json",
        format!(r#"{{"A":"1","N":{{"x":"{}"}}}}"#, CANARIES[0]),
    );
    sandbox.write("badname.json", format!(r#"{{"A=B":"{}"}}"#, CANARIES[0]));
    sandbox.write("norecipients.txt", "# none\n");
    sandbox.write("canaries.env", crate::util::canary_dotenv());
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (
            vec!["--source", "file:empty.env", "-r", &recipient],
            3,
            "holds no secrets",
        ),
        (
            vec!["--source", "file:missing.env", "-r", &recipient],
            3,
            "cannot read source missing.env",
        ),
        (
            vec!["--source", "file:broken.env", "-r", &recipient],
            3,
            "line 2: expected NAME=value",
        ),
        (
            vec!["--source", "file:nested.json", "-r", &recipient],
            3,
            "the value of N is an object",
        ),
        (
            vec!["--source", "file:badname.json", "-r", &recipient],
            3,
            "secret \"A=B\"",
        ),
        (
            vec!["--source", "env:", "-r", &recipient],
            2,
            "env: needs a prefix",
        ),
        (
            vec!["--source", "nonsense", "-r", &recipient],
            2,
            "unknown source",
        ),
        (vec!["--source", "file:canaries.env"], 2, "no recipients"),
        (
            vec!["--source", "file:canaries.env", "-r", "age1notakey"],
            2,
            "bad recipient",
        ),
        (
            vec!["--source", "file:canaries.env", "-R", "norecipients.txt"],
            2,
            "lists no recipients",
        ),
        (
            vec!["--source", "file:canaries.env", "-R", "nofile.txt"],
            3,
            "cannot read nofile.txt",
        ),
        (
            vec![
                "--source",
                "file:canaries.env",
                "-r",
                &recipient,
                "--expires-in",
                "soon",
            ],
            2,
            "invalid value",
        ),
    ];
    for (args, code, message) in cases {
        let mut full = vec!["snapshot", "-o", "snap.age"];
        full.extend(args);
        sandbox
            .run(&full)
            .code(code)
            .no_stdout()
            .stderr_has(message);
        assert_eq!(
            sandbox.read("snap.age"),
            before,
            "{full:?} changed the snapshot"
        );
    }
    // A write that cannot happen (the directory is a file) creates nothing either.
    sandbox
        .run(&[
            "snapshot",
            "--source",
            "file:canaries.env",
            "-r",
            &recipient,
            "-o",
            "canaries.env/snap.age",
        ])
        .code(1)
        .stderr_has("cannot write canaries.env/snap.age");
    let mut left: Vec<String> = files_under(sandbox.root())
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert!(
        left.iter().all(|name| !name.starts_with(".lifeboat-")),
        "temp files left: {left:?}"
    );
}

#[test]
fn a_read_only_directory_fails_cleanly() {
    // Root ignores directory permissions, so a full or read-only disk is simulated with
    // /proc, which refuses new files to everyone.
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.write("canaries.env", crate::util::canary_dotenv());
    sandbox
        .run(&[
            "snapshot",
            "--source",
            "file:canaries.env",
            "-r",
            &recipient,
            "-o",
            "/proc/snap.age",
        ])
        .code(1)
        .no_stdout()
        .stderr_has("cannot write /proc/snap.age")
        .stderr_has("nothing was written");
}

#[test]
fn a_full_disk_fails_cleanly_and_keeps_the_old_snapshot() {
    // A 64 KiB tmpfs in a private mount namespace (unshare -rm needs no privileges),
    // holding an old snapshot; the new one is larger than the space left.
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.canary_snapshot("old.age", &[&recipient], &[]);
    let big: String = (0..120)
        .map(|i| format!("BIG_{i}={}\n", "x".repeat(1000)))
        .collect();
    sandbox.write("big.env", big);
    std::fs::create_dir(sandbox.path("disk")).unwrap();
    let script = r#"mount -t tmpfs -o size=64k tmpfs disk || exit 99
cp old.age disk/snap.age
"$LIFEBOAT" snapshot --source file:big.env -r "$RECIPIENT" -o disk/snap.age
echo "code=$?"
cmp -s old.age disk/snap.age && echo "old snapshot intact"
ls -A disk"#;
    let output = std::process::Command::new("unshare")
        .args(["-rm", "sh", "-c", script])
        .current_dir(sandbox.root())
        .env("LIFEBOAT", env!("CARGO_BIN_EXE_lifeboat"))
        .env("RECIPIENT", &recipient)
        .output()
        .expect("unshare (util-linux) is required");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    crate::util::assert_no_secrets(&stderr, "stderr");
    assert!(stdout.contains("code=1"), "{stdout}\n{stderr}");
    assert!(stdout.contains("old snapshot intact"), "{stdout}\n{stderr}");
    assert_eq!(
        stdout.lines().last(),
        Some("snap.age"),
        "temp file left: {stdout}"
    );
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
}
