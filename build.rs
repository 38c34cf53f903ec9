//! Two jobs. Compresses the completion scripts in completions/ into OUT_DIR, for
//! `lifeboat completions` (about 20 KB in the binary instead of 118 KB of text).
//! And names the commit lifeboat is built from, for `--version` (`LIFEBOAT_COMMIT` at compile
//! time). A release must say which source it came from; a build from a tree with
//! uncommitted changes says so ("-modified"), so such a binary is never mistaken for the
//! commit. Untracked files that .gitignore does not cover count as changes: a
//! `.cargo/config.toml` or a `build.rs`-read file changes the binary without touching a
//! tracked file. Outside a git checkout (a source tarball, an image build given only the
//! tree) the builder may name the commit in `LIFEBOAT_BUILD_COMMIT`, and the version then
//! says that the builder named it ("(commit 1a2b3c4d5e6f, named by LIFEBOAT_BUILD_COMMIT)"):
//! only git's answer is the commit's own word. Otherwise the version says the commit is
//! unknown. The commit is only read; naming it never fails the build.

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        // Only this directory's own repository (not one a hook or a parent directory
        // points at), and no index refresh: that would rewrite .git/index and make cargo
        // run this script, and rebuild lifeboat, again.
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_COMMON_DIR")
        .env("GIT_OPTIONAL_LOCKS", "0")
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
        Ok(given) if is_commit_name(&given) => format!("{given}, named by LIFEBOAT_BUILD_COMMIT"),
        Ok(given) if !given.is_empty() => {
            println!("cargo:warning=LIFEBOAT_BUILD_COMMIT is not a commit (7 to 40 hex digits, optionally -modified): ignored");
            from_git().unwrap_or_else(|| "unknown".to_string())
        }
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
    // The repository must be this directory's own, not one that merely contains it (a
    // source tarball unpacked inside a home-directory repository).
    let toplevel = git(&["rev-parse", "--show-toplevel"])?;
    let here = std::fs::canonicalize(env!("CARGO_MANIFEST_DIR")).ok()?;
    if std::fs::canonicalize(&toplevel).ok()? != here {
        return None;
    }
    // A commit, reset or checkout moves HEAD or its branch and writes HEAD's reflog; a
    // commit always rewrites the index. Paths as git gives them (worktrees keep refs in
    // the common directory).
    let mut watched = vec![
        "HEAD".to_string(),
        "index".into(),
        "packed-refs".into(),
        "logs/HEAD".into(),
    ];
    if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(reference);
    }
    for file in watched {
        if let Some(path) = git(&["rev-parse", "--git-path", &file]) {
            // Only paths that exist: cargo re-runs for a missing one on every build. A
            // loose ref made later is covered by logs/HEAD, which every move rewrites.
            let path = Path::new(&toplevel).join(path);
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    let hash = git(&["rev-parse", "--short=12", "HEAD"])?;
    // Changed tracked files, and untracked ones .gitignore does not cover (build output
    // and local tools are ignored). A git that cannot answer is not a clean tree.
    let untracked = git(&["ls-files", "-z", "--others", "--exclude-standard"]);
    for path in untracked
        .iter()
        .flat_map(|list| list.split_terminator('\0'))
    {
        // Removing one makes the tree clean again. One added after this script ran is
        // seen the next time it runs (any change to the sources, a commit);
        // scripts/release.sh checks the tree itself before it builds.
        println!("cargo:rerun-if-changed={path}");
    }
    let modified = match (
        git(&["status", "--porcelain", "--untracked-files=no"]),
        untracked,
    ) {
        (Some(status), Some(untracked)) => !status.is_empty() || !untracked.is_empty(),
        _ => true,
    };
    let name = if modified {
        format!("{hash}-modified")
    } else {
        hash
    };
    is_commit_name(&name).then_some(name)
}
