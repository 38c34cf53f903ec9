//! The fuzz targets' bodies (`fuzz/src/lib.rs`) over the committed seeds and every input
//! that ever crashed a target (`fuzz/regressions/TARGET/`), so the normal test suite keeps
//! fixed crashes fixed without libFuzzer.

use std::path::Path;

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod targets;

/// A target's name and body.
type Target = (&'static str, fn(&[u8]));

const TARGETS: [Target; 20] = [
    ("snapshot_header", targets::snapshot_header),
    ("snapshot_open", targets::snapshot_open),
    ("snapshot_payload", targets::snapshot_payload),
    ("dotenv", targets::dotenv),
    ("json_source", targets::json_source),
    ("doppler_answer", targets::doppler_answer),
    ("vault_answer", targets::vault_answer),
    ("https_answer", targets::https_answer),
    ("image_archive", targets::image_archive),
    ("ssh_signature", targets::ssh_signature),
    ("allowed_signers", targets::allowed_signers),
    ("aws_secret_answer", targets::aws_secret_answer),
    ("aws_parameters", targets::aws_parameters),
    ("aws_error", targets::aws_error),
    ("aws_credentials", targets::aws_credentials),
    ("aws_profile", targets::aws_profile),
    ("token_file", targets::token_file),
    ("recipient", targets::recipient),
    ("identity", targets::identity),
    ("runtime_cache", targets::runtime_cache),
];

fn inputs(dir: &Path) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| std::fs::read(e.path()).unwrap())
        .collect()
}

#[test]
fn every_seed_and_every_past_crash_runs_clean() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let on_disk: Vec<String> = std::fs::read_dir(fuzz.join("fuzz_targets"))
        .unwrap()
        .flatten()
        .map(|e| {
            e.file_name()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string()
        })
        .collect();
    assert_eq!(
        on_disk.len(),
        TARGETS.len(),
        "a fuzz target is missing here"
    );
    for (name, body) in TARGETS {
        assert!(on_disk.iter().any(|n| n == name), "no fuzz target {name}");
        let seeds = inputs(&fuzz.join("seeds").join(name));
        assert!(!seeds.is_empty(), "{name} has no seeds");
        for input in seeds
            .iter()
            .chain(&inputs(&fuzz.join("regressions").join(name)))
        {
            body(input);
        }
    }
}

/// The seeds are accepted where they should be: a fuzzer started from inputs that all
/// fail early explores little.
#[test]
fn the_seeds_reach_the_parsers_success_paths() {
    use lifeboat::snapshot::read_header;
    use lifeboat::source::{parse_doppler_answer, parse_kv2_answer, parse_secrets_file};
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    for seed in inputs(&seeds.join("snapshot_header")) {
        read_header(&seed).unwrap();
    }
    for seed in inputs(&seeds.join("dotenv")) {
        parse_secrets_file(&seed, "seed").unwrap();
    }
    for seed in inputs(&seeds.join("doppler_answer")) {
        parse_doppler_answer(&seed, "seed").unwrap();
    }
    let signers = seeds.join("allowed_signers");
    for seed in inputs(&signers) {
        let text = String::from_utf8(seed).unwrap();
        lifeboat::signature::AllowedSigners::parse(&text, &signers).unwrap();
    }
    let vector = std::fs::read(seeds.join("snapshot_open/vector.age")).unwrap();
    let trusted = lifeboat::signature::AllowedSigners::read(&signers.join("plain")).unwrap();
    for seed in inputs(&seeds.join("ssh_signature")) {
        lifeboat::signature::check(
            Path::new("seed.sig"),
            &seed,
            &vector,
            &trusted,
            std::time::SystemTime::now(),
        )
        .unwrap();
    }
    let kv2 = std::fs::read(seeds.join("vault_answer/kv2-read.json")).unwrap();
    assert_eq!(parse_kv2_answer(&kv2, "secret").unwrap().1, Some(3));
    for archive in ["docker-save.tar", "oci-archive.tar"] {
        let bytes = lifeboat::image::read_file_from_image(
            &seeds.join("image_archive").join(archive),
            "/etc/lifeboat/snapshot.age",
            &lifeboat::image::Selection::default(),
        )
        .unwrap();
        assert_eq!(
            bytes,
            std::fs::read(seeds.join("snapshot_open/vector.age")).unwrap()
        );
    }
}

/// The seeds of the second wave's targets reach the success paths too, and the ones that
/// stand for refusals are refused.
#[test]
fn the_new_targets_seeds_reach_the_parsers_success_paths() {
    use lifeboat::keys::{parse_identity_bytes, parse_recipient, Passphrases};
    use lifeboat::source::{
        add_parameters_answer, error_name, json_credentials, parse_secret_answer, read_secret_file,
        shared_file_sections, sts_credentials, ParametersAccount,
    };
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    let seed = |target: &str, name: &str| std::fs::read(seeds.join(target).join(name)).unwrap();

    let object = parse_secret_answer(&seed("aws_secret_answer", "object.json"), None).unwrap();
    assert_eq!(object.secrets.len(), 3);
    assert_eq!(object.account.as_deref(), Some("123456789012"));
    let plain = seed("aws_secret_answer", "plain-string.json");
    assert!(parse_secret_answer(&plain, None).is_err());
    assert_eq!(
        parse_secret_answer(&plain, Some("PW"))
            .unwrap()
            .secrets
            .len(),
        1
    );
    assert!(parse_secret_answer(&seed("aws_secret_answer", "binary.json"), None).is_err());

    let mut secrets = lifeboat::secret::Secrets::new();
    let mut account = ParametersAccount::default();
    let next = add_parameters_answer(
        &seed("aws_parameters", "page-with-next-token.json"),
        "/shop/prod/",
        &mut secrets,
        &mut account,
    )
    .unwrap();
    assert!(next.is_some());
    // moto gives a token after the last page too (and an empty page for it).
    add_parameters_answer(
        &seed("aws_parameters", "last-page.json"),
        "/shop/prod/",
        &mut secrets,
        &mut account,
    )
    .unwrap();
    assert_eq!(secrets.len(), 4);
    assert_eq!(account.0.as_deref(), Some("123456789012"));
    add_parameters_answer(
        &seed("aws_parameters", "get-parameter.json"),
        "/shop/prod/db/url",
        &mut lifeboat::secret::Secrets::new(),
        &mut ParametersAccount::default(),
    )
    .unwrap();

    // Every error seed names its error (sts-answer.xml is a success, for xml_field).
    for entry in std::fs::read_dir(seeds.join("aws_error")).unwrap() {
        let path = entry.unwrap().path();
        let input = std::fs::read(&path).unwrap();
        let named = error_name(&input[2..]).is_some();
        assert_eq!(
            named,
            !path.ends_with("sts-answer.xml"),
            "{}",
            path.display()
        );
    }
    sts_credentials(&seed(
        "aws_credentials",
        "sts-assume-role-with-web-identity.xml",
    ))
    .unwrap();
    for name in ["imds-role.json", "ecs-task-role.json"] {
        json_credentials(&seed("aws_credentials", name), name).unwrap();
    }
    for input in inputs(&seeds.join("aws_profile")) {
        assert!(shared_file_sections(&String::from_utf8(input).unwrap()).len() >= 4);
    }
    for entry in std::fs::read_dir(seeds.join("token_file")).unwrap() {
        read_secret_file(&entry.unwrap().path(), "--token-file").unwrap();
    }

    for name in [
        "age-keygen-x25519.txt",
        "labelled-x25519.txt",
        "lifeboat-keygen-pq.txt",
        "ssh-keygen-ed25519.pub",
        "ssh-keygen-rsa2048.pub",
        "tag-p256.txt",
    ] {
        let text = String::from_utf8(seed("recipient", name)).unwrap();
        parse_recipient(&text, name).unwrap();
    }
    for name in [
        "age-keygen-x25519.txt",
        "lifeboat-keygen-pq.txt",
        "ssh-keygen-ed25519",
        "ssh-keygen-rsa2048",
    ] {
        parse_identity_bytes(&seed("identity", name), name, Passphrases::Refuse).unwrap();
    }
    // A protected file is read up to its passphrase, which run never asks for.
    for name in [
        "typage-scrypt.age",
        "typage-scrypt-armored.age",
        "ssh-keygen-ed25519-passphrase",
    ] {
        let Err(error) = parse_identity_bytes(&seed("identity", name), name, Passphrases::Refuse)
        else {
            panic!("{name} opened without its passphrase");
        };
        assert!(error.to_string().contains("passphrase"), "{name}: {error}");
    }

    // The signed seeds of the runtime cache are used: the snapshot opens, the record reads.
    let dir = tempfile::tempdir().unwrap();
    let identities = lifeboat::keys::parse_identities(
        include_str!("data/v1/identity.txt"),
        "identity.txt",
        Passphrases::Refuse,
    )
    .unwrap();
    let cache = lifeboat::cache_for_fuzzing(dir.path(), &identities).unwrap();
    let snapshot = seed("runtime_cache", "signed-snapshot");
    cache.plant(&snapshot[1..], true).unwrap();
    assert!(cache.read(&identities).unwrap().is_some());
    let record = seed("runtime_cache", "signed-breaker-record");
    cache.plant(&record[1..], true).unwrap();
    assert!(cache.last_failure().is_some());
    let unsigned = seed("runtime_cache", "unsigned-breaker-record");
    cache.plant(&unsigned[1..], false).unwrap();
    assert!(cache.last_failure().is_none());
}

/// A shared file of one long section name and many short lines: each entry shares the
/// name, where a copy each cost the name's length times the lines (a 1 MiB file, the
/// most lifeboat reads, asked for some 90 GB).
#[test]
fn a_long_section_name_over_many_lines_is_read_in_linear_memory() {
    let name = "p".repeat((512 << 10) - 8);
    let text = format!("[{name}]\n{}", "a=\n".repeat((512 << 10) / 3));
    assert!(text.len() <= 1 << 20);
    let started = std::time::Instant::now();
    let entries = lifeboat::source::shared_file_sections(&text);
    assert_eq!(entries.len(), (512 << 10) / 3);
    assert!(entries
        .iter()
        .all(|(section, _, _)| std::rc::Rc::ptr_eq(section, &entries[0].0)));
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

/// The crash the `recipient` target found: age 0.12.1 panics on an SSH RSA key with an
/// integer of only zero bytes (an abort in the release build). Each such key, as a
/// recipient and in both halves of a private key file, is refused by name instead.
#[test]
fn rsa_keys_with_an_integer_of_zero_bytes_are_refused_not_a_panic() {
    use lifeboat::keys::{parse_identity_bytes, parse_recipient, Passphrases};
    let regressions = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut panicked = Vec::new();
    for (target, name) in [
        (
            "recipient",
            "crash-99429a45299b1a72b86cf629c981596990e7019e",
        ),
        ("identity", "rsa-private-integer-of-zero-bytes"),
        ("identity", "rsa-public-integer-of-zero-bytes"),
    ] {
        let input = std::fs::read(regressions.join(target).join(name)).unwrap();
        let said = std::panic::catch_unwind(|| match target {
            "recipient" => parse_recipient(std::str::from_utf8(&input).unwrap(), name)
                .map(|_| ())
                .unwrap_err()
                .to_string(),
            _ => parse_identity_bytes(&input, name, Passphrases::Refuse)
                .map(|_| ())
                .unwrap_err()
                .to_string(),
        });
        match said {
            Ok(said) => assert!(said.contains("only zero bytes"), "{name}: {said}"),
            Err(_) => panicked.push(name),
        }
    }
    assert!(panicked.is_empty(), "panicked on {panicked:?}");
}
