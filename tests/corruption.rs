//! Every single-byte change and every truncation of a small snapshot fails cleanly through
//! `verify`, `recover` and `run --offline`: exit 21, no panic, nothing on stdout (where
//! `run` would start `env`, which prints its environment), no secret on stderr.

use lifeboat::keys::{parse_identities, Passphrases};
use lifeboat::snapshot::open;

use crate::util::Sandbox;

fn small_snapshot() -> (Sandbox, Vec<u8>) {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.write("one.env", format!("API_KEY={}\n", crate::util::CANARIES[0]));
    sandbox
        .run(&[
            "snapshot",
            "--source",
            "file:one.env",
            "-r",
            &recipient,
            "-o",
            "s.age",
        ])
        .ok();
    let bytes = sandbox.read("s.age");
    (sandbox, bytes)
}

fn assert_refused(sandbox: &Sandbox, bytes: &[u8], what: &str) {
    sandbox.write("bad.age", bytes);
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
        let run = sandbox.run(&args);
        assert_eq!(run.code, 21, "{what}: {args:?}\n{}", run.stderr);
        assert!(
            run.stdout.is_empty(),
            "{what}: {args:?} printed {}",
            run.stdout
        );
        assert!(
            run.stderr.contains("lifeboat: error: "),
            "{what}: {}",
            run.stderr
        );
    }
}

#[test]
fn every_single_byte_flip_is_refused_by_the_binary() {
    let (sandbox, original) = small_snapshot();
    for position in 0..original.len() {
        let mut bytes = original.clone();
        bytes[position] ^= 0x01;
        assert_refused(&sandbox, &bytes, &format!("flip at {position}"));
    }
    eprintln!(
        "corruption sweep: {} flips of a {}-byte snapshot, 3 commands each",
        original.len(),
        original.len()
    );
}

#[test]
fn every_truncation_is_refused_by_the_binary() {
    let (sandbox, original) = small_snapshot();
    for length in 0..original.len() {
        assert_refused(
            &sandbox,
            &original[..length],
            &format!("truncated to {length}"),
        );
    }
    eprintln!(
        "corruption sweep: {} truncations, 3 commands each",
        original.len()
    );
}

#[test]
fn nine_bit_patterns_at_every_position_are_refused_by_the_library() {
    let (sandbox, original) = small_snapshot();
    let identities = parse_identities(
        &String::from_utf8(sandbox.read("key.txt")).unwrap(),
        "key.txt",
        Passphrases::Refuse,
    )
    .unwrap();
    let mut tried = 0;
    for position in 0..original.len() {
        for mask in [0x01u8, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff] {
            let mut bytes = original.clone();
            bytes[position] ^= mask;
            assert!(
                open(&bytes, &identities).is_err(),
                "position {position} mask {mask:#x}"
            );
            tried += 1;
        }
    }
    // Appended garbage is refused too: age's STREAM knows where the file ends.
    let mut longer = original.clone();
    longer.push(0);
    assert!(open(&longer, &identities).is_err());
    assert!(tried > 5_000);
    eprintln!("corruption sweep: {tried} changed bytes opened by the library");
}
