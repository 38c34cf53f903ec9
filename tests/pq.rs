//! Hybrid post-quantum keys (age 1.3's `mlkem768x25519`) against a second implementation,
//! typage (npm `age-encryption`, installed by scripts/test.sh into .tools/typage), both
//! ways; the refusal to mix post-quantum and classic recipients; and the wrong-key and
//! corruption sweeps over a post-quantum snapshot. The CCTV vectors are in tests/cctv.rs.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use lifeboat::keys::{parse_identities, Passphrases};
use lifeboat::snapshot::open;
use serde_json::Value;

use crate::util::{Sandbox, CANARIES};

fn typage_dir() -> PathBuf {
    std::env::var_os("LIFEBOAT_TYPAGE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".tools/typage"))
}

/// Runs tests/services/typage.mjs; typage must be installed (a missing one fails).
#[track_caller]
fn typage(sandbox: &Sandbox, args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let dir = typage_dir();
    assert!(
        dir.join("node_modules/age-encryption/package.json")
            .exists(),
        "typage is required in {} (scripts/test.sh installs it)",
        dir.display()
    );
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/services/typage.mjs");
    let mut child = Command::new("node")
        .arg(script)
        .args(args)
        .env("LIFEBOAT_TYPAGE", &dir)
        .current_dir(sandbox.root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node is required (scripts/test.sh installs it)");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "typage {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// A typage-made identity in `name`; returns its recipient.
fn typage_keygen(sandbox: &Sandbox, name: &str) -> String {
    let out = String::from_utf8(typage(sandbox, &["keygen-pq"], b"")).unwrap();
    let (identity, recipient) = out.trim().split_once('\n').unwrap();
    assert!(identity.starts_with("AGE-SECRET-KEY-PQ-1"));
    assert!(recipient.starts_with("age1pq1"), "{recipient}");
    sandbox.write(name, format!("{identity}\n"));
    sandbox.holds_secrets(name);
    recipient.to_string()
}

/// A lifeboat-made post-quantum identity in `name`; returns its recipient.
fn pq_keygen(sandbox: &Sandbox, name: &str) -> String {
    let recipient = sandbox
        .run(&["keygen", "--pq", "-o", name])
        .ok()
        .stdout
        .trim()
        .to_string();
    assert!(recipient.starts_with("age1pq1"), "{recipient}");
    sandbox.holds_secrets(name);
    recipient
}

#[test]
fn typage_opens_what_lifeboat_seals_to_its_recipient() {
    let sandbox = Sandbox::new();
    let recipient = typage_keygen(&sandbox, "typage.key");
    sandbox.canary_snapshot("s.age", &[&recipient], &[]);
    let inspect = sandbox.inspect_json("s.age");
    assert_eq!(inspect["recipients"][0]["type"], "mlkem768x25519");
    let document: Value = serde_json::from_slice(&typage(
        &sandbox,
        &["decrypt", "typage.key"],
        &sandbox.read("s.age"),
    ))
    .expect("typage decrypts the payload");
    assert_eq!(document["secrets"]["API_KEY"], CANARIES[0]);
    assert_eq!(document["secrets"]["MULTI"], CANARIES[2]);
    assert_eq!(document["metadata"]["id"], inspect["id"]);
    // lifeboat opens it with the typage-made identity, and starts an app from it.
    sandbox.run(&["verify", "s.age", "-i", "typage.key"]).ok();
    let run = sandbox.run(&[
        "run",
        "--offline",
        "--snapshot",
        "s.age",
        "-i",
        "typage.key",
        "--",
        "sh",
        "-c",
        "printf %s \"$API_KEY\"",
    ]);
    assert_eq!(run.ok().stdout, CANARIES[0]);
}

#[test]
fn lifeboat_keys_are_typage_keys() {
    let sandbox = Sandbox::new();
    let recipient = pq_keygen(&sandbox, "pq.key");
    // The file is age-keygen's layout, and typage derives the same recipient from it.
    let file = String::from_utf8(sandbox.read("pq.key")).unwrap();
    assert!(
        file.contains(&format!("# public key: {recipient}\n")),
        "{file}"
    );
    sandbox.canary_snapshot("s.age", &[&recipient], &[]);
    let document: Value = serde_json::from_slice(&typage(
        &sandbox,
        &["decrypt", "pq.key"],
        &sandbox.read("s.age"),
    ))
    .expect("typage decrypts with lifeboat's identity");
    assert_eq!(document["secrets"]["DB_PASSWORD"], CANARIES[1]);
    // What typage seals to lifeboat's recipient opens with lifeboat's key type.
    let sealed = typage(&sandbox, &["encrypt", &recipient], CANARIES[3].as_bytes());
    let identities = parse_identities(&file, "pq.key", Passphrases::Refuse).unwrap();
    let decryptor = age::Decryptor::new_buffered(&sealed[..]).unwrap();
    let mut plain = String::new();
    std::io::Read::read_to_string(
        &mut decryptor
            .decrypt(identities.iter().map(|i| i.as_age()))
            .unwrap(),
        &mut plain,
    )
    .unwrap();
    assert_eq!(plain, CANARIES[3]);
    // And a typage file sealed to two post-quantum keys opens with either.
    let other = typage_keygen(&sandbox, "other.key");
    let both = typage(&sandbox, &["encrypt", &other, &recipient], b"both");
    assert_eq!(typage(&sandbox, &["decrypt", "other.key"], &both), b"both");
}

#[test]
fn post_quantum_and_classic_recipients_are_refused_together() {
    let sandbox = Sandbox::new();
    let pq = pq_keygen(&sandbox, "pq.key");
    let classic = sandbox.keygen("x.key");
    let made = sandbox.tool("ssh-keygen", &["-q", "-t", "ed25519", "-N", "", "-f", "id"]);
    assert!(made.status.success());
    sandbox.holds_secrets("id");
    let ssh = String::from_utf8(sandbox.read("id.pub")).unwrap();
    sandbox.write("canaries.env", crate::util::canary_dotenv());
    for other in [classic.as_str(), ssh.trim()] {
        sandbox
            .run(&[
                "snapshot",
                "--source",
                "file:canaries.env",
                "-r",
                &pq,
                "-r",
                other,
                "-o",
                "mixed.age",
            ])
            .code(2)
            .no_stdout()
            .stderr_has("post-quantum and classic recipients cannot be mixed")
            .stderr_has("lifeboat keygen --pq");
        assert!(!sandbox.path("mixed.age").exists(), "nothing is written");
    }
    // rekey refuses the mix the same way, and writes nothing.
    sandbox.canary_snapshot("pq.age", &[&pq], &[]);
    sandbox
        .run(&[
            "rekey", "pq.age", "-i", "pq.key", "-r", &pq, "-r", &classic, "-o", "r.age",
        ])
        .code(2)
        .stderr_has("cannot be mixed");
    assert!(!sandbox.path("r.age").exists());
    // Two post-quantum recipients are fine, and the metadata stanza does not count.
    let second = pq_keygen(&sandbox, "pq2.key");
    sandbox.canary_snapshot("two.age", &[&pq, &second], &[]);
    for key in ["pq.key", "pq2.key"] {
        sandbox.run(&["verify", "two.age", "-i", key]).ok();
    }
    // A post-quantum runtime key moves to a classic one only by rekey to classic alone.
    sandbox
        .run(&[
            "rekey", "pq.age", "-i", "pq.key", "-r", &classic, "-o", "x.age",
        ])
        .ok();
    sandbox.run(&["verify", "x.age", "-i", "x.key"]).ok();
}

#[test]
fn wrong_keys_are_named_for_a_post_quantum_snapshot() {
    let sandbox = Sandbox::new();
    let pq = pq_keygen(&sandbox, "pq.key");
    pq_keygen(&sandbox, "other-pq.key");
    sandbox.keygen("x.key");
    sandbox.canary_snapshot("s.age", &[&format!("breakglass={pq}")], &[]);
    for key in ["other-pq.key", "x.key"] {
        sandbox
            .run(&["recover", "--snapshot", "s.age", "-i", key])
            .code(21)
            .no_stdout()
            .stderr_has(
                "none of the given keys can open this snapshot; it was sealed to: mlkem768x25519 ",
            )
            .stderr_has("(breakglass)")
            .stderr_has(&format!("from {key}"));
        sandbox
            .run(&[
                "run",
                "--offline",
                "--snapshot",
                "s.age",
                "-i",
                key,
                "--",
                "env",
            ])
            .code(21)
            .no_stdout();
    }
}

#[test]
fn every_change_to_a_post_quantum_snapshot_is_refused() {
    let sandbox = Sandbox::new();
    let pq = pq_keygen(&sandbox, "key.txt");
    sandbox.write("one.env", format!("API_KEY={}\n", CANARIES[0]));
    sandbox
        .run(&[
            "snapshot",
            "--source",
            "file:one.env",
            "-r",
            &pq,
            "-o",
            "s.age",
        ])
        .ok();
    let original = sandbox.read("s.age");
    let identities = parse_identities(
        &String::from_utf8(sandbox.read("key.txt")).unwrap(),
        "key.txt",
        Passphrases::Refuse,
    )
    .unwrap();
    assert!(open(&original, &identities).is_ok());
    let mut tried = 0;
    for position in 0..original.len() {
        for mask in [0x01u8, 0x80, 0xff] {
            let mut bytes = original.clone();
            bytes[position] ^= mask;
            assert!(
                open(&bytes, &identities).is_err(),
                "position {position} mask {mask:#x}"
            );
            tried += 1;
        }
    }
    for length in 0..original.len() {
        assert!(
            open(&original[..length], &identities).is_err(),
            "truncated to {length}"
        );
    }
    // Through the binary, a flip in the post-quantum stanza's share, in its body, in the
    // header MAC and in the payload: exit 21, nothing printed, no secret.
    let text = String::from_utf8_lossy(&original);
    let share = text.find("-> mlkem768x25519 ").unwrap() + 40;
    let body = share + text[share..].find('\n').unwrap() + 5;
    let mac = text.find("\n--- ").unwrap() + 6;
    for position in [share, share + 1200, body, mac, original.len() - 5] {
        let mut bytes = original.clone();
        bytes[position] ^= 0x01;
        sandbox.write("bad.age", &bytes);
        for args in [
            vec!["verify", "bad.age", "-i", "key.txt"],
            vec!["recover", "--snapshot", "bad.age", "-i", "key.txt"],
            vec![
                "run",
                "--offline",
                "--snapshot",
                "bad.age",
                "-i",
                "key.txt",
                "--",
                "env",
            ],
        ] {
            sandbox.run(&args).code(21).no_stdout();
        }
    }
    eprintln!(
        "post-quantum sweep: {tried} changed bytes and {} truncations of a {}-byte snapshot",
        original.len(),
        original.len()
    );
}
