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

/// `keygen -y` prints the recipient of every identity in a file, as `age-keygen -y` does,
/// for the keys Debian's age cannot read (post-quantum) and for SSH keys too.
#[test]
fn keygen_y_prints_every_recipient_in_a_file() {
    let sandbox = Sandbox::new();
    let classic = sandbox.keygen("classic.key");
    let pq = sandbox
        .run(&["keygen", "--pq", "-o", "pq.key"])
        .ok()
        .stdout
        .trim()
        .to_string();
    assert!(pq.starts_with("age1pq1"));
    sandbox
        .run(&["keygen", "-y", "classic.key"])
        .ok()
        .stdout_has(&format!("{classic}\n"));
    let from_age = sandbox.tool("age-keygen", &["-y", "classic.key"]);
    assert_eq!(String::from_utf8_lossy(&from_age.stdout).trim(), classic);
    sandbox
        .run(&["keygen", "-y", "pq.key"])
        .ok()
        .stdout_has(&format!("{pq}\n"));
    // Two keys in one file: one line each, in order.
    let both = [sandbox.read("classic.key"), sandbox.read("pq.key")].concat();
    sandbox.write("both.key", &both);
    sandbox.holds_secrets("both.key");
    let run = sandbox.run(&["keygen", "-y", "both.key"]);
    assert_eq!(run.ok().stdout, format!("{classic}\n{pq}\n"));
    // Standard input, as `age-keygen -y` reads it without a file.
    let mut command = sandbox.command(&["keygen", "-y"]);
    command.stdin(std::fs::File::open(sandbox.path("classic.key")).unwrap());
    let run = sandbox.run_with(command, &["keygen", "-y"]);
    assert_eq!(run.ok().stdout, format!("{classic}\n"));
    // An SSH key: its public key line, as ssh-keygen -y derives it.
    let ssh = sandbox.tool(
        "ssh-keygen",
        &[
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "",
            "-f",
            "id_ed25519",
        ],
    );
    assert!(ssh.status.success());
    sandbox.holds_secrets("id_ed25519");
    let derived = sandbox.tool("ssh-keygen", &["-y", "-f", "id_ed25519"]);
    let line = String::from_utf8_lossy(&derived.stdout);
    let run = sandbox.run(&["keygen", "-y", "id_ed25519"]);
    assert_eq!(
        run.ok()
            .stdout
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>(),
        line.split_whitespace().take(2).collect::<Vec<_>>()
    );
    // A mistake is named: not a key file, and flags that make no sense with -y.
    sandbox.write("notes.txt", "hello\n");
    let run = sandbox.run(&["keygen", "-y", "notes.txt"]);
    assert_ne!(run.code, 0);
    sandbox
        .run(&["keygen", "-y", "--pq", "classic.key"])
        .code(2)
        .stderr_has("cannot be used with");
}
