//! AWS Secrets Manager and Parameter Store against a real moto server with IAM
//! authentication enforced (tests/services/moto.rs): a wrong signature or an unknown key
//! is refused by moto itself, which proves the SigV4 signer against a real verifier (the
//! signer also passes AWS's own test suite, in its unit tests). The credential chain's
//! container endpoint and IMDSv2 are small local servers here, as in the AWS SDKs' own
//! tests: no ECS agent or EC2 metadata service can run on this machine, and nothing may
//! reach 169.254.169.254, so every test sets an endpoint or turns IMDS off.

use std::time::{Duration, Instant};

use crate::services::http_fake::{FakeServer, Reply};
use crate::services::listeners::Silent;
use crate::services::moto::{botocore_access_key, Moto};
use crate::util::{Run, Sandbox, CANARIES};

fn pairs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(n, v)| (*n, v.as_str())).collect()
}

fn snapshot(
    sandbox: &Sandbox,
    recipient: &str,
    source: &str,
    extra: &[&str],
    env: &[(&'static str, String)],
) -> Run {
    let mut args = vec![
        "snapshot", "--source", source, "-r", recipient, "-o", "snap.age",
    ];
    args.extend(extra);
    sandbox.run_env(&args, &pairs(env))
}

fn recovered(sandbox: &Sandbox) -> serde_json::Value {
    let run = sandbox.run(&["recover", "snap.age", "-i", "key.txt", "--format", "json"]);
    serde_json::from_str(&run.ok().stdout).unwrap()
}

fn rds_secret(password: &str) -> String {
    serde_json::json!({
        "engine": "postgres", "host": "db.internal", "port": 5432, "username": "app",
        "password": password, "dbname": "shop", "ssl": true,
    })
    .to_string()
}

#[test]
fn secrets_manager_objects_stages_versions_and_plain_strings() {
    let moto = Moto::start();
    let first = moto.setup(&["secret", "shop/db", &rds_secret(CANARIES[0])]);
    moto.setup(&["secret", "shop/db", &rds_secret(CANARIES[1])]);
    moto.setup(&["secret", "shop/token", CANARIES[2]]);
    moto.setup(&["binary", "shop/blob"]);
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    let env = moto.env();

    let made = snapshot(&sandbox, &recipient, "aws-sm:shop/db", &[], &env);
    made.ok().stdout_has("7 secrets");
    let secrets = recovered(&sandbox);
    assert_eq!(secrets["password"], CANARIES[1]);
    assert_eq!(secrets["port"], "5432", "a number as its JSON text");
    assert_eq!(secrets["ssl"], "true");
    let meta = sandbox.inspect_json("snap.age");
    assert_eq!(meta["source"]["provider"], "aws-sm");
    assert_eq!(meta["source"]["region"], "us-east-1");
    assert_eq!(meta["source"]["path"], "shop/db");
    assert!(meta["source"]["version_id"].is_string(), "{meta}");
    // The account, from the secret's ARN in the answer (moto's default account).
    assert_eq!(meta["source"]["account"], "123456789012", "{meta}");
    sandbox
        .run(&["inspect", "snap.age"])
        .ok()
        .stdout_has("aws-sm shop/db @AWSCURRENT (version ")
        .stdout_has(" in us-east-1 (account 123456789012)");

    snapshot(
        &sandbox,
        &recipient,
        "aws-sm:shop/db@AWSPREVIOUS",
        &[],
        &env,
    )
    .ok();
    assert_eq!(recovered(&sandbox)["password"], CANARIES[0]);
    snapshot(
        &sandbox,
        &recipient,
        &format!("aws-sm:shop/db#{first}"),
        &[],
        &env,
    )
    .ok();
    assert_eq!(recovered(&sandbox)["password"], CANARIES[0]);
    assert_eq!(
        sandbox.inspect_json("snap.age")["source"]["version_id"],
        first.as_str()
    );

    // A plain string needs a name.
    snapshot(&sandbox, &recipient, "aws-sm:shop/token", &[], &env)
        .code(2)
        .stderr_has("give --name NAME");
    snapshot(
        &sandbox,
        &recipient,
        "aws-sm:shop/token",
        &["--name", "API_TOKEN"],
        &env,
    )
    .ok();
    assert_eq!(recovered(&sandbox)["API_TOKEN"], CANARIES[2]);
    let good = sandbox.read("snap.age");
    snapshot(&sandbox, &recipient, "aws-sm:shop/blob", &[], &env)
        .code(2)
        .stderr_has("binary");
    snapshot(&sandbox, &recipient, "aws-sm:shop/missing", &[], &env)
        .code(11)
        .stderr_has("not-found")
        .stderr_has("ResourceNotFoundException");
    assert_eq!(
        sandbox.read("snap.age"),
        good,
        "a failure keeps the old snapshot"
    );
}

#[test]
fn moto_refuses_a_wrong_signature_and_an_unknown_key() {
    let moto = Moto::start();
    moto.setup(&["secret", "shop/db", &rds_secret(CANARIES[0])]);
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    let mut env = moto.env();
    let wrong_secret = "wrongSecretKeyCanary0000000000000000000000";
    env.retain(|(n, _)| *n != "AWS_SECRET_ACCESS_KEY");
    env.push(("AWS_SECRET_ACCESS_KEY", wrong_secret.into()));
    let refused = snapshot(&sandbox, &recipient, "aws-sm:shop/db", &[], &env);
    refused
        .code(10)
        .stderr_has("denied")
        .stderr_has("SignatureDoesNotMatch");
    assert!(!refused.stderr.contains(wrong_secret));
    let mut env = moto.env();
    env.retain(|(n, _)| *n != "AWS_ACCESS_KEY_ID");
    env.push(("AWS_ACCESS_KEY_ID", "AKIAUNKNOWNKEY000000".into()));
    snapshot(&sandbox, &recipient, "aws-sm:shop/db", &[], &env)
        .code(10)
        .stderr_has("denied");
    // The right ones still work: it was the signature, not the server.
    snapshot(&sandbox, &recipient, "aws-sm:shop/db", &[], &moto.env()).ok();
}

#[test]
fn parameter_store_is_read_recursively_decrypted_and_paged() {
    let moto = Moto::start();
    for i in 0..11 {
        moto.setup(&[
            "param",
            &format!("/shop/prod/KEY_{i:02}"),
            &format!("value-{i}"),
            "String",
        ]);
    }
    moto.setup(&[
        "param",
        "/shop/prod/db/password",
        CANARIES[0],
        "SecureString",
    ]);
    moto.setup(&["param", "/shop/staging/KEY_00", "not-this", "String"]);
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    let env = moto.env();
    // Twelve parameters: more than one page of ten.
    snapshot(&sandbox, &recipient, "aws-ssm:/shop/prod/", &[], &env)
        .ok()
        .stdout_has("12 secrets");
    let secrets = recovered(&sandbox);
    assert_eq!(
        secrets["db_password"], CANARIES[0],
        "the SecureString decrypted"
    );
    assert_eq!(secrets["KEY_10"], "value-10");
    assert!(secrets.get("KEY_00").is_some() && secrets.as_object().unwrap().len() == 12);
    assert!(
        !secrets.to_string().contains("not-this"),
        "another path's parameter"
    );
    let meta = sandbox.inspect_json("snap.age");
    assert_eq!(meta["source"]["path"], "/shop/prod/");
    assert_eq!(meta["source"]["account"], "123456789012", "{meta}");
    sandbox
        .run(&["inspect", "snap.age"])
        .ok()
        .stdout_has("aws-ssm /shop/prod/ in us-east-1 (account 123456789012)");
    // One parameter, named by its last segment.
    snapshot(
        &sandbox,
        &recipient,
        "aws-ssm:/shop/prod/db/password",
        &[],
        &env,
    )
    .ok();
    assert_eq!(recovered(&sandbox)["password"], CANARIES[0]);
    snapshot(&sandbox, &recipient, "aws-ssm:/shop/prod/NOPE", &[], &env)
        .code(11)
        .stderr_has("ParameterNotFound");
    snapshot(&sandbox, &recipient, "aws-ssm:/nothing/here/", &[], &env)
        .code(3)
        .stderr_has("no secrets");
    sandbox
        .run(&[
            "snapshot",
            "--source",
            "aws-ssm:shop/prod",
            "-r",
            &recipient,
        ])
        .code(2)
        .stderr_has("starts with /");
}

/// The chain past the environment: a profile, the container endpoint, IMDSv2.
#[test]
fn credentials_from_a_profile_the_container_endpoint_and_imds() {
    let moto = Moto::start();
    moto.setup(&["secret", "shop/db", &rds_secret(CANARIES[0])]);
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    let base = |extra: &[(&'static str, String)]| {
        let mut env = vec![
            ("AWS_ENDPOINT_URL", moto.url.clone()),
            ("AWS_REGION", "us-east-1".to_string()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ];
        env.extend(extra.iter().cloned());
        env
    };
    // Nothing: a configuration error naming every place looked in.
    snapshot(&sandbox, &recipient, "aws-sm:shop/db", &[], &base(&[]))
        .code(2)
        .stderr_has("no AWS credentials")
        .stderr_has("AWS_EC2_METADATA_DISABLED");

    // The shared files (HOME is the sandbox), with the region from the config file.
    std::fs::create_dir(sandbox.path(".aws")).unwrap();
    sandbox.write(
        ".aws/credentials",
        format!(
            "[default]\naws_access_key_id = AKIANOTTHISONE\naws_secret_access_key = nope\n\n[ci]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            moto.access_key_id, moto.secret_access_key
        ),
    );
    sandbox.write(".aws/config", "[profile ci]\nregion = us-east-1\n");
    let mut profile_env = base(&[("AWS_PROFILE", "ci".into())]);
    profile_env.retain(|(n, _)| *n != "AWS_REGION");
    snapshot(&sandbox, &recipient, "aws-sm:shop/db", &[], &profile_env).ok();
    assert_eq!(recovered(&sandbox)["password"], CANARIES[0]);
    snapshot(
        &sandbox,
        &recipient,
        "aws-sm:shop/db",
        &[],
        &base(&[("AWS_PROFILE", "missing".into())]),
    )
    .code(2)
    .stderr_has("AWS_PROFILE names the profile missing");
    std::fs::remove_file(sandbox.path(".aws/credentials")).unwrap();

    // The container endpoint (ECS, EKS Pod Identity): a local fake of the agent, which
    // wants its authorization token.
    let (id, secret) = (moto.access_key_id.clone(), moto.secret_access_key.clone());
    let agent = FakeServer::start(move |seen| {
        if seen.headers.get("authorization").map(String::as_str) != Some("agent-token-canary") {
            return Reply::json(401, &serde_json::json!({"message": "no token"}));
        }
        Reply::json(
            200,
            &serde_json::json!({"AccessKeyId": id, "SecretAccessKey": secret, "Token": "", "Expiration": "2099-01-01T00:00:00Z"}),
        )
    });
    sandbox.write("agent-token", "agent-token-canary\n");
    let container_env = base(&[
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            format!("{}/v1/credentials", agent.url()),
        ),
        (
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
            "agent-token".into(),
        ),
    ]);
    let made = snapshot(&sandbox, &recipient, "aws-sm:shop/db", &[], &container_env);
    made.ok();
    assert!(!made.stderr.contains("agent-token-canary"));
    assert_eq!(agent.seen().len(), 1);
    assert_eq!(agent.seen()[0].target, "/v1/credentials");
    snapshot(
        &sandbox,
        &recipient,
        "aws-sm:shop/db",
        &[],
        &base(&[(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://10.1.2.3/creds".into(),
        )]),
    )
    .code(2)
    .stderr_has("loopback");

    // IMDSv2: a token first (PUT), then the role, then its credentials, each with the
    // token; a local fake of the metadata service.
    let (id, secret) = (moto.access_key_id.clone(), moto.secret_access_key.clone());
    let imds = FakeServer::start(move |seen| {
        let token_ok = seen
            .headers
            .get("x-aws-ec2-metadata-token")
            .map(String::as_str)
            == Some("imds-token-canary");
        match (seen.method.as_str(), seen.target.as_str()) {
            ("PUT", "/latest/api/token")
                if seen
                    .headers
                    .contains_key("x-aws-ec2-metadata-token-ttl-seconds") =>
            {
                Reply::text(200, "imds-token-canary")
            }
            ("GET", "/latest/meta-data/iam/security-credentials/") if token_ok => {
                Reply::text(200, "app-role\n")
            }
            ("GET", "/latest/meta-data/iam/security-credentials/app-role") if token_ok => {
                Reply::json(
                    200,
                    &serde_json::json!({"Code": "Success", "AccessKeyId": id, "SecretAccessKey": secret, "Token": "", "Expiration": "2099-01-01T00:00:00Z"}),
                )
            }
            _ => Reply::text(401, ""),
        }
    });
    let mut imds_env = base(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url())]);
    imds_env.retain(|(n, _)| *n != "AWS_EC2_METADATA_DISABLED");
    let made = snapshot(&sandbox, &recipient, "aws-sm:shop/db", &[], &imds_env);
    made.ok();
    assert!(!made.stderr.contains("imds-token-canary"));
    let steps: Vec<String> = imds
        .seen()
        .iter()
        .map(|s| format!("{} {}", s.method, s.target))
        .collect();
    assert_eq!(
        steps,
        [
            "PUT /latest/api/token",
            "GET /latest/meta-data/iam/security-credentials/",
            "GET /latest/meta-data/iam/security-credentials/app-role"
        ]
    );
}

/// EKS IRSA: STS `AssumeRoleWithWebIdentity`, then the service with the role's temporary
/// credentials, signed with their session token. STS is a local fake here: the real one
/// cannot run, and moto's, with authentication on, cannot take the unsigned call (it reads
/// the missing Authorization header and fails with a 500). The fake checks the form
/// lifeboat sends, answers XML, or JSON to a client that accepts JSON as the real STS does,
/// and hands out credentials moto really issued for the role (`AssumeRole`, signed), so
/// moto verifies the GetSecretValue that follows; a wrong key from STS is refused by moto.
#[test]
fn web_identity_through_sts_then_the_role_s_credentials() {
    let moto = Moto::start();
    moto.setup(&["secret", "shop/db", &rds_secret(CANARIES[0])]);
    let issued: serde_json::Value =
        serde_json::from_str(&moto.setup(&["assume", &moto.role_arn])).unwrap();
    let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhcHAifQ.c2lnbmF0dXJlLWNhbmFyeQ";
    let answer = std::sync::Arc::new(std::sync::Mutex::new(issued.clone()));
    let handed = answer.clone();
    let role = moto.role_arn.clone();
    let sts = FakeServer::start(move |seen| {
        let form = String::from_utf8_lossy(&seen.body).into_owned();
        let wanted = [
            "Action=AssumeRoleWithWebIdentity".to_string(),
            "Version=2011-06-15".into(),
            format!("WebIdentityToken={token}"),
            format!("RoleArn={}", role.replace(':', "%3A").replace('/', "%2F")),
        ];
        if seen.method != "POST" || !wanted.iter().all(|w| form.split('&').any(|p| p == w)) {
            return Reply::text(
                400,
                "<ErrorResponse><Error><Code>MissingParameter</Code></Error></ErrorResponse>",
            );
        }
        let credentials = handed.lock().unwrap().clone();
        if let Some(code) = credentials["error"].as_str() {
            return Reply::text(
                400,
                &format!("<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>as STS says it</Message></Error></ErrorResponse>"),
            );
        }
        if seen
            .headers
            .get("accept")
            .is_some_and(|a| a.contains("json"))
        {
            return Reply::json(
                200,
                &serde_json::json!({"AssumeRoleWithWebIdentityResponse": {
                "AssumeRoleWithWebIdentityResult": {"Credentials": credentials}}}),
            );
        }
        Reply::text(
            200,
            &format!(
                "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey><SessionToken>{}</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
                credentials["AccessKeyId"].as_str().unwrap(),
                credentials["SecretAccessKey"].as_str().unwrap(),
                credentials["SessionToken"].as_str().unwrap()
            ),
        )
    });
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.write("web-identity-token", token);
    let env = vec![
        ("AWS_ENDPOINT_URL", moto.url.clone()),
        ("AWS_ENDPOINT_URL_STS", sts.url()),
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ("AWS_ROLE_ARN", moto.role_arn.clone()),
        (
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "web-identity-token".to_string(),
        ),
    ];
    let made = snapshot(&sandbox, &recipient, "aws-sm:shop/db", &[], &env);
    made.ok();
    assert!(!made.stderr.contains("c2lnbmF0dXJlLWNhbmFyeQ"));
    assert_eq!(recovered(&sandbox)["password"], CANARIES[0]);
    assert_eq!(sts.seen().len(), 1);
    assert_eq!(
        sts.seen()[0].headers.get("accept").map(String::as_str),
        Some("text/xml")
    );
    let good = sandbox.read("snap.age");
    // Credentials moto did not issue: moto refuses the signature made with them.
    let mut forged = issued.clone();
    forged["SecretAccessKey"] = "not-the-role-s-secret-key".into();
    *answer.lock().unwrap() = forged;
    snapshot(&sandbox, &recipient, "aws-sm:shop/db", &[], &env)
        .code(10)
        .stderr_has("denied");
    // STS's own refusals and troubles, by name.
    *answer.lock().unwrap() = serde_json::json!({"error": "InvalidIdentityToken"});
    snapshot(&sandbox, &recipient, "aws-sm:shop/db", &[], &env)
        .code(10)
        .stderr_has("the web identity login (STS AssumeRoleWithWebIdentity)")
        .stderr_has("InvalidIdentityToken: as STS says it");
    *answer.lock().unwrap() = serde_json::json!({"error": "IDPCommunicationError"});
    snapshot(
        &sandbox,
        &recipient,
        "aws-sm:shop/db",
        &["--timeout", "2s"],
        &env,
    )
    .code(12)
    .stderr_has("server-error");
    assert_eq!(sandbox.read("snap.age"), good);
    // Half of IRSA's pair is a configuration error, not a silent skip.
    let half: Vec<(&'static str, String)> = env
        .iter()
        .filter(|(n, _)| *n != "AWS_ROLE_ARN")
        .cloned()
        .collect();
    snapshot(&sandbox, &recipient, "aws-sm:shop/db", &[], &half)
        .code(2)
        .stderr_has("AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN go together");
}

/// AWS says most failures with 400 and a name: the name decides the class. A small
/// server in front answers as AWS does when it throttles or refuses.
#[test]
fn aws_errors_land_in_their_classes() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.canary_snapshot("old.age", &[&recipient], &[]);
    let answer = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let current = answer.clone();
    let aws = FakeServer::start(move |_| {
        Reply::json(
            400,
            &serde_json::from_str(&current.lock().unwrap()).unwrap(),
        )
    });
    let env = vec![
        ("AWS_ENDPOINT_URL", aws.url()),
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "example-secret".to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
    ];
    let say = |body: serde_json::Value| *answer.lock().unwrap() = body.to_string();
    for (name, code, class) in [
        ("AccessDeniedException", 10, "denied"),
        ("ExpiredTokenException", 10, "denied"),
        ("DecryptionFailure", 10, "denied"),
        ("ResourceNotFoundException", 11, "not-found"),
    ] {
        say(serde_json::json!({"__type": name, "message": "as AWS says it"}));
        snapshot(&sandbox, &recipient, "aws-sm:shop/db", &[], &env)
            .code(code)
            .stderr_has(&format!(
                "{class}: HTTP 400 Bad Request: \"{name}: as AWS says it\""
            ));
    }
    // Throttling is the service's trouble: retried by `snapshot`, a fallback for `run`.
    say(serde_json::json!({"__type": "ThrottlingException", "message": "Rate exceeded"}));
    let before = aws.seen().len();
    snapshot(
        &sandbox,
        &recipient,
        "aws-sm:shop/db",
        &["--timeout", "2s"],
        &env,
    )
    .code(12)
    .stderr_has("server-error");
    assert!(aws.seen().len() - before > 1, "throttling is retried");
    let started = sandbox.run_env(
        &[
            "run",
            "--source",
            "aws-sm:shop/db",
            "--snapshot",
            "old.age",
            "-i",
            "key.txt",
            "--allow-other-source",
            "--",
            "sh",
            "-c",
            "echo $LIFEBOAT_ORIGIN",
        ],
        &pairs(&env),
    );
    assert_eq!(started.ok().stdout, "snapshot\n");
    started.stderr_has("ThrottlingException");
}

#[test]
fn run_starts_live_from_aws_then_from_the_snapshot_and_the_keys_stay_behind() {
    let moto = Moto::start();
    moto.setup(&["secret", "shop/db", &rds_secret(CANARIES[0])]);
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    let env = moto.env();
    snapshot(&sandbox, &recipient, "aws-sm:shop/db", &[], &env).ok();
    moto.setup(&["secret", "shop/db", &rds_secret(CANARIES[1])]);
    let args = [
        "run",
        "--source",
        "aws-sm:shop/db",
        "--snapshot",
        "snap.age",
        "-i",
        "key.txt",
        "--",
        "env",
    ];
    let live = sandbox.run_env(&args, &pairs(&env));
    let app = live.ok().stdout.clone();
    assert!(app.contains("LIFEBOAT_ORIGIN=live\n"), "{app}");
    assert!(
        app.contains(&format!("password={}\n", CANARIES[1])),
        "{app}"
    );
    assert!(
        !app.contains(&moto.secret_access_key) && !app.contains("AWS_SECRET_ACCESS_KEY"),
        "{app}"
    );
    drop(moto);
    let fallback = sandbox.run_env(&args, &pairs(&env));
    let app = fallback.ok().stdout.clone();
    assert!(app.contains("LIFEBOAT_ORIGIN=snapshot\n"), "{app}");
    assert!(
        app.contains(&format!("password={}\n", CANARIES[0])),
        "{app}"
    );
}

/// `run` with no AWS credentials but the metadata service at `endpoint`, the service
/// itself unreachable, a `timeout` deadline and `old.age` (sealed to `key.txt`) to fall
/// back on.
fn start_with_imds_only(sandbox: &Sandbox, endpoint: &str, timeout: &str) -> Run {
    sandbox.run_env(
        &[
            "run",
            "--source",
            "aws-sm:shop/db",
            "--snapshot",
            "old.age",
            "-i",
            "key.txt",
            "--timeout",
            timeout,
            "--allow-other-source",
            "--",
            "sh",
            "-c",
            "echo $LIFEBOAT_ORIGIN",
        ],
        &[
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint),
        ],
    )
}

/// IMDSv2 is the chain's last step and gets at most a second of the deadline. A metadata
/// service that accepts and never answers is `unreachable`, as any silent service is,
/// whatever the deadline: `run` falls back, `snapshot` exits 12. (It used to be "no
/// credentials", exit 2, with a long deadline and a fallback with a short one.)
#[test]
fn a_silent_metadata_service_is_unreachable_whatever_the_deadline() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.canary_snapshot("old.age", &[&recipient], &[]);
    let silent = Silent::start();
    let endpoint = format!("http://127.0.0.1:{}", silent.port);
    for timeout in ["4s", "600ms"] {
        let began = Instant::now();
        let started = start_with_imds_only(&sandbox, &endpoint, timeout);
        let took = began.elapsed();
        assert_eq!(started.ok().stdout, "snapshot\n", "--timeout {timeout}");
        started
            .stderr_has("unreachable")
            .stderr_has("instance metadata service");
        // Correctness, not speed: without the cap this waits the whole 4 s deadline.
        assert!(took < Duration::from_millis(3000), "{timeout}: {took:?}");
    }
    assert!(silent.accepted() >= 2);
    let env = [
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9".to_string()),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint),
    ];
    snapshot(&sandbox, &recipient, "aws-sm:shop/db", &[], &env)
        .code(12)
        .stderr_has("unreachable");
}

/// Only a metadata service that answers that the instance has no role (404 for the role
/// list, or an empty list) means there are no credentials: a configuration error, exit 2,
/// even with a snapshot to fall back on.
#[test]
fn an_instance_without_a_role_has_no_credentials() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.canary_snapshot("old.age", &[&recipient], &[]);
    for roles in [Reply::text(404, "Not Found"), Reply::text(200, "")] {
        let roles = std::sync::Mutex::new(Some(roles));
        let imds =
            FakeServer::start(
                move |seen| match (seen.method.as_str(), seen.target.as_str()) {
                    ("PUT", "/latest/api/token") => Reply::text(200, "imds-token"),
                    ("GET", "/latest/meta-data/iam/security-credentials/") => roles
                        .lock()
                        .unwrap()
                        .take()
                        .unwrap_or_else(|| Reply::text(500, "asked twice")),
                    _ => Reply::text(500, "not this"),
                },
            );
        start_with_imds_only(&sandbox, &imds.url(), "4s")
            .code(2)
            .no_stdout()
            .stderr_has("no AWS credentials")
            .stderr_has("has no IAM role");
        assert_eq!(imds.seen().len(), 2, "the token, then the role list");
    }
}

/// On a real instance the metadata service answers: once it has, a step that then hangs
/// (a slow or throttled IMDS) is the service's trouble, and `run` falls back.
#[test]
fn a_metadata_service_that_answers_then_hangs_is_a_fallback() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.canary_snapshot("old.age", &[&recipient], &[]);
    let imds = FakeServer::start(|seen| match (seen.method.as_str(), seen.target.as_str()) {
        ("PUT", "/latest/api/token") => Reply::text(200, "imds-token"),
        _ => {
            std::thread::sleep(Duration::from_secs(10));
            Reply::text(200, "app-role")
        }
    });
    let started = start_with_imds_only(&sandbox, &imds.url(), "4s");
    assert_eq!(started.ok().stdout, "snapshot\n");
    started
        .stderr_has("unreachable")
        .stderr_has("instance metadata service");
}

/// A snapshot of another stage does not stand in for the current one.
#[test]
fn a_snapshot_of_another_stage_is_another_scope() {
    let moto = Moto::start();
    moto.setup(&["secret", "shop/db", &rds_secret(CANARIES[0])]);
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    let env = moto.env();
    snapshot(&sandbox, &recipient, "aws-sm:shop/db@AWSCURRENT", &[], &env).ok();
    assert_eq!(
        sandbox.inspect_json("snap.age")["source"]["stage"],
        "AWSCURRENT"
    );
    snapshot(&sandbox, &recipient, "aws-sm:shop/db", &[], &env).ok();
    assert_eq!(
        sandbox.inspect_json("snap.age")["source"]["stage"],
        "AWSCURRENT"
    );
    let run = |source: &str| {
        let mut down = moto.env();
        down.retain(|(n, _)| *n != "AWS_ENDPOINT_URL");
        down.push(("AWS_ENDPOINT_URL", "http://127.0.0.1:9".into()));
        sandbox.run_env(
            &[
                "run",
                "--source",
                source,
                "--snapshot",
                "snap.age",
                "-i",
                "key.txt",
                "--",
                "true",
            ],
            &pairs(&down),
        )
    };
    run("aws-sm:shop/db").ok();
    run("aws-sm:shop/db@AWSPENDING")
        .code(23)
        .stderr_has("AWS stage");
}

/// Throttling and a 5xx from a small proxy in front of the real moto: `snapshot` retries
/// through them and then gets the secret from moto (signed for the address it asked, the
/// proxy's, which forwards the Host header as it came).
#[test]
fn throttling_then_an_error_then_the_real_answer_through_a_proxy() {
    let moto = Moto::start();
    moto.setup(&["secret", "shop/db", &rds_secret(CANARIES[0])]);
    let upstream = moto.url.trim_start_matches("http://").to_string();
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    let proxy = FakeServer::start(move |request| {
        match seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
            0 => Reply::json(
                400,
                &serde_json::json!({"__type": "ThrottlingException", "message": "Rate exceeded"}),
            ),
            1 => Reply::json(
                503,
                &serde_json::json!({"__type": "ServiceUnavailable", "message": "try again"}),
            ),
            _ => crate::services::http_fake::forward(request, &upstream),
        }
    });
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    let mut env = moto.env();
    env.retain(|(n, _)| *n != "AWS_ENDPOINT_URL");
    env.push(("AWS_ENDPOINT_URL", proxy.url()));
    snapshot(&sandbox, &recipient, "aws-sm:shop/db", &[], &env).ok();
    assert_eq!(recovered(&sandbox)["password"], CANARIES[0]);
    assert_eq!(
        count.load(std::sync::atomic::Ordering::SeqCst),
        3,
        "two failures, then moto"
    );
    // A wrong key through the same proxy: moto itself refuses it.
    let mut wrong = env.clone();
    wrong.retain(|(n, _)| *n != "AWS_SECRET_ACCESS_KEY");
    wrong.push(("AWS_SECRET_ACCESS_KEY", "not-the-key".into()));
    snapshot(&sandbox, &recipient, "aws-sm:shop/db", &[], &wrong)
        .code(10)
        .stderr_has("SignatureDoesNotMatch");
}

/// A 503 storm on the second page of a Parameter Store path: the retries are paid from
/// the ten requests every fetch has, and only the one page received adds one more. (The
/// page allowance was given up front, so a storm on one page could send up to 110.)
#[test]
fn a_503_storm_on_a_page_spends_the_ten_requests_not_the_pages() {
    let moto = Moto::start();
    for i in 0..11 {
        moto.setup(&[
            "param",
            &format!("/shop/prod/KEY_{i:02}"),
            &format!("value-{i}"),
            "String",
        ]);
    }
    let upstream = moto.url.trim_start_matches("http://").to_string();
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    let front = FakeServer::start(move |request| {
        match seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
            0 => crate::services::http_fake::forward(request, &upstream),
            _ => Reply::json(
                503,
                &serde_json::json!({"__type": "ServiceUnavailable", "message": "try again"}),
            ),
        }
    });
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    let mut env = moto.env();
    env.retain(|(n, _)| *n != "AWS_ENDPOINT_URL");
    env.push(("AWS_ENDPOINT_URL", front.url()));
    // A deadline long enough for many more than eleven tries: the budget must stop it.
    snapshot(
        &sandbox,
        &recipient,
        "aws-ssm:/shop/prod/",
        &["--timeout", "30s"],
        &env,
    )
    .code(12)
    .stderr_has("server-error")
    .stderr_has("gave up after 11 requests");
    assert_eq!(
        count.load(std::sync::atomic::Ordering::SeqCst),
        11,
        "one page received, then the ten requests of a fetch"
    );
}

/// Two parameters whose paths make one name, and a path of more than 100 pages: answers
/// lifeboat cannot use, so `run` falls back (`bad-response`) with a warning that names
/// the problem, and `snapshot` refuses them (exit 12), keeping the old snapshot.
#[test]
fn parameters_that_make_one_name_are_a_bad_response() {
    let moto = Moto::start();
    moto.setup(&["param", "/app/a/B", CANARIES[0], "SecureString"]);
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    let env = moto.env();
    snapshot(&sandbox, &recipient, "aws-ssm:/app/", &[], &env).ok();
    let good = sandbox.read("snap.age");
    moto.setup(&["param", "/app/a_B", CANARIES[1], "SecureString"]);
    let started = sandbox.run_env(
        &[
            "run",
            "--source",
            "aws-ssm:/app/",
            "--snapshot",
            "snap.age",
            "-i",
            "key.txt",
            "--",
            "sh",
            "-c",
            "echo $LIFEBOAT_ORIGIN $a_B",
        ],
        &pairs(&env),
    );
    assert_eq!(started.ok().stdout, format!("snapshot {}\n", CANARIES[0]));
    started
        .stderr_has("bad-response")
        .stderr_has("two parameters under /app/ make the one name a_B");
    snapshot(&sandbox, &recipient, "aws-ssm:/app/", &[], &env)
        .code(12)
        .stderr_has("bad-response")
        .stderr_has("make the one name a_B");
    assert_eq!(sandbox.read("snap.age"), good, "the old snapshot is kept");
}

#[test]
fn more_than_a_hundred_pages_are_a_bad_response() {
    let pages = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = pages.clone();
    let ssm = FakeServer::start(move |_| {
        let page = counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Reply::json(
            200,
            &serde_json::json!({
                "Parameters": [{"Name": format!("/big/KEY_{page}"), "Value": "v", "Type": "String",
                    "ARN": format!("arn:aws:ssm:us-east-1:123456789012:parameter/big/KEY_{page}")}],
                "NextToken": format!("token-{page}"),
            }),
        )
    });
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.canary_snapshot("old.age", &[&recipient], &[]);
    let env = vec![
        ("AWS_ENDPOINT_URL", ssm.url()),
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "example-secret".to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
    ];
    let started = sandbox.run_env(
        &[
            "run",
            "--source",
            "aws-ssm:/big/",
            "--snapshot",
            "old.age",
            "-i",
            "key.txt",
            "--allow-other-source",
            "--timeout",
            "20s",
            "--",
            "sh",
            "-c",
            "echo $LIFEBOAT_ORIGIN",
        ],
        &pairs(&env),
    );
    assert_eq!(started.ok().stdout, "snapshot\n");
    started
        .stderr_has("bad-response")
        .stderr_has("more than 100 pages under /big/");
    assert_eq!(pages.load(std::sync::atomic::Ordering::SeqCst), 100);
    snapshot(
        &sandbox,
        &recipient,
        "aws-ssm:/big/",
        &["--timeout", "20s"],
        &env,
    )
    .code(12)
    .stderr_has("more than 100 pages");
}

/// The access key id a request to this fake was signed with (`Credential=AKID/…`).
fn signed_with(seen: &crate::services::http_fake::Seen) -> String {
    let authorization = seen
        .headers
        .get("authorization")
        .cloned()
        .unwrap_or_default();
    authorization
        .split("Credential=")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("unsigned")
        .to_string()
}

/// Fakes of everything the chain may ask: STS (a web identity), the container agent, and
/// Secrets Manager, which records the key each request was signed with. Each identity has
/// its own access key id, so the key says which step of the chain signed.
struct Identities {
    sts: FakeServer,
    agent: FakeServer,
    secrets_manager: FakeServer,
}

const WEB_IDENTITY_KEY: &str = "ASIAWEBIDENTITY00001";
const CONTAINER_KEY: &str = "ASIACONTAINER0000001";

impl Identities {
    fn start() -> Self {
        let sts = FakeServer::start(|seen| {
            let form = String::from_utf8_lossy(&seen.body).into_owned();
            if !form
                .split('&')
                .any(|p| p == "Action=AssumeRoleWithWebIdentity")
            {
                return Reply::text(
                    400,
                    "<ErrorResponse><Error><Code>MissingParameter</Code></Error></ErrorResponse>",
                );
            }
            Reply::text(
                200,
                &format!(
                    "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>{WEB_IDENTITY_KEY}</AccessKeyId><SecretAccessKey>web-identity-secret</SecretAccessKey><SessionToken>web-identity-session</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"
                ),
            )
            .with_header("content-type", "text/xml")
        });
        let agent = FakeServer::start(|_| {
            Reply::json(
                200,
                &serde_json::json!({"AccessKeyId": CONTAINER_KEY, "SecretAccessKey": "container-secret",
                    "Token": "container-session", "Expiration": "2099-01-01T00:00:00Z"}),
            )
        });
        let secrets_manager = FakeServer::start(|_| {
            Reply::json(
                200,
                &serde_json::json!({"ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/db-AbCdEf",
                    "Name": "shop/db", "VersionId": "v1", "SecretString": "{\"password\":\"pw\"}"}),
            )
        });
        Identities {
            sts,
            agent,
            secrets_manager,
        }
    }

    /// What every set-up shares: the endpoints, the region, no IMDS.
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "AWS_ENDPOINT_URL_SECRETS_MANAGER",
                self.secrets_manager.url(),
            ),
            ("AWS_ENDPOINT_URL_STS", self.sts.url()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }

    fn container(&self) -> (&'static str, String) {
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            format!("{}/v1/credentials", self.agent.url()),
        )
    }
}

/// The shared files every set-up below has: the default profile and `ci` with keys in the
/// credentials file, `cfg` with keys in the config file only, `web` with a web identity,
/// `regional` with a region only.
fn write_profiles(sandbox: &Sandbox) {
    std::fs::create_dir(sandbox.path(".aws")).unwrap();
    sandbox.write(
        ".aws/credentials",
        "[default]\naws_access_key_id = AKIADEFAULTPROFILE01\naws_secret_access_key = default-secret\n\n[ci]\naws_access_key_id = AKIACIPROFILE0000001\naws_secret_access_key = ci-secret\n",
    );
    sandbox.write(
        ".aws/config",
        "[profile cfg]\naws_access_key_id = AKIACONFIGFILE000001\naws_secret_access_key = cfg-secret\n\n[profile web]\nweb_identity_token_file = web-token\nrole_arn = arn:aws:iam::123456789012:role/app\n\n[profile regional]\nregion = us-east-1\n",
    );
    sandbox.write("web-token", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhcHAifQ.c2ln");
}

/// Environment variables for lifeboat and botocore.
type Env = Vec<(&'static str, String)>;

/// For several set-ups, botocore (the AWS SDK for Python, the reference for the chain's
/// order) is asked which access key it resolves, and lifeboat must sign with the same one.
/// The profile comes before the container endpoint: with `AWS_PROFILE=ci` and a container
/// endpoint, lifeboat used to sign as the container's identity.
#[test]
fn the_credential_chain_signs_as_botocore_does() {
    let fakes = Identities::start();
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    write_profiles(&sandbox);
    let container = fakes.container();
    let env_keys = [
        ("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT00001".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "env-secret".to_string()),
    ];
    let web_identity = [
        ("AWS_WEB_IDENTITY_TOKEN_FILE", "web-token".to_string()),
        (
            "AWS_ROLE_ARN",
            "arn:aws:iam::123456789012:role/app".to_string(),
        ),
    ];
    let profile = |name: &str| ("AWS_PROFILE", name.to_string());
    let setups: Vec<(&str, Env, &str)> = vec![
        (
            "environment keys, a profile and a container endpoint",
            [&env_keys[..], &[profile("ci"), container.clone()]].concat(),
            "AKIAENVIRONMENT00001",
        ),
        (
            "AWS_PROFILE with static keys and a container endpoint",
            vec![profile("ci"), container.clone()],
            "AKIACIPROFILE0000001",
        ),
        (
            "a web identity and AWS_PROFILE with static keys",
            [&web_identity[..], &[profile("ci")]].concat(),
            WEB_IDENTITY_KEY,
        ),
        (
            "a profile only (keys in the config file) and a container endpoint",
            vec![profile("cfg"), container.clone()],
            "AKIACONFIGFILE000001",
        ),
        (
            "a profile's own web identity and a container endpoint",
            vec![profile("web"), container.clone()],
            WEB_IDENTITY_KEY,
        ),
        (
            "the default profile and a container endpoint",
            vec![container.clone()],
            "AKIADEFAULTPROFILE01",
        ),
        (
            "a profile with a region only and a container endpoint",
            vec![profile("regional"), container.clone()],
            CONTAINER_KEY,
        ),
    ];
    for (setup, extra, expected) in setups {
        let env = [fakes.env(), extra].concat();
        let botocore = botocore_access_key(sandbox.root(), &pairs(&env));
        assert_eq!(botocore, expected, "botocore, {setup}");
        snapshot(&sandbox, &recipient, "aws-sm:shop/db", &[], &env).ok();
        let signed = signed_with(fakes.secrets_manager.seen().last().unwrap());
        assert_eq!(signed, botocore, "lifeboat signs as botocore does: {setup}");
    }
    // The account the answer's ARN names is in the scope.
    assert_eq!(
        sandbox.inspect_json("snap.age")["source"]["account"],
        "123456789012"
    );
}

/// A profile that gets its credentials a way lifeboat cannot (a role to assume, SSO, a
/// login session, a process) is refused by name, exit 2, before anything is asked: never
/// a silent fall through to the container's or the instance's identity. So is an
/// AWS_PROFILE that names no profile.
#[test]
fn a_profile_lifeboat_cannot_use_is_refused_not_skipped() {
    let fakes = Identities::start();
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    std::fs::create_dir(sandbox.path(".aws")).unwrap();
    sandbox.write(
        ".aws/config",
        "[profile login]\nlogin_session = arn:aws:iam::123456789012:user/me\n\n[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = app\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\n[profile process]\ncredential_process = /bin/false\n\n[profile assume]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = base\n\n[profile base]\nregion = us-east-1\n",
    );
    for (name, key) in [
        ("login", "login_session"),
        ("sso", "sso_account_id"),
        ("process", "credential_process"),
        ("assume", "role_arn"),
    ] {
        let env = [
            fakes.env(),
            vec![("AWS_PROFILE", name.to_string()), fakes.container()],
        ]
        .concat();
        snapshot(&sandbox, &recipient, "aws-sm:shop/db", &[], &env)
            .code(2)
            .stderr_has(&format!("the AWS profile {name} gets its credentials from"))
            .stderr_has(&format!("({key})"));
    }
    let env = [
        fakes.env(),
        vec![("AWS_PROFILE", "missing".to_string()), fakes.container()],
    ]
    .concat();
    snapshot(&sandbox, &recipient, "aws-sm:shop/db", &[], &env)
        .code(2)
        .stderr_has("AWS_PROFILE names the profile missing");
    assert!(
        fakes.agent.seen().is_empty(),
        "the container was never asked"
    );
    assert!(fakes.secrets_manager.seen().is_empty());
}
