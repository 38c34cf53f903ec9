//! The fuzz targets' bodies (`fuzz/src/lib.rs`) over the committed seeds and every input
//! that ever crashed a target (`fuzz/regressions/TARGET/`), so the normal test suite keeps
//! fixed crashes fixed without libFuzzer.

use std::path::Path;

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod targets;

/// A target's name and body.
type Target = (&'static str, fn(&[u8]));

const TARGETS: [Target; 11] = [
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
