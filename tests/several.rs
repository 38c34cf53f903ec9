//! Several sources in one snapshot: merged in order, a name defined twice refused unless
//! `--allow-override`, every source's scope recorded and checked by `run`, and one
//! failing source failing the whole fetch in its own class.

use crate::services::http_fake::{FakeServer, Reply};
use crate::services::listeners::refused_port;
use crate::services::moto::Moto;
use crate::util::{Sandbox, CANARIES};

fn recovered(sandbox: &Sandbox) -> serde_json::Value {
    let run = sandbox.run(&["recover", "snap.age", "-i", "key.txt", "--format", "json"]);
    serde_json::from_str(&run.ok().stdout).unwrap()
}

#[test]
fn sources_merge_in_order_and_a_name_defined_twice_is_named() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.write(
        "base.env",
        format!("API_KEY={}\nLOG_LEVEL=info\n", CANARIES[0]),
    );
    sandbox.write("extra.env", format!("DB_PASSWORD={}\n", CANARIES[1]));
    sandbox.write("override.env", "LOG_LEVEL=debug\n");
    let seal = |sources: &[&str], extra: &[&str]| {
        let mut args = vec!["snapshot", "-r", &recipient, "-o", "snap.age"];
        for source in sources {
            args.extend(["--source", source]);
        }
        args.extend(extra);
        sandbox.run(&args)
    };
    seal(&["file:base.env", "file:extra.env"], &[])
        .ok()
        .stdout_has("3 secrets");
    let secrets = recovered(&sandbox);
    assert_eq!(secrets["API_KEY"], CANARIES[0]);
    assert_eq!(secrets["DB_PASSWORD"], CANARIES[1]);
    let meta = sandbox.inspect_json("snap.age");
    assert_eq!(meta["source"]["provider"], "several");
    assert_eq!(meta["source"]["parts"][0]["path"], "base.env");
    assert_eq!(meta["source"]["parts"][1]["path"], "extra.env");
    sandbox
        .run(&["inspect", "snap.age"])
        .ok()
        .stdout_has("2 sources: file base.env; file extra.env");
    let good = sandbox.read("snap.age");

    // The same name twice: refused, naming it and both sources; the old file stays.
    seal(&["file:base.env", "file:override.env"], &[])
        .code(2)
        .stderr_has("the secret LOG_LEVEL is defined by two sources, file base.env and then file override.env")
        .stderr_has("--allow-override");
    assert_eq!(sandbox.read("snap.age"), good);
    // Allowed: the later one wins, and the warning says which names it replaced.
    seal(
        &["file:base.env", "file:override.env"],
        &["--allow-override"],
    )
    .ok()
    .stderr_has(
        "a later source replaced 1 name an earlier one defined (--allow-override): LOG_LEVEL",
    );
    assert_eq!(recovered(&sandbox)["LOG_LEVEL"], "debug");
    let json = sandbox.run(&[
        "--log-format",
        "json",
        "snapshot",
        "--source",
        "file:base.env",
        "--source",
        "file:override.env",
        "--allow-override",
        "-r",
        &recipient,
        "-o",
        "snap.age",
    ]);
    let event = json
        .ok()
        .stderr
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["event"] == "source_override")
        .expect("a source_override event");
    assert_eq!(event["names"], serde_json::json!(["LOG_LEVEL"]));

    // LIFEBOAT_SOURCE takes the list with commas.
    sandbox
        .run_env(
            &["snapshot", "-r", &recipient, "-o", "snap.age"],
            &[("LIFEBOAT_SOURCE", "file:base.env,file:extra.env")],
        )
        .ok()
        .stdout_has("3 secrets");
}

#[test]
fn one_failing_source_fails_the_fetch_in_its_own_class_and_run_checks_every_scope() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.write("base.env", format!("API_KEY={}\n", CANARIES[0]));
    let denied = FakeServer::start(|_| Reply::json(403, &serde_json::json!({"messages": ["no"]})));
    let up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let serving = up.clone();
    let live = FakeServer::start(move |_| {
        if serving.load(std::sync::atomic::Ordering::SeqCst) {
            Reply::json(200, &serde_json::json!({"DB_PASSWORD": CANARIES[1]}))
        } else {
            Reply::json(503, &serde_json::json!({"messages": ["down"]}))
        }
    });
    let denied_url = format!("{}/secrets", denied.url());
    let live_url = format!("{}/secrets", live.url());
    let down_url = format!("http://127.0.0.1:{}/secrets", refused_port());
    sandbox
        .run(&[
            "snapshot",
            "--source",
            "file:base.env",
            "--source",
            &denied_url,
            "-r",
            &recipient,
            "-o",
            "snap.age",
        ])
        .code(10)
        .stderr_has("denied");
    assert!(
        !sandbox.path("snap.age").exists(),
        "half a set of secrets was sealed"
    );
    sandbox
        .run(&[
            "snapshot",
            "--source",
            "file:base.env",
            "--source",
            &live_url,
            "-r",
            &recipient,
            "-o",
            "snap.age",
        ])
        .ok();
    let run = |sources: &[&str]| {
        let mut args = vec!["run", "--snapshot", "snap.age", "-i", "key.txt"];
        for source in sources {
            args.extend(["--source", source]);
        }
        args.extend([
            "--timeout",
            "2s",
            "--",
            "sh",
            "-c",
            "echo $LIFEBOAT_ORIGIN $DB_PASSWORD",
        ]);
        sandbox.run(&args)
    };
    let started = run(&["file:base.env", &live_url]);
    assert_eq!(started.ok().stdout, format!("live {}\n", CANARIES[1]));
    // The second source down: the whole fetch is unavailable, and the snapshot of the same
    // two sources starts the app.
    up.store(false, std::sync::atomic::Ordering::SeqCst);
    let fell_back = run(&["file:base.env", &live_url]);
    assert_eq!(fell_back.ok().stdout, format!("snapshot {}\n", CANARIES[1]));
    // Denied in one source is denied for all: fatal, as for one source.
    run(&["file:base.env", &denied_url]).code(10);
    // A snapshot of other sources does not stand in.
    run(&[&live_url, "env:APP_"])
        .code(23)
        .stderr_has("source 1:");
    run(&[&down_url]).code(23);
}

#[test]
fn an_aws_secret_and_a_file_in_one_snapshot() {
    let moto = Moto::start();
    moto.setup(&[
        "secret",
        "shop/db",
        &serde_json::json!({"password": CANARIES[0]}).to_string(),
    ]);
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.write("app.env", "FEATURE_FLAGS=a,b\n");
    let env: Vec<(&str, String)> = moto.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (*n, v.as_str())).collect();
    sandbox
        .run_env(
            &[
                "snapshot",
                "--source",
                "aws-sm:shop/db",
                "--source",
                "file:app.env",
                "-r",
                &recipient,
                "-o",
                "snap.age",
            ],
            &env,
        )
        .ok();
    let secrets = recovered(&sandbox);
    assert_eq!(secrets["password"], CANARIES[0]);
    assert_eq!(secrets["FEATURE_FLAGS"], "a,b");
    let meta = sandbox.inspect_json("snap.age");
    assert_eq!(meta["source"]["parts"][0]["provider"], "aws-sm");
    assert_eq!(meta["source"]["parts"][1]["provider"], "file");
}
