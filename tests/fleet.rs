//! Fleet behaviour: the runtime cache (fresher than the image, authenticated, ignored when
//! forged or torn, never in the way), the crash-loop breaker, drift reported while the
//! service is up, and `lifeboat diff`.

use std::time::Duration;

use crate::run::{setup, Setup};
use crate::services::doppler_fake::Mode;
use crate::util::{wait_until, CANARIES};

/// The cache file in `cache/` (its name carries a key of the runtime key and source).
fn cache_file(setup: &Setup) -> std::path::PathBuf {
    std::fs::read_dir(setup.sandbox.path("cache"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("lifeboat-cache-") && name.ends_with(".age")
        })
        .expect("a cache file")
}

/// The breaker's file in `cache/`, if any.
fn breaker_file(setup: &Setup) -> Option<std::path::PathBuf> {
    std::fs::read_dir(setup.sandbox.path("cache"))
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("lifeboat-breaker-")
        })
}

/// `run --cache-dir cache` with the fake at its own address.
fn cached_run(setup: &Setup, extra: &[&str], env: &[(&str, &str)]) -> crate::util::Run {
    let mut args = vec!["--cache-dir", "cache"];
    args.extend(extra);
    setup.run(&setup.fake.url(), &args, env)
}

#[test]
fn the_cache_is_fresher_than_the_image_and_serves_in_an_outage() {
    let setup = setup();
    // After the build, the secret is rotated: the live start gets (and caches) the new one.
    setup
        .fake
        .set_secret("API_KEY", "canary-7f3a-api-key-value-rotated");
    cached_run(&setup, &[], &[]).ok().stderr_has("(live,");
    let cached = std::fs::read(cache_file(&setup)).expect("no cache written");
    assert!(cached.starts_with(b"lifeboat-cache v2 "));
    // The secrets are sealed: no value in the file (the leak scan checks it as well).
    assert!(!String::from_utf8_lossy(&cached).contains("rotated"));

    // The service goes down: the start takes the cache, newer than the baked snapshot.
    setup.fake.set_mode(Mode::Status(503));
    let run = cached_run(&setup, &[], &[]);
    run.ok().stderr_has("starting from the runtime cache");
    let env = setup.app_env().expect("the app started");
    assert_eq!(env["LIFEBOAT_ORIGIN"], "cache");
    assert_eq!(env["API_KEY"], "canary-7f3a-api-key-value-rotated");
    assert_ne!(env["LIFEBOAT_SNAPSHOT_ID"], setup.snapshot_id);
    assert_eq!(env["MULTI"], CANARIES[2]);
    // Without the cache, the same start has only the image's copy.
    let run = setup.run(&setup.fake.url(), &[], &[]);
    setup.assert_fell_back(&run);
}

#[test]
fn a_forged_or_torn_cache_is_ignored_with_a_warning() {
    let setup = setup();
    cached_run(&setup, &[], &[]).ok();
    let path = cache_file(&setup);
    let genuine = std::fs::read(&path).unwrap();
    setup.fake.set_mode(Mode::Status(503));
    // A snapshot sealed to the runtime's *public* key by someone without the identity,
    // given a made-up MAC, and one without any.
    let recipient =
        String::from_utf8_lossy(&setup.sandbox.tool("age-keygen", &["-y", "key.txt"]).stdout)
            .trim()
            .to_string();
    setup
        .sandbox
        .write("evil.env", "API_KEY=chosen-by-the-attacker\nMULTI=x\n");
    setup
        .sandbox
        .run(&[
            "snapshot",
            "--source",
            "file:evil.env",
            "-r",
            &recipient,
            "-o",
            "evil.age",
        ])
        .ok();
    let evil = setup.sandbox.read("evil.age");
    let mut forged = format!("lifeboat-cache v2 {}\n", "ab".repeat(32)).into_bytes();
    forged.extend(&evil);
    let torn = genuine[..genuine.len() / 2].to_vec();
    for (what, bytes) in [("forged MAC", forged), ("no MAC", evil), ("torn", torn)] {
        std::fs::write(&path, &bytes).unwrap();
        // A fresh start each time: no breaker in the way.
        if let Some(breaker) = breaker_file(&setup) {
            std::fs::remove_file(breaker).unwrap();
        }
        let run = cached_run(&setup, &[], &[]);
        run.ok().stderr_has(
            "runtime cache: the cache file is torn or was not written with the runtime identity",
        );
        let env = setup.app_env().expect("the app started");
        assert_eq!(env["LIFEBOAT_ORIGIN"], "snapshot", "{what}");
        assert_ne!(env["API_KEY"], "chosen-by-the-attacker", "{what}");
    }
}

#[test]
fn an_old_cache_loses_to_a_newer_image_and_max_age_holds_for_both() {
    let setup = setup();
    setup
        .fake
        .set_secret("API_KEY", "canary-7f3a-api-key-value-cached");
    cached_run(&setup, &[], &[]).ok();
    // Wait (for the clock, not a guess) until the cache is older than --max-age 3s.
    let sandbox = &setup.sandbox;
    wait_until("the cache ages", Duration::from_secs(15), || {
        std::fs::metadata(cache_file(&setup))
            .and_then(|m| m.modified())
            .map(|t| t.elapsed().unwrap_or_default() > Duration::from_secs(5))
            .unwrap_or(false)
    });
    // A new image is built: its snapshot is newer than the cache.
    let recipient = String::from_utf8_lossy(&sandbox.tool("age-keygen", &["-y", "key.txt"]).stdout)
        .trim()
        .to_string();
    sandbox
        .run_env(
            &[
                "snapshot", "--source", "doppler", "-r", &recipient, "-o", "snap.age",
            ],
            &[
                ("DOPPLER_TOKEN", crate::util::TOKENS[0]),
                ("DOPPLER_API_HOST", &setup.fake.url()),
            ],
        )
        .ok();
    setup.fake.set_mode(Mode::Status(503));
    cached_run(&setup, &["--max-age", "3s", "--timeout", "1s"], &[]).ok();
    let env = setup.app_env().expect("the app started");
    assert_eq!(
        env["LIFEBOAT_ORIGIN"], "snapshot",
        "the older, expired cache won"
    );
}

#[test]
fn a_cache_directory_that_cannot_be_written_never_stops_a_start() {
    let setup = setup();
    setup.sandbox.write("not-a-dir", "x");
    for dir in ["not-a-dir/cache", "/proc/lifeboat-cannot-write-here"] {
        let run = setup.run(&setup.fake.url(), &["--cache-dir", dir], &[]);
        run.ok()
            .stderr_has("runtime cache: cannot create the cache directory");
        assert_eq!(setup.app_env().unwrap()["LIFEBOAT_ORIGIN"], "live");
    }
    // A full one: a 4 KiB tmpfs in a mount namespace of the test's own.
    let url = setup.fake.url();
    let (args, env) = setup.invocation(&url, &["--cache-dir", "full"], &[]);
    std::fs::create_dir(setup.sandbox.path("full")).unwrap();
    let mut command = setup.sandbox.wrapped(
        &[
            "unshare",
            "-m",
            "sh",
            "-c",
            "mount -t tmpfs -o size=4k tmpfs full && head -c 4096 /dev/zero > full/filler; exec \"$@\"",
            "sh",
        ],
        &args,
    );
    command.envs(env.iter().copied());
    let run = setup.sandbox.run_with(command, &args);
    run.ok().stderr_has("runtime cache: cannot write the cache");
    assert_eq!(setup.app_env().unwrap()["LIFEBOAT_ORIGIN"], "live");
}

#[test]
fn the_breaker_skips_a_failing_service_within_the_cooldown() {
    let setup = setup();
    cached_run(&setup, &[], &[]).ok();
    setup.fake.set_mode(Mode::Status(503));
    let before = setup.fake.downloads().len();
    // The first failure is retried within its deadline (one 503 is not an outage) ...
    cached_run(&setup, &["--live-cooldown", "1h", "--timeout", "1s"], &[]).ok();
    let first = setup.fake.downloads().len() - before;
    assert!(first >= 2, "the first failure was not retried");
    // ... then nine starts within the cooldown ask nothing.
    for _ in 0..9 {
        let run = cached_run(&setup, &["--live-cooldown", "1h"], &[]);
        run.ok()
            .stderr_has("(--live-cooldown 1h 0m, jittered), not asking again");
        // The window named is the one this start held: the cooldown stretched by its
        // jitter (up to half again), never shorter than the failure's age.
        let window = run
            .stderr
            .split("within this start's cooldown of ")
            .nth(1)
            .and_then(|rest| rest.split(" (--live-cooldown").next())
            .expect("the window");
        let minutes: u64 = window
            .split_whitespace()
            .map(|part| {
                let digits: u64 = part.trim_end_matches(char::is_alphabetic).parse().unwrap();
                match part.trim_start_matches(char::is_numeric) {
                    "h" => digits * 60,
                    "m" => digits,
                    _ => 0,
                }
            })
            .sum();
        assert!((60..=90).contains(&minutes), "{window}");
        assert!(setup.app_env().is_some());
    }
    assert_eq!(
        setup.fake.downloads().len() - before,
        first,
        "a start within the cooldown asked the service"
    );
    // After the cooldown (here: a short one that has passed) one request: a remembered
    // failure makes the next ask a single attempt.
    wait_until("the cooldown passes", Duration::from_secs(10), || {
        let run = cached_run(&setup, &["--live-cooldown", "1s"], &[]);
        !run.stderr.contains("not asking again")
    });
    assert_eq!(setup.fake.downloads().len() - before, first + 1);
    // Recovered: a live start (the first after its cooldown) clears the breaker.
    setup.fake.set_mode(Mode::Normal);
    cached_run(&setup, &["--live-cooldown", "0s"], &[])
        .ok()
        .stderr_has("(live,");
    assert!(breaker_file(&setup).is_none());

    // A denial is never skipped past: every start asks, and every start is refused.
    setup.fake.set_mode(Mode::Status(401));
    let before = setup.fake.downloads().len();
    for _ in 0..3 {
        cached_run(&setup, &["--live-cooldown", "1h"], &[]).code(10);
        assert!(setup.app_env().is_none());
    }
    assert_eq!(setup.fake.downloads().len() - before, 3);
}

#[test]
fn drift_is_reported_while_the_service_is_up_never_a_value() {
    let setup = setup();
    setup
        .fake
        .set_secret("API_KEY", "canary-7f3a-api-key-value-rotated");
    setup.fake.set_secret("ADDED_LATER", "canary-new-value");
    setup.fake.remove_secret("MULTI");
    let run = setup.run(&setup.fake.url(), &[], &[]);
    run.ok()
        .stderr_has("differs from the live secrets: 1 added, 1 removed, 1 changed since it was made (--show-names names them)");
    assert!(!run.stderr.contains("ADDED_LATER"));
    let run = setup.run(
        &setup.fake.url(),
        &["--show-names", "--log-format", "json"],
        &[],
    );
    run.ok();
    let drift: serde_json::Value = run
        .stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|e| e["event"] == "snapshot_drift")
        .expect("a snapshot_drift event");
    assert_eq!(drift["added_names"], serde_json::json!(["ADDED_LATER"]));
    assert_eq!(drift["removed_names"], serde_json::json!(["MULTI"]));
    assert_eq!(drift["changed_names"], serde_json::json!(["API_KEY"]));
    for text in [&run.stderr, &run.stdout] {
        assert!(!text.contains("rotated") && !text.contains("canary-new-value"));
    }
    // No drift, no warning.
    setup.fake.set_secret("API_KEY", CANARIES[0]);
    setup.fake.set_secret("MULTI", CANARIES[2]);
    setup.fake.remove_secret("ADDED_LATER");
    let run = setup.run(&setup.fake.url(), &[], &[]);
    assert!(!run.ok().stderr.contains("differs"), "{}", run.stderr);
}

#[test]
fn diff_is_a_ci_gate() {
    let setup = setup();
    let sandbox = &setup.sandbox;
    let url = setup.fake.url();
    let env = [
        ("DOPPLER_TOKEN", crate::util::TOKENS[0]),
        ("DOPPLER_API_HOST", &url),
    ];
    let diff = |extra: &[&str]| {
        let mut args = vec!["diff", "snap.age", "-i", "key.txt", "--source", "doppler"];
        args.extend(extra);
        sandbox.run_env(&args, &env)
    };
    diff(&[]).ok().stdout_has("same: snapshot");
    setup
        .fake
        .set_secret("API_KEY", "canary-7f3a-api-key-value-rotated");
    setup.fake.set_secret("ADDED_LATER", "canary-new-value");
    setup.fake.remove_secret("MULTI");
    let run = diff(&[]);
    run.code(24)
        .stdout_has("1 added, 1 removed, 1 changed")
        .stdout_has("+ ADDED_LATER")
        .stdout_has("- MULTI")
        .stdout_has("~ API_KEY")
        .stderr_has("the snapshot differs from the live source");
    assert!(!run.stdout.contains("rotated") && !run.stdout.contains("canary-new-value"));
    let json: serde_json::Value = serde_json::from_str(&diff(&["--json"]).code(24).stdout).unwrap();
    assert_eq!(json["same"], false);
    assert_eq!(json["changed"], serde_json::json!(["API_KEY"]));
    // From an image archive (the committed seed holds the v1 vector).
    let vector_env = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/v1/vector.env");
    let identity = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/v1/identity.txt");
    let image = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/seeds/image_archive/oci-archive.tar"
    );
    sandbox
        .run(&[
            "diff",
            "--image",
            image,
            "-i",
            identity,
            "--source",
            &format!("file:{vector_env}"),
        ])
        .ok()
        .stdout_has("same: snapshot 20261121T051536Z-b808eb42578c");
    sandbox.write(
        "one-more.env",
        std::fs::read_to_string(vector_env).unwrap() + "EXTRA=1\n",
    );
    sandbox
        .run(&[
            "diff",
            "--image",
            image,
            "-i",
            identity,
            "--source",
            "file:one-more.env",
        ])
        .code(24)
        .stdout_has("+ EXTRA");
    // The usual codes for every failure: the service down, a wrong key.
    setup.fake.set_mode(Mode::Status(503));
    diff(&["--timeout", "1s"]).code(12);
    sandbox.keygen("other.key");
    sandbox
        .run_env(
            &["diff", "snap.age", "-i", "other.key", "--source", "doppler"],
            &env,
        )
        .code(21);
}

/// `diff` without `--source` asks the source the snapshot recorded; one whose record
/// cannot name it exactly (a credential left out of a URL's query) asks for `--source`,
/// and an answer for another scope (the environment's project) is refused.
#[test]
fn diff_without_a_source_asks_the_recorded_one() {
    let setup = setup();
    let sandbox = &setup.sandbox;
    let url = setup.fake.url();
    let env = [
        ("DOPPLER_TOKEN", crate::util::TOKENS[0]),
        ("DOPPLER_API_HOST", url.as_str()),
    ];
    sandbox
        .run_env(&["diff", "snap.age", "-i", "key.txt"], &env)
        .ok()
        .stdout_has("same: snapshot");
    setup.fake.set_secret("ADDED_LATER", "canary-new-value");
    sandbox
        .run_env(&["diff", "snap.age", "-i", "key.txt"], &env)
        .code(24)
        .stdout_has("+ ADDED_LATER");
    // The environment names another project than the snapshot recorded.
    let mut other = env.to_vec();
    other.push(("DOPPLER_PROJECT", "billing"));
    let run = sandbox.run_env(&["diff", "snap.age", "-i", "key.txt"], &other);
    assert_ne!(run.code, 0);
    assert_ne!(run.code, 24, "{}", run.stderr);
    // A signed URL's snapshot: its signature is not in the record.
    let server = crate::services::http_fake::FakeServer::start(|_| {
        crate::services::http_fake::Reply::json(200, &serde_json::json!({"A": "1"}))
    });
    let recipient = String::from_utf8_lossy(&sandbox.tool("age-keygen", &["-y", "key.txt"]).stdout)
        .trim()
        .to_string();
    let signed = format!("{}/s.json?env=prd&signature=canary-query-sig", server.url());
    sandbox
        .run(&[
            "snapshot",
            "--source",
            &signed,
            "-r",
            &recipient,
            "-o",
            "signed.age",
        ])
        .ok();
    sandbox
        .run(&["diff", "signed.age", "-i", "key.txt"])
        .code(2)
        .stderr_has("cannot be asked again as recorded")
        .stderr_has("give --source");
}
