//! Break-glass keys a person holds: identity files protected by the stock `age -p` and by
//! `lifeboat keygen --passphrase`, and passphrase-protected OpenSSH keys, opened by
//! `recover`, `verify`, `diff` and `rekey` with the passphrase typed at a real
//! pseudo-terminal (tests/services/pty_answer.py plays the person); no terminal, and `run`,
//! give clear errors. The passphrase never appears in any output or file.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::util::{files_under, Sandbox, CANARIES};

/// The passphrase typed in these tests; nothing may ever show it.
const PASSPHRASE: &str = "correct-horse-7d1e-battery";

struct AtTerminal {
    code: i32,
    transcript: String,
    answered: u64,
    stdout: String,
    stderr: String,
    /// Whether the terminal echoes typing once the command is gone.
    echo: bool,
}

/// Runs `program args` with a pseudo-terminal as its terminal, typing `answers` at its
/// passphrase prompts.
fn at_terminal(sandbox: &Sandbox, program: &str, args: &[&str], answers: &[&str]) -> AtTerminal {
    at_terminal_doing(sandbox, program, args, serde_json::json!(answers))
}

/// The same with what the person does at each prompt in pty_answer.py's terms: a string
/// typed, `{"key": "VINTR"}`, `{"signal": "SIGTERM"}`.
fn at_terminal_doing(
    sandbox: &Sandbox,
    program: &str,
    args: &[&str],
    answers: Value,
) -> AtTerminal {
    let helper = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/services/pty_answer.py");
    let out = sandbox.path("pty.out");
    let err = sandbox.path("pty.err");
    let output = Command::new("python3")
        .arg(helper)
        .arg(&out)
        .arg(&err)
        .arg(answers.to_string())
        .arg("--")
        .arg(program)
        .args(args)
        .current_dir(sandbox.root())
        .output()
        .expect("python3 is required (scripts/test.sh installs it)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let result = AtTerminal {
        code: report["code"].as_i64().unwrap() as i32,
        transcript: report["transcript"].as_str().unwrap().to_string(),
        answered: report["answered"].as_u64().unwrap(),
        stdout: String::from_utf8_lossy(&std::fs::read(&out).unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&std::fs::read(&err).unwrap()).into_owned(),
        echo: report["echo"].as_bool().unwrap(),
    };
    std::fs::remove_file(&out).unwrap();
    std::fs::remove_file(&err).unwrap();
    // lifeboat's echo is off before its prompt shows; the stock age is judged on its
    // output only.
    let terminal = if program == lifeboat() {
        result.transcript.as_str()
    } else {
        ""
    };
    for (what, text) in [
        ("terminal", terminal),
        ("stdout", &result.stdout),
        ("stderr", &result.stderr),
    ] {
        assert!(
            !text.contains(PASSPHRASE),
            "the passphrase shows on {what}: {text}"
        );
    }
    result
}

fn lifeboat() -> &'static str {
    env!("CARGO_BIN_EXE_lifeboat")
}

/// No file in the sandbox holds the passphrase.
fn assert_passphrase_nowhere(sandbox: &Sandbox) {
    for file in files_under(sandbox.root()) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert!(
            !bytes
                .windows(PASSPHRASE.len())
                .any(|w| w == PASSPHRASE.as_bytes()),
            "{} holds the passphrase",
            file.display()
        );
    }
}

#[test]
fn an_identity_file_protected_by_stock_age_opens_with_its_passphrase_at_a_terminal() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("plain.key");
    let made = at_terminal(
        &sandbox,
        "age",
        &["-p", "-a", "-o", "break-glass.key", "plain.key"],
        &[PASSPHRASE, PASSPHRASE],
    );
    assert_eq!(made.code, 0, "age -p: {}", made.stderr);
    std::fs::remove_file(sandbox.path("plain.key")).unwrap();
    sandbox.canary_snapshot("s.age", &[&recipient], &[]);

    let opened = at_terminal(
        &sandbox,
        lifeboat(),
        &["recover", "--snapshot", "s.age", "-i", "break-glass.key"],
        &[PASSPHRASE],
    );
    assert_eq!(opened.code, 0, "{}", opened.stderr);
    assert!(opened.stdout.contains(CANARIES[0]), "{}", opened.stdout);
    // Asked once, on the terminal, naming the file.
    assert_eq!(opened.answered, 1);
    assert_eq!(
        opened.transcript.matches("passphrase").count(),
        1,
        "{}",
        opened.transcript
    );
    assert!(
        opened
            .transcript
            .contains("lifeboat: passphrase for the identity file break-glass.key: "),
        "{}",
        opened.transcript
    );

    let verified = at_terminal(
        &sandbox,
        lifeboat(),
        &["verify", "s.age", "-i", "break-glass.key"],
        &[PASSPHRASE],
    );
    assert_eq!(verified.code, 0, "{}", verified.stderr);
    assert!(
        verified.stdout.starts_with("ok: s.age"),
        "{}",
        verified.stdout
    );

    let wrong = at_terminal(
        &sandbox,
        lifeboat(),
        &["recover", "--snapshot", "s.age", "-i", "break-glass.key"],
        &["not-the-passphrase"],
    );
    assert_eq!(wrong.code, 3, "{}", wrong.stderr);
    assert!(wrong.stdout.is_empty());
    assert!(
        wrong
            .stderr
            .contains("the passphrase does not open the key in break-glass.key"),
        "{}",
        wrong.stderr
    );
    assert!(!wrong.stderr.contains("not-the-passphrase"));
    assert_passphrase_nowhere(&sandbox);
}

#[test]
fn no_terminal_and_run_are_clear_errors() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("plain.key");
    let made = at_terminal(
        &sandbox,
        "age",
        &["-p", "-o", "break-glass.key", "plain.key"],
        &[PASSPHRASE, PASSPHRASE],
    );
    assert_eq!(made.code, 0, "age -p: {}", made.stderr);
    sandbox.canary_snapshot("s.age", &[&recipient], &[]);
    // setsid: a session with no controlling terminal, as under systemd or in CI.
    for args in [
        vec!["recover", "--snapshot", "s.age", "-i", "break-glass.key"],
        vec!["verify", "s.age", "-i", "break-glass.key"],
        vec![
            "rekey",
            "s.age",
            "-i",
            "break-glass.key",
            "-r",
            &recipient,
            "-o",
            "r.age",
        ],
    ] {
        sandbox
            .run_with(sandbox.wrapped(&["setsid", "-w"], &args), &args)
            .code(2)
            .no_stdout()
            .stderr_has("the key in break-glass.key is passphrase-protected and there is no terminal to ask for its passphrase on")
            .stderr_has("run the command on a terminal");
    }
    assert!(!sandbox.path("r.age").exists());
    // run never asks, even with a terminal there.
    let run = at_terminal(
        &sandbox,
        lifeboat(),
        &[
            "run",
            "--offline",
            "--snapshot",
            "s.age",
            "-i",
            "break-glass.key",
            "--",
            "env",
        ],
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stdout.is_empty(),
        "the app must not start: {}",
        run.stdout
    );
    assert!(
        !run.transcript.contains("passphrase"),
        "run asked: {}",
        run.transcript
    );
    assert!(
        run.stderr
            .contains("this command never asks for a passphrase"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("give it an unprotected runtime key"),
        "{}",
        run.stderr
    );
}

#[test]
fn keygen_passphrase_writes_a_key_stock_age_opens() {
    let sandbox = Sandbox::new();
    let made = at_terminal(
        &sandbox,
        lifeboat(),
        &["keygen", "--pq", "--passphrase", "-o", "held.key"],
        &[PASSPHRASE, PASSPHRASE],
    );
    assert_eq!(made.code, 0, "{}", made.stderr);
    let recipient = made.stdout.trim().to_string();
    assert!(recipient.starts_with("age1pq1"), "{recipient}");
    assert_eq!(made.answered, 2);
    let file = sandbox.read("held.key");
    assert!(file.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"));
    assert!(!crate::util::has_private_key(&String::from_utf8_lossy(
        &file
    )));
    // The stock age opens it with the passphrase: it is an ordinary `age -p` file.
    let opened = at_terminal(&sandbox, "age", &["-d", "held.key"], &[PASSPHRASE]);
    assert_eq!(opened.code, 0, "{}", opened.stderr);
    assert!(opened
        .stdout
        .contains(&format!("# public key: {recipient}")));
    assert!(opened.stdout.contains("AGE-SECRET-KEY-PQ-1"));
    // And lifeboat opens snapshots with it: recover, diff, rekey.
    sandbox.canary_snapshot("s.age", &[&recipient], &[]);
    let recovered = at_terminal(
        &sandbox,
        lifeboat(),
        &["recover", "--snapshot", "s.age", "-i", "held.key"],
        &[PASSPHRASE],
    );
    assert_eq!(recovered.code, 0, "{}", recovered.stderr);
    assert!(recovered.stdout.contains(CANARIES[1]));
    let diffed = at_terminal(
        &sandbox,
        lifeboat(),
        &[
            "diff",
            "s.age",
            "-i",
            "held.key",
            "--source",
            "file:canaries.env",
        ],
        &[PASSPHRASE],
    );
    assert_eq!(diffed.code, 0, "{}{}", diffed.stdout, diffed.stderr);
    let runtime = {
        let run = sandbox.run(&["keygen", "--pq", "-o", "runtime.key"]);
        run.ok().stdout.trim().to_string()
    };
    let rekeyed = at_terminal(
        &sandbox,
        lifeboat(),
        &[
            "rekey", "s.age", "-i", "held.key", "-r", &runtime, "-o", "r.age",
        ],
        &[PASSPHRASE],
    );
    assert_eq!(rekeyed.code, 0, "{}", rekeyed.stderr);
    sandbox.run(&["verify", "r.age", "-i", "runtime.key"]).ok();
    // Mistyped confirmation: nothing written.
    let mistyped = at_terminal(
        &sandbox,
        lifeboat(),
        &["keygen", "--passphrase", "-o", "other.key"],
        &[PASSPHRASE, "something-else"],
    );
    assert_eq!(mistyped.code, 2, "{}", mistyped.stderr);
    assert!(mistyped
        .stderr
        .contains("the two passphrases differ; nothing was written"));
    assert!(!sandbox.path("other.key").exists());
    assert_passphrase_nowhere(&sandbox);
}

#[test]
fn a_passphrase_protected_ssh_key_opens_at_a_terminal() {
    let sandbox = Sandbox::new();
    let made = sandbox.tool(
        "ssh-keygen",
        &[
            "-q",
            "-t",
            "ed25519",
            "-N",
            PASSPHRASE,
            "-C",
            "ops@laptop",
            "-f",
            "id_ed25519",
        ],
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    sandbox.holds_secrets("id_ed25519");
    let public = String::from_utf8(sandbox.read("id_ed25519.pub")).unwrap();
    sandbox.canary_snapshot("s.age", &[public.trim()], &[]);
    let opened = at_terminal(
        &sandbox,
        lifeboat(),
        &["recover", "--snapshot", "s.age", "-i", "id_ed25519"],
        &[PASSPHRASE],
    );
    assert_eq!(opened.code, 0, "{}", opened.stderr);
    assert!(opened.stdout.contains(CANARIES[0]));
    assert!(
        opened
            .transcript
            .contains("lifeboat: passphrase for the SSH key id_ed25519: "),
        "{}",
        opened.transcript
    );
    assert_eq!(opened.answered, 1);
    let wrong = at_terminal(
        &sandbox,
        lifeboat(),
        &["verify", "s.age", "-i", "id_ed25519"],
        &["wrong"],
    );
    assert_eq!(wrong.code, 3, "{}", wrong.stderr);
    assert!(wrong
        .stderr
        .contains("the passphrase does not open the key in id_ed25519"));
    assert_passphrase_nowhere(&sandbox);
}

/// Ctrl-C at the prompt (the terminal's own interrupt character, so the kernel sends
/// SIGINT), Ctrl-\, a closed terminal's SIGHUP and a kill's SIGTERM: each ends the
/// command by its signal, as before, and leaves the terminal echoing again.
#[test]
fn a_signal_at_the_prompt_leaves_the_terminal_echoing() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("plain.key");
    let made = at_terminal(
        &sandbox,
        "age",
        &["-p", "-a", "-o", "break-glass.key", "plain.key"],
        &[PASSPHRASE, PASSPHRASE],
    );
    assert_eq!(made.code, 0, "age -p: {}", made.stderr);
    sandbox.canary_snapshot("s.age", &[&recipient], &[]);
    let cases = [
        (serde_json::json!({"key": "VINTR"}), 2),
        (serde_json::json!({"key": "VQUIT"}), 3),
        (serde_json::json!({"signal": "SIGHUP"}), 1),
        (serde_json::json!({"signal": "SIGTERM"}), 15),
    ];
    for (doing, signal) in cases {
        for args in [
            &["recover", "s.age", "-i", "break-glass.key"][..],
            &["keygen", "--passphrase", "-o", "new.key"][..],
        ] {
            let ended = at_terminal_doing(&sandbox, lifeboat(), args, serde_json::json!([doing]));
            assert_eq!(ended.answered, 1, "{args:?} {doing}: {}", ended.transcript);
            // Python reports a death by signal n as -n; a shell shows 128+n.
            assert_eq!(ended.code, -signal, "{args:?} {doing}: {}", ended.stderr);
            assert!(
                ended.echo,
                "{args:?} {doing}: the terminal was left with echo off"
            );
            assert!(ended.stdout.is_empty(), "{}", ended.stdout);
            assert!(!sandbox.path("new.key").exists());
        }
    }
}

#[test]
fn a_passphrase_protected_signing_key_signs_at_a_terminal() {
    let sandbox = Sandbox::new();
    let made = sandbox.tool(
        "ssh-keygen",
        &[
            "-q", "-t", "ed25519", "-N", PASSPHRASE, "-C", "ci", "-f", "ci_key",
        ],
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    sandbox.holds_secrets("ci_key");
    let recipient = sandbox.keygen("key.txt");
    sandbox.write("canaries.env", crate::util::canary_dotenv());
    let snapshot = |out: &str| {
        vec![
            "snapshot".to_string(),
            "--source".into(),
            "file:canaries.env".into(),
            "-r".into(),
            recipient.clone(),
            "-o".into(),
            out.into(),
            "--sign-key".into(),
            "ci_key".into(),
        ]
    };
    let args = snapshot("s.age");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let signed = at_terminal(&sandbox, lifeboat(), &args, &[PASSPHRASE]);
    assert_eq!(signed.code, 0, "{}", signed.stderr);
    assert!(
        signed
            .transcript
            .contains("lifeboat: passphrase for the signing key ci_key: "),
        "{}",
        signed.transcript
    );
    assert_eq!(signed.answered, 1);
    // Stock OpenSSH checks what the protected key signed.
    let public = String::from_utf8(sandbox.read("ci_key.pub")).unwrap();
    let key: Vec<&str> = public.split_whitespace().take(2).collect();
    sandbox.write("allowed_signers", format!("ci@example {}\n", key.join(" ")));
    let checked = Command::new("ssh-keygen")
        .args(["-Y", "verify", "-f", "allowed_signers", "-I", "ci@example"])
        .args(["-n", "lifeboat-snapshot", "-s", "s.age.sig"])
        .current_dir(sandbox.root())
        .stdin(std::fs::File::open(sandbox.path("s.age")).unwrap())
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    // A wrong passphrase, and no terminal: clear errors, nothing written.
    let args = snapshot("w.age");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let wrong = at_terminal(&sandbox, lifeboat(), &args, &["wrong"]);
    assert_eq!(wrong.code, 3, "{}", wrong.stderr);
    assert!(
        wrong
            .stderr
            .contains("the passphrase does not open the signing key ci_key"),
        "{}",
        wrong.stderr
    );
    sandbox
        .run(&args)
        .code(3)
        .stderr_has("the signing key ci_key is passphrase-protected and there is no terminal to ask for its passphrase on");
    assert!(!sandbox.path("w.age").exists());
    assert!(!sandbox.path("w.age.sig").exists());
    assert_passphrase_nowhere(&sandbox);
}
