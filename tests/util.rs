//! The test harness: a temporary directory and a command builder for the real binary,
//! run with a clean environment. Every run is checked for leaks: no canary secret value,
//! canary token or private key may ever appear on stderr, and on stdout only when the
//! command was asked to print secrets. When a sandbox is dropped, every file in it (the
//! binary's `TMPDIR` included) is scanned the same way, except the files that hold
//! secrets by design: the fixtures the test wrote, `keygen` and `recover` outputs.

use std::cell::RefCell;
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

/// Secret values planted in every fixture. None may appear in a message.
pub const CANARIES: [&str; 4] = [
    "canary-7f3a-api-key-value",
    "canary-91bd-db-password",
    "canary-line-one\ncanary-line-two",
    "canary-ünï-€-value",
];

/// Service tokens planted in the live tests. None may appear anywhere either.
pub const TOKENS: [&str; 3] = [
    "dp.st.prd.canary-token-9c2e51",
    "root-canary-token-4d1f",
    "http-canary-token-77ab",
];

/// A dotenv file holding the canaries, and their names.
pub fn canary_dotenv() -> String {
    format!(
        "API_KEY={}\nexport DB_PASSWORD='{}'\nMULTI=\"{}\"\nUNICODE=\"{}\"\n",
        CANARIES[0],
        CANARIES[1],
        CANARIES[2].replace('\n', "\\n"),
        CANARIES[3]
    )
}

/// Whether `text` holds private key material: an age secret key (the prefix followed by
/// bech32 data, not just the name of the format in a hint) or a PEM private key block.
pub fn has_private_key(text: &str) -> bool {
    let age_key = text.match_indices("AGE-SECRET-KEY-1").any(|(at, prefix)| {
        text[at + prefix.len()..]
            .chars()
            .take(20)
            .filter(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            .count()
            == 20
    });
    // The PEM marker alone is in lifeboat's own binary (it parses such keys); a key has
    // the marker, then base64 of "openssh-key-v1".
    let ssh_key = text
        .match_indices("-----BEGIN OPENSSH PRIVATE KEY-----")
        .any(|(at, marker)| {
            text[at + marker.len()..]
                .trim_start_matches(['\r', '\n'])
                .starts_with("b3BlbnNzaC1rZXktdjE")
        });
    age_key || ssh_key
}

/// The result of one run.
#[derive(Debug)]
pub struct Run {
    /// Exit status (a signal shows as -1).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, showing the output when it differs.
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code, expected,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts success.
    #[track_caller]
    pub fn ok(&self) -> &Self {
        self.code(0)
    }

    /// Asserts that stderr contains a text.
    #[track_caller]
    pub fn stderr_has(&self, text: &str) -> &Self {
        assert!(
            self.stderr.contains(text),
            "stderr lacks {text:?}:\n{}",
            self.stderr
        );
        self
    }

    /// Asserts that stdout contains a text.
    #[track_caller]
    pub fn stdout_has(&self, text: &str) -> &Self {
        assert!(
            self.stdout.contains(text),
            "stdout lacks {text:?}:\n{}",
            self.stdout
        );
        self
    }

    /// The snapshot id from `snapshot`'s summary line.
    pub fn snapshot_id(&self) -> String {
        let after = self
            .stdout
            .split("snapshot ")
            .nth(1)
            .expect("a summary line");
        after.split(',').next().unwrap().to_string()
    }

    /// Asserts that stdout is empty.
    #[track_caller]
    pub fn no_stdout(&self) -> &Self {
        assert!(
            self.stdout.is_empty(),
            "stdout is not empty:\n{}",
            self.stdout
        );
        self
    }
}

/// Fails if any canary, token or key text shows in `text`.
#[track_caller]
pub fn assert_no_secrets(text: &str, what: &str) {
    for canary in CANARIES {
        for part in canary.split('\n') {
            assert!(
                !text.contains(part),
                "a canary value leaked into {what}:\n{text}"
            );
        }
    }
    for token in TOKENS {
        assert!(
            !text.contains(token),
            "a canary token leaked into {what}:\n{text}"
        );
    }
    assert!(
        !has_private_key(text),
        "a private key leaked into {what}:\n{text}"
    );
}

/// A scratch directory the binary runs in.
pub struct Sandbox {
    dir: TempDir,
    /// Files that hold secrets by design, left out of the final leak scan.
    holds_secrets: RefCell<HashSet<PathBuf>>,
}

impl Sandbox {
    /// A new empty sandbox, with a `tmp/` the binary uses as its `TMPDIR`.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("tmp")).expect("sandbox tmp");
        Sandbox {
            dir,
            holds_secrets: RefCell::new(HashSet::new()),
        }
    }

    /// Marks a file as holding secrets by design (a fixture, a key, recovered secrets).
    pub fn holds_secrets(&self, name: impl AsRef<Path>) {
        self.holds_secrets
            .borrow_mut()
            .insert(self.root().join(name));
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the sandbox.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a fixture file and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).expect("write fixture");
        self.holds_secrets(&path);
        path
    }

    /// Reads a file.
    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).expect("read file")
    }

    /// A command for the lifeboat binary with a clean environment.
    pub fn command(&self, args: &[&str]) -> Command {
        self.wrapped(&[], args)
    }

    /// The same, started through `wrapper` (`unshare …`), which gets lifeboat's path and
    /// `args` after its own arguments.
    pub fn wrapped(&self, wrapper: &[&str], args: &[&str]) -> Command {
        self.wrapped_binary(wrapper, Path::new(env!("CARGO_BIN_EXE_lifeboat")), args)
    }

    /// The same for another build of lifeboat (the arm64 binary under qemu).
    pub fn wrapped_binary(&self, wrapper: &[&str], lifeboat: &Path, args: &[&str]) -> Command {
        let mut command = match wrapper.split_first() {
            Some((program, rest)) => {
                let mut command = Command::new(program);
                command.args(rest).arg(lifeboat);
                command
            }
            None => Command::new(lifeboat),
        };
        command
            .args(args)
            .current_dir(self.root())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.root())
            .env("TMPDIR", self.root().join("tmp"))
            .env("USER", "tester")
            .stdin(Stdio::null());
        command
    }

    /// Runs lifeboat. Stderr must never hold a secret; stdout only for `recover` and
    /// `keygen` without `-o`, which print secrets by design.
    #[track_caller]
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(self.command(args), args)
    }

    /// Runs lifeboat with extra environment variables.
    #[track_caller]
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = self.command(args);
        command.envs(env.iter().copied());
        self.run_with(command, args)
    }

    /// Runs a command made by [`Sandbox::command`] or [`Sandbox::wrapped`] from `args`,
    /// with the same checks.
    #[track_caller]
    pub fn run_with(&self, mut command: Command, args: &[&str]) -> Run {
        // keygen -o and recover -o write secrets by design.
        if matches!(args.first(), Some(&"keygen") | Some(&"recover")) {
            for flag in ["-o", "--output"] {
                if let Some(at) = args.iter().position(|a| *a == flag) {
                    if let Some(file) = args.get(at + 1) {
                        self.holds_secrets(file);
                    }
                }
            }
        }
        let output: Output = command.output().expect("run lifeboat");
        let run = Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        assert!(
            !run.stderr.contains("panicked") && run.code != 101 && run.code != -1,
            "lifeboat crashed: {args:?}\n{}",
            run.stderr
        );
        assert_no_secrets(&run.stderr, &format!("stderr of {args:?}"));
        let prints_secrets = matches!(args.first(), Some(&"recover") | Some(&"run"))
            || (args.first() == Some(&"keygen") && !args.contains(&"-o"));
        if !prints_secrets || run.code != 0 {
            assert_no_secrets(&run.stdout, &format!("stdout of {args:?}"));
        }
        run
    }

    /// A new identity file; returns its recipient.
    pub fn keygen(&self, name: &str) -> String {
        let run = self.run(&["keygen", "-o", name]);
        run.ok();
        run.stdout.trim().to_string()
    }

    /// `inspect --json` of a snapshot.
    pub fn inspect_json(&self, file: &str) -> serde_json::Value {
        let run = self.run(&["inspect", file, "--json"]);
        serde_json::from_str(&run.ok().stdout).expect("inspect prints JSON")
    }

    /// A snapshot of the canary secrets sealed to `recipients`, written to `name`.
    pub fn canary_snapshot(&self, name: &str, recipients: &[&str], extra: &[&str]) -> Run {
        self.write("canaries.env", canary_dotenv());
        let mut args = vec!["snapshot", "--source", "file:canaries.env", "-o", name];
        for recipient in recipients {
            args.extend(["-r", recipient]);
        }
        args.extend(extra);
        let run = self.run(&args);
        run.ok();
        run
    }

    /// Runs an external tool (the stock `age`, `ssh-keygen`), which must be installed:
    /// a missing tool fails the test, never skips it.
    #[track_caller]
    pub fn tool(&self, program: &str, args: &[&str]) -> Output {
        Command::new(program)
            .args(args)
            .current_dir(self.root())
            .output()
            .unwrap_or_else(|e| panic!("{program} is required (scripts/test.sh installs it): {e}"))
    }
}

/// Waits until `condition` holds (a condition, not a guessed sleep), failing the test if
/// it does not within `within`.
#[track_caller]
pub fn wait_until(what: &str, within: std::time::Duration, mut condition: impl FnMut() -> bool) {
    let until = std::time::Instant::now() + within;
    while !condition() {
        assert!(
            std::time::Instant::now() < until,
            "{what}: not within {within:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

impl Sandbox {
    /// Waits until `verify FILE -i KEY ARGS…` reports the snapshot stale (exit 22): a
    /// snapshot made with `--expires-in 1s`, or checked with `--max-age 1s`, gets there
    /// once its clock (whole seconds) has moved on.
    #[track_caller]
    pub fn wait_until_stale(&self, file: &str, key: &str, args: &[&str]) {
        let mut verify = vec!["verify", file, "-i", key];
        verify.extend(args);
        wait_until(
            &format!("{file} stale"),
            std::time::Duration::from_secs(10),
            || self.run(&verify).code == 22,
        );
    }
}

/// The files of a directory tree, for leak scans of what a test left behind.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                // Only regular files: a FIFO a test made would block the scan forever.
                files.push(path);
            }
        }
    }
    files
}

/// Where every sandbox records what its final scan covered (`scripts/test.sh` sums it).
const SCAN_LOG: &str = concat!(env!("CARGO_TARGET_TMPDIR"), "/leak-scan.log");

impl Drop for Sandbox {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let skip = self.holds_secrets.borrow();
        let (mut files, mut bytes) = (0u64, 0u64);
        for path in files_under(self.root()) {
            if skip.contains(&path) {
                continue;
            }
            let Ok(contents) = std::fs::read(&path) else {
                continue;
            };
            files += 1;
            bytes += contents.len() as u64;
            assert_no_secrets(
                &String::from_utf8_lossy(&contents),
                &format!("{} (left behind by the test)", path.display()),
            );
        }
        let line = format!("{files} {bytes}\n");
        if let Ok(mut log) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(SCAN_LOG)
        {
            let _ = log.write_all(line.as_bytes());
        }
    }
}

/// The scanner itself: it must find what it looks for, or every leak check above passes
/// for nothing.
#[test]
fn the_leak_scan_finds_planted_secrets() {
    let sandbox = Sandbox::new();
    sandbox.keygen("age.key");
    let made = sandbox.tool(
        "ssh-keygen",
        &["-q", "-t", "ed25519", "-N", "", "-f", "id_ed25519"],
    );
    assert!(made.status.success());
    sandbox.holds_secrets("id_ed25519");
    for key in ["age.key", "id_ed25519"] {
        assert!(
            has_private_key(&String::from_utf8(sandbox.read(key)).unwrap()),
            "{key}"
        );
    }
    assert!(!has_private_key(
        "expected AGE-SECRET-KEY-1… or -----BEGIN OPENSSH PRIVATE KEY-----"
    ));
    for planted in [CANARIES[2].split('\n').nth(1).unwrap(), TOKENS[1]] {
        let text = format!("log line: {planted}\n");
        assert!(std::panic::catch_unwind(|| assert_no_secrets(&text, "a planted line")).is_err());
    }
    // A file a test did not declare, holding a canary, fails the final scan.
    let leaky = Sandbox::new();
    std::fs::write(leaky.path("tmp/left-behind"), CANARIES[3]).unwrap();
    assert!(std::panic::catch_unwind(move || drop(leaky)).is_err());
}
