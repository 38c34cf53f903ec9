//! The one HTTP client every live source uses, at build time (`snapshot`) and at start
//! (`run`): a total deadline over all attempts, retries only where they can help, every
//! failure mapped to one [`FailureClass`] with its reason in words, a cap on response
//! size, tokens sent only to their own origin, and TLS roots that work in a `FROM
//! scratch` image.

mod client;
mod deadline;
mod failure;
mod proxy;
mod retry;
mod trust;

pub use client::{ErrorVerdict, HttpClient, Method, Request, MAX_RESPONSE_BYTES, PROXY_AUTH_HINT};
pub use deadline::Deadline;
pub use failure::{FailureClass, FetchError};
pub use retry::RetryPolicy;
pub use trust::Trust;
