//! Which credentials `run` takes out of the app's environment: those of the sources it is
//! configured with, never another provider's (the app may use one of its own), and the
//! runtime key whatever the source. `--keep-credentials` keeps the sources' credentials,
//! `--keep-identity` the runtime key, each on its own.

use std::collections::BTreeMap;

use serde_json::json;

use crate::run::setup;
use crate::services::bao::{Bao, ROOT_TOKEN};
use crate::services::http_fake::{FakeServer, Reply};
use crate::util::{CANARIES, TOKENS};

/// Every provider's credential variables, set to values of the app's own.
const APP_OWN: [(&str, &str); 7] = [
    ("DOPPLER_TOKEN", "app-own-doppler-token"),
    ("VAULT_TOKEN", "app-own-vault-token"),
    ("VAULT_ROLE_ID", "app-own-role-id"),
    ("VAULT_SECRET_ID", "app-own-secret-id"),
    ("LIFEBOAT_HTTP_TOKEN", "app-own-http-token"),
    ("AWS_ACCESS_KEY_ID", "AKIAAPPOWNEXAMPLE"),
    ("AWS_SECRET_ACCESS_KEY", "app-own-aws-secret"),
];

/// The app's own credentials of every provider but those named in `gone`, which are absent,
/// as is the runtime key.
#[track_caller]
fn assert_removed_only(env: &BTreeMap<String, String>, gone: &[&str]) {
    for name in gone {
        assert!(!env.contains_key(*name), "{name} reached the app");
    }
    for (name, value) in APP_OWN.iter().filter(|(n, _)| !gone.contains(n)) {
        assert_eq!(
            env.get(*name).map(String::as_str),
            Some(*value),
            "{name}, the app's own, was taken away"
        );
    }
    assert!(!env.contains_key("LIFEBOAT_IDENTITY_FILE"));
    assert!(!env.contains_key("LIFEBOAT_IDENTITY"));
}

/// The app's own credentials for every provider, but lifeboat's Doppler token.
fn doppler_env() -> Vec<(&'static str, &'static str)> {
    APP_OWN
        .iter()
        .copied()
        .filter(|(n, _)| *n != "DOPPLER_TOKEN")
        .collect()
}

#[test]
fn a_doppler_source_removes_its_token_only() {
    let setup = setup();
    setup.run(&setup.fake.url(), &[], &doppler_env()).ok();
    assert_removed_only(&setup.app_env().unwrap(), &["DOPPLER_TOKEN"]);
}

#[test]
fn a_vault_source_removes_the_vault_credentials_only() {
    let setup = setup();
    let bao = Bao::start();
    bao.put("app", &[&format!("API_KEY={}", CANARIES[1])]);
    let mut env: Vec<(&str, &str)> = APP_OWN
        .iter()
        .copied()
        .filter(|(n, _)| *n != "VAULT_TOKEN")
        .collect();
    env.extend([
        ("VAULT_TOKEN", ROOT_TOKEN),
        ("VAULT_ADDR", bao.address.as_str()),
        ("LIFEBOAT_SOURCE", "vault:secret/app"),
        ("LIFEBOAT_SNAPSHOT", "none.age"),
    ]);
    setup.run(&setup.fake.url(), &[], &env).ok();
    let app = setup.app_env().unwrap();
    assert_eq!(app["API_KEY"], CANARIES[1]);
    assert_removed_only(&app, &["VAULT_TOKEN", "VAULT_ROLE_ID", "VAULT_SECRET_ID"]);
}

#[test]
fn an_https_source_removes_its_token_only() {
    let token = TOKENS[2];
    let server = FakeServer::start(move |request| {
        if request.headers.get("authorization").map(String::as_str)
            == Some(&format!("Bearer {token}"))
        {
            Reply::json(200, &json!({"API_KEY": CANARIES[1]}))
        } else {
            Reply::json(401, &json!({"errors": ["missing token"]}))
        }
    });
    let setup = setup();
    let url = format!("{}/v1/secrets", server.url());
    let mut env: Vec<(&str, &str)> = APP_OWN
        .iter()
        .copied()
        .filter(|(n, _)| *n != "LIFEBOAT_HTTP_TOKEN")
        .collect();
    env.extend([
        ("LIFEBOAT_HTTP_TOKEN", token),
        ("LIFEBOAT_SOURCE", url.as_str()),
        ("LIFEBOAT_SNAPSHOT", "none.age"),
    ]);
    setup.run(&setup.fake.url(), &[], &env).ok();
    let app = setup.app_env().unwrap();
    assert_eq!(app["API_KEY"], CANARIES[1]);
    assert_removed_only(&app, &["LIFEBOAT_HTTP_TOKEN"]);
}

#[test]
fn a_file_source_removes_no_provider_credentials() {
    let setup = setup();
    setup
        .sandbox
        .write("app.secrets", format!("API_KEY={}\n", CANARIES[1]));
    let mut env = APP_OWN.to_vec();
    env.extend([
        ("LIFEBOAT_SOURCE", "file:app.secrets"),
        ("LIFEBOAT_SNAPSHOT", "none.age"),
    ]);
    setup.run(&setup.fake.url(), &[], &env).ok();
    let app = setup.app_env().unwrap();
    assert_eq!(app["API_KEY"], CANARIES[1]);
    assert_removed_only(&app, &[]);
}

/// `--keep-credentials` keeps the source's token and not the runtime key; the runtime
/// key takes `--keep-identity` (or `LIFEBOAT_KEEP_IDENTITY`), which keeps nothing else.
#[test]
fn the_runtime_key_is_kept_only_by_its_own_flag() {
    let setup = setup();
    let url = setup.fake.url();
    setup.run(&url, &["--keep-credentials"], &[]).ok();
    let app = setup.app_env().unwrap();
    assert_eq!(app["DOPPLER_TOKEN"], TOKENS[0]);
    assert!(!app.contains_key("LIFEBOAT_IDENTITY_FILE"));
    // The key as text, too.
    let key = String::from_utf8(setup.sandbox.read("key.txt")).unwrap();
    setup
        .run(
            &url,
            &["--keep-credentials"],
            &[("LIFEBOAT_IDENTITY", &key), ("LIFEBOAT_IDENTITY_FILE", "")],
        )
        .ok();
    let app = setup.app_env().unwrap();
    assert!(
        !app.contains_key("LIFEBOAT_IDENTITY"),
        "--keep-credentials handed on the runtime key"
    );
    assert_eq!(app["DOPPLER_TOKEN"], TOKENS[0]);
    setup.run(&url, &["--keep-identity"], &[]).ok();
    let app = setup.app_env().unwrap();
    assert_eq!(app["LIFEBOAT_IDENTITY_FILE"], "key.txt");
    assert!(!app.contains_key("DOPPLER_TOKEN"));
    setup
        .run(&url, &[], &[("LIFEBOAT_KEEP_IDENTITY", "1")])
        .ok();
    assert_eq!(
        setup.app_env().unwrap()["LIFEBOAT_IDENTITY_FILE"],
        "key.txt"
    );
}
