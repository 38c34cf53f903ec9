//! `lifeboat inspect` (no key) and `lifeboat verify` (with a key).

use serde_json::Value;

use crate::util::Sandbox;

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("valid JSON")
}

#[test]
fn inspect_shows_the_metadata_with_no_key() {
    let sandbox = Sandbox::new();
    let runtime = sandbox.keygen("runtime.txt");
    let run = sandbox.canary_snapshot(
        "s.age",
        &[&format!("runtime={runtime}")],
        &["--expires-in", "30d"],
    );
    let id = run.snapshot_id();
    let text = sandbox.run(&["inspect", "s.age"]);
    text.ok()
        .stdout_has(&format!("id:          {id}"))
        .stdout_has("format:      lifeboat snapshot v1")
        .stdout_has("source:      file canaries.env")
        .stdout_has("secrets:     4")
        .stdout_has("names:       (not published)")
        .stdout_has("(runtime)")
        .stdout_has("(in 29d 23h)")
        .stdout_has("not yet authenticated");
    let meta = sandbox.inspect_json("s.age");
    assert_eq!(meta["id"], id.as_str());
    assert_eq!(meta["format"], 1);
    assert_eq!(meta["secret_count"], 4);
    assert_eq!(meta["source"]["provider"], "file");
    assert_eq!(meta["expired"], false);
    assert_eq!(meta["recipients"][0]["type"], "x25519");
    assert_eq!(meta["recipients"][0]["label"], "runtime");
    assert!(meta["recipients"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .starts_with("SHA256:"));
    assert!(meta["created_at"].as_str().unwrap().ends_with('Z'));
    assert!(meta["expires_at"].as_str().is_some());
    // LIFEBOAT_SNAPSHOT names the default file.
    sandbox
        .run_env(&["inspect"], &[("LIFEBOAT_SNAPSHOT", "s.age")])
        .ok()
        .stdout_has(&id);
}

#[test]
fn verify_opens_and_prints_no_values() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.canary_snapshot("s.age", &[&recipient], &[]);
    sandbox
        .run(&["verify", "s.age", "-i", "key.txt"])
        .ok()
        .stdout_has("ok: s.age is snapshot ")
        .stdout_has("4 secrets");
    let report = json(
        &sandbox
            .run(&["verify", "s.age", "-i", "key.txt", "--json"])
            .stdout,
    );
    assert_eq!(report["ok"], true);
    assert_eq!(report["secret_count"], 4);
    assert_eq!(report["opened_with"]["type"], "x25519");
}

#[test]
fn keys_from_the_environment_and_several_keys_in_one_file() {
    let sandbox = Sandbox::new();
    sandbox.keygen("other.txt");
    let recipient = sandbox.keygen("key.txt");
    sandbox.canary_snapshot("s.age", &[&recipient], &[]);
    let both = [sandbox.read("other.txt"), sandbox.read("key.txt")].concat();
    sandbox.write("both.txt", &both);
    let report = json(
        &sandbox
            .run(&["verify", "s.age", "-i", "both.txt", "--json"])
            .stdout,
    );
    let key_fp = sandbox.inspect_json("s.age")["recipients"][0]["fingerprint"].clone();
    assert_eq!(report["opened_with"]["fingerprint"], key_fp);
    let key_text = String::from_utf8(sandbox.read("key.txt")).unwrap();
    sandbox
        .run_env(&["verify", "s.age"], &[("LIFEBOAT_IDENTITY", &key_text)])
        .ok()
        .stdout_has("from LIFEBOAT_IDENTITY");
    sandbox
        .run_env(
            &["verify", "s.age"],
            &[("LIFEBOAT_IDENTITY_FILE", "key.txt")],
        )
        .ok();
    sandbox
        .run(&["verify", "s.age"])
        .code(2)
        .stderr_has("no key given");
}

#[test]
fn the_wrong_key_is_named_with_the_keys_that_would_work() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.keygen("wrong.txt");
    sandbox.canary_snapshot("s.age", &[&format!("runtime={recipient}")], &[]);
    let fingerprint = sandbox.inspect_json("s.age")["recipients"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    for command in ["verify", "recover"] {
        let args: Vec<&str> = if command == "verify" {
            vec!["verify", "s.age", "-i", "wrong.txt"]
        } else {
            vec!["recover", "--snapshot", "s.age", "-i", "wrong.txt"]
        };
        sandbox
            .run(&args)
            .code(21)
            .no_stdout()
            .stderr_has("none of the given keys can open this snapshot; it was sealed to: x25519 ")
            .stderr_has(&format!("{fingerprint} (runtime)"))
            .stderr_has("from wrong.txt");
    }
    let report = json(
        &sandbox
            .run(&["verify", "s.age", "-i", "wrong.txt", "--json"])
            .stdout,
    );
    assert_eq!(report["ok"], false);
    assert_eq!(report["exit_code"], 21);
}

#[test]
fn bad_identity_files_are_explained() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.canary_snapshot("s.age", &[&recipient], &[]);
    sandbox.write("public.txt", format!("{recipient}\n"));
    sandbox.write("garbage.txt", "hello\n");
    sandbox.write("empty.txt", "# only a comment\n");
    let cases = [
        ("public.txt", "this is a public key"),
        ("garbage.txt", "not an age identity"),
        ("empty.txt", "holds no keys"),
        ("missing.txt", "cannot read missing.txt"),
    ];
    for (file, message) in cases {
        sandbox
            .run(&["verify", "s.age", "-i", file])
            .code(3)
            .no_stdout()
            .stderr_has(message);
    }
}

#[test]
fn missing_and_foreign_files() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox
        .run(&["verify", "nope.age", "-i", "key.txt"])
        .code(20)
        .stderr_has("snapshot nope.age does not exist");
    sandbox.run(&["inspect", "nope.age"]).code(20);
    sandbox.write("text.age", "just some text\n");
    sandbox
        .run(&["verify", "text.age", "-i", "key.txt"])
        .code(21)
        .stderr_has("the file is not an age file");
    // An age file from the stock tool has no lifeboat metadata.
    sandbox.write("plain.txt", "hello");
    let sealed = sandbox.tool("age", &["-r", &recipient, "-o", "plain.age", "plain.txt"]);
    assert!(sealed.status.success());
    sandbox
        .run(&["inspect", "plain.age"])
        .code(21)
        .stderr_has("no lifeboat-meta stanza");
    let armored = sandbox.tool(
        "age",
        &["-a", "-r", &recipient, "-o", "armored.age", "plain.txt"],
    );
    assert!(armored.status.success());
    sandbox
        .run(&["verify", "armored.age", "-i", "key.txt"])
        .code(21)
        .stderr_has("ASCII-armored");
}

#[test]
fn a_newer_format_is_refused_by_version() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.canary_snapshot("s.age", &[&recipient], &[]);
    let bytes = sandbox.read("s.age");
    let text = bytes
        .windows(17)
        .position(|w| w == b"lifeboat-meta v1\n")
        .unwrap();
    let mut newer = bytes.clone();
    newer[text + 15] = b'2';
    sandbox.write("v2.age", &newer);
    for args in [
        vec!["inspect", "v2.age"],
        vec!["verify", "v2.age", "-i", "key.txt"],
    ] {
        sandbox
            .run(&args)
            .code(21)
            .stderr_has("the snapshot is format version 2; this lifeboat (")
            .stderr_has("reads version 1 only");
    }
}

#[test]
fn expiry_and_max_age() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.canary_snapshot("s.age", &[&recipient], &["--expires-in", "1s"]);
    sandbox.canary_snapshot("old.age", &[&recipient], &[]);
    sandbox.wait_until_stale("s.age", "key.txt", &[]);
    sandbox.wait_until_stale("old.age", "key.txt", &["--max-age", "1s"]);
    sandbox
        .run(&["verify", "s.age", "-i", "key.txt"])
        .code(22)
        .no_stdout()
        .stderr_has("the snapshot expired at");
    assert_eq!(sandbox.inspect_json("s.age")["expired"], true);
    sandbox
        .run(&["inspect", "s.age"])
        .ok()
        .stdout_has("EXPIRED");
    sandbox
        .run(&["verify", "old.age", "-i", "key.txt", "--max-age", "1s"])
        .code(22)
        .stderr_has("more than the allowed 1s");
    sandbox
        .run(&["verify", "old.age", "-i", "key.txt", "--max-age", "1h"])
        .ok();
    // recover opens an expired snapshot, loudly.
    sandbox
        .run(&["recover", "--snapshot", "s.age", "-i", "key.txt"])
        .ok()
        .stderr_has("THIS SNAPSHOT HAS EXPIRED")
        .stdout_has("API_KEY=");
}
