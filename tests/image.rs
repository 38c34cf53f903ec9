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
        let config = br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.to_vec();
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
        members.push(("oci-layout".into(), br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec()));
        members
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
        ("two size records", [record("size", "0"), record("size", "1024")].concat()),
        (
            "a malformed record before the size",
            [b"99 junk=1\n".to_vec(), record("size", "1024")].concat(),
        ),
        ("a size with a trailing space", record("size", "1024 ")),
        ("a record without a key", [record("", "1"), record("size", "1024")].concat()),
        ("an empty line", [b"\n".to_vec(), record("size", "1024")].concat()),
    ]
}

#[test]
fn a_pax_header_the_parsers_read_differently_is_refused_in_a_layer_within_bounded_memory() {
    use crafted::*;
    let sandbox = Sandbox::new();
    for (what, records) in disagreeing_pax_records() {
        let (head, zeros) = two_sizes_then_a_huge_long_name(&records);
        // gzip members of 1 MiB of zeros, one after another: 256 MiB from about 256 KB.
        let mut layer = gzip(&head);
        let mebibyte = gzip(&vec![0u8; 1 << 20]);
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
fn a_pax_header_the_parsers_read_differently_is_refused_in_the_outer_archive_within_bounded_memory(
) {
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
