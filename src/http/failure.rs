//! How a live fetch fails. Every service failure falls into exactly one class of SPEC.md's
//! fallback table; the class, not the provider, decides what `run` does. A mistake in
//! lifeboat's own configuration is not a service failure and has its own variants.

use std::fmt;

use crate::exit::Exit;

/// The classes of the fallback table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FailureClass {
    /// Connection refused or reset, DNS failure, TLS failure, connect or total timeout.
    Unreachable,
    /// HTTP 5xx, 408, 425 or 429: the service is busy or failing, and may recover.
    ServerError,
    /// A success status with a body that is not what the provider promises, or a redirect
    /// that is not followed.
    BadResponse,
    /// HTTP 401 or 403, or a proxy's 407.
    Denied,
    /// HTTP 404 or 410, or another 4xx: an unknown project, config or path, or a request
    /// the service refuses as configured.
    NotFound,
}

impl FailureClass {
    /// The name used on the command line (`--fallback-on`) and in logs.
    pub fn name(self) -> &'static str {
        match self {
            FailureClass::Unreachable => "unreachable",
            FailureClass::ServerError => "server-error",
            FailureClass::BadResponse => "bad-response",
            FailureClass::Denied => "denied",
            FailureClass::NotFound => "not-found",
        }
    }

    /// The class of a name [`FailureClass::name`] gave.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            FailureClass::Unreachable,
            FailureClass::ServerError,
            FailureClass::BadResponse,
            FailureClass::Denied,
            FailureClass::NotFound,
        ]
        .into_iter()
        .find(|class| class.name() == name)
    }

    /// The exit code when there is nothing to fall back on.
    pub fn exit(self) -> Exit {
        match self {
            FailureClass::Denied => Exit::Denied,
            FailureClass::NotFound => Exit::NotFound,
            FailureClass::Unreachable | FailureClass::ServerError | FailureClass::BadResponse => {
                Exit::Unavailable
            }
        }
    }
}

impl fmt::Display for FailureClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A live fetch did not give secrets.
#[derive(Debug)]
pub enum FetchError {
    /// The service failed, in one class, for a reason in words.
    Service {
        /// The class.
        class: FailureClass,
        /// What happened (connection refused, HTTP 503, body is not a JSON object, …).
        reason: String,
        /// What to do, where the failure itself says more than its class (a proxy that
        /// wants credentials, a Vault standby's redirect).
        hint: Option<&'static str>,
    },
    /// lifeboat is configured wrong: a bad URL, a missing token.
    Config(String),
    /// A file lifeboat was told to read (a token or CA file) cannot be read.
    Unreadable {
        /// The file, as a message names it ("the file given to --token-file": a path
        /// given to a credential flag may itself be the credential, so it is not shown).
        what: String,
        /// The operating system's error.
        source: std::io::Error,
    },
}

impl FetchError {
    /// A service failure.
    pub fn service(class: FailureClass, reason: impl Into<String>) -> Self {
        FetchError::Service {
            class,
            reason: reason.into(),
            hint: None,
        }
    }

    /// The advice this failure carries of its own, if any.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            FetchError::Service { hint, .. } => *hint,
            _ => None,
        }
    }

    /// The class, for service failures.
    pub fn class(&self) -> Option<FailureClass> {
        match self {
            FetchError::Service { class, .. } => Some(*class),
            _ => None,
        }
    }

    /// The exit code.
    pub fn exit(&self) -> Exit {
        match self {
            FetchError::Service { class, .. } => class.exit(),
            FetchError::Config(_) => Exit::Usage,
            FetchError::Unreadable { .. } => Exit::BadInput,
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Service { class, reason, .. } => write!(f, "{class}: {reason}"),
            FetchError::Config(reason) => f.write_str(reason),
            FetchError::Unreadable { what, source } => write!(f, "cannot read {what}: {source}"),
        }
    }
}
