//! The start is guaranteed at every edge: every way a network can hang is cut off at the
//! deadline, retries stay within a budget a fleet can live with, statuses and errors land
//! in the classes they mean, lifeboat's own misconfiguration is never a silent fallback,
//! and a signal before exec ends `run` (as PID 1 too).
//!
//! The bounds on time here are generous (the deadline plus 1.5 s): they catch a hang, not
//! a slow machine. The real overshoots are printed (`--nocapture`) and recorded in
//! BENCHMARKS.md.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::run::{setup, Setup};
use crate::services::http_fake::{FakeServer, Reply};
use crate::services::listeners::{BlackHoleDns, HangingConnect, Silent};
use crate::util::{assert_no_secrets, Sandbox, TOKENS};

/// What a hang may add to a 2 s deadline before the test calls it a hang.
const MARGIN: Duration = Duration::from_millis(1500);

/// Runs `run --timeout 2s` against `api_host` and checks that the app started from the
/// snapshot within the deadline plus [`MARGIN`]; returns the overshoot.
#[track_caller]
fn falls_back_in_time(setup: &Setup, what: &str, api_host: &str, env: &[(&str, &str)]) -> Duration {
    let started = Instant::now();
    let run = setup.run(api_host, &["--timeout", "2s"], env);
    let took = started.elapsed();
    setup.assert_fell_back(&run);
    // It hung (not refused, not a quick TLS failure) until the deadline cut it off.
    run.stderr_has("no complete answer within the deadline of 2000 ms");
    let deadline = Duration::from_secs(2);
    // (The timer aims a millisecond early; a quick failure would be over at once.)
    assert!(
        took >= deadline - Duration::from_millis(50),
        "{what}: over after {took:?}, before the deadline"
    );
    assert!(
        took < deadline + MARGIN,
        "{what}: the app started after {took:?}"
    );
    let over = took.saturating_sub(deadline);
    eprintln!("deadline overshoot, {what}: {} ms", over.as_millis());
    over
}

/// A nameserver that swallows every query, bound into `/etc/resolv.conf` inside a mount
/// namespace of the test's own: the lookup runs on a thread no timeout can stop, and the
/// start must not wait for it (with `timeout:3 attempts:2` glibc would take 6 s).
#[test]
fn a_resolver_that_never_answers_cannot_stretch_the_deadline() {
    let setup = setup();
    let dns = BlackHoleDns::start();
    let resolv = setup.sandbox.write(
        "resolv.conf",
        format!("nameserver {}\noptions timeout:3 attempts:2\n", dns.address),
    );
    let resolv = resolv.to_str().unwrap();
    let wrapper = [
        "unshare",
        "-m",
        "sh",
        "-c",
        "mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"",
        resolv,
    ];
    let api_host = "http://api.blackhole.test:8080";

    let (args, env) = setup.invocation(api_host, &["--timeout", "2s"], &[]);
    let mut command = setup.sandbox.wrapped(&wrapper, &args);
    command.envs(env.iter().copied());
    let started = Instant::now();
    let run = setup.sandbox.run_with(command, &args);
    let took = started.elapsed();
    setup.assert_fell_back(&run);
    run.stderr_has("unreachable: no complete answer within the deadline of 2000 ms");
    assert!(dns.queries() > 0, "the lookup never reached the black hole");
    assert!(took < Duration::from_secs(2) + MARGIN, "run took {took:?}");
    eprintln!(
        "deadline overshoot, black-hole resolver (run): {} ms",
        took.saturating_sub(Duration::from_secs(2)).as_millis()
    );

    // `snapshot` keeps the same discipline under its own deadline, and writes nothing.
    let args = [
        "snapshot",
        "--source",
        "doppler",
        "-r",
        "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
        "-o",
        "blackhole.age",
        "--timeout",
        "2s",
    ];
    let mut command = setup.sandbox.wrapped(&wrapper, &args);
    command.envs([("DOPPLER_TOKEN", TOKENS[0]), ("DOPPLER_API_HOST", api_host)]);
    let started = Instant::now();
    let run = setup.sandbox.run_with(command, &args);
    let took = started.elapsed();
    run.code(12).no_stdout();
    assert!(!setup.sandbox.path("blackhole.age").exists());
    assert!(
        took < Duration::from_secs(2) + MARGIN,
        "snapshot took {took:?}"
    );
    eprintln!(
        "deadline overshoot, black-hole resolver (snapshot): {} ms",
        took.saturating_sub(Duration::from_secs(2)).as_millis()
    );
}

/// A connect that hangs (the SYN is dropped), a TLS server that accepts and never
/// finishes the handshake, and a CONNECT proxy that accepts and never answers.
#[test]
fn every_hang_ends_at_the_deadline() {
    let setup = setup();
    let hanging = HangingConnect::start();
    falls_back_in_time(
        &setup,
        "connect that hangs",
        &format!("http://127.0.0.1:{}", hanging.port),
        &[],
    );
    let silent = Silent::start();
    falls_back_in_time(
        &setup,
        "TLS handshake that stalls",
        &format!("https://127.0.0.1:{}", silent.port),
        &[],
    );
    let proxy = Silent::start();
    let proxy_url = format!("http://127.0.0.1:{}", proxy.port);
    falls_back_in_time(
        &setup,
        "CONNECT proxy that never answers",
        "https://api.doppler.invalid",
        &[("HTTPS_PROXY", &proxy_url)],
    );
    assert!(proxy.accepted() > 0, "the proxy was not used");
}

/// A 503 or 429 to everything, with `Retry-After` saying 0, a date in the past, or a
/// wait longer than any deadline: one start sends a bounded number of requests.
#[test]
fn retry_storms_are_bounded() {
    let setup = setup();
    let past = "Wed, 21 Oct 2015 07:28:00 GMT";
    for status in [503u16, 429] {
        for retry_after in ["0", past, "999999"] {
            let server = FakeServer::start(move |_| {
                Reply::text(status, "busy").with_header("retry-after", retry_after)
            });
            let case = format!("{status} with Retry-After: {retry_after}");

            let run = setup.run(&server.url(), &["--timeout", "3s"], &[]);
            setup.assert_fell_back(&run);
            let sent = server.seen().len();
            eprintln!("requests from one run, {case}: {sent}");
            assert!(sent <= 10, "{case}: run sent {sent} requests");

            let run = setup.sandbox.run_env(
                &[
                    "snapshot",
                    "--source",
                    "doppler",
                    "-r",
                    "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
                    "-o",
                    "storm.age",
                    "--timeout",
                    "3s",
                ],
                &[
                    ("DOPPLER_TOKEN", TOKENS[0]),
                    ("DOPPLER_API_HOST", &server.url()),
                ],
            );
            run.code(12).no_stdout();
            let by_snapshot = server.seen().len() - sent;
            eprintln!("requests from one snapshot, {case}: {by_snapshot}");
            assert!(
                by_snapshot <= 10,
                "{case}: snapshot sent {by_snapshot} requests"
            );
            if retry_after == "999999" {
                assert_eq!((sent, by_snapshot), (1, 1), "{case}");
                run.stderr_has("the server asked to retry after 999999 s, past the deadline");
            } else {
                // Retried, with the backoff between the attempts.
                assert!(
                    sent >= 2 && by_snapshot >= 2,
                    "{case}: {sent}, {by_snapshot}"
                );
                let seen = server.seen();
                for pair in seen[..sent].windows(2) {
                    let gap = pair[1].at - pair[0].at;
                    assert!(
                        gap >= Duration::from_millis(45),
                        "{case}: retried after {gap:?}"
                    );
                }
            }
        }
    }
    // With the build's 30 s deadline the budget, not the clock, ends it.
    let server = FakeServer::start(|_| Reply::text(503, "busy").with_header("retry-after", "0"));
    setup
        .sandbox
        .run_env(
            &[
                "snapshot",
                "--source",
                "doppler",
                "-r",
                "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
                "-o",
                "storm.age",
            ],
            &[
                ("DOPPLER_TOKEN", TOKENS[0]),
                ("DOPPLER_API_HOST", &server.url()),
            ],
        )
        .code(12)
        .stderr_has("gave up after 10 requests, the most one fetch sends");
    assert_eq!(server.seen().len(), 10);
    assert!(!setup.sandbox.path("storm.age").exists());
}

/// 408, 425 and 429 are the service's trouble and fall back; 404 and 410 are fatal, as
/// is any other 4xx, named; 407 names the proxy; a redirect to another node is explained.
#[test]
fn statuses_land_in_the_classes_they_mean() {
    let setup = setup();
    for status in [408u16, 425, 429] {
        let server = FakeServer::start(move |_| Reply::text(status, "later"));
        let run = setup.run(&server.url(), &["--timeout", "1s"], &[]);
        setup.assert_fell_back(&run);
        run.stderr_has(&format!("server-error: HTTP {status}"));
        assert!(server.seen().len() >= 2, "{status} is retried");
    }
    let fatal: [(u16, i32, &str); 5] = [
        (404, 11, "not-found: HTTP 404 Not Found"),
        (410, 11, "not-found: HTTP 410 Gone"),
        (400, 11, "not-found: HTTP 400 Bad Request: the service refuses the request as configured"),
        (422, 11, "not-found: HTTP 422 Unprocessable Entity: the service refuses the request as configured"),
        (407, 10, "denied: HTTP 407 Proxy Authentication Required: the proxy (a proxy on the way) wants credentials"),
    ];
    for (status, code, message) in fatal {
        let server = FakeServer::start(move |_| Reply::text(status, "no"));
        let run = setup.run(&server.url(), &["--timeout", "1s"], &[]);
        run.code(code).stderr_has(message);
        assert!(setup.app_env().is_none(), "{status}: the app started");
        assert_eq!(server.seen().len(), 1, "{status} is not retried");
    }

    // 407 from a proxy, for http:// (the proxy answers the request) and https:// (the
    // proxy answers the CONNECT): named by its variable, with what to do.
    let proxy = FakeServer::start(|_| Reply::text(407, "who are you"));
    for (variable, api_host) in [
        ("HTTP_PROXY", "http://api.doppler.invalid"),
        ("HTTPS_PROXY", "https://api.doppler.invalid"),
    ] {
        let run = setup.run(api_host, &["--timeout", "1s"], &[(variable, &proxy.url())]);
        run.code(10)
            .stderr_has(&format!("the proxy ({variable}) wants credentials"))
            .stderr_has("hint: give the proxy's credentials in its address");
        assert!(setup.app_env().is_none());
    }

    // A Vault HA standby redirects to the active node: not followed, and explained.
    let standby = FakeServer::start(|_| {
        Reply::text(307, "").with_header("location", "http://127.0.0.2:8200/v1/secret/data/app")
    });
    setup
        .sandbox
        .run_env(
            &[
                "snapshot",
                "--source",
                "vault:secret/app",
                "-r",
                "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
                "-o",
                "standby.age",
            ],
            &[("VAULT_ADDR", &standby.url()), ("VAULT_TOKEN", TOKENS[1])],
        )
        .code(12)
        .stderr_has("bad-response: HTTP 307 Temporary Redirect: a redirect to http://127.0.0.2:8200, not followed")
        .stderr_has("a Vault or OpenBao HA standby answers 307")
        .stderr_has("point VAULT_ADDR at the active node");
}

/// A token HTTP cannot carry or a proxy this build cannot use is lifeboat's own
/// configuration: exit 2 naming the variable, before any request, never a fallback.
#[test]
fn misconfiguration_is_an_error_before_any_request() {
    let setup = setup();
    let server = FakeServer::start(|_| Reply::text(500, "should not be asked"));
    let url = server.url();
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![("DOPPLER_TOKEN", "dp.st.prd.canary-token-9c2e51\u{1}x")],
            "DOPPLER_TOKEN holds a control character or non-ASCII text",
        ),
        (
            vec![("DOPPLER_TOKEN", "dp.st.prd.canary-token-9c2e51\nx")],
            "DOPPLER_TOKEN holds a control character or non-ASCII text",
        ),
        (
            vec![("DOPPLER_TOKEN", "dp.st.prd.canary-token-9c2e51é")],
            "DOPPLER_TOKEN holds a control character or non-ASCII text",
        ),
        (
            vec![("ALL_PROXY", "socks5://user:canary-proxy-pw@127.0.0.1:1080")],
            "ALL_PROXY names a socks5:// proxy, which this build of lifeboat cannot use",
        ),
        (
            vec![("all_proxy", "socks5h://127.0.0.1:1080")],
            "all_proxy names a socks5h:// proxy",
        ),
        (
            vec![("HTTP_PROXY", "socks4://127.0.0.1:1080")],
            "HTTP_PROXY names a socks4:// proxy",
        ),
        (
            vec![("http_proxy", "http://[canary-proxy-pw")],
            "http_proxy is not a proxy address lifeboat can read",
        ),
    ];
    for (env, message) in cases {
        let run = setup.run(&url, &[], &env);
        run.code(2).stderr_has(message);
        assert!(!run.stderr.contains("canary-proxy-pw"), "{}", run.stderr);
        assert!(setup.app_env().is_none(), "{message}: the app started");
    }
    assert!(server.seen().is_empty(), "a request was sent");

    // The same for a token file and the Vault source's variables.
    let sandbox = &setup.sandbox;
    sandbox.write("token", "hvs.canary\u{7}token\n");
    let snapshot = |env: &[(&str, &str)], extra: &[&str]| {
        let mut args = vec![
            "snapshot",
            "--source",
            "vault:secret/app",
            "-r",
            "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
            "-o",
            "config.age",
        ];
        args.extend(extra);
        let mut env = env.to_vec();
        env.push(("VAULT_ADDR", &url));
        sandbox.run_env(&args, &env)
    };
    snapshot(&[], &["--token-file", "token"])
        .code(2)
        .stderr_has("the file given to --token-file holds a control character");
    snapshot(&[("VAULT_TOKEN", "root\u{1b}[31m")], &[])
        .code(2)
        .stderr_has("VAULT_TOKEN holds a control character");
    snapshot(
        &[("VAULT_TOKEN", TOKENS[1]), ("VAULT_NAMESPACE", "team\ra")],
        &[],
    )
    .code(2)
    .stderr_has("VAULT_NAMESPACE holds a control character");
    snapshot(
        &[("VAULT_ROLE_ID", "role\u{1}"), ("VAULT_SECRET_ID", "s")],
        &[],
    )
    .code(2)
    .stderr_has("VAULT_ROLE_ID holds a control character");
    assert!(server.seen().is_empty(), "a request was sent");
}

/// Every proxy variable lifeboat documents, in both cases, for its scheme; `no_proxy`
/// in lower case too. The proxy is a recording server on 127.0.0.1, so nothing leaves
/// the machine.
#[test]
fn every_proxy_variable_is_honoured() {
    let proxy = FakeServer::start(|_| Reply::text(502, "no upstream here"));
    let sandbox = Sandbox::new();
    let cases = [
        ("https_proxy", "https"),
        ("HTTPS_PROXY", "https"),
        ("http_proxy", "http"),
        ("HTTP_PROXY", "http"),
        ("all_proxy", "https"),
        ("ALL_PROXY", "https"),
        ("all_proxy", "http"),
        ("ALL_PROXY", "http"),
    ];
    for (variable, scheme) in cases {
        let before = proxy.seen().len();
        let api_host = format!("{scheme}://api.doppler.invalid");
        sandbox
            .run_env(
                &[
                    "snapshot",
                    "--source",
                    "doppler",
                    "-r",
                    "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
                    "-o",
                    "proxied.age",
                    "--timeout",
                    "1s",
                ],
                &[
                    ("DOPPLER_TOKEN", TOKENS[0]),
                    ("DOPPLER_API_HOST", &api_host),
                    (variable, &proxy.url()),
                ],
            )
            .code(12);
        let seen = proxy.seen();
        let case = format!("{variable} for {scheme}://");
        assert!(seen.len() > before, "{case}: the proxy was not used");
        let request = &seen[before];
        if scheme == "https" {
            assert_eq!(request.method, "CONNECT", "{case}");
            assert_eq!(request.target, "api.doppler.invalid:443", "{case}");
            assert!(
                !request.headers.contains_key("authorization"),
                "{case}: the token went to the proxy"
            );
        } else {
            // Plain http through a proxy: the proxy sees the request (and, as with curl,
            // its headers), which is why Doppler and Vault are reached over https.
            assert!(
                request.target.starts_with("http://api.doppler.invalid/v3/"),
                "{case}: {}",
                request.target
            );
        }
    }
    // no_proxy exempts the service: the proxy is not asked at all.
    let setup = setup();
    let before = proxy.seen().len();
    let run = setup.run(
        &setup.fake.url(),
        &[],
        &[
            ("http_proxy", &proxy.url()),
            ("no_proxy", "localhost,127.0.0.1"),
        ],
    );
    run.ok().stderr_has("(live,");
    assert_eq!(proxy.seen().len(), before);
}

/// Starts `run` against a service that never answers, waits until it is fetching, sends
/// `signal`, and checks it ended at once with `code`, the app never started.
fn signal_during_fetch(setup: &Setup, wrapper: &[&str], signal: &str, code: i32) {
    let silent = Silent::start();
    let api_host = format!("http://127.0.0.1:{}", silent.port);
    let (args, env) = setup.invocation(&api_host, &["--timeout", "30s"], &[]);
    let _ = std::fs::remove_file(setup.sandbox.path("app.env"));
    // The test sets up what it relies on: the signals at their default action. Started in
    // the background or under `nohup`, the test runner inherits SIGINT or SIGHUP ignored,
    // and lifeboat rightly keeps an ignored signal ignored (coreutils' `env` resets them;
    // it execs, so the PID is the same).
    let mut reset = vec!["env", "--default-signal=INT,HUP,TERM"];
    reset.extend(wrapper);
    let mut command = setup.sandbox.wrapped(&reset, &args);
    command
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("start lifeboat");
    silent.wait_for(1, Duration::from_secs(10));
    // The process to signal is lifeboat: the child itself, or the one `unshare --fork`
    // started (PID 1 in its namespace).
    let target = if wrapper.is_empty() {
        child.id()
    } else {
        forked_child(&child)
    };
    let sent = Instant::now();
    let killed = std::process::Command::new("kill")
        .args(["-s", signal, &target.to_string()])
        .status()
        .expect("kill (procps) is required");
    assert!(killed.success());
    let status = wait_within(&mut child, Duration::from_secs(5));
    let took = sent.elapsed();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_no_secrets(&stderr, "stderr");
    let case = format!(
        "SIG{signal} {}",
        if wrapper.is_empty() { "" } else { "as PID 1" }
    );
    assert_eq!(status, Some(code), "{case}: {stderr}");
    assert!(setup.app_env().is_none(), "{case}: the app started");
    assert!(output.stdout.is_empty());
    eprintln!("{case}: ended {} ms after the signal", took.as_millis());
}

/// The PID of the one process `child` forked (`unshare --fork` starts exactly one).
fn forked_child(child: &Child) -> u32 {
    let path = format!("/proc/{0}/task/{0}/children", child.id());
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if let Some(pid) = text.split_whitespace().next() {
            return pid.parse().unwrap();
        }
        assert!(Instant::now() < until, "unshare forked nothing");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The exit code once `child` exits, or `None` if it is still running after `within`
/// (then it is killed, being the test's own child).
fn wait_within(child: &mut Child, within: Duration) -> Option<i32> {
    let until = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if Instant::now() > until {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_signal_before_exec_ends_run_even_as_pid_1() {
    let setup = setup();
    let pid_1 = ["unshare", "--pid", "--fork", "--mount-proc"];
    for (signal, code) in [("TERM", 143), ("INT", 130), ("HUP", 129)] {
        signal_during_fetch(&setup, &pid_1, signal, code);
        signal_during_fetch(&setup, &[], signal, code);
    }
}

/// Same-origin redirects are followed, but every hop counts against the budget, and a
/// loop is a bad response, not something to retry.
#[test]
fn redirects_count_against_the_budget() {
    let setup = setup();
    let looping = FakeServer::start(|request| {
        let next = format!("/hop{}", request.target.len());
        Reply::text(307, "").with_header("location", &next)
    });
    let run = setup.run(&looping.url(), &["--timeout", "3s"], &[]);
    setup.assert_fell_back(&run);
    run.stderr_has("bad-response: more than 5 redirects within http://127.0.0.1:");
    assert_eq!(looping.seen().len(), 6, "a redirect loop was retried");

    // Hops, then a 503 at the end of them, every time: the budget holds.
    let storm = FakeServer::start(|request| {
        if request.target.ends_with("xxxx") {
            Reply::text(503, "busy").with_header("retry-after", "0")
        } else {
            let next = format!("/hop/{}x", request.target.len());
            let next = if request.target.starts_with("/hop/") {
                format!("{}x", request.target)
            } else {
                next
            };
            Reply::text(302, "").with_header("location", &next)
        }
    });
    let run = setup.sandbox.run_env(
        &[
            "snapshot",
            "--source",
            "doppler",
            "-r",
            "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
            "-o",
            "hops.age",
        ],
        &[
            ("DOPPLER_TOKEN", TOKENS[0]),
            ("DOPPLER_API_HOST", &storm.url()),
        ],
    );
    run.code(12)
        .stderr_has("gave up after 10 requests, the most one fetch sends");
    let sent = storm.seen().len();
    assert_eq!(sent, 10, "snapshot sent {sent} requests through redirects");
}

/// A snapshot, key or token "file" that would never answer cannot hold the start: a FIFO
/// nobody writes to is refused at once (opened without blocking), the baked snapshot,
/// the runtime key and `--offline` alike. (The wait for the snapshot's thread is also
/// bounded by the deadline, for a filesystem that hangs inside a read; no such
/// filesystem can be made here, so that bound is not exercised by a test.)
#[test]
fn a_fifo_never_holds_the_start() {
    let setup = setup();
    let fifo = setup.sandbox.path("hung.age");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let fifo = fifo.to_str().unwrap();
    // Service up: the app starts live, with a warning.
    let started = Instant::now();
    let run = setup.run(
        &setup.fake.url(),
        &["--timeout", "2s"],
        &[("LIFEBOAT_SNAPSHOT", fifo)],
    );
    run.ok()
        .stderr_has("could not serve as a fallback")
        .stderr_has("a FIFO or socket, not a file");
    assert_eq!(setup.app_env().unwrap()["LIFEBOAT_ORIGIN"], "live");
    assert!(started.elapsed() < MARGIN, "the start waited on the FIFO");
    // Service down, or offline: nothing to start from, said at once.
    let down = format!(
        "http://127.0.0.1:{}",
        crate::services::listeners::refused_port()
    );
    for extra in [&["--timeout", "2s"][..], &["--offline"][..]] {
        let started = Instant::now();
        let run = setup.run(&down, extra, &[("LIFEBOAT_SNAPSHOT", fifo)]);
        assert_ne!(run.code, 0, "{extra:?}");
        run.stderr_has("a FIFO or socket, not a file");
        assert!(started.elapsed() < MARGIN, "{extra:?}: waited on the FIFO");
        assert!(setup.app_env().is_none());
    }
    // The runtime key and a token file as FIFOs: refused the same way.
    setup
        .run(
            &down,
            &["--timeout", "2s"],
            &[("LIFEBOAT_IDENTITY_FILE", fifo)],
        )
        .stderr_has("a FIFO or socket, not a file");
    setup
        .run(&setup.fake.url(), &["--token-file", fifo], &[])
        .code(3)
        .stderr_has(&format!(
            "cannot read the file {fifo} given to --token-file: a FIFO or socket"
        ));
    std::fs::remove_file(fifo).unwrap();
}

/// A signal the parent ignores (`nohup`) stays ignored for the app.
#[test]
fn ignored_signals_stay_ignored_for_the_app() {
    let setup = setup();
    let read_mask = |output: std::process::Output| {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let line = String::from_utf8(output.stdout).unwrap();
        u64::from_str_radix(line.trim().trim_start_matches("SigIgn:").trim(), 16).unwrap()
    };
    let direct = read_mask(
        std::process::Command::new("nohup")
            .args(["grep", "SigIgn", "/proc/self/status"])
            .output()
            .unwrap(),
    );
    let url = setup.fake.url();
    let (mut args, env) = setup.invocation(&url, &[], &[]);
    // The app: grep reading its own status, instead of the usual one.
    args.truncate(args.len() - 4);
    args.extend(["--", "grep", "SigIgn", "/proc/self/status"]);
    let mut command = setup.sandbox.wrapped(&["nohup"], &args);
    command.envs(env.iter().copied());
    let through = read_mask(command.output().unwrap());
    assert_ne!(direct & 1, 0, "nohup ignores SIGHUP");
    assert_eq!(
        through & 1,
        direct & 1,
        "the app lost nohup's SIGHUP: {through:x} vs {direct:x}"
    );
}

/// Loose ends a reviewer found: an absurd --timeout, a Vault login that answers a token
/// HTTP cannot carry, a token echoed across the 200-character cut, a proxy that refuses
/// the tunnel.
#[test]
fn loose_ends() {
    let setup = setup();
    setup
        .run(&setup.fake.url(), &["--timeout", "300000000000y"], &[])
        .code(2)
        .stderr_has("at most 100 years");

    // The server's bad token is the server's bad answer: fall back.
    let vault = FakeServer::start(|request| {
        if request.target == "/v1/auth/approle/login" {
            Reply::json(
                200,
                &serde_json::json!({"auth": {"client_token": "s.tok\nen"}}),
            )
        } else {
            Reply::json(500, &serde_json::json!({"errors": []}))
        }
    });
    let run = setup.run(
        &setup.fake.url(),
        &["--allow-other-source"],
        &[
            ("LIFEBOAT_SOURCE", "vault:secret/app"),
            ("VAULT_ADDR", &vault.url()),
            ("VAULT_ROLE_ID", "role"),
            ("VAULT_SECRET_ID", "canary-secret-id"),
            // A Vault start has no Doppler token (one it had would be the app's: only
            // the configured source's credentials are removed).
            ("DOPPLER_TOKEN", ""),
        ],
    );
    setup.assert_fell_back(&run);
    run.stderr_has("bad-response: the AppRole login answer's auth.client_token is empty or holds characters HTTP cannot carry");

    // The token echoed at character 190 of a long message: scrubbed before the cut.
    let echo = FakeServer::start(|request| {
        let token = request.headers["authorization"]
            .trim_start_matches("Bearer ")
            .to_string();
        let message = format!("{} {token} is not valid", "x".repeat(189));
        Reply::json(401, &serde_json::json!({"messages": [message]}))
    });
    setup
        .run(&echo.url(), &[], &[])
        .code(10)
        .stderr_has("[REDACTED]");

    // A proxy that answers the CONNECT with 403: named.
    let proxy = FakeServer::start(|_| Reply::text(403, "not for you"));
    let run = setup.run(
        "https://api.doppler.invalid",
        &["--timeout", "1s"],
        &[("HTTPS_PROXY", &proxy.url())],
    );
    setup.assert_fell_back(&run);
    run.stderr_has("the proxy (HTTPS_PROXY) would not open a tunnel to the service");
}
