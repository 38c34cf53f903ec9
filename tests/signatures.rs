//! Signed snapshots (issue 26): `snapshot --sign-key` writes `SNAPSHOT.sig` in OpenSSH's
//! SSHSIG format, and `verify`/`run --trusted-signers` refuse what no trusted key signed.
//! Checked against stock OpenSSH both ways: `ssh-keygen -Y verify` accepts lifeboat's
//! signatures, lifeboat accepts `ssh-keygen -Y sign`'s. The forgeries are snapshots sealed
//! with the runtime's *public* key, which is all an attacker needs for age.

use std::process::{Command, Stdio};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::run::setup;
use crate::services::doppler_fake::Mode;
use crate::util::{files_under, Run, Sandbox, CANARIES};

/// The app: it records that it started.
const APP: [&str; 4] = ["--", "sh", "-c", "touch started"];

/// A runtime key, a CI signing key with its allowed_signers line, a signed snapshot of
/// the canaries, and an impostor sealed to the same runtime key by someone without the
/// signing key.
struct Signed {
    sandbox: Sandbox,
    /// The CI key's public line (`ssh-ed25519 AAAA… comment`).
    ci_public: String,
    /// The runtime key's recipient (public, as any manifest may carry it).
    recipient: String,
}

fn ssh_keygen(sandbox: &Sandbox, args: &[&str]) -> std::process::Output {
    let output = sandbox.tool("ssh-keygen", args);
    assert!(
        output.status.success(),
        "ssh-keygen {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A new unencrypted Ed25519 key `name` (and `name.pub`); returns the public line.
fn ssh_key(sandbox: &Sandbox, name: &str) -> String {
    ssh_keygen(
        sandbox,
        &["-q", "-t", "ed25519", "-N", "", "-C", "ci", "-f", name],
    );
    sandbox.holds_secrets(name);
    String::from_utf8(sandbox.read(&format!("{name}.pub")))
        .unwrap()
        .trim()
        .to_string()
}

/// `ssh-keygen -Y sign -n NAMESPACE` of `file` with `key`, to `file.sig`.
fn ssh_sign(sandbox: &Sandbox, key: &str, namespace: &str, file: &str) {
    let _ = std::fs::remove_file(sandbox.path(&format!("{file}.sig")));
    ssh_keygen(sandbox, &["-Y", "sign", "-f", key, "-n", namespace, file]);
}

fn signed() -> Signed {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    let ci_public = ssh_key(&sandbox, "ci_key");
    sandbox.write("allowed_signers", signers_line("", &ci_public));
    sandbox
        .canary_snapshot("snap.age", &[&recipient], &["--sign-key", "ci_key"])
        .stdout_has("signed by ssh-ed25519 SHA256:");
    sandbox.write("evil.env", "API_KEY=attacker-chosen\n");
    sandbox
        .run(&[
            "snapshot",
            "--source",
            "file:evil.env",
            "-r",
            &recipient,
            "-o",
            "evil.age",
        ])
        .ok();
    Signed {
        sandbox,
        ci_public,
        recipient,
    }
}

/// An allowed_signers line for `public` (`ssh-ed25519 AAAA…`), with `options`.
fn signers_line(options: &str, public: &str) -> String {
    let key: Vec<&str> = public.split_whitespace().take(2).collect();
    format!("ci@example {options} {}\n", key.join(" "))
}

impl Signed {
    fn verify(&self, file: &str, signers: &str) -> Run {
        self.sandbox.run(&[
            "verify",
            file,
            "-i",
            "key.txt",
            "--trusted-signers",
            signers,
        ])
    }

    /// `run --offline` of `file` with the signers; the app records whether it started.
    fn run(&self, file: &str, signers: &str) -> (Run, bool) {
        let _ = std::fs::remove_file(self.sandbox.path("started"));
        let mut args = vec![
            "run",
            "--offline",
            "--snapshot",
            file,
            "-i",
            "key.txt",
            "--trusted-signers",
            signers,
        ];
        args.extend(APP);
        let run = self.sandbox.run(&args);
        (run, self.sandbox.path("started").exists())
    }

    /// Both `verify` and `run` refuse `file` with exit 21 and `says` in the message.
    #[track_caller]
    fn refused(&self, file: &str, signers: &str, says: &str) {
        self.verify(file, signers).code(21).stderr_has(says);
        let (run, started) = self.run(file, signers);
        run.code(21).stderr_has(says);
        assert!(!started, "the app started on a refused snapshot");
        for canary in CANARIES {
            assert!(!run.stdout.contains(canary));
        }
    }
}

/// `ssh-keygen -Y verify` of `file` against its `.sig`, as a fleet's own tooling checks.
fn stock_verify(sandbox: &Sandbox, file: &str) -> std::process::Output {
    Command::new("ssh-keygen")
        .args([
            "-Y",
            "verify",
            "-f",
            "allowed_signers",
            "-I",
            "ci@example",
            "-n",
            "lifeboat-snapshot",
            "-s",
            &format!("{file}.sig"),
        ])
        .current_dir(sandbox.root())
        .stdin(Stdio::from(
            std::fs::File::open(sandbox.path(file)).unwrap(),
        ))
        .output()
        .expect("ssh-keygen is required")
}

#[test]
fn stock_ssh_keygen_verifies_what_lifeboat_signs() {
    let setup = signed();
    let sandbox = &setup.sandbox;
    let sig = String::from_utf8(sandbox.read("snap.age.sig")).unwrap();
    assert!(sig.starts_with("-----BEGIN SSH SIGNATURE-----\n"), "{sig}");
    let checked = stock_verify(sandbox, "snap.age");
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    assert!(String::from_utf8_lossy(&checked.stdout)
        .contains("Good \"lifeboat-snapshot\" signature for ci@example"));
    // And stock OpenSSH refuses it over any other bytes.
    std::fs::copy(sandbox.path("snap.age.sig"), sandbox.path("evil.age.sig")).unwrap();
    assert!(!stock_verify(sandbox, "evil.age").status.success());

    // lifeboat accepts its own, and says who signed.
    let fingerprint = String::from_utf8(ssh_keygen(sandbox, &["-lf", "ci_key.pub"]).stdout)
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    setup
        .verify("snap.age", "allowed_signers")
        .ok()
        .stdout_has(&format!(
            "signed by ssh-ed25519 {fingerprint} (trusted as ci@example)"
        ));
    let (run, started) = setup.run("snap.age", "allowed_signers");
    run.ok();
    assert!(started);
    // The environment variable works as the flag does.
    let _ = std::fs::remove_file(sandbox.path("started"));
    let mut args = vec![
        "run",
        "--offline",
        "--snapshot",
        "snap.age",
        "-i",
        "key.txt",
    ];
    args.extend(APP);
    sandbox
        .run_env(&args, &[("LIFEBOAT_TRUSTED_SIGNERS", "evil.env")])
        .code(3)
        .stderr_has("trusted signers file evil.env, line 1");

    // inspect shows the signing key, unverified.
    sandbox
        .run(&["inspect", "snap.age"])
        .ok()
        .stdout_has(&format!(
            "signature:   ssh-ed25519 {fingerprint} (namespace lifeboat-snapshot); unverified: no signer list"
        ));
    let json = sandbox.inspect_json("snap.age");
    assert_eq!(json["signature"]["fingerprint"], fingerprint.as_str());
    assert_eq!(json["signature"]["verified"], false);
    std::fs::remove_file(sandbox.path("evil.age.sig")).unwrap();
    assert_eq!(
        sandbox.inspect_json("evil.age")["signature"],
        serde_json::Value::Null
    );
}

#[test]
fn lifeboat_accepts_what_stock_ssh_keygen_signs() {
    let setup = signed();
    let sandbox = &setup.sandbox;
    // An unsigned snapshot, signed afterwards with stock OpenSSH.
    sandbox.canary_snapshot("plain.age", &[&setup.recipient], &[]);
    assert!(!sandbox.path("plain.age.sig").exists());
    setup.refused(
        "plain.age",
        "allowed_signers",
        "no signature: plain.age.sig does not exist",
    );
    ssh_sign(sandbox, "ci_key", "lifeboat-snapshot", "plain.age");
    setup.verify("plain.age", "allowed_signers").ok();
    let (run, started) = setup.run("plain.age", "allowed_signers");
    run.ok();
    assert!(started);
    // The same with the namespace allowed by a pattern and a validity window around now.
    sandbox.write(
        "windowed",
        signers_line(
            "namespaces=\"git,lifeboat-*\",valid-after=\"20200101Z\",valid-before=\"209912312359Z\"",
            &setup.ci_public,
        ),
    );
    setup.verify("plain.age", "windowed").ok();
}

#[test]
fn forgeries_are_refused_with_the_check_that_failed() {
    let setup = signed();
    let sandbox = &setup.sandbox;
    // No signature at all.
    setup.refused(
        "evil.age",
        "allowed_signers",
        "no signature: evil.age.sig does not exist",
    );
    // A signature by another key (the attacker's own).
    ssh_key(sandbox, "attacker_key");
    ssh_sign(sandbox, "attacker_key", "lifeboat-snapshot", "evil.age");
    setup.refused(
        "evil.age",
        "allowed_signers",
        "unknown key: the snapshot is signed by ssh-ed25519 SHA256:",
    );
    // The genuine signature of another snapshot.
    std::fs::copy(sandbox.path("snap.age.sig"), sandbox.path("evil.age.sig")).unwrap();
    setup.refused(
        "evil.age",
        "allowed_signers",
        "bad signature: the signature by ssh-ed25519",
    );
    // The trusted key, but for another namespace (a git commit's signature).
    ssh_sign(sandbox, "ci_key", "git", "evil.age");
    setup.refused(
        "evil.age",
        "allowed_signers",
        "wrong namespace: the signature was made for the namespace \"git\"",
    );
    // The genuine snapshot, with a signer list that allows the key only for git.
    sandbox.write(
        "git_only",
        signers_line("namespaces=\"git\"", &setup.ci_public),
    );
    setup.refused(
        "snap.age",
        "git_only",
        "wrong namespace: the trusted signers file git_only lists",
    );
    // Outside the key's validity, on either side.
    sandbox.write(
        "expired",
        signers_line("valid-before=\"20200101Z\"", &setup.ci_public),
    );
    setup.refused(
        "snap.age",
        "expired",
        "outside validity: the trusted signers file expired trusts ssh-ed25519",
    );
    setup.refused("snap.age", "expired", "only until 2020-01-01T00:00:00Z");
    sandbox.write(
        "future",
        signers_line("valid-after=\"20991231Z\"", &setup.ci_public),
    );
    setup.refused("snap.age", "future", "only from 2099-12-31T00:00:00Z");
    // A signature cut short.
    let sig = sandbox.read("snap.age.sig");
    std::fs::write(sandbox.path("snap.age.sig"), &sig[..sig.len() / 2]).unwrap();
    setup.refused(
        "snap.age",
        "allowed_signers",
        "bad signature: snap.age.sig is not a valid SSH signature",
    );
    std::fs::write(sandbox.path("snap.age.sig"), &sig).unwrap();
    setup.verify("snap.age", "allowed_signers").ok();
}

#[test]
fn every_byte_of_the_signature_changed_or_cut_is_refused() {
    let setup = signed();
    let sandbox = &setup.sandbox;
    let armored = String::from_utf8(sandbox.read("snap.age.sig")).unwrap();
    let body: String = armored
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let blob = STANDARD.decode(body).unwrap();
    let armor = |blob: &[u8]| {
        let base64 = STANDARD.encode(blob);
        let lines: Vec<&str> = base64
            .as_bytes()
            .chunks(70)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN SSH SIGNATURE-----\n{}\n-----END SSH SIGNATURE-----\n",
            lines.join("\n")
        )
    };
    // The sweep's own control: the blob re-armored as it was is accepted.
    sandbox.write("snap.age.sig", armor(&blob));
    setup.verify("snap.age", "allowed_signers").ok();
    let refused = |variant: &[u8], what: &str| {
        sandbox.write("snap.age.sig", armor(variant));
        let run = setup.verify("snap.age", "allowed_signers");
        assert_eq!(
            run.code, 21,
            "{what} accepted or misclassified:\n{}",
            run.stderr
        );
        assert!(
            ["bad signature", "unknown key", "wrong namespace"]
                .iter()
                .any(|check| run.stderr.contains(check)),
            "{what}: {}",
            run.stderr
        );
    };
    for at in 0..blob.len() {
        let mut flipped = blob.clone();
        flipped[at] ^= 0x01;
        refused(&flipped, &format!("byte {at} flipped"));
        refused(&blob[..at], &format!("cut to {at} bytes"));
    }
    let mut longer = blob.clone();
    longer.push(0);
    refused(&longer, "a byte added");
    // And at the armor's level: every line of it dropped.
    let lines: Vec<&str> = armored.lines().collect();
    for skip in 0..lines.len() {
        let text: Vec<&str> = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, l)| *l)
            .collect();
        sandbox.write("snap.age.sig", text.join("\n") + "\n");
        setup
            .verify("snap.age", "allowed_signers")
            .code(21)
            .stderr_has("bad signature");
    }
}

#[test]
fn a_signed_snapshot_must_still_match_its_pin() {
    let setup = signed();
    let sandbox = &setup.sandbox;
    let other = "0".repeat(64);
    sandbox
        .run(&[
            "verify",
            "snap.age",
            "-i",
            "key.txt",
            "--trusted-signers",
            "allowed_signers",
            "--expect-sha256",
            &other,
        ])
        .code(21)
        .stderr_has("not the pinned one");
    let mut args = vec![
        "run",
        "--offline",
        "--snapshot",
        "snap.age",
        "-i",
        "key.txt",
        "--trusted-signers",
        "allowed_signers",
        "--expect-sha256",
        &other,
    ];
    args.extend(APP);
    sandbox.run(&args).code(21).stderr_has("not the pinned one");
    assert!(!sandbox.path("started").exists());
}

#[test]
fn the_cache_serves_only_while_the_baked_snapshot_passes_its_signature_check() {
    let setup = setup();
    let sandbox = &setup.sandbox;
    let ci_public = ssh_key(sandbox, "ci_key");
    sandbox.write("allowed_signers", signers_line("", &ci_public));
    ssh_sign(sandbox, "ci_key", "lifeboat-snapshot", "snap.age");
    let signers = [
        "--cache-dir",
        "cache",
        "--live-cooldown",
        "0s",
        "--trusted-signers",
        "allowed_signers",
    ];
    // Live, after a rotation: the cache gets the new value.
    setup
        .fake
        .set_secret("API_KEY", "canary-7f3a-api-key-value-rotated");
    setup
        .run(&setup.fake.url(), &signers, &[])
        .ok()
        .stderr_has("(live,");
    // Down: the cache, fresher than the signed image, serves.
    setup.fake.set_mode(Mode::Status(503));
    setup
        .run(&setup.fake.url(), &signers, &[])
        .ok()
        .stderr_has("starting from the runtime cache");
    assert_eq!(setup.app_env().unwrap()["LIFEBOAT_ORIGIN"], "cache");
    // Within the breaker's cooldown (its default, after that failure) the cache serves
    // without the service being asked.
    let breaker = [
        "--cache-dir",
        "cache",
        "--trusted-signers",
        "allowed_signers",
    ];
    setup
        .run(&setup.fake.url(), &breaker, &[])
        .ok()
        .stderr_has("starting from the runtime cache")
        .stderr_has("without asking the service");
    // The image's snapshot swapped for one whose signature fails: no copy serves.
    std::fs::write(
        sandbox.path("snap.age.sig"),
        "-----BEGIN SSH SIGNATURE-----\n",
    )
    .unwrap();
    setup
        .run(&setup.fake.url(), &signers, &[])
        .code(21)
        .stderr_has("bad signature")
        .stderr_has(
            "the cache serves only while the image's snapshot opens with a valid signature",
        );
    assert!(setup.app_env().is_none(), "the app started");
    // Nor through the breaker.
    setup
        .run(&setup.fake.url(), &breaker, &[])
        .code(21)
        .stderr_has(
            "the cache serves only while the image's snapshot opens with a valid signature",
        );
    assert!(setup.app_env().is_none(), "the app started");
    std::fs::remove_file(sandbox.path("snap.age.sig")).unwrap();
    setup
        .run(&setup.fake.url(), &signers, &[])
        .code(21)
        .stderr_has("no signature");
    assert!(setup.app_env().is_none(), "the app started");
}

#[test]
fn the_signing_key_is_in_no_output_or_file_but_its_own() {
    let setup = signed();
    let sandbox = &setup.sandbox;
    let key_text = String::from_utf8(sandbox.read("ci_key")).unwrap();
    // Every base64 line of the key is a canary; so is its body in one piece.
    let mut planted: Vec<String> = key_text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::to_string)
        .collect();
    planted.push(planted.concat());
    assert!(planted.len() > 3);
    let mut runs = vec![
        sandbox.run(&[
            "snapshot",
            "--source",
            "file:canaries.env",
            "-r",
            &setup.recipient.clone(),
            "-o",
            "again.age",
            "--sign-key",
            "ci_key",
            "--json",
        ]),
        setup.verify("snap.age", "allowed_signers"),
        sandbox.run(&["inspect", "snap.age", "--json"]),
        // The key given where a signer list or an identity belongs.
        setup.verify("snap.age", "ci_key"),
        sandbox.run(&["verify", "snap.age", "-i", "ci_key"]),
    ];
    // A key that cannot sign: refused by name, nothing written, the key not quoted.
    let cut = &key_text[..key_text.len() / 2];
    sandbox.write("cut_key", cut);
    let protected = "protected_key";
    ssh_keygen(
        sandbox,
        &["-q", "-t", "ed25519", "-N", "a passphrase", "-f", protected],
    );
    sandbox.holds_secrets(protected);
    for key in ["cut_key", protected, "ci_key.pub"] {
        let run = sandbox.run(&[
            "snapshot",
            "--source",
            "file:canaries.env",
            "-r",
            &setup.recipient.clone(),
            "-o",
            "unsigned.age",
            "--sign-key",
            key,
        ]);
        run.code(3).stderr_has(&format!("the signing key {key}"));
        assert!(!sandbox.path("unsigned.age").exists());
        assert!(!sandbox.path("unsigned.age.sig").exists());
        runs.push(run);
    }
    runs.last()
        .unwrap()
        .stderr_has("not an OpenSSH private key");
    runs[runs.len() - 2].stderr_has("is passphrase-protected and there is no terminal");
    for run in &runs {
        for text in [&run.stdout, &run.stderr] {
            for canary in &planted {
                assert!(
                    !text.contains(canary.as_str()),
                    "the signing key leaked:\n{text}"
                );
            }
        }
    }
    for path in files_under(sandbox.root()) {
        if path == sandbox.path("ci_key") || path == sandbox.path("cut_key") {
            continue;
        }
        let contents = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        for canary in &planted {
            assert!(
                !contents.contains(canary.as_str()),
                "the signing key is in {}",
                path.display()
            );
        }
    }
}

#[test]
fn a_signer_list_lifeboat_cannot_honour_is_refused_by_name() {
    let setup = signed();
    let sandbox = &setup.sandbox;
    for (name, text, says) in [
        (
            "ca",
            signers_line("cert-authority", &setup.ci_public),
            "cert-authority",
        ),
        (
            "rsa",
            "ci@example ssh-rsa AAAAB3NzaC1yc2E=\n".to_string(),
            "a ssh-rsa key: lifeboat checks ssh-ed25519 signatures only",
        ),
        (
            "local",
            signers_line("valid-before=\"20990101\"", &setup.ci_public),
            "has no Z",
        ),
        ("empty", "# nobody yet\n".to_string(), "lists no key"),
    ] {
        sandbox.write(name, text);
        setup.verify("snap.age", name).code(3).stderr_has(says);
        let (run, started) = setup.run("snap.age", name);
        run.code(3).stderr_has(says);
        assert!(!started);
    }
    setup
        .verify("snap.age", "missing")
        .code(3)
        .stderr_has("cannot read the trusted signers file missing");
}

#[test]
fn snapshot_without_a_key_warns_of_an_old_signature_beside_it() {
    let setup = signed();
    let sandbox = &setup.sandbox;
    sandbox
        .run(&[
            "snapshot",
            "--source",
            "file:canaries.env",
            "-r",
            &setup.recipient,
            "-o",
            "snap.age",
        ])
        .ok()
        .stderr_has("snap.age.sig beside the snapshot signs an earlier one");
    // It is left alone, and no longer matches.
    setup.refused(
        "snap.age",
        "allowed_signers",
        "bad signature: the signature by ssh-ed25519",
    );
}

#[test]
fn rekey_signs_what_it_writes() {
    let setup = signed();
    let sandbox = &setup.sandbox;
    let new_recipient = sandbox.keygen("new.txt");
    sandbox
        .run(&[
            "rekey",
            "snap.age",
            "-i",
            "key.txt",
            "-r",
            &new_recipient,
            "-r",
            &setup.recipient,
            "-o",
            "new.age",
            "--sign-key",
            "ci_key",
        ])
        .ok()
        .stdout_has("signed by ssh-ed25519 SHA256:")
        .stdout_has("in new.age.sig");
    let checked = stock_verify(sandbox, "new.age");
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    setup.verify("new.age", "allowed_signers").ok();
    // Rekeyed over itself without the key: the old .sig is left, warned of, and refused.
    sandbox
        .run(&[
            "rekey",
            "new.age",
            "-i",
            "key.txt",
            "-r",
            &setup.recipient,
            "--force",
        ])
        .ok()
        .stderr_has("new.age.sig beside the snapshot signs an earlier one");
    setup.refused("new.age", "allowed_signers", "bad signature");
    // A key that cannot sign: nothing is written.
    sandbox
        .run(&[
            "rekey",
            "snap.age",
            "-i",
            "key.txt",
            "-r",
            &setup.recipient,
            "-o",
            "other.age",
            "--sign-key",
            "ci_key.pub",
        ])
        .code(3)
        .stderr_has("the signing key ci_key.pub");
    assert!(!sandbox.path("other.age").exists());
}

#[test]
fn verify_and_inspect_read_the_signature_from_the_image() {
    use crate::image::crafted::{file, gzip, oci_members, tar_of};
    let setup = signed();
    let sandbox = &setup.sandbox;
    let member = "etc/lifeboat/snapshot.age";
    let image = |name: &str, snapshot: &str, sig: Option<&str>| {
        let mut layer = file(member, &sandbox.read(snapshot));
        if let Some(sig) = sig {
            layer.extend(file(&format!("{member}.sig"), &sandbox.read(sig)));
        }
        layer.extend(vec![0u8; 1024]);
        sandbox.write(name, tar_of(&oci_members(&[gzip(&layer)])));
    };
    image("signed.tar", "snap.age", Some("snap.age.sig"));
    image("unsigned.tar", "snap.age", None);
    image("forged.tar", "evil.age", Some("snap.age.sig"));
    let verify = |archive: &str| {
        sandbox.run(&[
            "verify",
            "--image",
            archive,
            "-i",
            "key.txt",
            "--trusted-signers",
            "allowed_signers",
        ])
    };
    verify("signed.tar")
        .ok()
        .stdout_has("signed by ssh-ed25519 SHA256:");
    verify("unsigned.tar")
        .code(21)
        .stderr_has("no signature: unsigned.tar:/etc/lifeboat/snapshot.age.sig does not exist");
    verify("forged.tar").code(21).stderr_has("bad signature");
    let shown = sandbox.run(&["inspect", "--image", "signed.tar", "--json"]);
    let shown: serde_json::Value = serde_json::from_str(&shown.ok().stdout).unwrap();
    assert_eq!(shown["signature"]["verified"], false);
    assert!(shown["signature"]["fingerprint"]
        .as_str()
        .unwrap()
        .starts_with("SHA256:"));
    sandbox
        .run(&["inspect", "--image", "unsigned.tar"])
        .ok()
        .stdout_has("note:");
}
