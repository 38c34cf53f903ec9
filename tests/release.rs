//! What `scripts/release.sh` wrote: scripts/test.sh runs it into target/release-check
//! before the suite (a cargo build cannot run inside `cargo test`, which holds the build
//! lock), and these tests read every file it made. Also: `--version` names the commit.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::Command;

use flate2::read::GzDecoder;

use crate::image::repo;

const VERSION: &str = env!("CARGO_PKG_VERSION");
const TARGETS: [(&str, &str, u16); 2] = [
    ("x86_64-unknown-linux-musl", "amd64", 0x3E),
    ("aarch64-unknown-linux-musl", "arm64", 0xB7),
];

fn dist() -> PathBuf {
    let dist = repo().join("target/release-check");
    assert!(
        dist.join("SHA256SUMS").exists(),
        "run scripts/release.sh --allow-modified target/release-check first (scripts/test.sh does)"
    );
    dist
}

/// Every regular file of a tar stream: its path, mode and bytes.
fn tar_files(reader: impl Read) -> BTreeMap<String, (u32, u64, Vec<u8>)> {
    let mut files = BTreeMap::new();
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let path = entry.path().unwrap().display().to_string();
        let mode = entry.header().mode().unwrap();
        let mtime = entry.header().mtime().unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        files.insert(path, (mode, mtime, bytes));
    }
    files
}

fn ungzip(bytes: &[u8]) -> Vec<u8> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return bytes.to_vec();
    }
    let mut plain = Vec::new();
    GzDecoder::new(bytes).read_to_end(&mut plain).unwrap();
    plain
}

fn head_commit() -> Option<String> {
    let output = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(repo())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

#[test]
fn the_version_names_the_commit_it_was_built_from() {
    let output = Command::new(env!("CARGO_BIN_EXE_lifeboat"))
        .arg("--version")
        .output()
        .unwrap();
    let version = String::from_utf8(output.stdout).unwrap();
    match head_commit() {
        // A checkout: its commit, marked exactly when the tree has uncommitted changes to
        // tracked files or untracked files that are not ignored (CI's clean checkout:
        // unmarked).
        Some(commit) => {
            let status = Command::new("git")
                .args(["status", "--porcelain"])
                .current_dir(repo())
                .env("GIT_OPTIONAL_LOCKS", "0")
                .output()
                .unwrap();
            let modified = if status.stdout.is_empty() {
                ""
            } else {
                "-modified"
            };
            assert_eq!(
                version,
                format!("lifeboat {VERSION} (commit {commit}{modified})\n")
            );
        }
        None => assert_eq!(version, format!("lifeboat {VERSION} (commit unknown)\n")),
    }
}

#[test]
fn the_sums_cover_every_file_and_check() {
    let dist = dist();
    let sums = std::fs::read_to_string(dist.join("SHA256SUMS")).unwrap();
    let mut listed: Vec<&str> = sums
        .lines()
        .map(|line| line.split_whitespace().nth(1).unwrap())
        .collect();
    listed.sort();
    let mut expected = vec![
        format!("lifeboat-{VERSION}-aarch64-unknown-linux-musl.tar.gz"),
        format!("lifeboat-{VERSION}-image-linux-amd64.docker.tar"),
        format!("lifeboat-{VERSION}-image-linux-arm64.docker.tar"),
        format!("lifeboat-{VERSION}-image.oci.tar"),
        format!("lifeboat-{VERSION}-x86_64-unknown-linux-musl.tar.gz"),
    ];
    expected.sort();
    assert_eq!(listed, expected);
    let check = Command::new("sha256sum")
        .args(["--check", "--strict", "SHA256SUMS"])
        .current_dir(&dist)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

#[test]
fn each_tarball_holds_the_binary_completions_man_pages_and_licences() {
    let dist = dist();
    for (target, _, machine) in TARGETS {
        let name = format!("lifeboat-{VERSION}-{target}");
        let tarball = std::fs::read(dist.join(format!("{name}.tar.gz"))).unwrap();
        let files = tar_files(GzDecoder::new(&tarball[..]));
        let mut expected: Vec<String> = vec![
            "lifeboat".into(),
            "LICENSE-MIT".into(),
            "LICENSE-APACHE".into(),
            "README.md".into(),
        ];
        for dir in ["completions", "man"] {
            for entry in std::fs::read_dir(repo().join(dir)).unwrap() {
                let file = entry.unwrap().file_name().to_string_lossy().into_owned();
                let inside = if dir == "man" { "man/man1" } else { dir };
                expected.push(format!("{inside}/{file}"));
            }
        }
        let mut got: Vec<String> = files
            .keys()
            .map(|path| path.strip_prefix(&format!("{name}/")).unwrap().to_string())
            .collect();
        got.sort();
        expected.sort();
        assert_eq!(got, expected, "{name}");
        let at = |file: &str| &files[&format!("{name}/{file}")];
        let (mode, _, binary) = at("lifeboat");
        assert_eq!(mode & 0o777, 0o755);
        assert_eq!(u16::from_le_bytes([binary[18], binary[19]]), machine);
        assert_eq!(
            binary,
            &std::fs::read(repo().join(format!("target/{target}/release/lifeboat"))).unwrap()
        );
        for file in expected.iter().filter(|f| *f != "lifeboat") {
            let in_repo = file.replace("man/man1/", "man/");
            assert_eq!(
                at(file).2,
                std::fs::read(repo().join(&in_repo)).unwrap(),
                "{file}"
            );
            assert_eq!(at(file).0 & 0o777, 0o644, "{file}");
        }
        // One time on every file (the commit's), so the tarball is reproducible.
        let times: std::collections::BTreeSet<u64> = files.values().map(|f| f.1).collect();
        assert_eq!(times.len(), 1, "{times:?}");
    }
    // The x86_64 one runs here and names its commit.
    let unpacked = tempfile::tempdir().unwrap();
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(dist.join(format!(
            "lifeboat-{VERSION}-x86_64-unknown-linux-musl.tar.gz"
        )))
        .arg("-C")
        .arg(unpacked.path())
        .status()
        .unwrap();
    assert!(status.success());
    let output = Command::new(unpacked.path().join(format!(
        "lifeboat-{VERSION}-x86_64-unknown-linux-musl/lifeboat"
    )))
    .arg("--version")
    .output()
    .unwrap();
    let version = String::from_utf8(output.stdout).unwrap();
    assert!(
        version.starts_with(&format!("lifeboat {VERSION} (commit ")),
        "{version}"
    );
    if let Some(commit) = head_commit() {
        assert!(version.contains(&commit), "{version}");
    }
}

/// The files of one image's layers, read from an OCI layout's blobs.
fn oci_image_files(
    blobs: &BTreeMap<String, (u32, u64, Vec<u8>)>,
    manifest_digest: &str,
) -> BTreeMap<String, Vec<u8>> {
    let blob = |digest: &str| {
        let path = format!("blobs/{}", digest.replacen(':', "/", 1));
        &blobs
            .get(&path)
            .unwrap_or_else(|| panic!("no blob {path}"))
            .2
    };
    let manifest: serde_json::Value = serde_json::from_slice(blob(manifest_digest)).unwrap();
    let mut files = BTreeMap::new();
    for layer in manifest["layers"].as_array().unwrap() {
        let layer = ungzip(blob(layer["digest"].as_str().unwrap()));
        for (path, (_, _, bytes)) in tar_files(&layer[..]) {
            files.insert(path.trim_start_matches("./").to_string(), bytes);
        }
    }
    files
}

#[test]
fn the_image_archives_hold_lifeboat_for_both_platforms() {
    let dist = dist();
    let oci = std::fs::File::open(dist.join(format!("lifeboat-{VERSION}-image.oci.tar"))).unwrap();
    let blobs = tar_files(oci);
    let index: serde_json::Value = serde_json::from_slice(&blobs["index.json"].2).unwrap();
    // buildah writes the index of the manifest list as the archive's one entry.
    let mut manifests = index["manifests"].as_array().unwrap().clone();
    if manifests.len() == 1
        && manifests[0]["mediaType"] == "application/vnd.oci.image.index.v1+json"
    {
        let digest = manifests[0]["digest"].as_str().unwrap();
        let path = format!("blobs/{}", digest.replacen(':', "/", 1));
        let inner: serde_json::Value = serde_json::from_slice(&blobs[&path].2).unwrap();
        manifests = inner["manifests"].as_array().unwrap().clone();
    }
    assert_eq!(manifests.len(), 2, "{manifests:?}");
    for (target, arch, _) in TARGETS {
        let manifest = manifests
            .iter()
            .find(|m| m["platform"]["architecture"] == arch && m["platform"]["os"] == "linux")
            .unwrap_or_else(|| panic!("no linux/{arch} in the index: {manifests:?}"));
        let files = oci_image_files(&blobs, manifest["digest"].as_str().unwrap());
        let mut names: Vec<&String> = files.keys().collect();
        names.sort();
        assert_eq!(
            names,
            [
                "licenses/lifeboat/LICENSE-APACHE",
                "licenses/lifeboat/LICENSE-MIT",
                "lifeboat"
            ],
            "linux/{arch}: only the binary and its licence"
        );
        assert_eq!(
            files["lifeboat"],
            std::fs::read(repo().join(format!("target/{target}/release/lifeboat"))).unwrap()
        );
        // The docker-archive of the same platform, for `docker load`.
        let docker = std::fs::File::open(
            dist.join(format!("lifeboat-{VERSION}-image-linux-{arch}.docker.tar")),
        )
        .unwrap();
        let docker = tar_files(docker);
        let manifest: serde_json::Value =
            serde_json::from_slice(&docker["manifest.json"].2).unwrap();
        // `docker load` lists it as lifeboat:VERSION.
        assert_eq!(
            manifest[0]["RepoTags"][0],
            format!("docker.io/library/lifeboat:{VERSION}")
        );
        let config: serde_json::Value =
            serde_json::from_slice(&docker[manifest[0]["Config"].as_str().unwrap()].2).unwrap();
        assert_eq!(config["architecture"], arch);
        assert_eq!(config["config"]["Entrypoint"][0], "/lifeboat");
    }
}

/// Keeps the helper honest: a path with no blob is a failure, not an empty image.
#[test]
#[should_panic(expected = "no blob")]
fn the_blob_reader_fails_on_a_missing_blob() {
    oci_image_files(&BTreeMap::new(), "sha256:00");
}

/// A checkout that release.sh can run in without building anything: its own copy of
/// release.sh, a `scripts/build-static.sh` that writes a binary printing `said` for
/// `--version` (`{commit}` becomes the checkout's commit), and on PATH a `buildah` that
/// only logs its arguments and a `qemu-aarch64-static` that runs the fake binary as is.
struct FakeCheckout {
    dir: tempfile::TempDir,
}

impl FakeCheckout {
    fn new(said: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |name: &str, text: &str, mode: u32| {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            let mut permissions = std::fs::metadata(&path).unwrap().permissions();
            std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, mode);
            std::fs::set_permissions(&path, permissions).unwrap();
        };
        let release = std::fs::read_to_string(repo().join("scripts/release.sh")).unwrap();
        write("scripts/release.sh", &release, 0o755);
        write(
            "scripts/build-static.sh",
            &format!(
                "#!/bin/sh\nset -eu\n[ \"$1\" = --target ] || exit 2\n\
                 commit=$(git rev-parse --short=12 HEAD)\n\
                 mkdir -p target/$2/release\n\
                 printf '#!/bin/sh\\necho \"%s\"\\n' \"{said}\" | sed \"s/{{commit}}/$commit/\" > target/$2/release/lifeboat\n\
                 chmod 755 target/$2/release/lifeboat\n\
                 echo \"$2\" >> built.log\n"
            ),
            0o755,
        );
        write(
            "bin/buildah",
            "#!/bin/sh\necho \"$*\" >> \"$(dirname \"$0\")/../buildah.log\"\n\
             case \" $* \" in *\" from \"*) echo container ;; esac\n",
            0o755,
        );
        write("bin/qemu-aarch64-static", "#!/bin/sh\nexec \"$@\"\n", 0o755);
        write(
            "Cargo.toml",
            &format!("[package]\nname = \"lifeboat\"\nversion = \"{VERSION}\"\n"),
            0o644,
        );
        write(".gitignore", "/target\n/bin\n/dist\n/*.log\n", 0o644);
        for file in [
            "completions/lifeboat.bash",
            "man/lifeboat.1",
            "LICENSE-MIT",
            "LICENSE-APACHE",
            "README.md",
        ] {
            write(file, "text\n", 0o644);
        }
        let checkout = FakeCheckout { dir };
        checkout.git(&["init", "-q"]);
        checkout.git(&["add", "."]);
        checkout.git(&["commit", "-q", "-m", "fake"]);
        checkout
    }

    fn root(&self) -> &std::path::Path {
        self.dir.path()
    }

    fn git(&self, args: &[&str]) {
        let status = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(self.root())
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    /// Runs release.sh with `args`: its exit code and stderr.
    fn release(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
        let path = format!(
            "{}:{}",
            self.root().join("bin").display(),
            std::env::var("PATH").unwrap()
        );
        let output = Command::new(self.root().join("scripts/release.sh"))
            .args(args)
            .current_dir(self.root())
            .env("PATH", path)
            .env_remove("LIFEBOAT_BUILD_COMMIT")
            .env_remove("SOURCE_DATE_EPOCH")
            .envs(env.iter().copied())
            .output()
            .unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    fn has(&self, name: &str) -> bool {
        self.root().join(name).exists()
    }
}

#[test]
fn release_refuses_a_binary_that_says_modified_unless_allowed() {
    let checkout = FakeCheckout::new(&format!("lifeboat {VERSION} (commit {{commit}}-modified)"));
    let (code, stderr) = checkout.release(&["out"], &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("it was built from a tree with changes not in commit")
            && stderr.contains("--allow-modified"),
        "{stderr}"
    );
    assert!(checkout.has("built.log") && !checkout.has("out/SHA256SUMS"));
    // A test build may: the whole run goes through (buildah here only logs).
    let (code, stderr) = checkout.release(&["--allow-modified", "out"], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(checkout.has("out/SHA256SUMS") && checkout.has("buildah.log"));
}

#[test]
fn release_accepts_a_clean_binary_and_refuses_an_untracked_file() {
    let checkout = FakeCheckout::new(&format!("lifeboat {VERSION} (commit {{commit}})"));
    let (code, stderr) = checkout.release(&["out"], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(checkout.has("out/SHA256SUMS"));
    // An untracked file .gitignore does not cover changes the build as an edit does.
    std::fs::create_dir(checkout.root().join(".cargo")).unwrap();
    std::fs::write(checkout.root().join(".cargo/config.toml"), "[build]\n").unwrap();
    std::fs::remove_file(checkout.root().join("built.log")).unwrap();
    let (code, stderr) = checkout.release(&["out"], &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("untracked files"), "{stderr}");
    assert!(!checkout.has("built.log"), "refused before building");
}
