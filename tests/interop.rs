//! Interoperability with the stock `age` tool (the reference Go implementation), and the
//! header MAC that authenticates lifeboat's metadata.

use std::collections::HashSet;

use age_core::format::{FileKey, Stanza};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use lifeboat::keys::{parse_identities, parse_recipient, Passphrases};
use lifeboat::secret::{SecretValue, Secrets};
use lifeboat::snapshot::{open, seal, Metadata, RecipientInfo, SnapshotError};
use lifeboat::source::Scope;
use serde_json::Value;

use crate::util::{Sandbox, CANARIES};

fn decrypted_by_stock_age(sandbox: &Sandbox, identity: &str, file: &str) -> Value {
    let output = sandbox.tool("age", &["-d", "-i", identity, file]);
    assert!(
        output.status.success(),
        "age -d: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the payload is JSON")
}

#[test]
fn stock_age_decrypts_with_x25519_and_ssh_identities() {
    let sandbox = Sandbox::new();
    let x25519 = sandbox.keygen("key.txt");
    for (kind, file) in [("ed25519", "id_ed25519"), ("rsa", "id_rsa")] {
        let made = sandbox.tool(
            "ssh-keygen",
            &["-q", "-t", kind, "-N", "", "-C", "ops@laptop", "-f", file],
        );
        assert!(
            made.status.success(),
            "ssh-keygen: {}",
            String::from_utf8_lossy(&made.stderr)
        );
        sandbox.holds_secrets(file);
    }
    let ed = String::from_utf8(sandbox.read("id_ed25519.pub")).unwrap();
    let rsa = String::from_utf8(sandbox.read("id_rsa.pub")).unwrap();
    sandbox.canary_snapshot("s.age", &[&x25519, ed.trim(), rsa.trim()], &[]);
    let inspect: Value = sandbox.inspect_json("s.age");
    for identity in ["key.txt", "id_ed25519", "id_rsa"] {
        let document = decrypted_by_stock_age(&sandbox, identity, "s.age");
        assert_eq!(document["secrets"]["API_KEY"], CANARIES[0]);
        assert_eq!(document["secrets"]["MULTI"], CANARIES[2]);
        assert_eq!(document["metadata"]["id"], inspect["id"]);
        assert_eq!(document["metadata"]["secret_count"], 4);
        sandbox.run(&["verify", "s.age", "-i", identity]).ok();
    }
    // The SSH fingerprints are OpenSSH's own.
    let listed = sandbox.tool("ssh-keygen", &["-l", "-f", "id_ed25519.pub"]);
    let openssh_fp = String::from_utf8_lossy(&listed.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    assert_eq!(inspect["recipients"][1]["fingerprint"], openssh_fp.as_str());
    assert_eq!(inspect["recipients"][1]["label"], "ops@laptop");
}

#[test]
fn lifeboat_opens_with_keys_made_by_age_keygen() {
    let sandbox = Sandbox::new();
    let made = sandbox.tool("age-keygen", &["-o", "stock.txt"]);
    assert!(made.status.success());
    sandbox.holds_secrets("stock.txt");
    let recipient = sandbox.tool("age-keygen", &["-y", "stock.txt"]);
    let recipient = String::from_utf8_lossy(&recipient.stdout)
        .trim()
        .to_string();
    sandbox.canary_snapshot("s.age", &[&recipient], &[]);
    sandbox.run(&["verify", "s.age", "-i", "stock.txt"]).ok();
}

/// A recipient that adds a stanza type no age implementation knows.
struct UnknownStanza;

impl age::Recipient for UnknownStanza {
    fn wrap_file_key(
        &self,
        _: &FileKey,
    ) -> Result<(Vec<Stanza>, HashSet<String>), age::EncryptError> {
        let stanza = Stanza {
            tag: "example.com/future-thing".into(),
            args: vec!["arg1".into(), "arg2".into()],
            body: vec![7; 100],
        };
        Ok((vec![stanza], HashSet::new()))
    }
}

fn metadata(secrets: &Secrets, recipients: Vec<RecipientInfo>) -> Metadata {
    Metadata {
        format: 1,
        id: "20260101T000000Z-000000000000".into(),
        created_at: "2026-01-01T00:00:00Z".into(),
        expires_at: None,
        source: Scope {
            provider: "file".into(),
            path: Some("test.env".into()),
            ..Scope::default()
        },
        secret_count: secrets.len(),
        recipients,
        names: None,
        created_by: "test".into(),
        rekeyed_from: None,
    }
}

#[test]
fn lifeboat_opens_files_with_stanzas_it_does_not_know() {
    let sandbox = Sandbox::new();
    let recipient_text = sandbox.keygen("key.txt");
    let recipient = parse_recipient(&recipient_text, "test").unwrap();
    let mut secrets = Secrets::new();
    secrets.insert("API_KEY".into(), SecretValue::new(CANARIES[0].into()));
    let meta = metadata(&secrets, vec![RecipientInfo::of(&recipient)]);
    let sealed = seal(
        &secrets,
        &meta,
        &[&UnknownStanza, recipient.as_age(), &UnknownStanza],
    )
    .unwrap();
    sandbox.write("unknown.age", &sealed);
    sandbox
        .run(&["inspect", "unknown.age"])
        .ok()
        .stdout_has("example.com/future-thing");
    sandbox
        .run(&["verify", "unknown.age", "-i", "key.txt"])
        .ok();
    let document = decrypted_by_stock_age(&sandbox, "key.txt", "unknown.age");
    assert_eq!(document["secrets"]["API_KEY"], CANARIES[0]);
}

/// Rewrites the metadata JSON inside the header (re-encoded properly, so only the MAC
/// can tell), returning the new file.
pub fn edit_metadata(file: &[u8], edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let marker = b"-> lifeboat-meta v1\n";
    let start = file
        .windows(marker.len())
        .position(|w| w == marker)
        .unwrap()
        + marker.len();
    let mut end = start;
    let mut body = String::new();
    loop {
        let line_end = end + file[end..].iter().position(|&b| b == b'\n').unwrap();
        let line = std::str::from_utf8(&file[end..line_end]).unwrap();
        body.push_str(line);
        end = line_end + 1;
        if line.len() < 64 {
            break;
        }
    }
    let mut json = STANDARD_NO_PAD.decode(body).unwrap();
    edit(&mut json);
    let encoded = STANDARD_NO_PAD.encode(&json);
    let mut lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    if encoded.len().is_multiple_of(64) {
        lines.push("");
    }
    let mut out = file[..start].to_vec();
    for line in lines {
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    out.extend_from_slice(&file[end..]);
    out
}

#[test]
fn changing_any_character_of_the_metadata_is_detected() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.canary_snapshot("s.age", &[&recipient], &["--expires-in", "30d"]);
    let original = sandbox.read("s.age");
    let identities = parse_identities(
        &String::from_utf8(sandbox.read("key.txt")).unwrap(),
        "key.txt",
        Passphrases::Refuse,
    )
    .unwrap();
    assert!(open(&original, &identities).is_ok());
    let json_len = {
        let mut len = 0;
        edit_metadata(&original, |json| len = json.len());
        len
    };
    let mut tampered_count = 0;
    for position in 0..json_len {
        let edited = edit_metadata(&original, |json| {
            json[position] = match json[position] {
                b'0'..=b'8' | b'a'..=b'y' | b'A'..=b'Y' => json[position] + 1,
                b'9' => b'0',
                b'z' | b'Z' => b'a',
                _ => b'~',
            };
        });
        assert_ne!(edited, original);
        match open(&edited, &identities) {
            Ok(_) => panic!("a change at metadata byte {position} went unnoticed"),
            Err(SnapshotError::Tampered) => tampered_count += 1,
            Err(SnapshotError::Malformed(_)) => {}
            Err(other) => panic!("byte {position}: unexpected {other:?}"),
        }
    }
    // Edits inside values (id, times, fingerprints, labels) keep a valid layout, and only
    // the MAC catches them; the rest break the JSON or the layout first.
    assert!(
        tampered_count >= 100,
        "only {tampered_count} of {json_len} edits reached the MAC check"
    );

    // Through the binary and through the stock tool: the id changed, one character.
    let id_edit = edit_metadata(&original, |json| {
        let at = json.windows(6).position(|w| w == b"\"id\":\"").unwrap() + 6;
        json[at] = if json[at] == b'1' { b'2' } else { b'1' };
    });
    sandbox.write("tampered.age", &id_edit);
    sandbox.run(&["inspect", "tampered.age"]).ok();
    sandbox
        .run(&["verify", "tampered.age", "-i", "key.txt"])
        .code(21)
        .no_stdout()
        .stderr_has("does not match the header MAC");
    sandbox
        .run(&["recover", "--snapshot", "tampered.age", "-i", "key.txt"])
        .code(21)
        .no_stdout();
    let stock = sandbox.tool("age", &["-d", "-i", "key.txt", "tampered.age"]);
    assert!(!stock.status.success());
    assert!(String::from_utf8_lossy(&stock.stderr).contains("bad header MAC"));
}
