//! The Doppler API fake of the test suite as a standalone process, for benchmarks
//! (`scripts/bench.sh`) and for trying lifeboat by hand:
//!
//! ```sh
//! cargo run --release --example doppler_fake -- --port 8080 --secrets 20 --token dp.st.dev.x
//! DOPPLER_API_HOST=http://127.0.0.1:8080 DOPPLER_TOKEN=dp.st.dev.x lifeboat snapshot --source doppler -r age1…
//! ```
//!
//! It serves until killed. `--per-second N` makes it a rate-limited API (429 with
//! `Retry-After: 1` past N downloads a second), `--status N` answers N to everything, and
//! a line on stdin prints how many downloads it has answered. The code is the tests' own (`tests/services/`), so what the
//! benchmarks talk to is what the real Doppler CLI was proven against.

#[path = "../tests/services/doppler_fake.rs"]
#[allow(dead_code)]
mod doppler_fake;
#[path = "../tests/services/http_fake.rs"]
#[allow(dead_code)]
mod http_fake;
#[path = "support/tls_front.rs"]
mod tls_front;

fn main() {
    let mut port = 0u16;
    let mut count = 20usize;
    let mut token = "dp.st.bench.fake-token".to_string();
    let mut mode = None;
    let mut tls_cert = None;
    let mut tls_key = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_default();
        match flag.as_str() {
            "--port" => port = value.parse().expect("--port N"),
            "--secrets" => count = value.parse().expect("--secrets N"),
            "--token" => token = value,
            // --per-second N: a rate-limited API (N downloads a second, 429 beyond);
            // --status N: every download answers N.
            "--per-second" => {
                mode = Some(doppler_fake::Mode::PerSecond(
                    value.parse().expect("--per-second N"),
                ))
            }
            "--status" => {
                mode = Some(doppler_fake::Mode::Status(
                    value.parse().expect("--status N"),
                ))
            }
            // --tls-cert FILE --tls-key FILE: serve HTTPS (a TLS front on --port, the
            // plain fake behind it on a port of its own).
            "--tls-cert" => tls_cert = Some(std::path::PathBuf::from(value)),
            "--tls-key" => tls_key = Some(std::path::PathBuf::from(value)),
            _ => {
                eprintln!("usage: doppler_fake [--port N] [--secrets N] [--token T] [--per-second N | --status N] [--tls-cert FILE --tls-key FILE]");
                std::process::exit(2);
            }
        }
    }
    let secrets: Vec<(String, String)> = (0..count)
        .map(|i| {
            (
                format!("SECRET_{i:04}"),
                format!("value-{i:04}-{}", "x".repeat(32)),
            )
        })
        .collect();
    let pairs: Vec<(&str, &str)> = secrets
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let tls = match (tls_cert, tls_key) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        _ => {
            eprintln!("doppler_fake: --tls-cert and --tls-key go together");
            std::process::exit(2);
        }
    };
    let plain_port = if tls.is_some() { 0 } else { port };
    let fake = doppler_fake::DopplerFake::start_on(plain_port, &pairs, &token, "bench", "prd");
    if let Some(mode) = mode {
        fake.set_mode(mode);
    }
    match tls {
        Some((cert, key)) => {
            let upstream = fake.url().trim_start_matches("http://").to_string();
            let port = tls_front::start(port, &cert, &key, upstream);
            println!("https://127.0.0.1:{port}");
        }
        None => println!("{}", fake.url()),
    }
    // A line on stdin asks how many downloads it has answered (the fleet benchmark counts
    // requests this way); the end of stdin leaves it serving.
    for _ in std::io::stdin().lines().map_while(Result::ok) {
        println!("{}", fake.downloads().len());
    }
    loop {
        std::thread::park();
    }
}
