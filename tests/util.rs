//! The test harness: a temporary directory and a command builder for the real binary,
//! run with a clean environment. Every run is checked for leaks: no canary secret value
//! and no private key may ever appear on stderr, and on stdout only when the command was
//! asked to print secrets.

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
    age_key || text.contains("-----BEGIN OPENSSH PRIVATE KEY")
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

/// Fails if any canary or key text shows in `text`.
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
    assert!(
        !has_private_key(text),
        "a private key leaked into {what}:\n{text}"
    );
}

/// A scratch directory the binary runs in.
pub struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    /// A new empty sandbox.
    pub fn new() -> Self {
        Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the sandbox.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).expect("write fixture");
        path
    }

    /// Reads a file.
    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).expect("read file")
    }

    /// A command for the lifeboat binary with a clean environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_lifeboat"));
        command
            .args(args)
            .current_dir(self.root())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.root())
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

    #[track_caller]
    fn run_with(&self, mut command: Command, args: &[&str]) -> Run {
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

/// The files of a directory tree, for leak scans of what a test left behind.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}
