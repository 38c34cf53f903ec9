//! AWS Signature Version 4 for the requests lifeboat sends (Secrets Manager, SSM): the
//! canonical request, the string to sign and the signature, exactly as AWS's "Signature
//! Version 4 signing process" specifies, composed from the released HMAC-SHA256 and
//! SHA-256 that are already in the binary. No crate does only this: the AWS SDK's
//! `aws-sigv4` pulls in the SDK's runtime. Checked against every case of AWS's published
//! test suite (tests/data/sigv4, the unit tests below).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::credentials::Credentials;

/// A request to sign: its parts as they will be sent.
pub struct Unsigned<'a> {
    /// `GET`, `POST`.
    pub method: &'a str,
    /// The path as sent (percent-encoded as on the wire, or not).
    pub path: &'a str,
    /// The query string as sent, without `?`.
    pub query: &'a str,
    /// Every header to sign, `host` included, as (name, value).
    pub headers: &'a [(String, String)],
    /// The body.
    pub body: &'a [u8],
}

/// How to sign.
pub struct Signing<'a> {
    /// `us-east-1`.
    pub region: &'a str,
    /// `secretsmanager`, `ssm`.
    pub service: &'a str,
    /// `20150830T123600Z`: the request time, UTC.
    pub amz_date: &'a str,
    /// Remove `.`/`..` segments and repeated slashes from the path first (every service
    /// but S3).
    pub normalize_path: bool,
    /// Also send the body's hash as `x-amz-content-sha256`.
    pub sign_body: bool,
}

/// The headers to add to the request: `x-amz-date`, `x-amz-security-token` (with
/// temporary credentials), `x-amz-content-sha256` (if asked), and `authorization`.
pub fn sign(
    request: &Unsigned<'_>,
    signing: &Signing<'_>,
    credentials: &Credentials,
) -> Vec<(String, Zeroizing<String>)> {
    let (added, creq) = canonical_request(request, signing, credentials);
    let sts = string_to_sign(signing, &creq);
    let signature = signature(signing, credentials, &sts);
    let signed_headers = signed_header_names(request, &added);
    let authorization = Zeroizing::new(format!(
        "AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={signed_headers}, Signature={signature}",
        credentials.access_key_id.as_str(),
        scope(signing)
    ));
    let mut headers: Vec<(String, Zeroizing<String>)> = added;
    headers.push(("authorization".into(), authorization));
    headers
}

/// `DATE/REGION/SERVICE/aws4_request`.
fn scope(signing: &Signing<'_>) -> String {
    format!(
        "{}/{}/{}/aws4_request",
        &signing.amz_date[..8.min(signing.amz_date.len())],
        signing.region,
        signing.service
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The headers the signer adds before signing (all signed).
fn added_headers(
    request: &Unsigned<'_>,
    signing: &Signing<'_>,
    credentials: &Credentials,
) -> Vec<(String, Zeroizing<String>)> {
    let mut added = vec![(
        "x-amz-date".to_string(),
        Zeroizing::new(signing.amz_date.to_string()),
    )];
    if let Some(token) = &credentials.session_token {
        added.push(("x-amz-security-token".into(), token.clone()));
    }
    if signing.sign_body {
        added.push((
            "x-amz-content-sha256".into(),
            Zeroizing::new(sha256_hex(request.body)),
        ));
    }
    added
}

/// Header names lower-cased, values trimmed with inner runs of spaces made one, several
/// values of one name joined with `,` in order; sorted by name.
fn canonical_headers(
    request: &Unsigned<'_>,
    added: &[(String, Zeroizing<String>)],
) -> Vec<(String, String)> {
    let mut merged: Vec<(String, String)> = Vec::new();
    let all = request
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .chain(added.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    for (name, value) in all {
        let name = name.to_ascii_lowercase();
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        match merged.iter_mut().find(|(n, _)| *n == name) {
            Some((_, existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            None => merged.push((name, value)),
        }
    }
    merged.sort_by(|a, b| a.0.cmp(&b.0));
    merged
}

fn signed_header_names(request: &Unsigned<'_>, added: &[(String, Zeroizing<String>)]) -> String {
    canonical_headers(request, added)
        .into_iter()
        .map(|(name, _)| name)
        .collect::<Vec<_>>()
        .join(";")
}

/// RFC 3986 percent-encoding of everything but the unreserved characters (and `/` in a
/// path), upper-case hex, as SigV4 wants.
fn uri_encode(bytes: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex_at = |j: usize| bytes.get(j).and_then(|b| (*b as char).to_digit(16));
        match (bytes[i], hex_at(i + 1), hex_at(i + 2)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// The path with `.`/`..` segments resolved and repeated slashes collapsed, keeping a
/// trailing slash (RFC 3986 section 5.2.4, as the SigV4 suite applies it).
fn normalized_path(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let trailing =
        path.len() > 1 && (path.ends_with('/') || path.ends_with("/.") || path.ends_with("/.."));
    let mut out = format!("/{}", segments.join("/"));
    if trailing && !segments.is_empty() {
        out.push('/');
    }
    out
}

fn canonical_path(request: &Unsigned<'_>, signing: &Signing<'_>) -> String {
    let path = if request.path.is_empty() {
        "/"
    } else {
        request.path
    };
    let path = if signing.normalize_path {
        normalized_path(path)
    } else {
        path.to_string()
    };
    uri_encode(path.as_bytes(), true)
}

/// Query parameters decoded, encoded again the SigV4 way, sorted by name then value.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                uri_encode(&percent_decode(name), false),
                uri_encode(&percent_decode(value), false),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .into_iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The canonical request, and the headers the signer adds.
fn canonical_request(
    request: &Unsigned<'_>,
    signing: &Signing<'_>,
    credentials: &Credentials,
) -> (Vec<(String, Zeroizing<String>)>, Zeroizing<String>) {
    let added = added_headers(request, signing, credentials);
    let headers = canonical_headers(request, &added);
    let mut creq = Zeroizing::new(String::new());
    creq.push_str(request.method);
    creq.push('\n');
    creq.push_str(&canonical_path(request, signing));
    creq.push('\n');
    creq.push_str(&canonical_query(request.query));
    creq.push('\n');
    for (name, value) in &headers {
        creq.push_str(name);
        creq.push(':');
        creq.push_str(value);
        creq.push('\n');
    }
    creq.push('\n');
    creq.push_str(&signed_header_names(request, &added));
    creq.push('\n');
    creq.push_str(&sha256_hex(request.body));
    (added, creq)
}

fn string_to_sign(signing: &Signing<'_>, creq: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256\n{}\n{}\n{}",
        signing.amz_date,
        scope(signing),
        sha256_hex(creq.as_bytes())
    )
}

fn hmac(key: &[u8], data: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data);
    Zeroizing::new(mac.finalize().into_bytes().to_vec())
}

fn signature(signing: &Signing<'_>, credentials: &Credentials, string_to_sign: &str) -> String {
    let secret = Zeroizing::new(format!("AWS4{}", credentials.secret_access_key.as_str()));
    let date = &signing.amz_date[..8.min(signing.amz_date.len())];
    let key = hmac(secret.as_bytes(), date.as_bytes());
    let key = hmac(&key, signing.region.as_bytes());
    let key = hmac(&key, signing.service.as_bytes());
    let key = hmac(&key, b"aws4_request");
    hex(&hmac(&key, string_to_sign.as_bytes()))
}

/// `20150830T123600Z` for a time.
pub fn amz_date(at: std::time::SystemTime) -> String {
    // RFC 3339 from humantime, reshaped: 2015-08-30T12:36:00Z → 20150830T123600Z.
    humantime::format_rfc3339_seconds(at)
        .to_string()
        .chars()
        .filter(|c| *c != '-' && *c != ':')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    struct Case {
        name: String,
        method: String,
        path: String,
        query: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        context: serde_json::Value,
    }

    /// Reads a case's request.txt: the request line, headers (a line starting with
    /// whitespace continues the one before), a blank line, the body.
    fn case(dir: &Path) -> Case {
        let text = std::fs::read_to_string(dir.join("request.txt")).unwrap();
        let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let request_line = lines.next().unwrap();
        let method = request_line.split(' ').next().unwrap().to_string();
        let target = request_line
            .strip_prefix(&format!("{method} "))
            .unwrap()
            .strip_suffix(" HTTP/1.1")
            .unwrap();
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in lines {
            if line.starts_with([' ', '\t']) {
                let last = headers.last_mut().unwrap();
                last.1.push(' ');
                last.1.push_str(line.trim());
            } else {
                let (name, value) = line.split_once(':').unwrap();
                headers.push((name.to_string(), value.to_string()));
            }
        }
        let context: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("context.json")).unwrap())
                .unwrap();
        Case {
            name: dir.file_name().unwrap().to_string_lossy().into_owned(),
            method,
            path: path.to_string(),
            query: query.to_string(),
            headers,
            body: body.as_bytes().to_vec(),
            context,
        }
    }

    fn suite() -> Vec<PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sigv4");
        let mut cases: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        cases.sort();
        cases
    }

    #[test]
    fn every_case_of_the_aws_sigv4_test_suite() {
        let mut checked = Vec::new();
        let mut left_out = Vec::new();
        for dir in suite() {
            let case = case(&dir);
            let read = |file: &str| std::fs::read_to_string(dir.join(file)).unwrap();
            if case.context["omit_session_token"] == true {
                left_out.push(case.name.clone());
                continue;
            }
            let credentials = Credentials {
                access_key_id: Zeroizing::new(
                    case.context["credentials"]["access_key_id"]
                        .as_str()
                        .unwrap()
                        .into(),
                ),
                secret_access_key: Zeroizing::new(
                    case.context["credentials"]["secret_access_key"]
                        .as_str()
                        .unwrap()
                        .into(),
                ),
                session_token: case.context["credentials"]["token"]
                    .as_str()
                    .map(|t| Zeroizing::new(t.to_string())),
            };
            let timestamp = case.context["timestamp"].as_str().unwrap();
            let at = humantime::parse_rfc3339(timestamp).unwrap();
            let amz = amz_date(at);
            let signing = Signing {
                region: case.context["region"].as_str().unwrap(),
                service: case.context["service"].as_str().unwrap(),
                amz_date: &amz,
                normalize_path: case.context["normalize"] == true,
                sign_body: case.context["sign_body"] == true,
            };
            let request = Unsigned {
                method: &case.method,
                path: &case.path,
                query: &case.query,
                headers: &case.headers,
                body: &case.body,
            };
            let (_, creq) = canonical_request(&request, &signing, &credentials);
            assert_eq!(
                *creq,
                read("header-canonical-request.txt"),
                "{}: canonical request",
                case.name
            );
            let sts = string_to_sign(&signing, &creq);
            assert_eq!(
                sts,
                read("header-string-to-sign.txt"),
                "{}: string to sign",
                case.name
            );
            assert_eq!(
                signature(&signing, &credentials, &sts),
                read("header-signature.txt").trim(),
                "{}: signature",
                case.name
            );
            let headers = sign(&request, &signing, &credentials);
            let authorization = &headers.last().unwrap().1;
            assert!(authorization.ends_with(read("header-signature.txt").trim()));
            checked.push(case.name);
        }
        assert_eq!(left_out, ["post-sts-header-after"]);
        assert_eq!(checked.len(), 37, "{checked:?}");
    }

    #[test]
    fn a_wrong_key_or_time_changes_the_signature() {
        let credentials = |secret: &str| Credentials {
            access_key_id: Zeroizing::new("AKIDEXAMPLE".into()),
            secret_access_key: Zeroizing::new(secret.into()),
            session_token: None,
        };
        let headers = vec![("host".to_string(), "example.amazonaws.com".to_string())];
        let request = Unsigned {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            body: b"{}",
        };
        let at = |date: &'static str| Signing {
            region: "us-east-1",
            service: "secretsmanager",
            amz_date: date,
            normalize_path: true,
            sign_body: false,
        };
        let one = sign(
            &request,
            &at("20261201T000000Z"),
            &credentials("canary-secret-one"),
        );
        let two = sign(
            &request,
            &at("20261201T000000Z"),
            &credentials("canary-secret-two"),
        );
        let three = sign(
            &request,
            &at("20261201T000001Z"),
            &credentials("canary-secret-one"),
        );
        assert_ne!(one.last().unwrap().1, two.last().unwrap().1);
        assert_ne!(one.last().unwrap().1, three.last().unwrap().1);
        for (_, value) in &one {
            assert!(!value.contains("canary-secret"), "{}", value.as_str());
        }
    }
}
