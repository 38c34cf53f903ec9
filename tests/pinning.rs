//! `--expect-sha256` / `LIFEBOAT_SNAPSHOT_SHA256`: a deployment pins the snapshot its
//! image was built with. The attack it closes: anyone who knows a recipient's public key
//! can seal a snapshot that key opens, and swap it into the image.

use crate::services::doppler_fake::DopplerFake;
use crate::services::listeners::refused_port;
use crate::util::{Run, Sandbox, CANARIES, TOKENS};

const APP: [&str; 4] = ["--", "sh", "-c", "env -0 > app.env"];

/// The genuine snapshot and an impostor sealed to the same public key.
struct Pinned {
    sandbox: Sandbox,
    /// The sha256 the genuine `snapshot` printed.
    sha256: String,
}

fn sha256_of(run: &Run) -> String {
    let sha = run
        .stdout
        .trim()
        .rsplit("sha256 ")
        .next()
        .expect("the summary ends with the sha256")
        .to_string();
    assert_eq!(sha.len(), 64, "{}", run.stdout);
    sha
}

/// `evil.age`: secrets of an attacker's choosing sealed to `recipient`. It needs only the
/// public key, which any deployment manifest may carry.
fn impostor(sandbox: &Sandbox, recipient: &str) {
    sandbox.write("evil.env", "API_KEY=attacker-chosen\n");
    sandbox
        .run(&[
            "snapshot",
            "--source",
            "file:evil.env",
            "-r",
            recipient,
            "-o",
            "evil.age",
        ])
        .ok();
}

fn pinned() -> Pinned {
    let sandbox = Sandbox::new();
    // The app's own record of its environment: secrets by design.
    sandbox.holds_secrets("app.env");
    let recipient = sandbox.keygen("key.txt");
    let genuine = sandbox.canary_snapshot("snap.age", &[&recipient], &[]);
    let sha256 = sha256_of(&genuine);
    impostor(&sandbox, &recipient);
    Pinned { sandbox, sha256 }
}

#[test]
fn the_pinned_snapshot_opens_in_every_form_of_the_digest() {
    let Pinned { sandbox, sha256 } = pinned();
    for pin in [
        sha256.clone(),
        format!("sha256:{sha256}"),
        sha256.to_uppercase(),
    ] {
        sandbox
            .run(&[
                "verify",
                "snap.age",
                "-i",
                "key.txt",
                "--expect-sha256",
                &pin,
            ])
            .ok()
            .stdout_has("ok");
    }
    let run = sandbox.run_env(
        &["recover", "--snapshot", "snap.age", "-i", "key.txt"],
        &[("LIFEBOAT_SNAPSHOT_SHA256", &sha256)],
    );
    run.ok().stdout_has(CANARIES[0]);
    let run = sandbox.run_env(
        &[
            &[
                "run",
                "--offline",
                "--snapshot",
                "snap.age",
                "-i",
                "key.txt",
            ][..],
            &APP,
        ]
        .concat(),
        &[("LIFEBOAT_SNAPSHOT_SHA256", &sha256)],
    );
    run.ok();
    let env = String::from_utf8(sandbox.read("app.env")).unwrap();
    assert!(env.contains(&format!("API_KEY={}", CANARIES[0])));
}

#[test]
fn an_impostor_sealed_to_the_same_key_is_refused_by_every_command() {
    let Pinned { sandbox, sha256 } = pinned();
    // Without the pin the impostor opens: this is the gap the pin closes.
    sandbox
        .run(&["recover", "--snapshot", "evil.age", "-i", "key.txt"])
        .ok()
        .stdout_has("attacker-chosen");
    for args in [
        vec!["verify", "evil.age", "-i", "key.txt"],
        vec!["recover", "--snapshot", "evil.age", "-i", "key.txt"],
        [
            &[
                "run",
                "--offline",
                "--snapshot",
                "evil.age",
                "-i",
                "key.txt",
            ][..],
            &APP,
        ]
        .concat(),
    ] {
        let run = sandbox.run_env(&args, &[("LIFEBOAT_SNAPSHOT_SHA256", &sha256)]);
        run.code(21)
            .no_stdout()
            .stderr_has("the snapshot is not the pinned one")
            .stderr_has(&format!("expected {sha256}"))
            .stderr_has("it was not opened");
        assert!(
            !sandbox.path("app.env").exists(),
            "{args:?} started the app"
        );
    }
}

#[test]
fn the_pin_is_checked_before_the_file_is_parsed_or_decrypted() {
    let Pinned { sandbox, sha256 } = pinned();
    // Garbage would be "not an age file", a wrong key "none of the given keys": with a
    // pin, neither is reached.
    sandbox.write("garbage.age", "not a snapshot at all\n");
    let other = sandbox.keygen("other.txt");
    assert!(other.starts_with("age1"));
    for (file, key) in [("garbage.age", "key.txt"), ("evil.age", "other.txt")] {
        sandbox
            .run(&["verify", file, "-i", key, "--expect-sha256", &sha256])
            .code(21)
            .stderr_has("not the pinned one");
    }
}

#[test]
fn a_malformed_pin_is_a_usage_error() {
    let Pinned { sandbox, sha256 } = pinned();
    for bad in ["abc", &sha256[1..], &format!("{sha256}00"), "sha256:"] {
        sandbox
            .run(&[
                "verify",
                "snap.age",
                "-i",
                "key.txt",
                "--expect-sha256",
                bad,
            ])
            .code(2)
            .stderr_has("64 hex digits");
    }
}

#[test]
fn run_falls_back_only_to_the_pinned_snapshot() {
    let token = TOKENS[0];
    let fake = DopplerFake::start(&[("API_KEY", CANARIES[0])], token, "shop", "prd");
    let sandbox = Sandbox::new();
    sandbox.holds_secrets("app.env");
    let recipient = sandbox.keygen("key.txt");
    let service = [("DOPPLER_TOKEN", token), ("DOPPLER_API_HOST", &fake.url())];
    let genuine = sandbox.run_env(
        &[
            "snapshot", "--source", "doppler", "-r", &recipient, "-o", "snap.age",
        ],
        &service,
    );
    let sha256 = sha256_of(genuine.ok());
    impostor(&sandbox, &recipient);
    let down = format!("http://127.0.0.1:{}", refused_port());
    let run_with = |snapshot: &str, api_host: &str| {
        let _ = std::fs::remove_file(sandbox.path("app.env"));
        sandbox.run_env(
            &[
                &[
                    "run",
                    "--source",
                    "doppler",
                    "--snapshot",
                    snapshot,
                    "-i",
                    "key.txt",
                ][..],
                &APP,
            ]
            .concat(),
            &[
                ("DOPPLER_TOKEN", token),
                ("DOPPLER_API_HOST", api_host),
                ("LIFEBOAT_SNAPSHOT_SHA256", &sha256),
            ],
        )
    };
    // Service down: the pinned snapshot serves, the impostor does not.
    run_with("snap.age", &down)
        .ok()
        .stderr_has("starting from snapshot");
    run_with("evil.age", &down)
        .code(21)
        .stderr_has("the live fetch failed")
        .stderr_has("not the pinned one");
    assert!(!sandbox.path("app.env").exists());
    // Service up: live secrets, with a warning that the fallback is not the pinned one.
    run_with("evil.age", &fake.url())
        .ok()
        .stderr_has("could not serve as a fallback")
        .stderr_has("not the pinned one");
    let env = String::from_utf8(sandbox.read("app.env")).unwrap();
    assert!(env.contains(&format!("API_KEY={}", CANARIES[0])));
}
