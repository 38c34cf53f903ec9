//! Inputs that parse but must still be refused: a key string that is not the one
//! canonical bech32 spelling of its key (padding bits set), and a source URL that carries
//! credentials in its user info.

use crate::util::{Sandbox, TOKENS};

/// bech32's alphabet: a character's position is its 5-bit value.
const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// BIP 173's checksum function over 5-bit values.
fn polymod(values: &[u8]) -> u32 {
    const GENERATOR: [u32; 5] = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
    let mut check = 1u32;
    for value in values {
        let top = check >> 25;
        check = ((check & 0x1ffffff) << 5) ^ u32::from(*value);
        for (bit, generator) in GENERATOR.iter().enumerate() {
            if (top >> bit) & 1 == 1 {
                check ^= generator;
            }
        }
    }
    check
}

/// `key` re-spelled with its data changed by `change` (on the 5-bit values, checksum
/// left off) and a fresh checksum, in the key's case.
fn respelled(key: &str, change: impl Fn(&mut Vec<u8>)) -> String {
    let upper = key.starts_with("AGE-");
    let lower = key.to_ascii_lowercase();
    let (hrp, data) = lower.rsplit_once('1').expect("a bech32 string");
    let mut values: Vec<u8> = data[..data.len() - 6]
        .bytes()
        .map(|c| CHARSET.iter().position(|&x| x == c).expect("bech32 data") as u8)
        .collect();
    change(&mut values);
    let mut checked: Vec<u8> = hrp.bytes().map(|b| b >> 5).collect();
    checked.push(0);
    checked.extend(hrp.bytes().map(|b| b & 31));
    checked.extend(&values);
    checked.extend([0u8; 6]);
    let sum = polymod(&checked) ^ 1;
    values.extend((0..6).map(|i| ((sum >> (5 * (5 - i))) & 31) as u8));
    let text: String = values
        .iter()
        .map(|&v| CHARSET[v as usize] as char)
        .collect();
    let spelled = format!("{hrp}1{text}");
    if upper {
        spelled.to_ascii_uppercase()
    } else {
        spelled
    }
}

/// The same key with the lowest bit of its last data character set: that bit is padding
/// for every age key (32 bytes leave 4 bits, the post-quantum recipient's 1,216 leave 2),
/// so a lenient decoder reads the same bytes from it.
fn padding_bit_set(key: &str) -> String {
    // The re-spelling itself is right: changing nothing gives the key back.
    assert_eq!(respelled(key, |_| {}), key, "the test's bech32 encoder");
    let other = respelled(key, |values| *values.last_mut().unwrap() ^= 1);
    assert_ne!(other, key);
    other
}

/// The secret key line of a key file written by `keygen -o`.
fn secret_line(sandbox: &Sandbox, file: &str) -> String {
    String::from_utf8(sandbox.read(file))
        .unwrap()
        .lines()
        .find(|line| line.starts_with("AGE-SECRET-KEY-"))
        .expect("keygen wrote a secret key")
        .to_string()
}

fn refuses_a_recipient_with_padding_bits(pq: bool) {
    let sandbox = Sandbox::new();
    let args: &[&str] = if pq {
        &["keygen", "--pq", "-o", "k.key"]
    } else {
        &["keygen", "-o", "k.key"]
    };
    let recipient = sandbox.run(args).ok().stdout.trim().to_string();
    assert!(recipient.starts_with(if pq { "age1pq1" } else { "age1" }));
    // The canonical spelling seals.
    sandbox.canary_snapshot("good.age", &[&recipient], &[]);
    let other = padding_bit_set(&recipient);
    let run = sandbox.run(&[
        "snapshot",
        "--source",
        "file:canaries.env",
        "-o",
        "bad.age",
        "-r",
        &other,
    ]);
    run.code(2).stderr_has("not in its canonical form");
    let tail = &other[other.len() - 12..];
    assert!(!run.stderr.contains(tail), "{}", run.stderr);
    assert!(!sandbox.path("bad.age").exists());
}

#[test]
fn an_x25519_recipient_with_padding_bits_set_is_refused() {
    refuses_a_recipient_with_padding_bits(false);
}

#[test]
fn a_postquantum_recipient_with_padding_bits_set_is_refused() {
    refuses_a_recipient_with_padding_bits(true);
}

fn refuses_an_identity_with_padding_bits(pq: bool) {
    let sandbox = Sandbox::new();
    let args: &[&str] = if pq {
        &["keygen", "--pq", "-o", "k.key"]
    } else {
        &["keygen", "-o", "k.key"]
    };
    let recipient = sandbox.run(args).ok().stdout.trim().to_string();
    sandbox.canary_snapshot("s.age", &[&recipient], &[]);
    let key = secret_line(&sandbox, "k.key");
    assert!(key.starts_with(if pq {
        "AGE-SECRET-KEY-PQ-1"
    } else {
        "AGE-SECRET-KEY-1"
    }));
    // The canonical spelling opens it, alone on its line as the other one will be.
    sandbox.write("good.key", format!("{key}\n"));
    sandbox.run(&["verify", "s.age", "-i", "good.key"]).ok();
    let other = padding_bit_set(&key);
    sandbox.write("bad.key", format!("{other}\n"));
    let tail = &other[other.len() - 12..];
    for args in [
        vec!["verify", "s.age", "-i", "bad.key"],
        vec!["recover", "--snapshot", "s.age", "-i", "bad.key"],
    ] {
        let run = sandbox.run(&args);
        run.code(3)
            .stderr_has("line 1: the key is not in its canonical form");
        assert!(!run.stdout.contains("canary"), "{}", run.stdout);
        assert!(!run.stderr.contains(tail), "{}", run.stderr);
    }
}

#[test]
fn an_x25519_identity_with_padding_bits_set_is_refused() {
    refuses_an_identity_with_padding_bits(false);
}

#[test]
fn a_postquantum_identity_with_padding_bits_set_is_refused() {
    refuses_an_identity_with_padding_bits(true);
}

#[test]
fn a_source_url_with_credentials_is_refused_without_quoting_it() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("k.key");
    // Nothing listens there: the refusal comes before any connection.
    for url in [
        format!("https://user:{}@127.0.0.1:9/v1/secrets", TOKENS[2]),
        format!("http://{}@127.0.0.1:9/v1/secrets", TOKENS[2]),
        format!("https://{}:@127.0.0.1:9/v1/secrets", TOKENS[2]),
    ] {
        let run = sandbox.run(&[
            "snapshot", "--source", &url, "-o", "s.age", "-r", &recipient,
        ]);
        run.code(2)
            .stderr_has("the source URL carries credentials")
            .stderr_has("--token-file")
            .stderr_has("LIFEBOAT_HTTP_TOKEN");
        assert!(!run.stderr.contains("127.0.0.1"), "{}", run.stderr);
        assert!(!sandbox.path("s.age").exists());
        // From LIFEBOAT_SOURCE, as an image's ENV would give it, and for run.
        let run = sandbox.run_env(
            &["run", "--snapshot", "s.age", "--", "true"],
            &[
                ("LIFEBOAT_SOURCE", &url),
                ("LIFEBOAT_IDENTITY_FILE", "k.key"),
            ],
        );
        run.code(2).stderr_has("the source URL carries credentials");
        assert!(!run.stderr.contains("127.0.0.1"), "{}", run.stderr);
    }
}
