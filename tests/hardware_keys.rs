//! Keys in hardware: age plugins (a real plugin binary, the age-plugin crate's
//! software-only `age-plugin-unencrypted`, built by scripts/test.sh into .tools/cargo/bin)
//! for both sealing and opening, plugin names that could name a path refused, and age's
//! tag recipients (`age1tag1…`, `age1tagpq1…`), which need no plugin to seal to.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use age_core::format::{FileKey, Stanza};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use hpke::{Deserializable, Kem, Serializable};
use p256::elliptic_curve::sec1::ToEncodedPoint;

use crate::util::{Sandbox, CANARIES};

fn plugin_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".tools/cargo/bin");
    assert!(
        dir.join("age-plugin-unencrypted").exists(),
        "age-plugin-unencrypted is required in {} (scripts/test.sh builds it)",
        dir.display()
    );
    dir
}

/// PATH with the plugin's folder first.
fn path_with_plugin() -> String {
    format!(
        "{}:{}",
        plugin_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// A new plugin identity file, from the plugin itself; returns its recipient.
fn plugin_keygen(sandbox: &Sandbox, name: &str) -> String {
    let output = Command::new(plugin_dir().join("age-plugin-unencrypted"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    sandbox.write(name, &text);
    sandbox.holds_secrets(name);
    text.lines()
        .find_map(|l| l.strip_prefix("# recipient: "))
        .expect("the plugin prints its recipient")
        .to_string()
}

#[test]
fn a_plugin_seals_and_opens_a_snapshot() {
    let sandbox = Sandbox::new();
    let recipient = plugin_keygen(&sandbox, "plugin.key");
    assert!(recipient.starts_with("age1unencrypted1"));
    let path = path_with_plugin();
    let env = [("PATH", path.as_str())];
    sandbox.write("canaries.env", crate::util::canary_dotenv());
    sandbox
        .run_env(
            &[
                "snapshot",
                "--source",
                "file:canaries.env",
                "-r",
                &format!("yubikey={recipient}"),
                "-o",
                "s.age",
            ],
            &env,
        )
        .ok();
    let inspect = sandbox.inspect_json("s.age");
    assert_eq!(inspect["recipients"][0]["type"], "plugin");
    assert_eq!(inspect["recipients"][0]["label"], "yubikey");
    let recovered = sandbox.run_env(
        &["recover", "--snapshot", "s.age", "-i", "plugin.key"],
        &env,
    );
    recovered.ok();
    assert!(recovered.stdout.contains(CANARIES[0]));
    // What the plugin says is passed on, marked as the plugin's.
    recovered.stderr_has("lifeboat: age-plugin-unencrypted: This identity does nothing!");
    sandbox
        .run_env(&["verify", "s.age", "-i", "plugin.key"], &env)
        .ok();
    // run never starts a plugin: it might wait for a touch or a PIN.
    sandbox
        .run_env(
            &[
                "run",
                "--offline",
                "--snapshot",
                "s.age",
                "-i",
                "plugin.key",
                "--",
                "env",
            ],
            &env,
        )
        .code(3)
        .no_stdout()
        .stderr_has("plugin identities are for people");
    // AGEDEBUG=plugin would have the age crate print the conversation, file key
    // included: refused.
    sandbox
        .run_env(
            &["recover", "--snapshot", "s.age", "-i", "plugin.key"],
            &[("PATH", path.as_str()), ("AGEDEBUG", "plugin")],
        )
        .code(3)
        .no_stdout()
        .stderr_has("AGEDEBUG=plugin is set");
    // Without the plugin on PATH: a clear error, and nothing opened.
    sandbox
        .run_env(
            &["recover", "--snapshot", "s.age", "-i", "plugin.key"],
            &[("PATH", "/usr/bin:/bin")],
        )
        .code(3)
        .no_stdout()
        .stderr_has("the plugin program age-plugin-unencrypted is not on PATH");
    sandbox
        .run_env(
            &[
                "snapshot",
                "--source",
                "file:canaries.env",
                "-r",
                &recipient,
                "-o",
                "t.age",
            ],
            &[("PATH", "/usr/bin:/bin")],
        )
        .code(2)
        .stderr_has("the plugin program age-plugin-unencrypted is not on PATH");
}

#[test]
fn plugin_labels_decide_whether_it_joins_post_quantum_recipients() {
    let sandbox = Sandbox::new();
    let recipient = plugin_keygen(&sandbox, "plugin.key");
    let pq = sandbox
        .run(&["keygen", "--pq", "-o", "pq.key"])
        .ok()
        .stdout
        .trim()
        .to_string();
    let classic = sandbox.keygen("x.key");
    let path = path_with_plugin();
    sandbox.write("canaries.env", crate::util::canary_dotenv());
    // The plugin reports the labels in AGE_PLUGIN_LABELS, or none without it.
    let seal = |recipients: &[&str], labels: Option<&str>| {
        let _ = std::fs::remove_file(sandbox.path("s.age"));
        let mut args = vec!["snapshot", "--source", "file:canaries.env", "-o", "s.age"];
        for r in recipients {
            args.extend(["-r", r]);
        }
        let mut command = sandbox.command(&args);
        command.env("PATH", &path);
        match labels {
            Some(labels) => command.env("AGE_PLUGIN_LABELS", labels),
            None => command.env_remove("AGE_PLUGIN_LABELS"),
        };
        sandbox.run_with(command, &args)
    };
    // A plugin that says it is post-quantum joins a post-quantum recipient, and not a
    // classic one; one that says nothing, the other way round. The metadata stanza
    // takes the first recipient's labels in every order.
    seal(&[&recipient, &pq], Some("postquantum")).ok();
    seal(&[&pq, &recipient], Some("postquantum")).ok();
    sandbox.run(&["verify", "s.age", "-i", "pq.key"]).ok();
    seal(&[&classic, &recipient], None).ok();
    seal(&[&recipient, &classic], None).ok();
    for (recipients, labels) in [
        (vec![recipient.as_str(), pq.as_str()], None),
        (vec![pq.as_str(), recipient.as_str()], None),
        (
            vec![recipient.as_str(), classic.as_str()],
            Some("postquantum"),
        ),
    ] {
        seal(&recipients, labels)
            .code(1)
            .stderr_has("the recipients cannot be mixed: a plugin's recipient is post-quantum and another is not");
    }
}

/// Writes a bech32 string with a chosen human-readable part, without bech32's length
/// limit, as age does (age-core's encoder).
fn bech32(hrp: &str, data: &[u8]) -> String {
    age_core::primitives::bech32_encode(bech32::Hrp::parse(hrp).unwrap(), data)
}

#[test]
fn plugin_names_that_are_paths_are_refused_and_nothing_runs() {
    let sandbox = Sandbox::new();
    // A program a path-like plugin name would reach: age-plugin-x/../evil is ./evil.
    std::fs::create_dir(sandbox.path("age-plugin-x")).unwrap();
    let marker = sandbox.path("evil-ran");
    sandbox.write("evil", format!("#!/bin/sh\ntouch '{}'\n", marker.display()));
    std::fs::set_permissions(
        sandbox.path("evil"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let path = format!(".:{}", path_with_plugin());
    let env = [("PATH", path.as_str())];
    sandbox.write("canaries.env", crate::util::canary_dotenv());
    for name in ["x/../evil", "../evil", "/tmp/evil"] {
        let recipient = bech32(&format!("age1{name}"), b"key");
        sandbox
            .run_env(
                &[
                    "snapshot",
                    "--source",
                    "file:canaries.env",
                    "-r",
                    &recipient,
                    "-o",
                    "s.age",
                ],
                &env,
            )
            .code(2)
            .stderr_has("the plugin name is not one: a name has only letters, digits and +-._");
        let identity = bech32(&format!("age-plugin-{name}-"), b"key").to_uppercase();
        sandbox.write("evil.key", format!("{identity}\n"));
        sandbox
            .run_env(
                &["recover", "--snapshot", "nothing.age", "-i", "evil.key"],
                &env,
            )
            .code(3)
            .stderr_has("the plugin name is not one: a name has only letters, digits and +-._");
    }
    assert!(!marker.exists(), "a plugin name ran a program");
    assert!(!sandbox.path("s.age").exists());
}

/// An age identity for `p256tag` stanzas, written here from the hpke crate (RFC 9180 with
/// DHKEM(P-256), HKDF-SHA256, ChaCha20-Poly1305, info `age-encryption.org/p256tag`), as a
/// hardware key's plugin would open them: an independent check that what lifeboat seals
/// to an `age1tag1` recipient opens with that key.
struct P256TagIdentity(<hpke::kem::DhP256HkdfSha256 as Kem>::PrivateKey);

impl age::Identity for P256TagIdentity {
    fn unwrap_stanza(&self, stanza: &Stanza) -> Option<Result<FileKey, age::DecryptError>> {
        if stanza.tag != "p256tag" {
            return None;
        }
        let enc = STANDARD_NO_PAD.decode(&stanza.args[1]).ok()?;
        let enc = <hpke::kem::DhP256HkdfSha256 as Kem>::EncappedKey::from_bytes(&enc).ok()?;
        let key = hpke::single_shot_open::<
            hpke::aead::ChaCha20Poly1305,
            hpke::kdf::HkdfSha256,
            hpke::kem::DhP256HkdfSha256,
        >(
            &hpke::OpModeR::Base,
            &self.0,
            &enc,
            b"age-encryption.org/p256tag",
            &stanza.body,
            &[],
        )
        .ok()?;
        Some(Ok(FileKey::new(Box::new(key.try_into().ok()?))))
    }
}

fn header_stanzas(file: &Path) -> Vec<String> {
    let bytes = std::fs::read(file).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    text.lines()
        .take_while(|l| !l.starts_with("---"))
        .filter_map(|l| l.strip_prefix("-> "))
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect()
}

#[test]
fn tag_recipients_seal_for_hardware_keys_with_no_plugin() {
    let sandbox = Sandbox::new();
    let (sk, pk) = hpke::kem::DhP256HkdfSha256::gen_keypair(&mut rand::rngs::OsRng);
    let point = p256::PublicKey::from_sec1_bytes(&pk.to_bytes()).unwrap();
    let tag = bech32("age1tag", point.to_encoded_point(true).as_bytes());
    // A hybrid tag key: ML-KEM-768's encapsulation key and the P-256 point, uncompressed.
    let (_, ek) = <ml_kem::MlKem768 as ml_kem::KemCore>::generate(&mut rand::rngs::OsRng);
    let mut tagpq_bytes = ml_kem::EncodedSizeUser::as_bytes(&ek).to_vec();
    tagpq_bytes.extend_from_slice(point.to_encoded_point(false).as_bytes());
    let tagpq = bech32("age1tagpq", &tagpq_bytes);
    let classic = sandbox.keygen("x.key");
    let pq = sandbox
        .run(&["keygen", "--pq", "-o", "pq.key"])
        .ok()
        .stdout
        .trim()
        .to_string();

    // No plugin on PATH: sealing to a tag needs none.
    let env = [("PATH", "/usr/bin:/bin")];
    sandbox.write("canaries.env", crate::util::canary_dotenv());
    sandbox
        .run_env(
            &[
                "snapshot",
                "--source",
                "file:canaries.env",
                "-r",
                &tag,
                "-r",
                &classic,
                "-o",
                "tag.age",
            ],
            &env,
        )
        .ok();
    let stanzas = header_stanzas(&sandbox.path("tag.age"));
    assert_eq!(stanzas[0], "lifeboat-meta");
    assert!(
        stanzas.contains(&"p256tag".to_string()) && stanzas.contains(&"X25519".to_string()),
        "{stanzas:?}"
    );
    let inspect = sandbox.inspect_json("tag.age");
    let kinds: HashSet<&str> = inspect["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, HashSet::from(["p256tag", "x25519"]));
    // The P-256 key opens it (the header MAC and payload checked by the age crate).
    let bytes = sandbox.read("tag.age");
    let identity = P256TagIdentity(sk);
    let mut reader = age::Decryptor::new_buffered(&bytes[..])
        .unwrap()
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .expect("the P-256 key opens what lifeboat sealed to its tag recipient");
    let mut document = String::new();
    std::io::Read::read_to_string(&mut reader, &mut document).unwrap();
    let document: serde_json::Value = serde_json::from_str(&document).unwrap();
    assert_eq!(document["secrets"]["API_KEY"], CANARIES[0]);

    // The hybrid tag joins post-quantum recipients only; the classic tag, classic ones only.
    sandbox
        .run_env(
            &[
                "snapshot",
                "--source",
                "file:canaries.env",
                "-r",
                &tagpq,
                "-r",
                &pq,
                "-o",
                "tagpq.age",
            ],
            &env,
        )
        .ok();
    assert!(header_stanzas(&sandbox.path("tagpq.age")).contains(&"mlkem768p256tag".to_string()));
    sandbox.run(&["verify", "tagpq.age", "-i", "pq.key"]).ok();
    for pair in [[&tagpq, &classic], [&tag, &pq]] {
        sandbox
            .run_env(
                &[
                    "snapshot",
                    "--source",
                    "file:canaries.env",
                    "-r",
                    pair[0],
                    "-r",
                    pair[1],
                    "-o",
                    "mixed.age",
                ],
                &env,
            )
            .code(2)
            .stderr_has("post-quantum and classic recipients cannot be mixed");
    }
    assert!(!sandbox.path("mixed.age").exists());
}
