//! The HTTP client: one request, retried under one total deadline, classified.
//!
//! The deadline is a promise: nothing here may outlive it. Every attempt runs under
//! `timeout_at`, and the I/O runtime is shut down without waiting when the client is
//! dropped, because a DNS lookup runs on a blocking thread that no timeout can stop (a
//! resolver that never answers would otherwise hold the start for its own 10 to 30 s).

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use zeroize::Zeroizing;

use super::proxy::{proxy_from_environment, ProxyChoice};
use super::retry::{parse_retry_after, RequestBudget, Retry};
use super::{Deadline, FailureClass, FetchError, RetryPolicy, Trust};

/// The most a response body may hold. 100,000 secrets fit in a few MiB.
pub const MAX_RESPONSE_BYTES: usize = 64 << 20;

/// How long connecting may take, inside the total deadline.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// The request methods lifeboat uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Reads.
    Get,
    /// Logins (Vault), and the AWS JSON and query APIs.
    Post,
    /// The token request of the EC2 instance metadata service (IMDSv2).
    Put,
}

/// What a service's error body says, for a service whose status alone does not tell
/// (AWS answers most failures with 400 and a `__type`).
pub struct ErrorVerdict {
    /// The class it falls in.
    pub class: FailureClass,
    /// A rate limit (throttling): given way to at once where the caller has a copy.
    pub rate_limited: bool,
    /// What to quote of it (scrubbed and cut like any server text).
    pub said: String,
}

/// Reads an error answer (status and body) into a verdict, or leaves it to the status.
pub type ErrorReader = fn(u16, &[u8]) -> Option<ErrorVerdict>;

/// One request. Header values marked secret are sent as sensitive headers (never shown in
/// debug output) and only to the request's own origin.
pub struct Request {
    /// The method.
    pub method: Method,
    /// The URL; its origin is the only one the credentials are sent to.
    pub url: Url,
    /// Headers, as (name, value, secret).
    pub headers: Vec<(&'static str, Zeroizing<String>, bool)>,
    /// A body (JSON unless a content-type header says otherwise).
    pub body: Option<Zeroizing<Vec<u8>>>,
}

impl Request {
    /// A GET of `url`.
    pub fn get(url: Url) -> Self {
        Request {
            method: Method::Get,
            url,
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &'static str, value: &str, secret: bool) -> Self {
        self.headers
            .push((name, Zeroizing::new(value.to_string()), secret));
        self
    }
}

/// An attempt's failure, with whether a retry may help.
struct Failure {
    class: FailureClass,
    reason: String,
    retry: Retry,
    hint: Option<&'static str>,
}

impl Failure {
    fn new(class: FailureClass, reason: String, retry: Retry) -> Self {
        Failure {
            class,
            reason,
            retry,
            hint: None,
        }
    }
}

/// What to do about a 4xx that is neither a denial nor an unknown path.
const OTHER_4XX_HINT: &str = "the service refused the request as lifeboat made it: check that the source's address is the service's API, and the settings the status points at";

/// The most same-origin redirects one request follows.
const MAX_REDIRECTS: u32 = 5;

/// Where one attempt goes: the request's URL, or where a same-origin redirect pointed.
struct Target {
    url: Url,
    method: Method,
    with_body: bool,
}

/// What an attempt got: the body, or a redirect to follow.
enum Answer {
    Body(Zeroizing<Vec<u8>>),
    Redirect { to: Url, status: u16 },
}

/// What to do about a proxy that wants credentials.
/// The advice on a proxy's 407 (a login refusal keeps it: the proxy refused, not the
/// login).
pub const PROXY_AUTH_HINT: &str = "give the proxy's credentials in its address (http://USER:PASSWORD@HOST:PORT), or exempt the service with NO_PROXY";

/// What to do about a redirect to another origin, which is most often a Vault HA standby.
const REDIRECT_HINT: &str = "lifeboat sends credentials only to the address it was given, so it does not follow redirects elsewhere; a Vault or OpenBao HA standby answers 307 with the active node's address: point VAULT_ADDR at the active node or at a load balancer that forwards to it";

/// The client every live source uses.
pub struct HttpClient {
    client: reqwest::Client,
    /// Always `Some` until dropped (see `Drop`).
    runtime: Option<tokio::runtime::Runtime>,
    policy: RetryPolicy,
    /// Secret strings to scrub from any server text quoted in a reason (a login adds the
    /// token it got, hence the lock).
    scrub: std::sync::Mutex<Vec<Zeroizing<String>>>,
    /// Requests sent so far, against the ten of a fetch and the pages received.
    budget: RequestBudget,
    /// The proxy variable in use, for messages.
    proxy: Option<&'static str>,
    /// How to read this service's error bodies, if its statuses are not enough.
    error_reader: Option<ErrorReader>,
}

impl Drop for HttpClient {
    /// Never waits for the runtime's threads: a lookup stuck in the resolver stays stuck
    /// on its own thread, and the process goes on (to `exec`, or to exit) without it.
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

fn config_error(what: &str) -> impl Fn(reqwest::Error) -> FetchError + '_ {
    move |e| FetchError::Config(format!("{what}: {e}"))
}

impl HttpClient {
    /// A client for the service at `address` (and its own origin only), trusting
    /// `trust`, through the proxy the environment names for it.
    pub fn new(address: &Url, trust: &Trust) -> Result<Self, FetchError> {
        Self::build(address, trust, proxy_from_environment(address)?)
    }

    /// The same with no proxy whatever the environment says: for the local credential
    /// endpoints (an ECS or EKS agent, IMDS), which a proxy cannot reach and whose
    /// credentials must not cross it in the clear.
    pub fn direct(address: &Url, trust: &Trust) -> Result<Self, FetchError> {
        Self::build(address, trust, None)
    }

    fn build(address: &Url, trust: &Trust, proxy: Option<ProxyChoice>) -> Result<Self, FetchError> {
        let needs_tls = address.scheme() == "https"
            || proxy.as_ref().is_some_and(|p| p.url.scheme() == "https");
        let tls = trust.client_config(needs_tls)?;
        // The library's own reading of the proxy variables is off: lifeboat chose above.
        let mut builder = reqwest::Client::builder().no_proxy();
        if let Some(ProxyChoice { url, variable }) = &proxy {
            let proxy = reqwest::Proxy::all(url.as_str()).map_err(|_| {
                FetchError::Config(format!(
                    "{variable} is not a proxy address lifeboat can use"
                ))
            })?;
            builder = builder.proxy(proxy);
        }
        let client = builder
            .tls_backend_preconfigured(tls)
            .user_agent(concat!("lifeboat/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            // Redirects are followed here, not by the library, so that every hop counts
            // against the request budget and stays within the one origin.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(config_error("cannot set up the HTTP client"))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| FetchError::Config(format!("cannot start the I/O runtime: {e}")))?;
        Ok(HttpClient {
            client,
            runtime: Some(runtime),
            policy: RetryPolicy::default(),
            scrub: std::sync::Mutex::new(Vec::new()),
            budget: RequestBudget::new(0),
            proxy: proxy.map(|p| p.variable),
            error_reader: None,
        })
    }

    /// Allows one request beyond the ten of a fetch for each answer received, up to
    /// `pages`, for a source that pages through its answer (one request a page): retries
    /// are paid from the ten, never from pages not yet received.
    pub fn with_pages(mut self, pages: u32) -> Self {
        self.budget = RequestBudget::new(pages);
        self
    }

    /// Reads error answers with `reader` before their status.
    pub fn reading_errors_with(mut self, reader: ErrorReader) -> Self {
        self.error_reader = Some(reader);
        self
    }

    /// Uses other retry settings (tests use shorter waits).
    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Never quotes `secret` in a reason, even if a server echoes it back.
    pub fn scrub(&self, secret: &str) {
        if !secret.is_empty() {
            self.scrub
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(Zeroizing::new(secret.to_string()));
        }
    }

    /// Sends `request` until it succeeds, fails for good, or the deadline passes, and
    /// returns the body of the successful response. A header HTTP cannot carry is
    /// lifeboat's configuration, refused before anything is sent.
    pub fn fetch(
        &self,
        request: &Request,
        deadline: Deadline,
    ) -> Result<Zeroizing<Vec<u8>>, FetchError> {
        let headers = request_headers(request)?;
        let runtime = self.runtime.as_ref().expect("the runtime lives until drop");
        runtime.block_on(self.fetch_with_retries(request, &headers, deadline))
    }

    async fn fetch_with_retries(
        &self,
        request: &Request,
        headers: &HeaderMap,
        deadline: Deadline,
    ) -> Result<Zeroizing<Vec<u8>>, FetchError> {
        let mut attempt = 0u32;
        let mut refused_retried = false;
        let mut closed_retried = 0u32;
        let mut previous: Option<(FailureClass, String)> = None;
        // Where the request goes now, after same-origin redirects.
        let mut target = Target {
            url: request.url.clone(),
            method: request.method,
            with_body: true,
        };
        let mut hops = 0u32;
        loop {
            attempt += 1;
            if !self.budget.take() {
                let (class, reason) =
                    previous.unwrap_or((FailureClass::BadResponse, format!("{hops} redirects")));
                return Err(FetchError::service(
                    class,
                    format!(
                        "{reason}; gave up after {} requests, the most one fetch sends",
                        self.budget.limit()
                    ),
                ));
            }
            // tokio's timer ticks in whole milliseconds and fires on the tick after the
            // instant; aimed a millisecond early, it fires by the deadline, not after it.
            let cut = deadline
                .instant()
                .checked_sub(Duration::from_millis(1))
                .unwrap_or_else(|| deadline.instant());
            let outcome = tokio::time::timeout_at(
                cut.into(),
                self.attempt(request, &target, headers.clone()),
            )
            .await;
            let failure = match outcome {
                Ok(Ok(Answer::Body(body))) => {
                    self.budget.received();
                    return Ok(body);
                }
                Ok(Ok(Answer::Redirect { to, status })) => {
                    hops += 1;
                    attempt -= 1;
                    if hops > MAX_REDIRECTS {
                        return Err(FetchError::service(
                            FailureClass::BadResponse,
                            format!(
                                "more than {MAX_REDIRECTS} redirects within {} (a redirect loop?)",
                                request.url.origin().ascii_serialization()
                            ),
                        ));
                    }
                    // 303, and 301/302 after a POST, continue as a GET without the body,
                    // as every HTTP client does; 307 and 308 repeat the request as it was.
                    if status == 303 || (matches!(status, 301 | 302) && target.method == Method::Post) {
                        target.method = Method::Get;
                        target.with_body = false;
                    }
                    target.url = to;
                    continue;
                }
                Ok(Err(failure)) => failure,
                // Cut off by the deadline after earlier failures: those say what is wrong.
                Err(_) => match previous.take() {
                    Some((class, reason)) => {
                        return Err(FetchError::service(
                            class,
                            format!(
                                "{reason} (then the deadline of {} ms passed, after {attempt} attempts)",
                                deadline.total().as_millis()
                            ),
                        ))
                    }
                    None => Failure::new(
                        FailureClass::Unreachable,
                        format!(
                            "no complete answer within the deadline of {} ms",
                            deadline.total().as_millis()
                        ),
                        Retry::No,
                    ),
                },
            };
            let asked = match failure.retry {
                Retry::Backoff { after } => after,
                _ => None,
            };
            let wait = match failure.retry {
                _ if !self.policy.retries => None,
                Retry::No => None,
                Retry::Once if !refused_retried => {
                    refused_retried = true;
                    self.policy.refused_retry
                }
                Retry::Once => None,
                Retry::Closed if closed_retried < self.policy.closed_retries => {
                    closed_retried += 1;
                    Some(self.policy.backoff(attempt))
                }
                Retry::Closed => None,
                Retry::Backoff { after } => Some(self.policy.wait(attempt, after)),
            };
            let reason = if attempt > 1 {
                format!("{} (after {attempt} attempts)", failure.reason)
            } else {
                failure.reason.clone()
            };
            let give_up = |reason: String| {
                Err(FetchError::Service {
                    class: failure.class,
                    reason,
                    hint: failure.hint,
                })
            };
            let spent = self.budget.spent();
            match wait {
                Some(_) if spent => {
                    return give_up(format!(
                        "{reason}; gave up after {} requests, the most one fetch sends",
                        self.budget.limit()
                    ))
                }
                Some(wait) if wait < deadline.remaining() => {
                    previous = Some((failure.class, failure.reason));
                    tokio::time::sleep(wait).await
                }
                Some(_) if asked.is_some_and(|after| after >= deadline.remaining()) => {
                    return give_up(format!(
                        "{reason}; the server asked to retry after {} s, past the deadline",
                        asked.unwrap_or_default().as_secs()
                    ))
                }
                _ => return give_up(reason),
            }
        }
    }

    async fn attempt(
        &self,
        request: &Request,
        target: &Target,
        headers: HeaderMap,
    ) -> Result<Answer, Failure> {
        let method = match target.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
        };
        let typed = headers.contains_key("content-type");
        let mut builder = self
            .client
            .request(method, target.url.clone())
            .headers(headers);
        if let Some(body) = request.body.as_ref().filter(|_| target.with_body) {
            if !typed {
                builder = builder.header("content-type", "application/json");
            }
            builder = builder.body(body.to_vec());
        }
        let mut response = builder
            .send()
            .await
            .map_err(|e| transport_failure(e, self.proxy))?;
        let status = response.status();
        if status.is_success() {
            return read_body(&mut response).await.map(Answer::Body);
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let same_origin = location
            .as_ref()
            .and_then(|l| target.url.join(l).ok())
            .filter(|to| to.origin() == request.url.origin());
        if let (301 | 302 | 303 | 307 | 308, Some(to)) = (status.as_u16(), same_origin) {
            return Ok(Answer::Redirect {
                to,
                status: status.as_u16(),
            });
        }
        let body = read_error_body(&mut response).await;
        let backoff = Retry::Backoff { after: retry_after };
        if let Some(verdict) = self
            .error_reader
            .and_then(|read| read(status.as_u16(), &body))
        {
            let http = format!("HTTP {}{}", status_text(status), self.quoted(verdict.said));
            let give_way = verdict.rate_limited && !self.policy.retry_rate_limited;
            let retry = match verdict.class {
                FailureClass::ServerError if !give_way => backoff,
                _ => Retry::No,
            };
            return Err(Failure::new(verdict.class, http, retry));
        }
        let said = self.server_message(&body);
        let http = format!("HTTP {}{said}", status_text(status));
        let failure = match status.as_u16() {
            401 | 403 => Failure::new(FailureClass::Denied, http, Retry::No),
            407 => Failure {
                hint: Some(PROXY_AUTH_HINT),
                ..Failure::new(
                    FailureClass::Denied,
                    format!(
                        "{http}: the proxy ({}) wants credentials",
                        self.proxy.unwrap_or("a proxy on the way")
                    ),
                    Retry::No,
                )
            },
            404 | 410 => Failure::new(FailureClass::NotFound, http, Retry::No),
            // A load balancer's timeout, a request sent to the wrong node (421), "too
            // early", "too many requests", and nginx's 499: the service's own trouble.
            429 if !self.policy.retry_rate_limited => {
                Failure::new(FailureClass::ServerError, http, Retry::No)
            }
            408 | 421 | 425 | 429 | 499 | 500..=599 => {
                Failure::new(FailureClass::ServerError, http, backoff)
            }
            300..=399 => {
                let target = location
                    .and_then(|l| target.url.join(&l).ok())
                    .map(|u| u.origin().ascii_serialization())
                    .unwrap_or_else(|| "elsewhere".into());
                Failure {
                    hint: Some(REDIRECT_HINT),
                    ..Failure::new(
                        FailureClass::BadResponse,
                        format!(
                            "{http}: a redirect to {target}, not followed (credentials go only to {})",
                            request.url.origin().ascii_serialization()
                        ),
                        Retry::No,
                    )
                }
            }
            // Any other 4xx: the service refuses the request as lifeboat was configured
            // to make it, which waiting will not change.
            400..=499 => Failure {
                hint: Some(OTHER_4XX_HINT),
                ..Failure::new(
                    FailureClass::NotFound,
                    format!("{http}: the service refuses the request as configured"),
                    Retry::No,
                )
            },
            _ => Failure::new(FailureClass::BadResponse, http, Retry::No),
        };
        Err(failure)
    }

    /// What an error body says (Doppler's `messages`, Vault's `errors`), short, with any
    /// secret this client sends scrubbed out.
    fn server_message(&self, body: &[u8]) -> String {
        let Ok(serde_json::Value::Object(object)) =
            serde_json::from_slice::<serde_json::Value>(body)
        else {
            return String::new();
        };
        let messages: Vec<&str> = ["messages", "errors"]
            .iter()
            .filter_map(|key| object.get(*key)?.as_array())
            .flatten()
            .filter_map(|m| m.as_str())
            .take(3)
            .collect();
        if messages.is_empty() {
            return String::new();
        }
        self.quoted(messages.join("; "))
    }

    /// Server text as quoted in a reason: with nothing unsafe to show or invisible, then
    /// scrubbed of every secret this client sends, then cut to 200 characters
    /// (`redact::server_text` says why in that order).
    fn quoted(&self, text: String) -> String {
        if text.is_empty() {
            return String::new();
        }
        let secrets = self.scrub.lock().unwrap_or_else(|e| e.into_inner());
        let text = crate::redact::server_text(&text, secrets.iter().map(|s| s.as_str()), 200);
        format!(": \"{text}\"")
    }
}

/// The headers of `request`, checked: a value HTTP cannot carry (a control character, a
/// stray newline in a token) is a configuration error, never sent and never quoted.
fn request_headers(request: &Request) -> Result<HeaderMap, FetchError> {
    let mut headers = HeaderMap::new();
    headers.insert("accept", HeaderValue::from_static("application/json"));
    for (name, value, secret) in &request.headers {
        let mut header = HeaderValue::from_str(value)
            .ok()
            .filter(|_| value.is_ascii())
            .ok_or_else(|| {
                FetchError::Config(format!(
                    "the {name} header would hold a control character or non-ASCII text, which HTTP cannot carry; check the value it comes from"
                ))
            })?;
        header.set_sensitive(*secret);
        headers.insert(HeaderName::from_static(name), header);
    }
    Ok(headers)
}

fn status_text(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// The most of an error's body that is read: enough for any service's message.
const MAX_ERROR_BODY_BYTES: usize = 64 << 10;

/// The most preallocated on a response's word (`Content-Length`): past this the buffer
/// grows as the bytes really arrive.
const MAX_PREALLOCATION: usize = 1 << 20;

/// The first [`MAX_ERROR_BODY_BYTES`] of an error's body, for its message; the rest is
/// not read.
async fn read_error_body(response: &mut reqwest::Response) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = MAX_ERROR_BODY_BYTES - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() == MAX_ERROR_BODY_BYTES {
            break;
        }
    }
    body
}

async fn read_body(response: &mut reqwest::Response) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let too_large = || {
        Failure::new(
            FailureClass::BadResponse,
            format!(
                "the response is larger than {} MiB",
                MAX_RESPONSE_BYTES >> 20
            ),
            Retry::No,
        )
    };
    let expected = response.content_length().unwrap_or(0) as usize;
    if expected > MAX_RESPONSE_BYTES {
        return Err(too_large());
    }
    let mut body = Zeroizing::new(Vec::with_capacity(expected.min(MAX_PREALLOCATION)));
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_failure(e, None))?
    {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(too_large());
        }
        if body.len() + chunk.len() > body.capacity() {
            // Grow by copying into a fresh buffer so the old one is wiped, not leaked.
            let mut bigger = Zeroizing::new(Vec::with_capacity((body.len() + chunk.len()) * 2));
            bigger.extend_from_slice(&body);
            body = bigger;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Names a transport failure by walking the error's causes. `proxy` is the variable of
/// the proxy in use, if any.
fn transport_failure(error: reqwest::Error, proxy: Option<&'static str>) -> Failure {
    let mut retry = Retry::Backoff { after: None };
    let mut reason = None;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            match io.kind() {
                ConnectionRefused => {
                    reason = Some("connection refused".to_string());
                    retry = Retry::Once;
                }
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof => {
                    reason = Some(format!("connection reset ({io})"));
                    retry = Retry::Closed;
                }
                // No route at all (no network in the container): like a refused
                // connection, waiting will not help a start that can fall back.
                NetworkUnreachable | HostUnreachable | AddrNotAvailable => {
                    reason = Some(format!("no route to the service ({io})"));
                    retry = Retry::Once;
                }
                TimedOut => reason = Some("connect timeout".to_string()),
                _ => {}
            }
        }
        if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
            reason = Some(format!("TLS failure: {tls}"));
            retry = Retry::No;
        }
        // The service answered, but not in HTTP lifeboat can read (a megabyte of
        // headers, a garbled status line): asking again gets the same answer.
        if let Some(http) = cause.downcast_ref::<hyper::Error>() {
            // Accepted, then closed without a word: a load balancer with no backend.
            if http.is_incomplete_message() {
                return Failure::new(
                    FailureClass::Unreachable,
                    "the connection was closed before an answer (a load balancer with no healthy backend?)".into(),
                    Retry::Closed,
                );
            }
            if http.is_parse() || http.is_parse_status() {
                return Failure::new(
                    FailureClass::BadResponse,
                    format!("the answer is not valid HTTP ({http})"),
                    Retry::No,
                );
            }
        }
        let text = cause.to_string();
        // The proxy answered the CONNECT with 407: lifeboat's configuration, not an
        // outage, so it must not become a silent fallback.
        if text.contains("proxy authorization required") {
            return Failure {
                hint: Some(PROXY_AUTH_HINT),
                ..Failure::new(
                    FailureClass::Denied,
                    format!(
                        "HTTP 407 Proxy Authentication Required: the proxy ({}) wants credentials",
                        proxy.unwrap_or("a proxy on the way")
                    ),
                    Retry::No,
                )
            };
        }
        if reason.is_none()
            && (text.contains("dns error") || text.contains("failed to lookup address"))
        {
            reason = Some(format!("DNS lookup failed ({text})"));
            retry = Retry::Once;
        }
        if reason.is_some() {
            break;
        }
        // io::Error hides the error it wraps from `source()`; step into it instead.
        source = match cause
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => cause.source(),
        };
    }
    let reason = reason.unwrap_or_else(|| {
        let cause = root_cause(&error);
        if let (Some(variable), true) = (proxy, cause.contains("tunnel error")) {
            format!("the proxy ({variable}) would not open a tunnel to the service ({cause})")
        } else if error.is_timeout() {
            format!("timeout ({})", error.without_url())
        } else if error.is_connect() {
            format!("cannot connect ({cause})")
        } else {
            format!("the connection failed ({cause})")
        }
    });
    // Through a proxy, what failed may be the proxy: say which one was used.
    let reason = match proxy {
        Some(variable) if !reason.contains(variable) => {
            format!("{reason}, through the proxy in {variable}")
        }
        _ => reason,
    };
    Failure::new(FailureClass::Unreachable, reason, retry)
}

fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
