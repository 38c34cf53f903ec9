//! Secrets as files (`run --files-dir`): on a tmpfs made inside `unshare -m` (a mount
//! namespace of the test's own, gone when the run ends), mode 0400 in a 0700 directory,
//! out of the environment, `NAME_FILE` with `--file-env`, a 1 MiB value the environment
//! could not carry, a disk refused unless `--allow-disk`, and a restart replacing them.

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
    assert_eq!(*files, format!("{dir}/lifeboat-0"));
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
    for name in ["API_KEY", "MULTI"] {
        setup.sandbox.holds_secrets(format!("kept/{name}"));
    }
    assert_eq!(read(&setup, "kept/API_KEY"), CANARIES[0]);
    setup
        .fake
        .set_secret("API_KEY", "canary-7f3a-api-key-value-2");
    setup.fake.remove_secret("MULTI");
    setup.run(&setup.fake.url(), &args, &[]).ok();
    assert_eq!(read(&setup, "kept/API_KEY"), "canary-7f3a-api-key-value-2");
    assert!(
        !setup.sandbox.path("kept/MULTI").exists(),
        "a removed secret's file stayed"
    );
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
        &["--files-dir", "on-disk", "--file", "API_KEY"],
        &[],
    );
    run.code(2)
        .stderr_has("is not on a memory filesystem")
        .stderr_has("emptyDir with medium: Memory");
    assert!(setup.app_env().is_none());
    // Allowed: written, private.
    setup
        .run(
            &setup.fake.url(),
            &[
                "--files-dir",
                "on-disk",
                "--file",
                "API_KEY",
                "--allow-disk",
            ],
            &[],
        )
        .ok();
    setup.sandbox.holds_secrets("on-disk/API_KEY");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(setup.sandbox.path("on-disk/API_KEY"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o400);
    // A name the secrets do not hold is an error, not a silently missing file.
    setup
        .run(
            &setup.fake.url(),
            &["--files-dir", "on-disk", "--file", "NOPE", "--allow-disk"],
            &[],
        )
        .code(2)
        .stderr_has("--file NOPE: there is no secret of that name");
}
