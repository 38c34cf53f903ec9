//! AWS errors in lifeboat's failure classes. AWS answers most failures with HTTP 400 and
//! the error's name in the body (`__type` in the JSON APIs, `<Code>` in the query APIs
//! such as STS), so the status alone says nothing: the name decides. One table, pinned
//! here and in the README ("AWS errors"); a name not in it falls back to its status.

use crate::http::{ErrorVerdict, FailureClass};

/// Every AWS error name lifeboat classes by name, with its class and whether it is a
/// rate limit. The README's "AWS errors" table is this list.
pub const AWS_ERRORS: &[(&str, FailureClass, bool)] = &[
    ("ThrottlingException", FailureClass::ServerError, true),
    ("Throttling", FailureClass::ServerError, true),
    ("ThrottledException", FailureClass::ServerError, true),
    ("RequestLimitExceeded", FailureClass::ServerError, true),
    ("TooManyRequestsException", FailureClass::ServerError, true),
    ("InternalServiceError", FailureClass::ServerError, false),
    ("InternalServerError", FailureClass::ServerError, false),
    ("InternalFailure", FailureClass::ServerError, false),
    ("ServiceUnavailable", FailureClass::ServerError, false),
    (
        "ServiceUnavailableException",
        FailureClass::ServerError,
        false,
    ),
    ("IDPCommunicationError", FailureClass::ServerError, false),
    ("AccessDeniedException", FailureClass::Denied, false),
    ("AccessDenied", FailureClass::Denied, false),
    ("UnrecognizedClientException", FailureClass::Denied, false),
    ("InvalidClientTokenId", FailureClass::Denied, false),
    ("InvalidSignatureException", FailureClass::Denied, false),
    ("SignatureDoesNotMatch", FailureClass::Denied, false),
    ("IncompleteSignature", FailureClass::Denied, false),
    ("MissingAuthenticationToken", FailureClass::Denied, false),
    ("ExpiredTokenException", FailureClass::Denied, false),
    ("ExpiredToken", FailureClass::Denied, false),
    ("InvalidIdentityToken", FailureClass::Denied, false),
    ("IDPRejectedClaim", FailureClass::Denied, false),
    ("DecryptionFailure", FailureClass::Denied, false),
    ("KMSAccessDeniedException", FailureClass::Denied, false),
    ("ResourceNotFoundException", FailureClass::NotFound, false),
    ("ParameterNotFound", FailureClass::NotFound, false),
    ("ParameterVersionNotFound", FailureClass::NotFound, false),
    ("InvalidParameterException", FailureClass::NotFound, false),
    ("InvalidRequestException", FailureClass::NotFound, false),
    ("ValidationException", FailureClass::NotFound, false),
    ("InvalidKeyId", FailureClass::NotFound, false),
];

/// The error's name: `__type` (the part after `#`, as in
/// `com.amazonaws.secretsmanager#ResourceNotFoundException`), or `<Code>` of an XML error.
pub fn error_name(body: &[u8]) -> Option<String> {
    let name = match serde_json::from_slice::<serde_json::Value>(body) {
        // The JSON APIs' `__type`; the query APIs' JSON form (`{"Error": {"Code": …}}`).
        Ok(value) => value["__type"]
            .as_str()
            .or_else(|| value["Error"]["Code"].as_str())?
            .to_string(),
        Err(_) => xml_field(std::str::from_utf8(body).ok()?, "Code")?,
    };
    // `com.amazonaws.service#Name`, and `Name:http://internal.amazon.com/…`.
    let name = name.rsplit('#').next().unwrap_or(&name);
    let name = name.split(':').next().unwrap_or(name).trim();
    // A name, never free text: anything else is not looked up or quoted.
    (!name.is_empty() && name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| name.to_string())
}

/// The message of an error answer (`message` or `Message`, `<Message>` in XML).
fn error_message(body: &[u8]) -> Option<String> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(value) => value["message"]
            .as_str()
            .or_else(|| value["Message"].as_str())
            .or_else(|| value["Error"]["Message"].as_str())
            .map(str::to_string),
        Err(_) => xml_field(std::str::from_utf8(body).ok()?, "Message"),
    }
}

/// The text of the first `<NAME>…</NAME>` element, entities decoded. AWS's query APIs
/// (STS) answer in XML; lifeboat reads only a few flat fields of it, so a reader of
/// elements by name is all it needs (no attributes, no nesting within the field).
pub fn xml_field(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&close)?;
    let raw = &xml[start..end];
    if raw.contains('<') {
        return None;
    }
    Some(
        raw.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

/// The [`crate::http::ErrorReader`] of every AWS client.
pub fn read_aws_error(status: u16, body: &[u8]) -> Option<ErrorVerdict> {
    let name = error_name(body)?;
    let said = match error_message(body) {
        Some(message) => format!("{name}: {message}"),
        None => name.clone(),
    };
    let (class, rate_limited) = match AWS_ERRORS.iter().find(|(n, _, _)| *n == name) {
        Some((_, class, rate_limited)) => (*class, *rate_limited),
        // A name not in the table: its status decides, as for any service.
        None => return (status >= 400).then(|| by_status(status, said)).flatten(),
    };
    Some(ErrorVerdict {
        class,
        rate_limited,
        said,
    })
}

/// The status's class, for a name the table does not know, with the name quoted.
fn by_status(status: u16, said: String) -> Option<ErrorVerdict> {
    let class = match status {
        401 | 403 => FailureClass::Denied,
        408 | 425 | 429 | 500..=599 => FailureClass::ServerError,
        400..=499 => FailureClass::NotFound,
        _ => return None,
    };
    Some(ErrorVerdict {
        class,
        rate_limited: status == 429,
        said,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_decide_not_statuses() {
        let verdict = |status, body: &str| read_aws_error(status, body.as_bytes()).unwrap();
        let throttled = verdict(
            400,
            r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
        );
        assert_eq!(throttled.class, FailureClass::ServerError);
        assert!(throttled.rate_limited);
        assert_eq!(throttled.said, "ThrottlingException: Rate exceeded");
        let missing = verdict(
            400,
            r#"{"__type":"com.amazonaws.secretsmanager#ResourceNotFoundException","Message":"no such secret"}"#,
        );
        assert_eq!(missing.class, FailureClass::NotFound);
        assert_eq!(
            verdict(400, r#"{"__type":"ParameterNotFound"}"#).class,
            FailureClass::NotFound
        );
        assert_eq!(
            verdict(400, r#"{"__type":"DecryptionFailure"}"#).class,
            FailureClass::Denied
        );
        assert_eq!(
            verdict(400, r#"{"__type":"ExpiredTokenException"}"#).class,
            FailureClass::Denied
        );
        let xml = "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>bad &amp; wrong</Message></Error></ErrorResponse>";
        let signature = verdict(403, xml);
        assert_eq!(signature.class, FailureClass::Denied);
        assert_eq!(signature.said, "SignatureDoesNotMatch: bad & wrong");
        // Unknown names fall back to the status; no name leaves it to the client.
        assert_eq!(
            verdict(400, r#"{"__type":"SomethingNew"}"#).class,
            FailureClass::NotFound
        );
        assert_eq!(
            verdict(503, r#"{"__type":"SomethingNew"}"#).class,
            FailureClass::ServerError
        );
        assert!(read_aws_error(500, b"<html>oops</html>").is_none());
        assert!(read_aws_error(400, br#"{"__type":"not a name; rm -rf"}"#).is_none());
        // STS's JSON form, and a type with a namespace after a colon.
        let sts = verdict(
            400,
            r#"{"Error":{"Code":"IDPCommunicationError","Message":"try again"},"RequestId":"1"}"#,
        );
        assert_eq!(sts.class, FailureClass::ServerError);
        assert_eq!(sts.said, "IDPCommunicationError: try again");
        assert_eq!(
            verdict(
                400,
                r#"{"__type":"ThrottlingException:http://internal.amazon.com/coral/x/"}"#
            )
            .class,
            FailureClass::ServerError
        );
        assert_eq!(
            verdict(408, r#"{"__type":"SomethingNew"}"#).class,
            FailureClass::ServerError
        );
        // Every name in the table is a plain name, listed once.
        for (i, (name, _, _)) in AWS_ERRORS.iter().enumerate() {
            assert!(name.bytes().all(|b| b.is_ascii_alphanumeric()), "{name}");
            assert!(
                !AWS_ERRORS[..i].iter().any(|(n, _, _)| n == name),
                "{name} twice"
            );
        }
    }

    #[test]
    fn xml_fields_are_read_flat_and_decoded() {
        let xml = "<R><Credentials><AccessKeyId>AKIA1</AccessKeyId><SessionToken>a&amp;b</SessionToken></Credentials></R>";
        assert_eq!(xml_field(xml, "AccessKeyId").unwrap(), "AKIA1");
        assert_eq!(xml_field(xml, "SessionToken").unwrap(), "a&b");
        assert!(
            xml_field(xml, "Credentials").is_none(),
            "nested elements are not a field"
        );
        assert!(xml_field(xml, "Missing").is_none());
        assert!(xml_field("<A>unclosed", "A").is_none());
    }
}
