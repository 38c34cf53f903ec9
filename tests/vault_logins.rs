//! Vault/OpenBao logins for fleets, against a real OpenBao: the jwt method configured
//! with a key pair the test makes (`jwt_validation_pubkeys`) and tokens it signs with
//! openssl, and the kubernetes method configured against a local fake of the Kubernetes
//! TokenReview API. The fake is a fake because no Kubernetes API server can be installed
//! or run here; OpenBao itself, its login endpoints and its checks are real.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;

use crate::services::bao::{Bao, ROOT_TOKEN};
use crate::services::http_fake::{FakeServer, Reply};
use crate::services::listeners::Silent;
use crate::util::{Run, Sandbox, CANARIES, TOKENS};

const REVIEWER: &str = "reviewer-jwt-canary-77c1";

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// An RSA key pair made with openssl in the sandbox: (private key file, public key PEM).
pub fn rsa_key(sandbox: &Sandbox, name: &str) -> (String, String) {
    let private = format!("{name}.pem");
    let public = format!("{name}.pub.pem");
    let made = sandbox.tool("openssl", &["genrsa", "-out", &private, "2048"]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    sandbox.holds_secrets(&private);
    let made = sandbox.tool(
        "openssl",
        &["rsa", "-in", &private, "-pubout", "-out", &public],
    );
    assert!(made.status.success());
    (private, String::from_utf8(sandbox.read(&public)).unwrap())
}

/// An RS256 JWT with `claims`, signed by `key` (a private key file in the sandbox).
pub fn sign_jwt(sandbox: &Sandbox, key: &str, claims: &serde_json::Value) -> String {
    let header = b64url(br#"{"alg":"RS256","typ":"JWT"}"#);
    let payload = b64url(claims.to_string().as_bytes());
    let signing_input = format!("{header}.{payload}");
    sandbox.write("jwt-input", &signing_input);
    let signed = sandbox.tool(
        "openssl",
        &[
            "dgst",
            "-sha256",
            "-sign",
            key,
            "-out",
            "jwt-sig",
            "jwt-input",
        ],
    );
    assert!(
        signed.status.success(),
        "{}",
        String::from_utf8_lossy(&signed.stderr)
    );
    format!("{signing_input}.{}", b64url(&sandbox.read("jwt-sig")))
}

/// The parts of a JWT that make it the one it is (every header here is the same).
pub fn signature_of(jwt: &str) -> &str {
    jwt.rsplit('.').next().unwrap()
}

/// Its claims.
pub fn payload_of(jwt: &str) -> &str {
    jwt.split('.').nth(1).unwrap()
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A server with `secret/app` readable under the policy `app-read`.
fn bao_with_app_secret(sandbox: &Sandbox) -> Bao {
    let bao = Bao::start();
    bao.put("app", &[&format!("API_KEY={}", CANARIES[0])]);
    sandbox.write(
        "policy.hcl",
        "path \"secret/data/app\" { capabilities = [\"read\"] }\n",
    );
    bao.must(&[
        "policy",
        "write",
        "app-read",
        &sandbox.path("policy.hcl").display().to_string(),
    ]);
    bao
}

fn snapshot(sandbox: &Sandbox, recipient: &str, bao: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "snapshot",
        "--source",
        "vault:secret/app",
        "-r",
        recipient,
        "-o",
        "snap.age",
    ];
    args.extend(extra);
    sandbox.run_env(&args, &[("VAULT_ADDR", bao)])
}

fn recovered(sandbox: &Sandbox) -> serde_json::Value {
    let run = sandbox.run(&["recover", "snap.age", "-i", "key.txt", "--format", "json"]);
    serde_json::from_str(&run.ok().stdout).unwrap()
}

#[test]
fn the_jwt_login_is_checked_by_the_server_and_its_token_stays_inside() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    let bao = bao_with_app_secret(&sandbox);
    let (key, public) = rsa_key(&sandbox, "issuer");
    let (other_key, _) = rsa_key(&sandbox, "impostor");
    // The method at a mount of its own, as a fleet with several issuers has it.
    bao.must(&["auth", "enable", "-path=jwt-ci", "jwt"]);
    bao.must(&[
        "write",
        "auth/jwt-ci/config",
        &format!("jwt_validation_pubkeys={public}"),
    ]);
    bao.must(&[
        "write",
        "auth/jwt-ci/role/app",
        "role_type=jwt",
        "bound_audiences=lifeboat",
        "user_claim=sub",
        "token_policies=app-read",
    ]);
    let claims = serde_json::json!({
        "sub": "ci-pipeline", "aud": "lifeboat", "iat": now(), "nbf": now() - 5, "exp": now() + 600,
    });
    let jwt = sign_jwt(&sandbox, &key, &claims);
    sandbox.write("jwt", &jwt);
    let login = [
        "--vault-auth",
        "jwt",
        "--vault-role",
        "app",
        "--jwt-file",
        "jwt",
        "--vault-auth-mount",
        "jwt-ci",
    ];
    let made = snapshot(&sandbox, &recipient, &bao.address, &login);
    made.ok();
    assert!(!made.stderr.contains(signature_of(&jwt)), "{}", made.stderr);
    assert_eq!(recovered(&sandbox)["API_KEY"], CANARIES[0]);
    let good = sandbox.read("snap.age");

    // The same claims signed by another key: OpenBao refuses it, lifeboat says denied and
    // keeps the snapshot it had.
    sandbox.write("jwt", sign_jwt(&sandbox, &other_key, &claims));
    snapshot(&sandbox, &recipient, &bao.address, &login)
        .code(10)
        .stderr_has("denied: JWT login refused");
    // An audience the role does not accept.
    let wrong_audience = serde_json::json!({
        "sub": "ci-pipeline", "aud": "someone-else", "iat": now(), "exp": now() + 600,
    });
    sandbox.write("jwt", sign_jwt(&sandbox, &key, &wrong_audience));
    snapshot(&sandbox, &recipient, &bao.address, &login)
        .code(10)
        .stderr_has("JWT login refused");
    assert_eq!(sandbox.read("snap.age"), good);

    // The app never gets the login's token, the JWT, or the root token.
    sandbox.write("jwt", &jwt);
    let mut args = vec![
        "run",
        "--source",
        "vault:secret/app",
        "--snapshot",
        "snap.age",
        "-i",
        "key.txt",
    ];
    args.extend(login);
    args.extend(["--", "env"]);
    let started = sandbox.run_env(&args, &[("VAULT_ADDR", &bao.address)]);
    let env = started.ok().stdout.clone();
    assert!(env.contains(&format!("API_KEY={}\n", CANARIES[0])), "{env}");
    assert!(env.contains("LIFEBOAT_ORIGIN=live\n"), "{env}");
    assert!(
        !env.contains(&jwt[..40]) && !env.contains(ROOT_TOKEN),
        "{env}"
    );
    for line in env.lines() {
        let value = line.split_once('=').map(|(_, v)| v).unwrap_or_default();
        // OpenBao's service tokens start with "s."; none reaches the app.
        assert!(
            !value.starts_with("s.") && !value.starts_with("hvs."),
            "{line}"
        );
    }
}

/// A fake of the Kubernetes TokenReview API (`POST /apis/authentication.k8s.io/v1/tokenreviews`):
/// it knows one pod token, for the service account `namespace/name`, and requires the
/// reviewer's own token as the bearer, as the API server does.
pub fn token_review_fake(pod_token: String, namespace: &str, name: &str) -> FakeServer {
    let username = format!("system:serviceaccount:{namespace}:{name}");
    let groups = serde_json::json!([
        "system:serviceaccounts",
        format!("system:serviceaccounts:{namespace}")
    ]);
    FakeServer::start(move |seen| {
        if seen.method != "POST" || seen.target != "/apis/authentication.k8s.io/v1/tokenreviews" {
            return Reply::json(404, &serde_json::json!({"kind": "Status", "code": 404}));
        }
        if seen.headers.get("authorization") != Some(&format!("Bearer {REVIEWER}")) {
            return Reply::json(401, &serde_json::json!({"kind": "Status", "code": 401}));
        }
        let review: serde_json::Value = serde_json::from_slice(&seen.body).unwrap_or_default();
        let status = if review["spec"]["token"] == pod_token.as_str() {
            serde_json::json!({
                "authenticated": true,
                "user": {
                    "username": username,
                    "uid": "3c5ad1c2-0000-4000-8000-000000000001",
                    "groups": groups,
                },
                // The API server answers with the audiences asked for that the token
                // holds; the pod token holds the cluster's default one, which OpenBao asks.
                "audiences": review["spec"]["audiences"],
            })
        } else {
            serde_json::json!({"authenticated": false, "error": "invalid bearer token"})
        };
        Reply::json(
            201,
            &serde_json::json!({
                "apiVersion": "authentication.k8s.io/v1",
                "kind": "TokenReview",
                "status": status,
            }),
        )
    })
}

/// The API server's default audience.
pub const CLUSTER_AUDIENCE: &str = "https://kubernetes.default.svc.cluster.local";

/// A projected service-account token's claims, as the kubelet mounts it.
pub fn pod_claims(namespace: &str, name: &str, audience: &str) -> serde_json::Value {
    serde_json::json!({
        "iss": "https://kubernetes.default.svc.cluster.local",
        "sub": format!("system:serviceaccount:{namespace}:{name}"),
        "aud": [audience],
        "iat": now(), "nbf": now(), "exp": now() + 3600,
        "kubernetes.io": {
            "namespace": namespace,
            "serviceaccount": {"name": name, "uid": "3c5ad1c2-0000-4000-8000-000000000001"},
            "pod": {"name": "app-7d9f", "uid": "9a1b0000-0000-4000-8000-000000000002"},
        },
    })
}

#[test]
fn the_kubernetes_login_starts_the_app_live_and_a_refusal_is_denied() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    let bao = bao_with_app_secret(&sandbox);
    let (cluster_key, _) = rsa_key(&sandbox, "cluster");
    let pod_token = sign_jwt(
        &sandbox,
        &cluster_key,
        &pod_claims("shop", "app", CLUSTER_AUDIENCE),
    );
    let review = token_review_fake(pod_token.clone(), "shop", "app");
    // The cluster's CA, which OpenBao insists on even for a plain-HTTP API server.
    let made = sandbox.tool(
        "openssl",
        &[
            "req",
            "-x509",
            "-key",
            &cluster_key,
            "-out",
            "cluster-ca.pem",
            "-days",
            "1",
            "-subj",
            "/CN=fake-cluster-ca",
        ],
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let cluster_ca = String::from_utf8(sandbox.read("cluster-ca.pem")).unwrap();
    bao.must(&["auth", "enable", "kubernetes"]);
    bao.must(&[
        "write",
        "auth/kubernetes/config",
        &format!("kubernetes_host={}", review.url()),
        &format!("token_reviewer_jwt={REVIEWER}"),
        &format!("kubernetes_ca_cert={cluster_ca}"),
        "disable_local_ca_jwt=true",
    ]);
    bao.must(&[
        "write",
        "auth/kubernetes/role/app",
        "bound_service_account_names=app",
        "bound_service_account_namespaces=shop",
        "token_policies=app-read",
    ]);
    sandbox.write("sa-token", &pod_token);
    sandbox.canary_snapshot("snap.age", &[&recipient], &[]);
    let login = [
        "--vault-auth",
        "kubernetes",
        "--vault-role",
        "app",
        "--jwt-file",
        "sa-token",
    ];
    let mut args = vec![
        "run",
        "--source",
        "vault:secret/app",
        "--snapshot",
        "snap.age",
        "-i",
        "key.txt",
    ];
    args.extend(login);
    args.extend(["--", "env"]);
    let started = sandbox.run_env(&args, &[("VAULT_ADDR", &bao.address)]);
    let env = started.ok().stdout.clone();
    assert!(
        env.contains("LIFEBOAT_ORIGIN=live\n"),
        "{env}\n{}",
        started.stderr
    );
    assert!(env.contains(&format!("API_KEY={}\n", CANARIES[0])), "{env}");
    for part in [signature_of(&pod_token), payload_of(&pod_token)] {
        assert!(!env.contains(part) && !started.stderr.contains(part));
    }
    // OpenBao asked the (fake) API server about exactly that token, as the reviewer.
    let reviews: Vec<_> = review
        .seen()
        .into_iter()
        .filter(|s| s.method == "POST")
        .collect();
    assert_eq!(reviews.len(), 1, "{reviews:?}");
    let body: serde_json::Value = serde_json::from_slice(&reviews[0].body).unwrap();
    assert_eq!(body["spec"]["token"], pod_token.as_str());
    // The same through the environment, as the Deployment in deploy/kubernetes sets it.
    let by_env = sandbox.run_env(
        &[
            "run",
            "--source",
            "vault:secret/app",
            "--snapshot",
            "snap.age",
            "-i",
            "key.txt",
            "--",
            "env",
        ],
        &[
            ("VAULT_ADDR", &bao.address),
            ("LIFEBOAT_VAULT_AUTH", "kubernetes"),
            ("LIFEBOAT_VAULT_ROLE", "app"),
            ("LIFEBOAT_JWT_FILE", "sa-token"),
        ],
    );
    assert!(by_env.ok().stdout.contains("LIFEBOAT_ORIGIN=live\n"));

    // A token of another service account: the API server vouches for it, the role does
    // not allow it. Denied is fatal for `run` (a misconfiguration, not an outage).
    let other = sign_jwt(
        &sandbox,
        &cluster_key,
        &pod_claims("shop", "intruder", CLUSTER_AUDIENCE),
    );
    sandbox.write("sa-token", &other);
    sandbox
        .run_env(&args, &[("VAULT_ADDR", &bao.address)])
        .code(10)
        .stderr_has("denied: Kubernetes login refused");
    // A token pasted into the role's variable: OpenBao quotes the role it cannot find,
    // lifeboat scrubs it (the sandbox fails the run if a canary token reaches stderr).
    let mut pasted = args.clone();
    let at = pasted.iter().position(|a| *a == "app").unwrap();
    pasted[at] = TOKENS[1];
    sandbox.write("sa-token", &pod_token);
    sandbox
        .run_env(&pasted, &[("VAULT_ADDR", &bao.address)])
        .code(10)
        .stderr_has("Kubernetes login refused")
        .stderr_has("invalid role name \"[REDACTED]\"");
    // A well-formed token for the right account that the API server does not know (a
    // revoked or expired one): OpenBao asks, the API server says no, the login is denied.
    let reviews_before = review.seen().len();
    let mut revoked = pod_claims("shop", "app", CLUSTER_AUDIENCE);
    revoked["jti"] = "revoked-token-1".into();
    sandbox.write("sa-token", sign_jwt(&sandbox, &cluster_key, &revoked));
    sandbox
        .run_env(&args, &[("VAULT_ADDR", &bao.address)])
        .code(10)
        .stderr_has("denied: Kubernetes login refused")
        .stderr_has("hint: check --vault-role");
    assert_eq!(
        review.seen().len(),
        reviews_before + 1,
        "the refusal came from the TokenReview"
    );
}

#[test]
fn a_login_that_never_answers_is_inside_the_deadline() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.canary_snapshot("snap.age", &[&recipient], &[]);
    sandbox.write("sa-token", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
    let run = |address: &str| {
        let started = std::time::Instant::now();
        let run = sandbox.run_env(
            &[
                "run",
                "--source",
                "vault:secret/app",
                "--snapshot",
                "snap.age",
                "-i",
                "key.txt",
                "--timeout",
                "1s",
                "--allow-other-source",
                "--vault-auth",
                "kubernetes",
                "--vault-role",
                "app",
                "--jwt-file",
                "sa-token",
                "--",
                "sh",
                "-c",
                "echo $LIFEBOAT_ORIGIN",
            ],
            &[("VAULT_ADDR", address)],
        );
        (run, started.elapsed())
    };
    // A login that never answers: the one deadline ends it.
    let silent = Silent::start();
    let (started, _) = run(&format!("http://127.0.0.1:{}", silent.port));
    assert_eq!(started.ok().stdout, "snapshot\n");
    started.stderr_has("no complete answer within the deadline of 1000 ms");
    assert!(silent.accepted() >= 1, "the login was sent");
    // A login that answers after 900 ms, then a read that never does: the read gets what
    // is left of the same deadline, not a deadline of its own (that would take 1.9 s).
    let slow = FakeServer::start(|seen| {
        if seen.target.starts_with("/v1/auth/") {
            std::thread::sleep(std::time::Duration::from_millis(900));
            Reply::json(
                200,
                &serde_json::json!({"auth": {"client_token": "s.login-token-canary"}}),
            )
        } else {
            std::thread::sleep(std::time::Duration::from_secs(10));
            Reply::Close
        }
    });
    let (started, took) = run(&slow.url());
    assert_eq!(started.ok().stdout, "snapshot\n");
    started.stderr_has("no complete answer within the deadline of 1000 ms");
    let seen: Vec<String> = slow.seen().iter().map(|s| s.target.clone()).collect();
    assert_eq!(
        seen,
        ["/v1/auth/kubernetes/login", "/v1/secret/data/app"],
        "{seen:?}"
    );
    // Correctness, not speed: two deadlines would need 1.9 s at the very least.
    assert!(took < std::time::Duration::from_millis(1700), "{took:?}");
}

#[test]
fn login_settings_are_checked_before_any_request() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.write("jwt", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
    let silent = Silent::start();
    let address = format!("http://127.0.0.1:{}", silent.port);
    let cases: [(&[&str], &str); 7] = [
        (
            &["--vault-auth", "kubernetes", "--jwt-file", "jwt"],
            "needs the Vault role",
        ),
        (
            &[
                "--vault-auth",
                "kubernetes",
                "--vault-role",
                " ",
                "--jwt-file",
                "jwt",
            ],
            "needs the Vault role",
        ),
        (
            &["--vault-auth", "jwt", "--vault-role", "app"],
            "--vault-auth jwt needs the JWT",
        ),
        (
            &[
                "--vault-auth",
                "jwt",
                "--jwt-file",
                "jwt",
                "--vault-auth-mount",
                "../sys",
            ],
            "--vault-auth-mount must be",
        ),
        (
            &["--vault-auth", "token"],
            "--vault-auth token needs a token",
        ),
        (&["--vault-auth", "approle"], "AppRole login needs both"),
        (
            &["--vault-role", "app"],
            "are for the kubernetes and jwt logins",
        ),
    ];
    for (extra, said) in cases {
        snapshot(&sandbox, &recipient, &address, extra)
            .code(2)
            .stderr_has(said);
    }
    // With no --jwt-file the kubernetes login reads the mounted service-account token,
    // and says which file it wanted when there is none.
    // In a mount namespace with nothing at /var/run/secrets, so that a test machine that
    // is itself a pod does not send its own token.
    let isolated = sandbox.wrapped(
        &[
            "unshare",
            "-m",
            "sh",
            "-c",
            "if [ -d /var/run/secrets ]; then mount -t tmpfs none /var/run/secrets; fi; exec \"$@\"",
            "isolated",
        ],
        &["snapshot", "--source", "vault:secret/app", "-r", &recipient, "--vault-auth", "kubernetes", "--vault-role", "app"],
    );
    let mut isolated = isolated;
    isolated.env("VAULT_ADDR", &address);
    sandbox
        .run_with(isolated, &["snapshot"])
        .code(3)
        .stderr_has("/var/run/secrets/kubernetes.io/serviceaccount/token");
    sandbox
        .run(&[
            "snapshot",
            "--source",
            "vault:secret/app",
            "-r",
            &recipient,
            "--vault-auth",
            "ldap",
        ])
        .code(2)
        .stderr_has("ldap");
    assert_eq!(
        silent.accepted(),
        0,
        "a request was sent for a bad configuration"
    );
}
