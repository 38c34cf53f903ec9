//! Two jobs. Compresses the completion scripts in completions/ into OUT_DIR, for
//! `lifeboat completions` (about 20 KB in the binary instead of 118 KB of text).
//! And names the commit lifeboat is built from, for `--version` (`LIFEBOAT_COMMIT` at compile
//! time). A release must say which source it came from; a build from a tree with
//! uncommitted changes says so ("-modified"), so such a binary is never mistaken for the
//! commit. Outside a git checkout (a source tarball, an image build given only the tree)
//! the builder may name the commit in `LIFEBOAT_BUILD_COMMIT`; otherwise the version says
//! the commit is unknown. The commit is only read; naming it never fails the build.

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// The scripts `lifeboat completions` prints (the names `cli::Shell::file_name` gives).
const COMPLETIONS: [&str; 5] = [
    "lifeboat.bash",
    "_lifeboat",
    "lifeboat.fish",
    "_lifeboat.ps1",
    "lifeboat.elv",
];

fn compress_completions() {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for name in COMPLETIONS {
        let source = Path::new("completions").join(name);
        println!("cargo:rerun-if-changed={}", source.display());
        let text = std::fs::read(&source).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (LIFEBOAT_BLESS=1 cargo test --test tests generated writes it)",
                source.display()
            )
        });
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut encoder, &text).expect("compressing in memory");
        let compressed = encoder.finish().expect("compressing in memory");
        std::fs::write(out.join(format!("{name}.gz")), compressed).expect("writing OUT_DIR");
    }
}

fn main() {
    compress_completions();
    println!("cargo:rerun-if-env-changed=LIFEBOAT_BUILD_COMMIT");
    // The sources too: an edit after the last commit makes the tree modified.
    for path in ["build.rs", "Cargo.toml", "Cargo.lock", "src"] {
        println!("cargo:rerun-if-changed={path}");
    }
    let commit = match std::env::var("LIFEBOAT_BUILD_COMMIT") {
        Ok(given) if is_commit_name(&given) => given,
        _ => from_git().unwrap_or_else(|| "unknown".to_string()),
    };
    println!("cargo:rustc-env=LIFEBOAT_COMMIT={commit}");
}

/// Only hex digits and an optional `-modified`: the name goes into `--version` verbatim.
fn is_commit_name(text: &str) -> bool {
    let hex = text.strip_suffix("-modified").unwrap_or(text);
    (7..=40).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

fn from_git() -> Option<String> {
    let git_dir = git(&["rev-parse", "--absolute-git-dir"])?;
    // A commit moves HEAD or its branch, and always rewrites the index.
    for file in ["HEAD", "index", "packed-refs"] {
        let path = Path::new(&git_dir).join(file);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
        let path = Path::new(&git_dir).join(reference);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    let hash = git(&["rev-parse", "--short=12", "HEAD"])?;
    // Tracked files only: build output and local tools never make a tree "modified".
    let modified = git(&["status", "--porcelain", "--untracked-files=no"])
        .map(|status| !status.is_empty())
        .unwrap_or(false);
    let name = if modified {
        format!("{hash}-modified")
    } else {
        hash
    };
    is_commit_name(&name).then_some(name)
}
