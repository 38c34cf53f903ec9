//! Secrets as files (`run --files-dir`): on a tmpfs made inside `unshare -m` (a mount
//! namespace of the test's own, gone when the run ends), mode 0400 in a 0700 directory of
//! the start's own, out of the environment, `NAME_FILE` with `--file-env`, a 1 MiB value
//! the environment could not carry, a disk refused (before anything is made) unless
//! `--allow-disk`, a restart replacing them, `--check` touching nothing, and apps sharing
//! one `/dev/shm` with each other and with a squatter of another uid.

use std::collections::BTreeMap;

use crate::run::{setup, Setup, APP};
use crate::util::{Run, CANARIES};

/// What the app does: record its environment, and what it sees of the files.
const SEE_FILES: &str = "env -0 > app.env; stat -c '%a' \"$LIFEBOAT_FILES_DIR\" > dir.mode; \
    for f in \"$LIFEBOAT_FILES_DIR\"/*; do printf '%s %s\\n' \"$(basename \"$f\")\" \"$(stat -c '%a' \"$f\")\" >> files.modes; done; \
    cat \"$LIFEBOAT_FILES_DIR/API_KEY\" > seen.API_KEY 2>/dev/null; \
    wc -c < \"$LIFEBOAT_FILES_DIR/BIG\" > seen.BIG 2>/dev/null; true";

/// `run` inside a mount namespace with a tmpfs at `secrets/`.
fn on_tmpfs(setup: &Setup, extra: &[&str]) -> Run {
    for file in ["dir.mode", "files.modes", "seen.API_KEY", "seen.BIG"] {
        let _ = std::fs::remove_file(setup.sandbox.path(file));
    }
    setup.sandbox.holds_secrets("seen.API_KEY");
    let url = setup.fake.url();
    let (mut args, env) = setup.invocation(&url, extra, &[]);
    args.truncate(args.len() - APP.len());
    args.extend(["--", "sh", "-c", SEE_FILES]);
    std::fs::create_dir_all(setup.sandbox.path("secrets")).unwrap();
    let mut command = setup.sandbox.wrapped(
        &[
            "unshare",
            "-m",
            "sh",
            "-c",
            "mount -t tmpfs -o size=8m tmpfs secrets && exec \"$@\"",
            "sh",
        ],
        &args,
    );
    command.envs(env.iter().copied());
    setup.sandbox.run_with(command, &args)
}

fn read(setup: &Setup, name: &str) -> String {
    String::from_utf8(setup.sandbox.read(name)).unwrap()
}

#[test]
fn secrets_as_files_on_a_tmpfs() {
    let setup = setup();
    let dir = setup.sandbox.path("secrets");
    let dir = dir.to_str().unwrap();
    let run = on_tmpfs(
        &setup,
        &["--files-dir", dir, "--file", "API_KEY,MULTI", "--file-env"],
    );
    run.ok();
    let env: BTreeMap<String, String> = setup.app_env().expect("the app started");
    assert!(
        !env.contains_key("API_KEY"),
        "a file secret stayed in the environment"
    );
    assert!(!env.contains_key("MULTI"));
    // The tmpfs mount point is 1777 (shared): lifeboat leaves its mode alone and makes a
    // private directory of its own inside.
    let files = &env["LIFEBOAT_FILES_DIR"];
    assert_own_dir(files, dir);
    assert_eq!(env["API_KEY_FILE"], format!("{files}/API_KEY"));
    assert_eq!(env["MULTI_FILE"], format!("{files}/MULTI"));
    assert_eq!(read(&setup, "seen.API_KEY"), CANARIES[0]);
    assert_eq!(read(&setup, "dir.mode").trim(), "700");
    assert_eq!(read(&setup, "files.modes"), "API_KEY 400\nMULTI 400\n");

    // '*': every secret is a file, none is in the environment.
    on_tmpfs(&setup, &["--files-dir", dir, "--file", "*"]).ok();
    let env = setup.app_env().unwrap();
    assert!(!env.contains_key("API_KEY") && !env.contains_key("MULTI"));
}

/// A restart replaces the files (read-only as they are), and removes those of secrets
/// that are gone. On a directory that persists between the two starts (`--allow-disk`).
#[test]
fn a_restart_replaces_the_files() {
    let setup = setup();
    let args = ["--files-dir", "kept", "--file", "*", "--allow-disk"];
    setup.run(&setup.fake.url(), &args, &[]).ok();
    let first = setup.app_env().unwrap()["LIFEBOAT_FILES_DIR"].clone();
    assert_own_dir(&first, setup.sandbox.path("kept").to_str().unwrap());
    for name in ["API_KEY", "MULTI"] {
        setup.sandbox.holds_secrets(format!("{first}/{name}"));
    }
    assert_eq!(
        std::fs::read_to_string(format!("{first}/API_KEY")).unwrap(),
        CANARIES[0]
    );
    setup
        .fake
        .set_secret("API_KEY", "canary-7f3a-api-key-value-2");
    setup.fake.remove_secret("MULTI");
    setup.run(&setup.fake.url(), &args, &[]).ok();
    let second = setup.app_env().unwrap()["LIFEBOAT_FILES_DIR"].clone();
    setup.sandbox.holds_secrets(format!("{second}/API_KEY"));
    assert_ne!(first, second, "each start has a directory of its own");
    assert_eq!(
        std::fs::read_to_string(format!("{second}/API_KEY")).unwrap(),
        "canary-7f3a-api-key-value-2"
    );
    assert!(
        !std::path::Path::new(&format!("{second}/MULTI")).exists(),
        "a removed secret's file stayed"
    );
    // The first start's app has ended: its directory went with the second start.
    assert!(
        !std::path::Path::new(&first).exists(),
        "the directory of a start whose app ended stayed"
    );
    assert_eq!(listing(&setup.sandbox.path("kept")), [own_name(&second)]);
}

#[test]
fn a_value_too_large_for_the_environment_goes_as_a_file() {
    let setup = setup();
    let big = "b".repeat(1 << 20);
    setup.fake.set_secret("BIG", &big);
    let run = setup.run(&setup.fake.url(), &[], &[]);
    run.code(3)
        .stderr_has("deliver it as a file: --files-dir DIR --file BIG");
    let dir = setup.sandbox.path("secrets");
    on_tmpfs(
        &setup,
        &["--files-dir", dir.to_str().unwrap(), "--file", "BIG"],
    )
    .ok();
    assert_eq!(read(&setup, "seen.BIG").trim(), (1 << 20).to_string());
}

#[test]
fn a_disk_is_refused_unless_allowed() {
    let setup = setup();
    let run = setup.run(
        &setup.fake.url(),
        &["--files-dir", "on-disk/app", "--file", "API_KEY"],
        &[],
    );
    run.code(2)
        .stderr_has("is not on a memory filesystem")
        .stderr_has("emptyDir with medium: Memory");
    assert!(setup.app_env().is_none());
    assert!(
        !setup.sandbox.path("on-disk").exists(),
        "a refused directory was made anyway"
    );
    // Allowed: written, private.
    setup
        .run(
            &setup.fake.url(),
            &[
                "--files-dir",
                "on-disk/app",
                "--file",
                "API_KEY",
                "--allow-disk",
            ],
            &[],
        )
        .ok();
    let files = setup.app_env().unwrap()["LIFEBOAT_FILES_DIR"].clone();
    assert_own_dir(&files, setup.sandbox.path("on-disk/app").to_str().unwrap());
    let key = format!("{files}/API_KEY");
    setup.sandbox.holds_secrets(&key);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&key).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o400);
    // A name the secrets do not hold is an error, not a silently missing file.
    setup
        .run(
            &setup.fake.url(),
            &[
                "--files-dir",
                "on-disk/app",
                "--file",
                "NOPE",
                "--allow-disk",
            ],
            &[],
        )
        .code(2)
        .stderr_has("--file NOPE: there is no secret of that name");
}

/// A start that ends before the app (here: no such command) takes its files with it.
#[test]
fn a_start_that_fails_removes_its_files() {
    let setup = setup();
    let url = setup.fake.url();
    let (mut args, env) = setup.invocation(
        &url,
        &["--files-dir", "gone", "--file", "*", "--allow-disk"],
        &[],
    );
    args.truncate(args.len() - APP.len());
    args.extend(["--", "/nonexistent/app"]);
    setup.sandbox.run_env(&args, &env).code(127);
    assert_eq!(listing(&setup.sandbox.path("gone")), Vec::<String>::new());
}

/// `LIFEBOAT_FILES_DIR` is `DIR/lifeboat-0-` and 16 hex digits.
#[track_caller]
fn assert_own_dir(files: &str, dir: &str) {
    let rest = files
        .strip_prefix(&format!("{dir}/lifeboat-0-"))
        .unwrap_or_else(|| panic!("{files} is not a directory of its own in {dir}"));
    assert!(
        rest.len() == 16 && rest.bytes().all(|b| b.is_ascii_hexdigit()),
        "{files}"
    );
}

fn own_name(files: &str) -> String {
    files.rsplit('/').next().unwrap().to_string()
}

/// The names in a directory, sorted.
fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every path under `dir` with its kind, mode and contents: what "nothing changed" means.
fn tree(dir: &std::path::Path) -> Vec<(String, u32, Vec<u8>)> {
    use std::os::unix::fs::MetadataExt;
    let mut all = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let contents = if meta.is_file() {
            std::fs::read(&path).unwrap()
        } else {
            Vec::new()
        };
        if meta.is_dir() {
            pending.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        }
        all.push((path.display().to_string(), meta.mode(), contents));
    }
    all.sort();
    all
}

/// `run --check` writes, makes and removes nothing, and still reports what it would
/// deliver, and refuses what `run` would refuse.
#[test]
fn check_changes_nothing_on_disk() {
    let setup = setup();
    let shared = setup.sandbox.path("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::write(shared.join("app-data"), "the app's own").unwrap();
    // An earlier start whose app has ended: a start would remove its directory.
    let args = ["--files-dir", "shared", "--file", "API_KEY", "--allow-disk"];
    setup.run(&setup.fake.url(), &args, &[]).ok();
    let earlier = setup.app_env().unwrap()["LIFEBOAT_FILES_DIR"].clone();
    setup.sandbox.holds_secrets(format!("{earlier}/API_KEY"));
    let before = tree(&shared);
    let run = setup.run(
        &setup.fake.url(),
        &[
            "--files-dir",
            "shared",
            "--file",
            "API_KEY",
            "--allow-disk",
            "--check",
        ],
        &[],
    );
    run.ok()
        .stdout_has("and 1 secret as files in ")
        .stdout_has(&format!("{}/lifeboat-0-*", shared.display()));
    assert_eq!(tree(&shared), before, "run --check changed the directory");
    // A directory that does not exist is not made.
    setup
        .run(
            &setup.fake.url(),
            &[
                "--files-dir",
                "missing/app",
                "--file",
                "*",
                "--allow-disk",
                "--check",
            ],
            &[],
        )
        .ok();
    assert!(
        !setup.sandbox.path("missing").exists(),
        "run --check made the directory"
    );
    // Refused as run refuses: a disk without --allow-disk, a name that is no secret.
    setup
        .run(
            &setup.fake.url(),
            &["--files-dir", "shared", "--file", "API_KEY", "--check"],
            &[],
        )
        .code(2)
        .stderr_has("is not on a memory filesystem");
    setup
        .run(
            &setup.fake.url(),
            &[
                "--files-dir",
                "shared",
                "--file",
                "NOPE",
                "--allow-disk",
                "--check",
            ],
            &[],
        )
        .code(2)
        .stderr_has("--file NOPE: there is no secret of that name");
    assert_eq!(tree(&shared), before);
}

/// What the shared-tmpfs test does, in one mount namespace with a private tmpfs at
/// `/dev/shm`: a squatter of another uid takes names first; app A starts and keeps running;
/// app B starts in the same directory; A reads its file again and ends; a third start
/// cleans up after them; a fourth shares a private directory with the runtime cache.
const SHARED_SHM: &str = r#"
set -e
lifeboat="$1"
mount -t tmpfs tmpfs /dev/shm
echo "the app's own" > /dev/shm/app-data
setpriv --reuid 65534 --regid 65534 --clear-groups sh -c '
    mkdir /dev/shm/lifeboat-0
    mkdir -m 700 /dev/shm/lifeboat-0-0123456789abcdef
    mkfifo /dev/shm/lifeboat-0-fedcba9876543210
    ln -s /etc /dev/shm/lifeboat-0-00000000000000ff'
DOPPLER_API_HOST="$A_HOST" "$lifeboat" run --files-dir /dev/shm --file API_KEY --file-env -- sh -c '
    echo "$LIFEBOAT_FILES_DIR" > a.dir
    echo "notes of the app" > "$LIFEBOAT_FILES_DIR/app-notes"
    cat "$API_KEY_FILE" > a.seen.tmp && mv a.seen.tmp a.seen
    for i in $(seq 600); do [ -e a.go ] && break; sleep 0.05; done
    cat "$API_KEY_FILE" > a.after' &
a=$!
while [ ! -e a.seen ]; do kill -0 $a 2>/dev/null || { echo "app A did not start" >&2; exit 3; }; sleep 0.05; done
DOPPLER_API_HOST="$B_HOST" LIFEBOAT_SNAPSHOT=none.age "$lifeboat" run --files-dir /dev/shm --file API_KEY --file-env -- sh -c '
    echo "$LIFEBOAT_FILES_DIR" > b.dir
    cat "$API_KEY_FILE" > b.seen'
touch a.go
wait $a
ls -A /dev/shm > shm.before-cleanup
DOPPLER_API_HOST="$A_HOST" "$lifeboat" run --files-dir /dev/shm --file API_KEY -- sh -c '
    echo "$LIFEBOAT_FILES_DIR" > c.dir'
ls -A /dev/shm > shm.after-cleanup
a_dir=$(cat a.dir)
ls -A "$a_dir" > a.left
mkdir -m 700 /dev/shm/private
echo "the app's own" > /dev/shm/private/app-data
DOPPLER_API_HOST="$A_HOST" "$lifeboat" run --files-dir /dev/shm/private --cache-dir /dev/shm/private --file API_KEY -- true
DOPPLER_API_HOST="$A_HOST" "$lifeboat" run --files-dir /dev/shm/private --cache-dir /dev/shm/private --file API_KEY -- true
ls -A /dev/shm/private > private.after
cat /dev/shm/private/app-data > private.app-data
"#;

/// Two apps on one shared tmpfs with `--files-dir`: each reads its own value; an
/// unrelated file in the directory survives; a directory squatted by another uid does not
/// stop the start; a start removes only what lifeboat wrote, for apps that have ended.
#[test]
fn apps_sharing_a_tmpfs_keep_apart() {
    let setup = setup();
    let other = crate::services::doppler_fake::DopplerFake::start(
        &[("API_KEY", CANARIES[1])],
        crate::util::TOKENS[0],
        "blog",
        "prd",
    );
    for file in ["a.seen", "a.after", "b.seen"] {
        setup.sandbox.holds_secrets(file);
    }
    let (a_host, b_host) = (setup.fake.url(), other.url());
    let mut command = setup
        .sandbox
        .wrapped(&["unshare", "-m", "sh", "-c", SHARED_SHM, "sh"], &[]);
    command.envs([
        ("DOPPLER_TOKEN", crate::util::TOKENS[0]),
        ("LIFEBOAT_SOURCE", "doppler"),
        ("LIFEBOAT_SNAPSHOT", "snap.age"),
        ("LIFEBOAT_IDENTITY_FILE", "key.txt"),
        ("A_HOST", a_host.as_str()),
        ("B_HOST", b_host.as_str()),
    ]);
    let run = setup.sandbox.run_with(command, &["unshare"]);
    run.ok();
    // Each app read its own value, and A's file was still there after B started.
    assert_eq!(read(&setup, "a.seen"), CANARIES[0]);
    assert_eq!(read(&setup, "b.seen"), CANARIES[1]);
    assert_eq!(
        read(&setup, "a.after"),
        CANARIES[0],
        "B's start took A's file"
    );
    let (a, b, c) = (
        read(&setup, "a.dir"),
        read(&setup, "b.dir"),
        read(&setup, "c.dir"),
    );
    let (a, b, c) = (own_name(a.trim()), own_name(b.trim()), own_name(c.trim()));
    for name in [&a, &b, &c] {
        assert_own_dir(&format!("/dev/shm/{name}"), "/dev/shm");
    }
    assert!(a != b && b != c && a != c, "{a} {b} {c}");
    let lines = |name: &str| -> Vec<String> {
        let mut lines: Vec<String> = read(&setup, name).lines().map(str::to_string).collect();
        lines.sort();
        lines
    };
    let squatted = [
        "lifeboat-0",
        "lifeboat-0-00000000000000ff",
        "lifeboat-0-0123456789abcdef",
        "lifeboat-0-fedcba9876543210",
    ];
    let mut expected: Vec<String> = ["app-data", &a, &b]
        .iter()
        .chain(squatted.iter())
        .map(|s| s.to_string())
        .collect();
    expected.sort();
    assert_eq!(lines("shm.before-cleanup"), expected);
    // After A and B ended, the next start removed B's directory, and in A's only what
    // lifeboat wrote: the app's own file and so its directory stay. The squatter's names
    // and the unrelated file are untouched.
    let mut expected: Vec<String> = ["app-data", &a, &c]
        .iter()
        .chain(squatted.iter())
        .map(|s| s.to_string())
        .collect();
    expected.sort();
    assert_eq!(lines("shm.after-cleanup"), expected);
    assert_eq!(lines("a.left"), ["app-notes"]);
    // A private directory named by both flags: the cache and the app's data stay.
    let private = lines("private.after");
    assert!(private.contains(&"app-data".to_string()), "{private:?}");
    assert!(
        private.iter().any(|n| n.starts_with("lifeboat-cache-")),
        "the runtime cache was removed: {private:?}"
    );
    assert_eq!(read(&setup, "private.app-data"), "the app's own\n");
}
