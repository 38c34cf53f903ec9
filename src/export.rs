//! Secrets rendered as text for `recover`: env, dotenv, JSON or POSIX shell. Every format
//! either represents each secret exactly or refuses with the secret's name (never its
//! value) and a format that can hold it: a break-glass path must not corrupt what it
//! recovers.

use std::fmt;
use std::fmt::Write as _;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use crate::secret::Secrets;
use crate::wiped::WipedString;

/// The text forms `recover` prints secrets in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Format {
    /// NAME=value lines, values as they are (refused for values with a newline).
    Env,
    /// NAME="value" lines with escapes; reads back as a `file:` source.
    Dotenv,
    /// One JSON object of strings.
    Json,
    /// export NAME='value' lines for a POSIX shell.
    Shell,
    /// Docker's `--env-file`: NAME=value lines taken literally (no quoting at all), so a
    /// value with a line break cannot be written.
    EnvFile,
    /// A Kubernetes `v1` `Secret` manifest (YAML), values base64 in `data`, for
    /// `kubectl apply -f -` during an outage.
    Kubernetes {
        /// `metadata.name`.
        name: String,
        /// `metadata.namespace`, if given.
        namespace: Option<String>,
    },
}

/// Whether `name` is a Kubernetes object name (an RFC 1123 subdomain: lower-case letters,
/// digits, `-` and `.`, starting and ending with a letter or digit, at most 253).
pub fn is_kubernetes_name(name: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    !name.is_empty()
        && name.len() <= 253
        && edge(name.chars().next())
        && edge(name.chars().last())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
}

/// Whether `name` is a Kubernetes namespace (an RFC 1123 label: as a name, without `.`,
/// at most 63).
pub fn is_kubernetes_label(name: &str) -> bool {
    is_kubernetes_name(name) && name.len() <= 63 && !name.contains('.')
}

/// Whether `key` can be a key of a Secret's `data` (`[-._a-zA-Z0-9]+`).
fn is_secret_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 253
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
}

/// A secret the chosen format cannot represent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportError {
    /// The secret's name (escaped).
    pub name: String,
    /// The format.
    pub format: &'static str,
    /// Why not.
    pub reason: &'static str,
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "secret \"{}\" cannot be written as {}: {}",
            self.name, self.format, self.reason
        )
    }
}

fn is_shell_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

fn is_dotenv_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('#')
        && !name.starts_with("export ")
        && !name.contains(['=', ' ', '\t', '\n', '\r', '"', '\''])
}

/// Renders the secrets in a format, into a buffer that is wiped on drop.
pub fn render(secrets: &Secrets, format: &Format) -> Result<WipedString, ExportError> {
    // Sized once for the worst case, so it never reallocates (which would leave a copy
    // behind): a JSON `\u00XX` escape makes one byte six, plus quotes, `export`,
    // indentation and newlines, plus a manifest's head. Room costs address space only;
    // the buffer wipes what it holds, not its spare capacity (`WipedString`).
    let capacity = 6 * secrets.byte_len() + 24 * secrets.len() + 1024;
    let mut out = WipedString::with_capacity(capacity);
    let refuse = |name: &str, format: &'static str, reason: &'static str| ExportError {
        name: name.escape_debug().to_string(),
        format,
        reason,
    };
    match format {
        Format::Env => {
            for (name, value) in secrets.iter() {
                if name.contains(['\n', '\r']) || value.expose().contains(['\n', '\r']) {
                    return Err(refuse(
                        name,
                        "env",
                        "it contains a line break; use --format dotenv or json",
                    ));
                }
                let _ = writeln!(out, "{name}={}", value.expose());
            }
        }
        Format::Dotenv => {
            for (name, value) in secrets.iter() {
                if !is_dotenv_name(name) {
                    return Err(refuse(
                        name,
                        "dotenv",
                        "the name has characters dotenv cannot hold; use --format json",
                    ));
                }
                out.push_str(name);
                out.push_str("=\"");
                for c in value.expose().chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '"' => out.push_str("\\\""),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        '$' => out.push_str("\\$"),
                        c => out.push(c),
                    }
                }
                out.push_str("\"\n");
            }
        }
        Format::Shell => {
            for (name, value) in secrets.iter() {
                if !is_shell_name(name) {
                    return Err(refuse(
                        name,
                        "shell",
                        "the name is not a shell variable name; use --format json or dotenv",
                    ));
                }
                out.push_str("export ");
                out.push_str(name);
                out.push_str("='");
                // Character by character into the wiped buffer: `str::replace` would
                // make an unwiped copy of the value.
                for c in value.expose().chars() {
                    match c {
                        '\'' => out.push_str("'\\''"),
                        c => out.push(c),
                    }
                }
                out.push_str("'\n");
            }
        }
        Format::EnvFile => {
            for (name, value) in secrets.iter() {
                if name.contains(['\n', '\r', '=', ' ', '\t']) || name.starts_with('#') {
                    return Err(refuse(
                        name,
                        "env-file",
                        "Docker's --env-file cannot hold this name; use --format json",
                    ));
                }
                if value.expose().contains(['\n', '\r']) {
                    return Err(refuse(
                        name,
                        "env-file",
                        "its value has a line break, and Docker's --env-file has no quoting; use --format json, or give the secret to the container as a file",
                    ));
                }
                let _ = writeln!(out, "{name}={}", value.expose());
            }
        }
        Format::Kubernetes { name, namespace } => {
            // Every scalar quoted: YAML 1.1 reads a bare `yes`, `ON` or `null` as a
            // boolean or null, and a bare base64 `4427` as a number.
            out.push_str("apiVersion: v1\nkind: Secret\nmetadata:\n");
            let _ = writeln!(out, "  name: \"{name}\"");
            if let Some(namespace) = namespace {
                let _ = writeln!(out, "  namespace: \"{namespace}\"");
            }
            out.push_str("type: Opaque\ndata:");
            if secrets.is_empty() {
                out.push_str(" {}");
            }
            out.push('\n');
            for (key, value) in secrets.iter() {
                if !is_secret_key(key) {
                    return Err(refuse(
                        key,
                        "kubernetes",
                        "a Secret's keys are letters, digits, '-', '.' and '_'; use --format json",
                    ));
                }
                // Encoded straight into the wiped buffer: base64 of a secret is the secret.
                let _ = write!(out, "  \"{key}\": \"");
                BASE64.encode_string(value.expose(), &mut out);
                out.push_str("\"\n");
            }
        }
        Format::Json => {
            // A pretty object, one secret a line, written straight into the buffer.
            out.push('{');
            for (index, (name, value)) in secrets.iter().enumerate() {
                out.push_str(if index == 0 { "\n  " } else { ",\n  " });
                push_json_string(&mut out, name);
                out.push_str(": ");
                push_json_string(&mut out, value.expose());
            }
            out.push_str(if secrets.is_empty() { "}\n" } else { "\n}\n" });
        }
    }
    Ok(out)
}

fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretValue;
    use crate::source::{parse_dotenv, parse_flat_json};

    fn tricky() -> Secrets {
        let mut secrets = Secrets::new();
        for (name, value) in [
            ("PLAIN", "hello"),
            ("QUOTES", "it's \"quoted\""),
            ("MULTI", "line1\nline2\r\n"),
            ("DOLLAR", "$HOME and ${X} and \\n literal"),
            ("CONTROL", "tab\tbell\u{7}"),
            ("UNICODE", "ünïcødé ✓"),
            ("EMPTY", ""),
        ] {
            secrets.insert(name.into(), SecretValue::new(value.into()));
        }
        secrets
    }

    fn same(a: &Secrets, b: &Secrets) {
        assert_eq!(a.len(), b.len());
        for (name, value) in a.iter() {
            assert_eq!(
                b.get(name).map(|v| v.expose()),
                Some(value.expose()),
                "{name}"
            );
        }
    }

    #[test]
    fn dotenv_and_json_read_back_exactly() {
        let secrets = tricky();
        let dotenv = render(&secrets, &Format::Dotenv).unwrap();
        same(&secrets, &parse_dotenv(&dotenv, "t").unwrap());
        let json = render(&secrets, &Format::Json).unwrap();
        same(&secrets, &parse_flat_json(json.as_bytes(), "t").unwrap());
    }

    #[test]
    fn shell_quotes_single_quotes() {
        let mut secrets = Secrets::new();
        secrets.insert("A".into(), SecretValue::new("it's".into()));
        assert_eq!(
            render(&secrets, &Format::Shell).unwrap().as_str(),
            "export A='it'\\''s'\n"
        );
    }

    #[test]
    fn env_refuses_line_breaks_by_name() {
        let error = render(&tricky(), &Format::Env).unwrap_err();
        assert_eq!(error.name, "MULTI");
        let mut bad_name = Secrets::new();
        bad_name.insert("not-shell".into(), SecretValue::new("x".into()));
        assert!(render(&bad_name, &Format::Shell).is_err());
    }
}
