//! Nothing token-shaped is echoed, whatever flag or variable it was given to, and a
//! service that echoes the token it was sent back cannot get it shown by hiding an
//! invisible character inside it.

use crate::services::http_fake::{FakeServer, Reply};
use crate::util::{Sandbox, TOKENS};

/// Values people paste into the wrong flag: a Doppler, a Vault and a GitHub token and an
/// age identity. None may show in any output of a run they were given to.
const TOKEN_SHAPED: [&str; 4] = [
    TOKENS[0],
    "hvs.CANARYecho5cF2qZ4zX0P5cF2",
    "ghp_CANARYecho0123456789abcdefghijklmnop",
    "AGE-SECRET-KEY-1CANARYECHQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ",
];

/// Runs lifeboat with `args` (and `env`) once for each token-shaped value put in place of
/// `{}`, and checks each refusal: exit `code`, a message with `says` (naming the flag)
/// and the value nowhere.
#[track_caller]
fn never_echoed(sandbox: &Sandbox, args: &[&str], env: &[(&str, &str)], code: i32, says: &str) {
    for token in TOKEN_SHAPED {
        let args: Vec<String> = args.iter().map(|a| a.replace("{}", token)).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, String)> = env
            .iter()
            .map(|(k, v)| (*k, v.replace("{}", token)))
            .collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let run = sandbox.run_env(&args, &env);
        run.code(code).stderr_has(says);
        for (what, text) in [("stderr", &run.stderr), ("stdout", &run.stdout)] {
            assert!(
                !text.contains(token),
                "{token} echoed on {what} of {args:?}:\n{text}"
            );
        }
    }
}

fn with_snapshot() -> Sandbox {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.canary_snapshot("s.age", &[&recipient], &[]);
    sandbox
}

#[test]
fn fallback_on_never_echoes_a_token() {
    let sandbox = with_snapshot();
    let run = ["run", "--offline", "--snapshot", "s.age", "-i", "key.txt"];
    let flag = [&run[..], &["--fallback-on", "denied,{}", "--", "true"]].concat();
    never_echoed(&sandbox, &flag, &[], 2, "--fallback-on");
    let variable = [&run[..], &["--", "true"]].concat();
    never_echoed(
        &sandbox,
        &variable,
        &[("LIFEBOAT_FALLBACK_ON", "{}")],
        2,
        "--fallback-on (or LIFEBOAT_FALLBACK_ON)",
    );
    // A mistake that is not a token is still shown, so it can be fixed.
    let typo = [&run[..], &["--fallback-on", "unreachble", "--", "true"]].concat();
    sandbox.run(&typo).code(2).stderr_has(
        "--fallback-on (or LIFEBOAT_FALLBACK_ON): unknown failure class \"unreachble\"",
    );
}

#[test]
fn recover_only_never_echoes_a_token() {
    let sandbox = with_snapshot();
    never_echoed(
        &sandbox,
        &["recover", "s.age", "-i", "key.txt", "--only", "API_KEY,{}"],
        &[],
        2,
        "--only [a value that looks like key text or a token, not shown]: the snapshot holds no secret of that name",
    );
}

#[test]
fn run_file_never_echoes_a_token() {
    let sandbox = with_snapshot();
    // The names are checked before the directory is: a disk will do.
    never_echoed(
        &sandbox,
        &[
            "run", "--offline", "--snapshot", "s.age", "-i", "key.txt", "--files-dir", "files",
            "--allow-disk", "--file", "API_KEY,{}", "--", "true",
        ],
        &[],
        2,
        "--file [a value that looks like key text or a token, not shown]: there is no secret of that name",
    );
}

/// Paths and the build id, where a token lands when a variable is pasted into the wrong
/// flag: the file a command could not write, the snapshot it wrote, the build it names.
#[test]
fn paths_and_the_build_id_never_echo_a_token() {
    let sandbox = with_snapshot();
    sandbox.write("a.env", "A=1\n");
    let recipient = sandbox.keygen("other.key");
    never_echoed(
        &sandbox,
        &["recover", "s.age", "-i", "key.txt", "-o", "missing/{}"],
        &[],
        1,
        "cannot write [a value that looks like key text or a token, not shown]: ",
    );
    // A token as a directory name shows as not shown, whatever follows it.
    never_echoed(
        &sandbox,
        &["recover", "s.age", "-i", "key.txt", "-o", "{}/out.env"],
        &[],
        1,
        "cannot write [a value that looks like key text or a token, not shown]: ",
    );
    std::fs::create_dir(sandbox.path("taken")).unwrap();
    for token in TOKEN_SHAPED {
        sandbox.write(&format!("taken/{token}"), "");
    }
    never_echoed(
        &sandbox,
        &["keygen", "-o", "taken/{}"],
        &[],
        1,
        "[a value that looks like key text or a token, not shown] already exists",
    );
    for token in TOKEN_SHAPED {
        let run = sandbox.run(&[
            "snapshot",
            "--source",
            "file:a.env",
            "-r",
            &recipient,
            "-o",
            "out.age",
            "--build-id",
            token,
        ]);
        run.ok()
            .stdout_has(", build [a value that looks like key text or a token, not shown]");
        assert!(!run.stdout.contains(token), "{}", run.stdout);
        assert!(!run.stderr.contains(token), "{}", run.stderr);
    }
}

/// Every class of character the quoting filter removes (control characters, zero-width
/// spaces and joiners, bidirectional marks, overrides and isolates, the byte-order mark,
/// the soft hyphen, variation selectors, tags), put inside the token a server echoes
/// back: the token is still replaced, never joined back together by the filter.
#[test]
fn a_token_echoed_with_an_invisible_character_inside_is_still_scrubbed() {
    const HIDDEN: [char; 21] = [
        '\u{0}',
        '\u{7}',
        '\u{1B}',
        '\n',
        '\r',
        '\t',
        '\u{7F}',
        '\u{85}',
        '\u{9B}',
        '\u{200B}',
        '\u{200C}',
        '\u{200D}',
        '\u{200E}',
        '\u{200F}',
        '\u{202E}',
        '\u{2066}',
        '\u{2060}',
        '\u{FEFF}',
        '\u{AD}',
        '\u{FE0F}',
        '\u{E0041}',
    ];
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    let hidden = std::sync::Arc::new(std::sync::Mutex::new('\u{200B}'));
    let inserted = hidden.clone();
    let server = FakeServer::start(move |request| {
        let token = request.headers["authorization"].trim_start_matches("Bearer ");
        let (head, tail) = token.split_at(5);
        let echoed = format!("{head}{}{tail}", inserted.lock().unwrap());
        Reply::json(
            401,
            &serde_json::json!({"messages": [format!("invalid token {echoed}")]}),
        )
    });
    let source = format!("{}/secrets", server.url());
    for c in HIDDEN {
        *hidden.lock().unwrap() = c;
        // The harness fails the run if the token shows anywhere.
        sandbox
            .run_env(
                &[
                    "snapshot", "--source", &source, "-r", &recipient, "-o", "s.age",
                ],
                &[("LIFEBOAT_HTTP_TOKEN", TOKENS[2])],
            )
            .code(10)
            .stderr_has("HTTP 401 Unauthorized: \"invalid token [REDACTED]\"");
    }
}

/// The flags that choose what to read in an image archive: `--path`, `--image-ref` and
/// `--platform`, each given a value the archive does not have.
#[test]
fn image_flags_never_echo_a_token() {
    let sandbox = Sandbox::new();
    // A docker save layout (as a directory) of one tagged image with one empty layer.
    std::fs::create_dir(sandbox.path("saved")).unwrap();
    sandbox.write(
        "saved/manifest.json",
        r#"[{"Config": "config.json", "RepoTags": ["app:1"], "Layers": ["layer.tar"]}]"#,
    );
    sandbox.write("saved/layer.tar", [0u8; 1024]);
    // The config names the layer by the digest of its tar, as `docker save` writes it.
    sandbox.write(
        "saved/config.json",
        r#"{"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": ["sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"]}}"#,
    );
    never_echoed(
        &sandbox,
        &["inspect", "--image", "saved", "--path", "{}"],
        &[],
        20,
        "the image has no file at [a value that looks like key text or a token, not shown]",
    );
    never_echoed(
        &sandbox,
        &["inspect", "--image", "saved", "--image-ref", "{}"],
        &[],
        2,
        "no image in the archive is tagged [a value that looks like key text or a token, not shown]; it holds: app:1",
    );
    // An OCI layout whose index has an image for two platforms.
    std::fs::create_dir(sandbox.path("oci")).unwrap();
    let manifest = |arch: &str| {
        serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": format!("sha256:{}", "a".repeat(64)),
            "size": 1,
            "platform": {"os": "linux", "architecture": arch},
        })
    };
    sandbox.write(
        "oci/index.json",
        serde_json::json!({"schemaVersion": 2, "manifests": [manifest("amd64"), manifest("arm64")]})
            .to_string(),
    );
    sandbox.write("oci/oci-layout", r#"{"imageLayoutVersion": "1.0.0"}"#);
    never_echoed(
        &sandbox,
        &["inspect", "--image", "oci", "--platform", "{}"],
        &[],
        2,
        "the image has no [a value that looks like key text or a token, not shown] manifest; it holds: linux/amd64, linux/arm64",
    );
}
