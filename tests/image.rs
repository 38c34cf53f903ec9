//! The image loop for real, with buildah (no daemon, `vfs` storage, `chroot` isolation,
//! a private storage root): `Dockerfile.example` itself is built against the Doppler fake
//! with the token as a secret mount; the image is scanned for every secret; the snapshot
//! is read out of exported archives; the entrypoint runs with the identity given at run
//! time, live with the service up and on the snapshot with no network at all.
//!
//! Needs Debian's buildah and busybox-static, and the static binary that
//! `scripts/build-static.sh` makes (scripts/test.sh does all three); a missing one fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use flate2::read::GzDecoder;
use std::io::Read;

use crate::services::doppler_fake::DopplerFake;
use crate::util::{Sandbox, CANARIES, TOKENS};

const TOKEN: &str = TOKENS[0];
const IMAGE: &str = "localhost/lifeboat-e2e:test";
const BASE: &str = "localhost/lifeboat-e2e-busybox:test";
/// The app's base image: busybox, as a user that cannot write /etc.
const APP_BASE: &str = "localhost/lifeboat-e2e-app-base:test";
/// lifeboat's own image, built from Dockerfile.lifeboat.
const LIFEBOAT_IMAGE: &str = "localhost/lifeboat-e2e-lifeboat:test";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub struct Buildah {
    root: tempfile::TempDir,
}

impl Buildah {
    pub fn new() -> Self {
        Buildah {
            root: tempfile::tempdir().unwrap(),
        }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        self.command_via(&[], args)
    }

    /// The command run under a wrapper (`unshare -n`: no network at all).
    fn command_via(&self, wrapper: &[&str], args: &[&str]) -> Command {
        let mut command = match wrapper.split_first() {
            Some((program, rest)) => {
                let mut command = Command::new(program);
                command.args(rest).arg("buildah");
                command
            }
            None => Command::new("buildah"),
        };
        command
            .arg("--root")
            .arg(self.root.path().join("root"))
            .arg("--runroot")
            .arg(self.root.path().join("runroot"))
            .args(["--storage-driver", "vfs"])
            .args(args)
            .env("BUILDAH_ISOLATION", "chroot")
            .env("STORAGE_DRIVER", "vfs");
        command
    }

    #[track_caller]
    pub fn must(&self, args: &[&str]) -> Output {
        let output = self
            .command(args)
            .output()
            .expect("buildah is required (scripts/test.sh installs it)");
        assert!(
            output.status.success(),
            "buildah {args:?}:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }
}

impl Drop for Buildah {
    fn drop(&mut self) {
        // vfs layers are plain directories, some made read-only; unmount and remove.
        let _ = self.command(&["rm", "--all"]).output();
        let _ = Command::new("chmod")
            .args(["-R", "u+w"])
            .arg(self.root.path())
            .output();
    }
}

/// Every file in an image archive, with gzip layers decompressed.
pub fn archive_blobs(archive: &Path) -> Vec<(String, Vec<u8>)> {
    let mut blobs = Vec::new();
    let mut tar = tar::Archive::new(std::fs::File::open(archive).unwrap());
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().display().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut plain = Vec::new();
            GzDecoder::new(&bytes[..]).read_to_end(&mut plain).unwrap();
            bytes = plain;
        }
        blobs.push((name, bytes));
    }
    blobs
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn dockerfile_example_builds_scans_clean_and_starts_with_or_without_the_service() {
    let static_binary = repo().join("target/x86_64-unknown-linux-musl/release/lifeboat");
    assert!(
        static_binary.exists(),
        "run scripts/build-static.sh first (scripts/test.sh does)"
    );
    let busybox = Path::new("/bin/busybox");
    assert!(
        busybox.exists(),
        "busybox-static is required (scripts/test.sh installs it)"
    );

    let sandbox = Sandbox::new();
    let runtime = sandbox.keygen("runtime.key");
    let breakglass = sandbox.keygen("breakglass.key");
    let fake = DopplerFake::start(
        &[("API_KEY", CANARIES[0]), ("DB_PASSWORD", CANARIES[1])],
        TOKEN,
        "shop",
        "prd",
    );
    let buildah = Buildah::new();

    // A base image with busybox as shell and app (no image can be pulled here).
    let base_dir = sandbox.path("base");
    std::fs::create_dir(&base_dir).unwrap();
    std::fs::copy(busybox, base_dir.join("busybox")).unwrap();
    std::fs::write(
        base_dir.join("Containerfile"),
        "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n",
    )
    .unwrap();
    buildah.must(&["bud", "-t", BASE, &base_dir.display().to_string()]);
    // An app image that runs as a user that cannot write /etc (as most app images do).
    let app_dir = sandbox.path("app-base");
    std::fs::create_dir(&app_dir).unwrap();
    std::fs::write(
        app_dir.join("Containerfile"),
        format!("FROM {BASE}\nUSER 65534:65534\n"),
    )
    .unwrap();
    buildah.must(&["bud", "-t", APP_BASE, &app_dir.display().to_string()]);

    // lifeboat's own image, from this repository (its build stage takes the static
    // binary built beforehand: there is no toolchain in the busybox image).
    buildah.must(&[
        "bud",
        "-f",
        &repo().join("Dockerfile.lifeboat").display().to_string(),
        "--build-arg",
        &format!("RUST_IMAGE={BASE}"),
        "-t",
        LIFEBOAT_IMAGE,
        &repo().display().to_string(),
    ]);

    // Dockerfile.example itself, copied next to an "app" that has nothing of lifeboat's
    // (the build context is the app's directory), pointed at local images and the local
    // service.
    let app_context = sandbox.path("my-app");
    std::fs::create_dir(&app_context).unwrap();
    std::fs::copy(
        repo().join("Dockerfile.example"),
        app_context.join("Dockerfile"),
    )
    .unwrap();
    let token_file = sandbox.write("token", TOKEN);
    let recipients = format!("runtime={runtime},breakglass={breakglass}");
    let bud = |build_id: Option<&str>| {
        let mut args: Vec<String> = [
            "bud",
            "--secret",
            &format!("id=lifeboat_token,src={}", token_file.display()),
            "--build-arg",
            &format!("LIFEBOAT_IMAGE={LIFEBOAT_IMAGE}"),
            "--build-arg",
            &format!("APP_IMAGE={APP_BASE}"),
            "--build-arg",
            &format!("DOPPLER_API_HOST={}", fake.url()),
            "--build-arg",
            &format!("LIFEBOAT_RECIPIENTS={recipients}"),
            "-t",
            IMAGE,
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        if let Some(id) = build_id {
            args.extend(["--build-arg".into(), format!("LIFEBOAT_BUILD_ID={id}")]);
        }
        args.push(app_context.display().to_string());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        buildah.command(&args).output().unwrap()
    };
    // Forgetting the build id cannot go unnoticed: the snapshot step refuses.
    let forgot = bud(None);
    assert!(!forgot.status.success(), "built without a build id");
    let said = String::from_utf8_lossy(&forgot.stderr).into_owned()
        + &String::from_utf8_lossy(&forgot.stdout);
    assert!(
        said.contains("no build id: give --build-arg LIFEBOAT_BUILD_ID="),
        "{said}"
    );
    assert_eq!(fake.downloads().len(), 0, "fetched without a build id");
    let build = bud(Some("e2e-1"));
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let build_log = String::from_utf8_lossy(&build.stdout).into_owned()
        + &String::from_utf8_lossy(&build.stderr);
    assert!(
        build_log.contains("/snapshot.age: snapshot "),
        "{build_log}"
    );
    assert!(build_log.contains(", build e2e-1"), "{build_log}");
    crate::util::assert_no_secrets(&build_log, "the build log");
    assert_eq!(
        fake.downloads().len(),
        1,
        "the snapshot step asked the service once"
    );

    // Export it three ways and scan every blob: layers, config, manifest, history.
    let oci_archive = sandbox.path("image.oci.tar");
    let docker_archive = sandbox.path("image.docker.tar");
    let layout = sandbox.path("layout");
    buildah.must(&[
        "push",
        IMAGE,
        &format!("oci-archive:{}", oci_archive.display()),
    ]);
    buildah.must(&[
        "push",
        IMAGE,
        &format!("docker-archive:{}", docker_archive.display()),
    ]);
    buildah.must(&["push", IMAGE, &format!("oci:{}", layout.display())]);
    let runtime_secret = String::from_utf8(sandbox.read("runtime.key")).unwrap();
    let breakglass_secret = String::from_utf8(sandbox.read("breakglass.key")).unwrap();
    let mut needles: Vec<&str> = vec![TOKEN];
    needles.extend(CANARIES.iter().flat_map(|c| c.split('\n')));
    needles.push(runtime_secret.lines().last().unwrap());
    needles.push(breakglass_secret.lines().last().unwrap());
    let mut scanned = 0;
    for archive in [&oci_archive, &docker_archive] {
        for (name, bytes) in archive_blobs(archive) {
            for needle in &needles {
                assert!(
                    !contains(&bytes, needle),
                    "a secret is in {} of {}",
                    name,
                    archive.display()
                );
            }
            scanned += bytes.len();
        }
    }
    assert!(
        scanned > 1_000_000,
        "the scan read the layers ({scanned} bytes)"
    );
    let config = String::from_utf8(buildah.must(&["inspect", IMAGE]).stdout).unwrap();
    for needle in &needles {
        assert!(
            !config.contains(needle),
            "a secret is in the image config or history"
        );
    }
    assert!(config.contains("/usr/local/bin/lifeboat"));
    // The recipients were a build argument of the snapshot stage only: the app image's
    // config and history do not carry them (they are public keys, but FORMAT.md and the
    // README say where they are).
    assert!(
        !config.contains(&runtime),
        "the recipients are in the app image's history"
    );
    let user =
        &serde_json::from_str::<serde_json::Value>(&config).unwrap()["OCIv1"]["config"]["User"];
    assert_eq!(user, "65534:65534", "the app image keeps its own user");

    // The snapshot is in the image, and inspect/recover --image read it from each format.
    for archive in [&oci_archive, &docker_archive, &layout] {
        let archive = archive.display().to_string();
        let meta = sandbox.run(&["inspect", "--image", &archive, "--json"]);
        let meta: serde_json::Value = serde_json::from_str(&meta.ok().stdout).unwrap();
        assert_eq!(meta["source"]["project"], "shop");
        assert_eq!(meta["recipients"].as_array().unwrap().len(), 2);
        let recovered = sandbox.run(&[
            "recover",
            "--image",
            &archive,
            "-i",
            "breakglass.key",
            "--format",
            "json",
        ]);
        let secrets: serde_json::Value = serde_json::from_str(&recovered.ok().stdout).unwrap();
        assert_eq!(secrets["API_KEY"], CANARIES[0]);
    }
    sandbox
        .run(&[
            "inspect",
            "--image",
            &oci_archive.display().to_string(),
            "--path",
            "/etc/nothing",
        ])
        .code(20)
        .stderr_has("the image has no file at /etc/nothing");

    // Start: the image's own entrypoint, the identity given at run time.
    fake.set_secret("API_KEY", "rotated-after-the-build");
    let container = String::from_utf8(buildah.must(&["from", IMAGE]).stdout)
        .unwrap()
        .trim()
        .to_string();
    let inspect: serde_json::Value = serde_json::from_str(&config).unwrap();
    let entrypoint: Vec<String> =
        serde_json::from_value(inspect["OCIv1"]["config"]["Entrypoint"].clone()).unwrap();
    assert_eq!(entrypoint, ["/usr/local/bin/lifeboat", "run", "--"]);
    let start = |wrapper: &[&str]| {
        let mut args: Vec<String> = vec![
            "run".into(),
            "--env".into(),
            format!("LIFEBOAT_IDENTITY={runtime_secret}"),
            "--env".into(),
            format!("DOPPLER_TOKEN={TOKEN}"),
            container.clone(),
            "--".into(),
        ];
        args.extend(entrypoint.iter().cloned());
        args.extend(["/bin/env".to_string()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = buildah.command_via(wrapper, &args).output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        crate::util::assert_no_secrets(
            &String::from_utf8_lossy(&output.stderr),
            "the container's stderr",
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let live = start(&[]);
    assert!(live.contains("API_KEY=rotated-after-the-build\n"), "{live}");
    assert!(live.contains("LIFEBOAT_ORIGIN=live\n"), "{live}");
    assert!(
        !live.contains(TOKEN) && !live.contains("AGE-SECRET-KEY-1"),
        "credentials reached the app"
    );
    // No network at all: the service is unreachable, the snapshot starts the app.
    let offline = start(&["unshare", "-n"]);
    assert!(
        offline.contains(&format!("API_KEY={}\n", CANARIES[0])),
        "{offline}"
    );
    assert!(offline.contains("LIFEBOAT_ORIGIN=snapshot\n"), "{offline}");
}

/// The static binary in an image with nothing else: no shell, no libc, no CA bundle, no
/// /etc/passwd. It makes a snapshot from the service, starts an app from it (itself, as
/// there is no other program), and builds its TLS client from the compiled-in roots.
#[test]
fn the_static_binary_runs_from_scratch() {
    let static_binary = repo().join("target/x86_64-unknown-linux-musl/release/lifeboat");
    assert!(
        static_binary.exists(),
        "run scripts/build-static.sh first (scripts/test.sh does)"
    );
    let sandbox = Sandbox::new();
    let runtime = sandbox.keygen("runtime.key");
    let fake = DopplerFake::start(&[("API_KEY", CANARIES[0])], TOKEN, "shop", "prd");
    let buildah = Buildah::new();
    let context = sandbox.path("scratch");
    std::fs::create_dir(&context).unwrap();
    std::fs::copy(&static_binary, context.join("lifeboat")).unwrap();
    // A binary, not output: its strings may look like the key formats it parses.
    sandbox.holds_secrets(context.join("lifeboat"));
    std::fs::write(
        context.join("Containerfile"),
        "FROM scratch\nCOPY lifeboat /lifeboat\n",
    )
    .unwrap();
    buildah.must(&[
        "bud",
        "-t",
        "localhost/lifeboat-scratch:test",
        &context.display().to_string(),
    ]);
    let container = String::from_utf8(
        buildah
            .must(&["from", "localhost/lifeboat-scratch:test"])
            .stdout,
    )
    .unwrap()
    .trim()
    .to_string();
    let run = |env: &[(&str, &str)], args: &[&str]| {
        let mut full: Vec<String> = vec!["run".into()];
        for (name, value) in env {
            full.push("--env".into());
            full.push(format!("{name}={value}"));
        }
        full.push(container.clone());
        full.push("--".into());
        full.push("/lifeboat".into());
        full.extend(args.iter().map(|a| a.to_string()));
        let full: Vec<&str> = full.iter().map(String::as_str).collect();
        let output = buildah.command(&full).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        crate::util::assert_no_secrets(&stderr, "stderr in the scratch image");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr,
        )
    };
    let (code, stdout, _) = run(&[], &["--version"]);
    assert_eq!(code, Some(0));
    assert!(stdout.starts_with("lifeboat "));
    let doppler = [
        ("DOPPLER_TOKEN", TOKEN),
        ("DOPPLER_API_HOST", &fake.url() as &str),
    ];
    let (code, stdout, stderr) = run(
        &doppler,
        &["snapshot", "--source", "doppler", "-r", &runtime],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("/etc/lifeboat/snapshot.age: snapshot "),
        "{stdout}"
    );
    let key = String::from_utf8(sandbox.read("runtime.key")).unwrap();
    let (code, stdout, stderr) = run(
        &[("LIFEBOAT_IDENTITY", &key)],
        &["run", "--offline", "--", "/lifeboat", "inspect", "--json"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("\"project\": \"shop\""), "{stdout}");
    // TLS with no CA bundle on disk: the client is built from the compiled-in roots, and
    // the local server's certificate (issued by no public root) is refused as such.
    let bao = crate::services::bao::Bao::start_tls();
    let (code, _, stderr) = run(
        &[
            ("VAULT_ADDR", &bao.address),
            ("VAULT_TOKEN", crate::services::bao::ROOT_TOKEN),
        ],
        &[
            "snapshot",
            "--source",
            "vault:secret/app",
            "-r",
            &runtime,
            "-o",
            "/tmp/v.age",
        ],
    );
    assert_eq!(code, Some(12), "{stderr}");
    assert!(
        stderr.contains("TLS failure: invalid peer certificate: UnknownIssuer"),
        "{stderr}"
    );
}

// Crafted archives: what no tar writer makes on purpose, written header by header, and
// read by the real binary (no buildah needed).

pub mod crafted {
    use std::io::Write;
    use std::path::Path;

    use flate2::write::GzEncoder;
    use sha2::{Digest, Sha256};

    use crate::util::{Run, Sandbox};

    /// One ustar header block for `name`, of type `kind`, whose size field says `size`.
    pub fn header(name: &str, kind: u8, size: u64) -> Vec<u8> {
        let mut block = vec![0u8; 512];
        block[..name.len()].copy_from_slice(name.as_bytes());
        block[100..107].copy_from_slice(b"0000644");
        block[108..115].copy_from_slice(b"0000000");
        block[116..123].copy_from_slice(b"0000000");
        block[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
        block[136..147].copy_from_slice(b"00000000000");
        block[156] = kind;
        block[257..263].copy_from_slice(b"ustar\0");
        block[263..265].copy_from_slice(b"00");
        checksum(&mut block);
        block
    }

    /// Sets a header block's checksum field from its bytes.
    pub fn checksum(block: &mut [u8]) {
        block[148..156].copy_from_slice(b"        ");
        let sum: u32 = block.iter().map(|b| u32::from(*b)).sum();
        block[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    }

    /// `data` padded to whole blocks.
    pub fn padded(data: &[u8]) -> Vec<u8> {
        let mut bytes = data.to_vec();
        bytes.resize(data.len().div_ceil(512) * 512, 0);
        bytes
    }

    /// A pax header entry holding `records` exactly as given (`LEN key=value\n` each).
    pub fn pax(records: &[u8]) -> Vec<u8> {
        let mut bytes = header("PaxHeaders/x", b'x', records.len() as u64);
        bytes.extend(padded(records));
        bytes
    }

    /// One well-formed pax record.
    pub fn record(key: &str, value: &str) -> Vec<u8> {
        let body = format!(" {key}={value}\n");
        let mut length = body.len() + 1;
        while format!("{length}").len() + body.len() != length {
            length += 1;
        }
        format!("{length}{body}").into_bytes()
    }

    /// A regular file entry.
    pub fn file(name: &str, data: &[u8]) -> Vec<u8> {
        let mut bytes = header(name, b'0', data.len() as u64);
        bytes.extend(padded(data));
        bytes
    }

    /// The end-of-archive blocks.
    pub fn end() -> Vec<u8> {
        vec![0u8; 1024]
    }

    pub fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    pub fn sha256(bytes: &[u8]) -> String {
        format!("{:x}", Sha256::digest(bytes))
    }

    /// The members of an OCI archive of one image with these layers (each as stored,
    /// gzip or not), with true digests: (name, contents).
    pub fn oci_members(layers: &[Vec<u8>]) -> Vec<(String, Vec<u8>)> {
        let mut members = Vec::new();
        let mut descriptors = Vec::new();
        for layer in layers {
            let digest = sha256(layer);
            descriptors.push(serde_json::json!({
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": format!("sha256:{digest}"),
                "size": layer.len(),
            }));
            members.push((format!("blobs/sha256/{digest}"), layer.clone()));
        }
        let config =
            br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#
                .to_vec();
        let config_digest = sha256(&config);
        members.push((format!("blobs/sha256/{config_digest}"), config.clone()));
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": format!("sha256:{config_digest}"), "size": config.len()},
            "layers": descriptors,
        })
        .to_string()
        .into_bytes();
        let manifest_digest = sha256(&manifest);
        members.push((format!("blobs/sha256/{manifest_digest}"), manifest.clone()));
        let index = serde_json::json!({
            "schemaVersion": 2,
            "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": format!("sha256:{manifest_digest}"), "size": manifest.len()}],
        });
        members.push(("index.json".into(), index.to_string().into_bytes()));
        members.push((
            "oci-layout".into(),
            br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
        ));
        members
    }

    /// An image of a `docker save`: tags, architecture, layers as (member name, tar).
    pub type SavedImage<'a> = (&'a [&'a str], &'a str, Vec<(String, Vec<u8>)>);

    /// The members of a `docker save` (named as Docker before 25 names them) of images
    /// given as (tags, architecture, layers as (member name, tar)).
    pub fn docker_members(images: &[SavedImage]) -> Vec<(String, Vec<u8>)> {
        let mut members = Vec::new();
        let mut manifest = Vec::new();
        for (tags, arch, layers) in images {
            let diff_ids: Vec<String> = layers
                .iter()
                .map(|(_, tar)| format!("sha256:{}", sha256(tar)))
                .collect();
            let config = serde_json::json!({"architecture": arch, "os": "linux", "rootfs": {"type": "layers", "diff_ids": diff_ids}})
                .to_string()
                .into_bytes();
            let config_name = format!("{}.json", sha256(&config));
            for (name, tar) in layers {
                if !members.iter().any(|(n, _)| n == name) {
                    members.push((name.clone(), tar.clone()));
                }
            }
            if !members.iter().any(|(n, _)| *n == config_name) {
                members.push((config_name.clone(), config));
            }
            let paths: Vec<&String> = layers.iter().map(|(name, _)| name).collect();
            manifest.push(
                serde_json::json!({"Config": config_name, "RepoTags": tags, "Layers": paths}),
            );
        }
        members.push((
            "manifest.json".into(),
            serde_json::json!(manifest).to_string().into_bytes(),
        ));
        members
    }

    /// A layer tar holding one file.
    pub fn layer_with(name: &str, data: &[u8]) -> Vec<u8> {
        [file(name, data), end()].concat()
    }

    /// A tar of `members`, written block by block.
    pub fn tar_of(members: &[(String, Vec<u8>)]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for (name, data) in members {
            bytes.extend(file(name, data));
        }
        bytes.extend(end());
        bytes
    }

    /// `inspect --image ARCHIVE` under GNU time: the run and the child's peak resident
    /// memory in KiB.
    pub fn inspect_measured(sandbox: &Sandbox, archive: &Path) -> (Run, u64) {
        let report = sandbox.path("time.txt");
        let report_arg = report.display().to_string();
        let archive_arg = archive.display().to_string();
        let args = ["inspect", "--image", archive_arg.as_str()];
        let command = sandbox.wrapped(&["/usr/bin/time", "-f", "%M", "-o", &report_arg], &args);
        let run = sandbox.run_with(command, &args);
        let text = std::fs::read_to_string(&report)
            .expect("GNU time (/usr/bin/time) is required; scripts/test.sh installs it");
        let kib = text
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or_else(|| panic!("GNU time said {text:?}"));
        (run, kib)
    }
}

/// Most `inspect --image` may use on any archive (KiB): tens of megabytes, never the
/// hundreds a header could ask for.
const MEMORY_BOUND_KIB: u64 = 64 << 10;

/// A tar whose pax header holds two `size` records, hiding a 256 MiB GNU long name from
/// a reader that takes the other record, behind which a reader that buffers long names
/// reads all of it: the bytes up to the long name's data, and that data's size.
fn two_sizes_then_a_huge_long_name(records: &[u8]) -> (Vec<u8>, u64) {
    use crafted::*;
    let mut head = pax(records);
    head.extend(header("etc/filler", b'0', 0));
    head.extend(header("././@LongLink", b'L', 256 << 20));
    (head, 256 << 20)
}

/// The pax records that made parsers disagree, each refused outright now.
fn disagreeing_pax_records() -> Vec<(&'static str, Vec<u8>)> {
    use crafted::record;
    vec![
        (
            "two size records",
            [record("size", "0"), record("size", "1024")].concat(),
        ),
        (
            "a malformed record before the size",
            [b"99 junk=1\n".to_vec(), record("size", "1024")].concat(),
        ),
        ("a size with a trailing space", record("size", "1024 ")),
        (
            "a record without a key",
            [record("", "1"), record("size", "1024")].concat(),
        ),
        (
            "an empty line",
            [b"\n".to_vec(), record("size", "1024")].concat(),
        ),
    ]
}

#[test]
fn a_pax_header_the_parsers_read_differently_is_refused_in_a_layer_within_bounded_memory() {
    use crafted::*;
    let sandbox = Sandbox::new();
    let mebibyte = gzip(&vec![0u8; 1 << 20]);
    for (what, records) in disagreeing_pax_records() {
        let (head, zeros) = two_sizes_then_a_huge_long_name(&records);
        // gzip members of 1 MiB of zeros, one after another: 256 MiB from about 256 KB.
        let mut layer = gzip(&head);
        for _ in 0..zeros >> 20 {
            layer.extend(&mebibyte);
        }
        let archive = sandbox.write("layer-attack.tar", tar_of(&oci_members(&[layer])));
        let (run, kib) = inspect_measured(&sandbox, &archive);
        assert!(kib < MEMORY_BOUND_KIB, "{what}: {kib} KiB\n{}", run.stderr);
        run.code(3).stderr_has("pax");
    }
}

#[test]
fn a_pax_header_the_parsers_read_differently_is_refused_in_the_outer_archive_within_bounded_memory()
{
    use crafted::*;
    let sandbox = Sandbox::new();
    for (what, records) in disagreeing_pax_records() {
        let (head, zeros) = two_sizes_then_a_huge_long_name(&records);
        let path = sandbox.path("outer-attack.tar");
        std::fs::write(&path, &head).unwrap();
        // The long name's data is a hole: 256 MiB of zeros that take no disk.
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(head.len() as u64 + zeros + 1024).unwrap();
        let (run, kib) = inspect_measured(&sandbox, &path);
        assert!(kib < MEMORY_BOUND_KIB, "{what}: {kib} KiB\n{}", run.stderr);
        run.code(3).stderr_has("pax");
    }
}

/// Two snapshots, A and B, as (bytes, id).
fn snapshots_a_and_b(sandbox: &Sandbox) -> [(Vec<u8>, String); 2] {
    let recipient = sandbox.keygen("key.txt");
    ["a.age", "b.age"].map(|name| {
        let id = sandbox
            .canary_snapshot(name, &[&recipient], &[])
            .snapshot_id();
        (sandbox.read(name), id)
    })
}

/// `inspect --image ARCHIVE --json` with `args`: the id of the snapshot found, or the
/// failed run.
fn id_in_image(
    sandbox: &Sandbox,
    archive: &std::path::Path,
    args: &[&str],
) -> Result<String, crate::util::Run> {
    let archive = archive.display().to_string();
    let mut all = vec!["inspect", "--image", archive.as_str(), "--json"];
    all.extend(args);
    let run = sandbox.run(&all);
    if run.code != 0 {
        return Err(run);
    }
    let meta: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    Ok(meta["id"].as_str().unwrap().to_string())
}

const SNAPSHOT_MEMBER: &str = "etc/lifeboat/snapshot.age";

#[test]
fn a_blob_that_does_not_hash_to_its_digest_is_refused() {
    use crafted::*;
    let sandbox = Sandbox::new();
    let [(a, _), (b, b_id)] = snapshots_a_and_b(&sandbox);
    let layer_a = gzip(&layer_with(SNAPSHOT_MEMBER, &a));
    let layer_b = gzip(&layer_with(SNAPSHOT_MEMBER, &b));
    let honest = sandbox.write(
        "honest.tar",
        tar_of(&oci_members(std::slice::from_ref(&layer_b))),
    );
    assert_eq!(id_in_image(&sandbox, &honest, &[]).unwrap(), b_id);
    // B's layer stored under A's digest.
    let mut members = oci_members(std::slice::from_ref(&layer_a));
    let named_a = format!("blobs/sha256/{}", sha256(&layer_a));
    for (name, bytes) in &mut members {
        if *name == named_a {
            *bytes = layer_b.clone();
        }
    }
    let swapped = sandbox.write("swapped.tar", tar_of(&members));
    id_in_image(&sandbox, &swapped, &[])
        .unwrap_err()
        .code(3)
        .stderr_has("does not hash to its digest sha256:");
    // A docker save whose layer holds B where the config's diff_id is A's.
    let docker = docker_members(&[(
        &["app:1"],
        "amd64",
        vec![("l1/layer.tar".into(), layer_with(SNAPSHOT_MEMBER, &a))],
    )]);
    let docker: Vec<_> = docker
        .into_iter()
        .map(|(name, bytes)| {
            let bytes = if name == "l1/layer.tar" {
                layer_with(SNAPSHOT_MEMBER, &b)
            } else {
                bytes
            };
            (name, bytes)
        })
        .collect();
    let archive = sandbox.write("docker-swapped.tar", tar_of(&docker));
    id_in_image(&sandbox, &archive, &[])
        .unwrap_err()
        .code(3)
        .stderr_has("does not hash to its digest sha256:");
}

#[test]
fn a_member_twice_in_the_archive_is_refused() {
    use crafted::*;
    let sandbox = Sandbox::new();
    let [(a, _), (b, _)] = snapshots_a_and_b(&sandbox);
    let docker = docker_members(&[(
        &["app:1"],
        "amd64",
        vec![("l1/layer.tar".into(), layer_with(SNAPSHOT_MEMBER, &a))],
    )]);
    for again in ["l1/layer.tar", "./l1/x/../layer.tar"] {
        let mut members = docker.clone();
        members.push((again.into(), layer_with(SNAPSHOT_MEMBER, &b)));
        let archive = sandbox.write("twice.tar", tar_of(&members));
        id_in_image(&sandbox, &archive, &[])
            .unwrap_err()
            .code(3)
            .stderr_has("the archive holds l1/layer.tar twice");
    }
}

#[test]
fn layer_entry_names_are_cleaned_as_runtimes_clean_them() {
    use crafted::*;
    let sandbox = Sandbox::new();
    let [(a, _), (b, b_id)] = snapshots_a_and_b(&sandbox);
    let lower = gzip(&layer_with(SNAPSHOT_MEMBER, &a));
    for name in [
        "etc/x/../lifeboat/snapshot.age",
        "../etc/lifeboat/snapshot.age",
        "/./etc//lifeboat/snapshot.age",
    ] {
        let upper = layer_with(name, &b);
        let archive = sandbox.write("image.tar", tar_of(&oci_members(&[lower.clone(), upper])));
        assert_eq!(
            id_in_image(&sandbox, &archive, &[]).unwrap(),
            b_id,
            "{name}"
        );
    }
    for whiteout in [
        "etc/lifeboat/sub/../.wh.snapshot.age",
        "../../etc/lifeboat/.wh.snapshot.age",
    ] {
        let upper = layer_with(whiteout, b"");
        let archive = sandbox.write("image.tar", tar_of(&oci_members(&[lower.clone(), upper])));
        id_in_image(&sandbox, &archive, &[])
            .unwrap_err()
            .code(20)
            .stderr_has("the image has no file at /etc/lifeboat/snapshot.age");
    }
}

#[test]
fn an_old_style_file_named_like_a_directory_is_a_directory() {
    use crafted::*;
    let sandbox = Sandbox::new();
    let [(a, _), (b, _)] = snapshots_a_and_b(&sandbox);
    let lower = gzip(&layer_with(SNAPSHOT_MEMBER, &a));
    let upper = [header("etc/lifeboat/snapshot.age/", 0, 0), end()].concat();
    let archive = sandbox.write("image.tar", tar_of(&oci_members(&[lower.clone(), upper])));
    id_in_image(&sandbox, &archive, &[])
        .unwrap_err()
        .code(3)
        .stderr_has("/etc/lifeboat/snapshot.age in the image is not a regular file");
    // One that claims data: Go's reader (the runtimes') skips none and reads B's entry
    // from it, where a reader taking the size would skip B.
    let hidden = layer_with(SNAPSHOT_MEMBER, &b);
    let hidden = &hidden[..hidden.len() - 1024];
    let upper = [
        header("etc/lifeboat/", 0, hidden.len() as u64),
        hidden.to_vec(),
        end(),
    ]
    .concat();
    let archive = sandbox.write("image.tar", tar_of(&oci_members(&[lower, upper])));
    id_in_image(&sandbox, &archive, &[])
        .unwrap_err()
        .code(3)
        .stderr_has("a tar link, directory or device entry with");
}

#[test]
fn a_symlinked_docker_save_layer_is_the_layer_it_links_to() {
    use crafted::*;
    let sandbox = Sandbox::new();
    let [(a, _), (b, b_id)] = snapshots_a_and_b(&sandbox);
    let lower = layer_with(SNAPSHOT_MEMBER, &a);
    let upper = layer_with(SNAPSHOT_MEMBER, &b);
    // Image one has both layers; image two shares the upper one, which docker save
    // stores once and links to.
    let mut members = docker_members(&[
        (
            &["one:1"],
            "amd64",
            vec![
                ("base/layer.tar".into(), lower.clone()),
                ("top/layer.tar".into(), upper.clone()),
            ],
        ),
        (
            &["two:1"],
            "amd64",
            vec![
                ("base/layer.tar".into(), lower),
                ("shared/layer.tar".into(), upper),
            ],
        ),
    ]);
    members.retain(|(name, _)| name != "shared/layer.tar");
    let mut bytes = Vec::new();
    let mut link = header("shared/layer.tar", b'2', 0);
    link[157..157 + 16].copy_from_slice(b"../top/layer.tar");
    checksum(&mut link);
    bytes.extend(link);
    bytes.extend(tar_of(&members));
    let archive = sandbox.write("linked.tar", bytes);
    assert_eq!(
        id_in_image(&sandbox, &archive, &["--image-ref", "two:1"]).unwrap(),
        b_id
    );
}

#[test]
fn a_layout_directory_is_never_left_through_a_symlinked_blob() {
    use crafted::*;
    let sandbox = Sandbox::new();
    let [(a, _), _] = snapshots_a_and_b(&sandbox);
    let layer = gzip(&layer_with(SNAPSHOT_MEMBER, &a));
    let layout = sandbox.path("layout");
    for (name, bytes) in oci_members(std::slice::from_ref(&layer)) {
        let path = layout.join(&name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    assert!(id_in_image(&sandbox, &layout, &[]).is_ok());
    // The same bytes, outside the directory, linked in.
    let outside = sandbox.write("outside.bin", &layer);
    let blob = layout.join(format!("blobs/sha256/{}", sha256(&layer)));
    std::fs::remove_file(&blob).unwrap();
    std::os::unix::fs::symlink(&outside, &blob).unwrap();
    id_in_image(&sandbox, &layout, &[])
        .unwrap_err()
        .code(3)
        .stderr_has("is a symbolic link, which could lead outside it");
}

#[test]
fn docker_save_images_are_chosen_by_platform() {
    use crafted::*;
    let sandbox = Sandbox::new();
    let [(a, a_id), (b, b_id)] = snapshots_a_and_b(&sandbox);
    let layer = |n: &str, snapshot: &[u8]| {
        (
            format!("{n}/layer.tar"),
            layer_with(SNAPSHOT_MEMBER, snapshot),
        )
    };
    // --platform is not ignored.
    let arm = sandbox.write(
        "arm.tar",
        tar_of(&docker_members(&[(
            &["app:1"],
            "arm64",
            vec![layer("l1", &a)],
        )])),
    );
    id_in_image(&sandbox, &arm, &["--platform", "linux/amd64"])
        .unwrap_err()
        .code(2)
        .stderr_has("the image has no linux/amd64 manifest; it holds: linux/arm64");
    let two = sandbox.write(
        "two.tar",
        tar_of(&docker_members(&[
            (&["app:1"], "amd64", vec![layer("l1", &a)]),
            (&["app:1-arm"], "arm64", vec![layer("l2", &b)]),
        ])),
    );
    assert_eq!(
        id_in_image(&sandbox, &two, &["--platform", "linux/arm64"]).unwrap(),
        b_id
    );
    assert_eq!(
        id_in_image(&sandbox, &two, &["--platform", "linux/amd64"]).unwrap(),
        a_id
    );
}

#[test]
fn docker_save_images_are_chosen_by_exact_tag_or_refused() {
    use crafted::*;
    let sandbox = Sandbox::new();
    let [(a, a_id), (b, _)] = snapshots_a_and_b(&sandbox);
    let layer = |n: &str, snapshot: &[u8]| {
        (
            format!("{n}/layer.tar"),
            layer_with(SNAPSHOT_MEMBER, snapshot),
        )
    };
    // An exact tag wins over another registry's image of that name, wherever it stands.
    let exact = sandbox.write(
        "exact.tar",
        tar_of(&docker_members(&[
            (&["attacker.example/app:1"], "amd64", vec![layer("l1", &b)]),
            (&["app:1"], "amd64", vec![layer("l2", &a)]),
        ])),
    );
    assert_eq!(
        id_in_image(&sandbox, &exact, &["--image-ref", "app:1"]).unwrap(),
        a_id
    );
    assert_eq!(
        id_in_image(
            &sandbox,
            &exact,
            &["--image-ref", "docker.io/library/app:1"]
        )
        .unwrap(),
        a_id
    );
}

#[test]
fn a_tag_two_registries_end_in_is_ambiguous() {
    use crafted::*;
    let sandbox = Sandbox::new();
    let [(a, _), (b, _)] = snapshots_a_and_b(&sandbox);
    let layer = |n: &str, snapshot: &[u8]| {
        (
            format!("{n}/layer.tar"),
            layer_with(SNAPSHOT_MEMBER, snapshot),
        )
    };
    // Two registries' app:1 are two images.
    let ambiguous = sandbox.write(
        "ambiguous.tar",
        tar_of(&docker_members(&[
            (&["one.example/app:1"], "amd64", vec![layer("l1", &a)]),
            (&["two.example/app:1"], "amd64", vec![layer("l2", &b)]),
        ])),
    );
    id_in_image(&sandbox, &ambiguous, &["--image-ref", "app:1"])
        .unwrap_err()
        .code(2)
        .stderr_has(
            "app:1 names more than one image in the archive: one.example/app:1, two.example/app:1",
        );
}

#[test]
fn an_oci_platform_that_matches_two_manifests_is_refused() {
    use crafted::*;
    let sandbox = Sandbox::new();
    let [(a, _), (b, b_id)] = snapshots_a_and_b(&sandbox);
    let mut members = Vec::new();
    let mut entries = Vec::new();
    for (arch, snapshot) in [("amd64", &a), ("arm64", &b)] {
        let image = oci_members(&[gzip(&layer_with(SNAPSHOT_MEMBER, snapshot))]);
        for (name, bytes) in image {
            if name == "index.json" {
                let index: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                let mut entry = index["manifests"][0].clone();
                entry["platform"] = serde_json::json!({"os": "linux", "architecture": arch});
                entries.push(entry);
            } else if name.starts_with("blobs/") && !members.iter().any(|(n, _)| *n == name) {
                members.push((name, bytes));
            }
        }
    }
    members.push((
        "index.json".into(),
        serde_json::json!({"schemaVersion": 2, "manifests": entries})
            .to_string()
            .into_bytes(),
    ));
    let archive = sandbox.write("multi.tar", tar_of(&members));
    assert_eq!(
        id_in_image(&sandbox, &archive, &["--platform", "linux/arm64"]).unwrap(),
        b_id
    );
    id_in_image(&sandbox, &archive, &["--platform", "linux"])
        .unwrap_err()
        .code(2)
        .stderr_has("linux matches more than one manifest: linux/amd64, linux/arm64");
}

#[test]
fn an_archive_whose_docker_and_oci_manifests_disagree_is_refused() {
    use crafted::*;
    let sandbox = Sandbox::new();
    let [(a, _), (b, _)] = snapshots_a_and_b(&sandbox);
    let docker = docker_members(&[(
        &["app:1"],
        "amd64",
        vec![("l1/layer.tar".into(), layer_with(SNAPSHOT_MEMBER, &a))],
    )]);
    let oci = oci_members(&[gzip(&layer_with(SNAPSHOT_MEMBER, &b))]);
    let archive = sandbox.write("both.tar", tar_of(&[docker, oci].concat()));
    id_in_image(&sandbox, &archive, &[])
        .unwrap_err()
        .code(3)
        .stderr_has("manifest.json (docker save) and index.json (OCI) name different layers");
}

#[test]
fn tags_from_an_archive_are_shown_escaped() {
    use crafted::*;
    let sandbox = Sandbox::new();
    let [(a, _), _] = snapshots_a_and_b(&sandbox);
    let layer = ("l1/layer.tar".to_string(), layer_with(SNAPSHOT_MEMBER, &a));
    let tags: [&[&str]; 2] = [
        &["red\u{1b}[31m:1", "rtl\u{202e}1:ppa"],
        &["x:1\nlifeboat: ok: all fine"],
    ];
    let archive = sandbox.write(
        "tags.tar",
        tar_of(&docker_members(&[
            (tags[0], "amd64", vec![layer.clone()]),
            (tags[1], "amd64", vec![layer]),
        ])),
    );
    for args in [&[][..], &["--image-ref", "nothing:1"][..]] {
        let run = id_in_image(&sandbox, &archive, args).unwrap_err();
        run.code(2)
            .stderr_has("red\\u{1b}[31m:1")
            .stderr_has("rtl\\u{202e}1:ppa");
        assert!(
            !run.stderr.contains(['\u{1b}', '\u{202e}']),
            "{}",
            run.stderr
        );
        assert!(
            !run.stderr.lines().any(|l| l.starts_with("lifeboat: ok:")),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn an_oci_index_entry_without_a_platform_is_checked_against_its_config() {
    use crafted::*;
    let sandbox = Sandbox::new();
    let [(a, a_id), _] = snapshots_a_and_b(&sandbox);
    // As buildah writes it: one index entry, no platform; the config says amd64.
    let archive = sandbox.write(
        "amd64.tar",
        tar_of(&oci_members(&[gzip(&layer_with(SNAPSHOT_MEMBER, &a))])),
    );
    assert_eq!(
        id_in_image(&sandbox, &archive, &["--platform", "linux/amd64"]).unwrap(),
        a_id
    );
    id_in_image(&sandbox, &archive, &["--platform", "linux/arm64"])
        .unwrap_err()
        .code(2)
        .stderr_has("the image has no linux/arm64 manifest; it holds: linux/amd64");
}
