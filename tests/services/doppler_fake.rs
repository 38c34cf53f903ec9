//! A fake of the Doppler API's secrets download endpoint, faithful to the facts in
//! `shared/reference/doppler-api.md` and proven against the real Doppler CLI
//! (`tests/live.rs`), with switchable failure modes.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::json;

use super::http_fake::{FakeServer, Reply, Seen};

/// How the fake answers the download endpoint.
#[derive(Clone, Debug)]
pub enum Mode {
    /// As the real API does.
    Normal,
    /// This status, with Doppler's error body.
    Status(u16),
    /// 429 with `Retry-After: N`.
    RateLimited(u64),
    /// 200 with a body that is not JSON.
    NotJson,
    /// 200 with a JSON object whose values are not all strings.
    NonStringValues,
    /// Closes the connection without answering.
    Reset,
    /// 302 to another address.
    Redirect(String),
    /// 401 whose message quotes the token back (a hostile or careless server).
    EchoToken,
    /// 200 with a body over lifeboat's 64 MiB cap.
    Oversized,
    /// 200 with a valid body sent one byte a second.
    Trickle,
    /// 200 with a valid body after 1 MiB of headers.
    HugeHeaders,
    /// A rate-limited API: this many downloads a second are served, the rest get 429
    /// with `Retry-After: 1` (the benchmarks' thundering herd, `examples/doppler_fake.rs`).
    #[allow(dead_code)]
    PerSecond(u32),
}

struct State {
    secrets: BTreeMap<String, String>,
    token: String,
    project: String,
    config: String,
    mode: Mode,
    /// How many more requests get `mode` before answering normally again (None: all).
    remaining: Option<usize>,
    /// For [`Mode::PerSecond`]: the current second and the downloads served in it.
    window: (u64, u32),
}

/// The fake Doppler API.
pub struct DopplerFake {
    /// The HTTP server under it.
    pub server: FakeServer,
    state: Arc<Mutex<State>>,
}

fn error(status: u16, message: &str) -> Reply {
    Reply::json(status, &json!({"messages": [message], "success": false}))
}

impl DopplerFake {
    /// A fake holding `secrets` for one service token bound to `project`/`config`.
    pub fn start(secrets: &[(&str, &str)], token: &str, project: &str, config: &str) -> Self {
        Self::start_on(0, secrets, token, project, config)
    }

    /// The same on a given port (0: any free one).
    pub fn start_on(
        port: u16,
        secrets: &[(&str, &str)],
        token: &str,
        project: &str,
        config: &str,
    ) -> Self {
        let state = Arc::new(Mutex::new(State {
            secrets: secrets
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            token: token.into(),
            project: project.into(),
            config: config.into(),
            mode: Mode::Normal,
            remaining: None,
            window: (0, 0),
        }));
        let shared = state.clone();
        let server = FakeServer::start_on(port, move |request| {
            answer(&mut shared.lock().unwrap(), request)
        });
        DopplerFake { server, state }
    }

    /// `http://127.0.0.1:PORT`, for `DOPPLER_API_HOST` or `--api-host`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Changes (or adds) a secret, as someone editing it in Doppler would.
    pub fn set_secret(&self, name: &str, value: &str) {
        self.state
            .lock()
            .unwrap()
            .secrets
            .insert(name.into(), value.into());
    }

    /// Deletes a secret, as someone removing it in Doppler would.
    pub fn remove_secret(&self, name: &str) {
        self.state.lock().unwrap().secrets.remove(name);
    }

    /// Answers every request in `mode` from now on.
    pub fn set_mode(&self, mode: Mode) {
        let mut state = self.state.lock().unwrap();
        state.mode = mode;
        state.remaining = None;
    }

    /// Answers the next `count` requests in `mode`, then normally.
    pub fn fail_next(&self, count: usize, mode: Mode) {
        let mut state = self.state.lock().unwrap();
        state.mode = mode;
        state.remaining = Some(count);
    }

    /// The download requests seen so far.
    pub fn downloads(&self) -> Vec<Seen> {
        self.server
            .seen()
            .into_iter()
            .filter(|r| r.target.starts_with("/v3/configs/config/secrets/download"))
            .collect()
    }
}

fn query(target: &str) -> BTreeMap<String, String> {
    let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), v.replace("%2F", "/")))
        .collect()
}

fn answer(state: &mut State, request: &Seen) -> Reply {
    let path = request.target.split('?').next().unwrap_or_default();
    if path == "/v3/configs/config/ping" {
        return Reply::json(200, &json!({"success": true}));
    }
    if path != "/v3/configs/config/secrets/download" || request.method != "GET" {
        return error(404, "Not found");
    }
    let mode = match state.remaining {
        Some(0) => Mode::Normal,
        Some(n) => {
            state.remaining = Some(n - 1);
            state.mode.clone()
        }
        None => state.mode.clone(),
    };
    match mode {
        Mode::Normal => {}
        Mode::PerSecond(limit) => {
            let second = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs();
            if state.window.0 != second {
                state.window = (second, 0);
            }
            if state.window.1 >= limit {
                return error(429, "Too many requests").with_header("retry-after", "1");
            }
            state.window.1 += 1;
        }
        Mode::Status(status) => return error(status, "The fake was told to fail"),
        Mode::RateLimited(seconds) => {
            return error(429, "Too many requests").with_header("retry-after", &seconds.to_string())
        }
        Mode::NotJson => return Reply::text(200, "<html>maintenance</html>"),
        Mode::NonStringValues => return Reply::json(200, &json!({"A": "1", "PORT": 8080})),
        Mode::Reset => return Reply::Close,
        Mode::Redirect(to) => {
            return Reply::text(302, "").with_header("location", &format!("{to}{}", request.target))
        }
        Mode::Oversized => {
            let mut body = b"{\"A\":\"".to_vec();
            body.resize(65 << 20, b'a');
            return Reply::Respond {
                status: 200,
                headers: vec![],
                body,
            };
        }
        Mode::Trickle => {
            return Reply::Trickle {
                body: br#"{"A":"1"}"#.to_vec(),
                every: std::time::Duration::from_secs(1),
            }
        }
        Mode::HugeHeaders => {
            let headers = (0..16_384)
                .map(|i| (format!("x-padding-{i:05}"), "p".repeat(48)))
                .collect();
            return Reply::Respond {
                status: 200,
                headers,
                body: br#"{"A":"1"}"#.to_vec(),
            };
        }
        Mode::EchoToken => {
            let sent = request
                .headers
                .get("authorization")
                .cloned()
                .unwrap_or_default();
            return error(401, &format!("Invalid token {sent}"));
        }
    }
    let bearer = request
        .headers
        .get("authorization")
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer != Some(state.token.as_str()) {
        return error(401, "Invalid Auth token");
    }
    let query = query(&request.target);
    let wanted = |key: &str, own: &str| {
        query
            .get(key)
            .map(|v| v.is_empty() || v == own)
            .unwrap_or(true)
    };
    if !wanted("project", &state.project) || !wanted("config", &state.config) {
        return error(
            403,
            "This token does not have access to requested project/config",
        );
    }
    if query.get("format").map(String::as_str).unwrap_or("json") != "json" {
        return error(400, "The fake serves format=json only");
    }
    let mut body = state.secrets.clone();
    body.insert("DOPPLER_PROJECT".into(), state.project.clone());
    body.insert("DOPPLER_CONFIG".into(), state.config.clone());
    body.insert(
        "DOPPLER_ENVIRONMENT".into(),
        state.config.split('_').next().unwrap_or_default().into(),
    );
    let text = serde_json::to_string(&body).unwrap();
    let etag = format!(
        "\"{:x}\"",
        text.len() * 31 + text.bytes().map(usize::from).sum::<usize>()
    );
    if request.headers.get("if-none-match") == Some(&etag) {
        return Reply::Respond {
            status: 304,
            headers: vec![("etag".into(), etag)],
            body: Vec::new(),
        };
    }
    Reply::json(
        200,
        &serde_json::Value::Object(
            body.into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect(),
        ),
    )
    .with_header("etag", &etag)
}
