//! `lifeboat keygen`.

use std::os::unix::fs::PermissionsExt;

use crate::util::Sandbox;

#[test]
fn writes_a_private_file_whose_recipient_age_keygen_derives() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    assert!(recipient.starts_with("age1"), "{recipient}");
    let mode = std::fs::metadata(sandbox.path("key.txt"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let derived = sandbox.tool("age-keygen", &["-y", "key.txt"]);
    assert!(derived.status.success());
    assert_eq!(String::from_utf8_lossy(&derived.stdout).trim(), recipient);
}

#[test]
fn refuses_to_overwrite_a_key() {
    let sandbox = Sandbox::new();
    sandbox.keygen("key.txt");
    let before = sandbox.read("key.txt");
    sandbox
        .run(&["keygen", "-o", "key.txt"])
        .code(1)
        .no_stdout()
        .stderr_has("key.txt already exists");
    assert_eq!(sandbox.read("key.txt"), before);
}

#[test]
fn without_output_prints_an_identity_file_age_reads() {
    let sandbox = Sandbox::new();
    let run = sandbox.run(&["keygen"]);
    run.ok()
        .stdout_has("AGE-SECRET-KEY-1")
        .stderr_has("public key: age1");
    // The leak detector every run goes through recognises a real key.
    assert!(crate::util::has_private_key(&run.stdout));
    sandbox.write("printed.txt", &run.stdout);
    let derived = sandbox.tool("age-keygen", &["-y", "printed.txt"]);
    let recipient = String::from_utf8_lossy(&derived.stdout).trim().to_string();
    assert!(run.stderr.contains(&recipient));
    assert!(run.stdout.contains(&format!("# public key: {recipient}")));
}
