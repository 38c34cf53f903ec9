//! The committed v1 test vectors keep opening, with lifeboat and with the stock `age`.
//! Once v1 has shipped, every later lifeboat must read it.

use std::path::PathBuf;

use serde_json::Value;

use crate::util::Sandbox;

fn vectors() -> Sandbox {
    let sandbox = Sandbox::new();
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/v1");
    for entry in std::fs::read_dir(source).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        std::fs::copy(entry.path(), sandbox.path(&name)).unwrap();
        // The vector's keys are fixtures.
        sandbox.holds_secrets(&name);
    }
    sandbox
}

fn expected() -> Value {
    let text = include_str!("data/v1/snapshot.json");
    serde_json::from_str(text).unwrap()
}

#[test]
fn the_stock_age_tool_decrypts_the_vector_byte_for_byte() {
    let sandbox = vectors();
    for identity in ["identity.txt", "id_ed25519"] {
        let output = sandbox.tool("age", &["-d", "-i", identity, "snapshot.age"]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(output.stdout, include_bytes!("data/v1/snapshot.json"));
    }
}

#[test]
fn lifeboat_opens_the_vector_with_either_key() {
    let sandbox = vectors();
    let expected = expected();
    for identity in ["identity.txt", "id_ed25519"] {
        sandbox
            .run(&["verify", "snapshot.age", "-i", identity])
            .ok();
        let run = sandbox.run(&[
            "recover",
            "--snapshot",
            "snapshot.age",
            "-i",
            identity,
            "--format",
            "json",
        ]);
        let secrets: Value = serde_json::from_str(&run.ok().stdout).unwrap();
        assert_eq!(secrets, expected["secrets"]);
    }
    let inspect: Value =
        serde_json::from_str(&sandbox.run(&["inspect", "snapshot.age", "--json"]).stdout).unwrap();
    let metadata = &expected["metadata"];
    for field in [
        "format",
        "id",
        "created_at",
        "source",
        "secret_count",
        "recipients",
        "names",
        "created_by",
    ] {
        assert_eq!(inspect[field], metadata[field], "{field}");
    }
    sandbox
        .run(&["verify", "snapshot.age", "-i", "other-identity.txt"])
        .code(21)
        .stderr_has("none of the given keys can open this snapshot");
}

#[test]
fn the_expired_vector_is_refused_by_verify_and_opened_by_recover() {
    let sandbox = vectors();
    sandbox
        .run(&["verify", "expired.age", "-i", "identity.txt"])
        .code(22)
        .stderr_has("the snapshot expired at");
    sandbox
        .run(&["recover", "--snapshot", "expired.age", "-i", "identity.txt"])
        .ok()
        .stderr_has("THIS SNAPSHOT HAS EXPIRED")
        .stdout_has("API_TOKEN=\"tok_vector_0123456789\"");
}
