//! Micro-benchmarks of the start path's hot spots: opening a snapshot (X25519 unwrap,
//! header MAC, payload decryption, JSON) and parsing a provider's answer. Run with
//! `cargo bench`; numbers vary by machine, so compare a change against its own baseline.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use lifeboat::keys::{generate_x25519, parse_identities, parse_recipient};
use lifeboat::secret::{SecretValue, Secrets};
use lifeboat::snapshot::{open, seal, Metadata, RecipientInfo};
use lifeboat::source::{parse_flat_json, Scope};

fn secrets(count: usize) -> Secrets {
    let mut secrets = Secrets::new();
    for i in 0..count {
        secrets.insert(
            format!("SECRET_{i:06}"),
            SecretValue::new(format!("value-{i:06}-{}", "x".repeat(24))),
        );
    }
    secrets
}

fn snapshot_open(c: &mut Criterion) {
    let (identity_file, recipient_text) = generate_x25519();
    let identities =
        parse_identities(&identity_file, "bench", lifeboat::keys::Passphrases::Refuse).unwrap();
    let recipient = parse_recipient(&recipient_text, "bench").unwrap();
    let mut group = c.benchmark_group("snapshot_open");
    for count in [10, 1_000, 10_000] {
        let secrets = secrets(count);
        let metadata = Metadata {
            format: 1,
            id: "20260101T000000Z-000000000000".into(),
            created_at: "2026-01-01T00:00:00Z".into(),
            expires_at: None,
            source: Scope {
                provider: "file".into(),
                ..Scope::default()
            },
            secret_count: count,
            recipients: vec![RecipientInfo::of(&recipient)],
            names: None,
            created_by: "bench".into(),
            rekeyed_from: None,
        };
        let sealed = seal(&secrets, &metadata, &[recipient.as_age()]).unwrap();
        group.bench_with_input(BenchmarkId::from_parameter(count), &sealed, |b, sealed| {
            b.iter(|| open(sealed, &identities).unwrap())
        });
    }
    group.finish();
}

fn provider_response(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_provider_response");
    for count in [20, 1_000, 10_000] {
        let body: serde_json::Map<String, serde_json::Value> = (0..count)
            .map(|i| {
                (
                    format!("SECRET_{i:06}"),
                    format!("value-{i:06}-{}", "x".repeat(24)).into(),
                )
            })
            .collect();
        let body = serde_json::Value::Object(body).to_string().into_bytes();
        group.bench_with_input(BenchmarkId::from_parameter(count), &body, |b, body| {
            b.iter(|| parse_flat_json(body, "bench").unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, snapshot_open, provider_response);
criterion_main!(benches);
