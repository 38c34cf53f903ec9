//! The HTTP client: one request, retried under one total deadline, classified.

use std::future::Future;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use zeroize::Zeroizing;

use super::retry::{parse_retry_after, Retry};
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
    /// Logins (Vault AppRole).
    Post,
}

/// One request. Header values marked secret are sent as sensitive headers (never shown in
/// debug output) and only to the request's own origin.
pub struct Request {
    /// The method.
    pub method: Method,
    /// The URL; its origin is the only one the credentials are sent to.
    pub url: Url,
    /// Headers, as (name, value, secret).
    pub headers: Vec<(&'static str, Zeroizing<String>, bool)>,
    /// A JSON body.
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
}

/// The client every live source uses.
pub struct HttpClient {
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
    policy: RetryPolicy,
    /// Secret strings to scrub from any server text quoted in a reason.
    scrub: Vec<Zeroizing<String>>,
}

fn config_error(what: &str) -> impl Fn(reqwest::Error) -> FetchError + '_ {
    move |e| FetchError::Config(format!("{what}: {e}"))
}

impl HttpClient {
    /// A client trusting `trust`, for URLs of the given schemes.
    pub fn new(trust: &Trust, needs_tls: bool) -> Result<Self, FetchError> {
        let tls = trust.client_config(needs_tls)?;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .user_agent(concat!("lifeboat/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            // Redirects are followed only within one origin, so a token never reaches
            // another host; anything else is reported as a bad response.
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                let first = attempt.previous().first().map(Url::origin);
                if attempt.previous().len() > 5 {
                    attempt.error("more than 5 redirects")
                } else if first.as_ref() == Some(&attempt.url().origin()) {
                    attempt.follow()
                } else {
                    attempt.stop()
                }
            }))
            .build()
            .map_err(config_error("cannot set up the HTTP client"))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| FetchError::Config(format!("cannot start the I/O runtime: {e}")))?;
        Ok(HttpClient {
            client,
            runtime,
            policy: RetryPolicy::default(),
            scrub: Vec::new(),
        })
    }

    /// Uses other retry settings (tests use shorter waits).
    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Never quotes `secret` in a reason, even if a server echoes it back.
    pub fn scrub(&mut self, secret: &str) {
        if !secret.is_empty() {
            self.scrub.push(Zeroizing::new(secret.to_string()));
        }
    }

    /// Sends `request` until it succeeds, fails for good, or the deadline passes, and
    /// returns the body of the successful response.
    pub fn fetch(
        &self,
        request: &Request,
        deadline: Deadline,
    ) -> Result<Zeroizing<Vec<u8>>, FetchError> {
        self.runtime
            .block_on(self.fetch_with_retries(request, deadline))
    }

    /// Runs a future on the client's runtime (for sources that chain requests).
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    async fn fetch_with_retries(
        &self,
        request: &Request,
        deadline: Deadline,
    ) -> Result<Zeroizing<Vec<u8>>, FetchError> {
        let mut attempt = 0u32;
        let mut refused_retried = false;
        let mut previous: Option<(FailureClass, String)> = None;
        loop {
            attempt += 1;
            let outcome =
                tokio::time::timeout_at(deadline.instant().into(), self.attempt(request)).await;
            let failure = match outcome {
                Ok(Ok(body)) => return Ok(body),
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
                    None => Failure {
                        class: FailureClass::Unreachable,
                        reason: format!(
                            "no complete answer within the deadline of {} ms",
                            deadline.total().as_millis()
                        ),
                        retry: Retry::No,
                    },
                },
            };
            let wait = match failure.retry {
                Retry::No => None,
                Retry::Once if !refused_retried => {
                    refused_retried = true;
                    self.policy.refused_retry
                }
                Retry::Once => None,
                Retry::Backoff { after: Some(after) } => Some(after),
                Retry::Backoff { after: None } => Some(self.policy.backoff(attempt)),
            };
            let reason = if attempt > 1 {
                format!("{} (after {attempt} attempts)", failure.reason)
            } else {
                failure.reason.clone()
            };
            match wait {
                Some(wait) if wait < deadline.remaining() => {
                    previous = Some((failure.class, failure.reason));
                    tokio::time::sleep(wait).await
                }
                Some(wait) if matches!(failure.retry, Retry::Backoff { after: Some(_) }) => {
                    return Err(FetchError::service(
                        failure.class,
                        format!(
                            "{reason}; the server asked to retry after {} s, past the deadline",
                            wait.as_secs()
                        ),
                    ))
                }
                _ => return Err(FetchError::service(failure.class, reason)),
            }
        }
    }

    async fn attempt(&self, request: &Request) -> Result<Zeroizing<Vec<u8>>, Failure> {
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let mut headers = HeaderMap::new();
        headers.insert("accept", HeaderValue::from_static("application/json"));
        for (name, value, secret) in &request.headers {
            let mut header = HeaderValue::from_str(value).map_err(|_| Failure {
                class: FailureClass::Unreachable,
                reason: format!("the {name} header holds characters HTTP cannot carry"),
                retry: Retry::No,
            })?;
            header.set_sensitive(*secret);
            headers.insert(HeaderName::from_static(name), header);
        }
        let mut builder = self
            .client
            .request(method, request.url.clone())
            .headers(headers);
        if let Some(body) = &request.body {
            builder = builder
                .header("content-type", "application/json")
                .body(body.to_vec());
        }
        let mut response = builder.send().await.map_err(transport_failure)?;
        let status = response.status();
        if status.is_success() {
            return read_body(&mut response).await;
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
        let body = read_body(&mut response).await.unwrap_or_default();
        let said = self.server_message(&body);
        let http = format!("HTTP {}{said}", status_text(status));
        let (class, retry) = match status.as_u16() {
            401 | 403 => (FailureClass::Denied, Retry::No),
            404 => (FailureClass::NotFound, Retry::No),
            429 => (
                FailureClass::ServerError,
                Retry::Backoff { after: retry_after },
            ),
            500..=599 => (
                FailureClass::ServerError,
                Retry::Backoff { after: retry_after },
            ),
            300..=399 => {
                let target = location
                    .and_then(|l| request.url.join(&l).ok())
                    .map(|u| u.origin().ascii_serialization())
                    .unwrap_or_else(|| "elsewhere".into());
                return Err(Failure {
                    class: FailureClass::BadResponse,
                    reason: format!(
                        "{http}: a redirect to {target}, not followed (credentials go only to {})",
                        request.url.origin().ascii_serialization()
                    ),
                    retry: Retry::No,
                });
            }
            400..=499 => (FailureClass::NotFound, Retry::No),
            _ => (FailureClass::BadResponse, Retry::No),
        };
        Err(Failure {
            class,
            reason: http,
            retry,
        })
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
        let mut text: String = messages
            .join("; ")
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        for secret in &self.scrub {
            text = text.replace(secret.as_str(), "[REDACTED]");
        }
        format!(": \"{text}\"")
    }
}

fn status_text(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

async fn read_body(response: &mut reqwest::Response) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let too_large = || Failure {
        class: FailureClass::BadResponse,
        reason: format!(
            "the response is larger than {} MiB",
            MAX_RESPONSE_BYTES >> 20
        ),
        retry: Retry::No,
    };
    let expected = response.content_length().unwrap_or(0) as usize;
    if expected > MAX_RESPONSE_BYTES {
        return Err(too_large());
    }
    let mut body = Zeroizing::new(Vec::with_capacity(expected));
    while let Some(chunk) = response.chunk().await.map_err(transport_failure)? {
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

/// Names a transport failure by walking the error's causes.
fn transport_failure(error: reqwest::Error) -> Failure {
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
            if http.is_parse() || http.is_parse_status() {
                return Failure {
                    class: FailureClass::BadResponse,
                    reason: format!("the answer is not valid HTTP ({http})"),
                    retry: Retry::No,
                };
            }
        }
        let text = cause.to_string();
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
        if error.is_timeout() {
            format!("timeout ({})", error.without_url())
        } else if error.is_connect() {
            format!("cannot connect ({})", root_cause(&error))
        } else {
            format!("the connection failed ({})", root_cause(&error))
        }
    });
    Failure {
        class: FailureClass::Unreachable,
        reason,
        retry,
    }
}

fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
