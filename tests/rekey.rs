//! `lifeboat rekey`: the same secrets and scope sealed to other keys, with the lineage in
//! the authenticated metadata, written atomically and never over a file unasked.

use crate::util::Sandbox;

fn recovered(sandbox: &Sandbox, file: &str, key: &str) -> serde_json::Value {
    let run = sandbox.run(&["recover", file, "-i", key, "--format", "json"]);
    serde_json::from_str(&run.ok().stdout).unwrap()
}

#[test]
fn rekey_moves_the_secrets_to_new_keys_and_records_where_they_came_from() {
    let sandbox = Sandbox::new();
    let old_key = sandbox.keygen("old.key");
    let new_key = sandbox.keygen("new.key");
    let breakglass = sandbox.keygen("breakglass.key");
    sandbox.canary_snapshot("snap.age", &[&old_key], &["--expires-in", "30d"]);
    let before = sandbox.inspect_json("snap.age");
    let old_bytes = sandbox.read("snap.age");

    let made = sandbox.run(&[
        "rekey",
        "snap.age",
        "-i",
        "old.key",
        "-r",
        &format!("runtime={new_key}"),
        "-r",
        &breakglass,
        "-o",
        "new.age",
    ]);
    made.ok()
        .stdout_has("new.age: snapshot ")
        .stdout_has(&format!("rekeyed from {}", before["id"].as_str().unwrap()));
    // The secrets are identical; the old key no longer opens the new file; the new ones do.
    assert_eq!(
        recovered(&sandbox, "snap.age", "old.key"),
        recovered(&sandbox, "new.age", "new.key")
    );
    assert_eq!(
        recovered(&sandbox, "new.age", "breakglass.key"),
        recovered(&sandbox, "new.age", "new.key")
    );
    sandbox
        .run(&["verify", "new.age", "-i", "old.key"])
        .code(21);
    // New id, same scope and expiry, the lineage authenticated and shown.
    let after = sandbox.inspect_json("new.age");
    assert_ne!(after["id"], before["id"]);
    // The secrets are as old as they were: a rekey makes nothing fresher.
    assert_eq!(after["created_at"], before["created_at"]);
    assert!(after["rekeyed_from"]["rekeyed_at"].is_string());
    assert_eq!(after["source"], before["source"]);
    assert_eq!(after["expires_at"], before["expires_at"]);
    assert_eq!(after["rekeyed_from"]["id"], before["id"]);
    assert_eq!(after["rekeyed_from"]["sha256"], before["sha256"]);
    assert_eq!(after["recipients"].as_array().unwrap().len(), 2);
    sandbox
        .run(&["inspect", "new.age"])
        .ok()
        .stdout_has(&format!(
            " from {} (sha256 {})",
            before["id"].as_str().unwrap(),
            before["sha256"].as_str().unwrap()
        ));
    // The stock age tool opens it too: still a plain age file, holding the same secrets.
    let age = sandbox.tool("age", &["-d", "-i", "new.key", "new.age"]);
    assert!(age.status.success());
    let payload: serde_json::Value = serde_json::from_slice(&age.stdout).unwrap();
    assert_eq!(
        payload["secrets"],
        recovered(&sandbox, "snap.age", "old.key")
    );
    assert_eq!(
        sandbox.read("snap.age"),
        old_bytes,
        "the old file is untouched"
    );

    // Never over a file unasked: an existing -o, or SNAPSHOT itself.
    let new_bytes = sandbox.read("new.age");
    sandbox
        .run(&[
            "rekey", "snap.age", "-i", "old.key", "-r", &new_key, "-o", "new.age",
        ])
        .code(1)
        .stderr_has("new.age already exists")
        .stderr_has("--force");
    assert_eq!(sandbox.read("new.age"), new_bytes);
    sandbox
        .run(&["rekey", "snap.age", "-i", "old.key", "-r", &new_key])
        .code(2)
        .stderr_has("--force");
    assert_eq!(sandbox.read("snap.age"), old_bytes);
    sandbox
        .run(&[
            "rekey",
            "snap.age",
            "-i",
            "old.key",
            "-r",
            &new_key,
            "--force",
            "--expires-in",
            "1h",
        ])
        .ok();
    let replaced = sandbox.inspect_json("snap.age");
    assert_eq!(replaced["rekeyed_from"]["id"], before["id"]);
    assert_ne!(
        replaced["expires_at"], before["expires_at"],
        "a new expiry when asked"
    );
    recovered(&sandbox, "snap.age", "new.key");
}

#[test]
fn rekey_refuses_a_wrong_key_a_forged_file_and_no_recipients_and_writes_nothing() {
    let sandbox = Sandbox::new();
    let key = sandbox.keygen("key.txt");
    let other = sandbox.keygen("other.key");
    sandbox.canary_snapshot("snap.age", &[&key], &[]);
    sandbox
        .run(&[
            "rekey",
            "snap.age",
            "-i",
            "other.key",
            "-r",
            &other,
            "-o",
            "out.age",
        ])
        .code(21);
    sandbox
        .run(&["rekey", "snap.age", "-i", "key.txt", "-o", "out.age"])
        .code(2)
        .stderr_has("no recipients");
    let mut forged = sandbox.read("snap.age");
    let at = forged.len() - 10;
    forged[at] ^= 1;
    sandbox.write("forged.age", &forged);
    sandbox
        .run(&[
            "rekey",
            "forged.age",
            "-i",
            "key.txt",
            "-r",
            &other,
            "-o",
            "out.age",
        ])
        .code(21);
    assert!(!sandbox.path("out.age").exists(), "something was written");
}

#[test]
fn rekey_seals_only_to_the_keys_on_its_command_line_checks_the_pin_and_keeps_expiry_honest() {
    let sandbox = Sandbox::new();
    let old_key = sandbox.keygen("old.key");
    let new_key = sandbox.keygen("new.key");
    let leaving = sandbox.keygen("leaving.key");
    sandbox.canary_snapshot("snap.age", &[&old_key], &[]);
    let sha = sandbox.inspect_json("snap.age")["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    // A recipients variable left in the shell adds no key to a rekey.
    sandbox.write("old-recipients.txt", format!("{leaving}\n"));
    let made = sandbox.run_env(
        &[
            "rekey", "snap.age", "-i", "old.key", "-r", &new_key, "-o", "new.age", "--json",
        ],
        &[
            ("LIFEBOAT_RECIPIENTS_FILE", "old-recipients.txt"),
            ("LIFEBOAT_RECIPIENTS", &leaving),
        ],
    );
    let summary: serde_json::Value = serde_json::from_str(&made.ok().stdout).unwrap();
    assert_eq!(summary["recipients"].as_array().unwrap().len(), 1);
    sandbox
        .run(&["verify", "new.age", "-i", "leaving.key"])
        .code(21);
    // A pin is checked before the file is opened: a forgery is never resealed.
    sandbox
        .run(&[
            "rekey",
            "snap.age",
            "-i",
            "old.key",
            "-r",
            &new_key,
            "-o",
            "pinned.age",
            "--expect-sha256",
            &"0".repeat(64),
        ])
        .code(21);
    assert!(!sandbox.path("pinned.age").exists());
    sandbox
        .run(&[
            "rekey",
            "snap.age",
            "-i",
            "old.key",
            "-r",
            &new_key,
            "-o",
            "pinned.age",
            "--expect-sha256",
            &sha,
        ])
        .ok();
    // An expired snapshot is not revived unasked.
    sandbox.canary_snapshot("short.age", &[&old_key], &["--expires-in", "1s"]);
    crate::util::wait_until(
        "the snapshot expires",
        std::time::Duration::from_secs(5),
        || sandbox.run(&["verify", "short.age", "-i", "old.key"]).code != 0,
    );
    sandbox
        .run(&[
            "rekey",
            "short.age",
            "-i",
            "old.key",
            "-r",
            &new_key,
            "-o",
            "revived.age",
        ])
        .code(22)
        .stderr_has("expired");
    assert!(!sandbox.path("revived.age").exists());
    sandbox
        .run(&[
            "rekey",
            "short.age",
            "-i",
            "old.key",
            "-r",
            &new_key,
            "-o",
            "revived.age",
            "--allow-expired",
            "--expires-in",
            "1h",
        ])
        .ok();
    sandbox
        .run(&["verify", "revived.age", "-i", "new.key"])
        .ok();
}
