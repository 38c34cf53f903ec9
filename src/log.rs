//! Messages on stderr: human lines, or with `--log-format json` one JSON object per line
//! (`time`, `level`, `event`, `message` and event fields). No secret value, token or key
//! is ever passed in; fields are names, ids, fingerprints, counts and times.

use std::io::Write;
use std::time::SystemTime;

use serde_json::{json, Map, Value};

use crate::duration::format_timestamp;

/// The form of messages on stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Where messages go, in the chosen form.
#[derive(Clone, Copy, Debug)]
pub struct Log {
    format: LogFormat,
}

/// How serious a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// What happened.
    Info,
    /// Something the operator should act on, though the command went on.
    Warning,
    /// The command failed.
    Error,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

impl Log {
    /// A log in the given form.
    pub fn new(format: LogFormat) -> Self {
        Log { format }
    }

    /// Writes one event. `fields` must be a JSON object (or null); in text form only the
    /// message is shown. A failure to write to stderr is ignored: there is nowhere left
    /// to report it.
    pub fn event(&self, level: Level, event: &str, message: &str, fields: Value) {
        let line = match self.format {
            LogFormat::Text => match level {
                Level::Info => format!("lifeboat: {message}"),
                _ => format!("lifeboat: {}: {message}", level.as_str()),
            },
            LogFormat::Json => {
                let mut object = Map::new();
                object.insert("time".into(), json!(format_timestamp(SystemTime::now())));
                object.insert("level".into(), json!(level.as_str()));
                object.insert("event".into(), json!(event));
                object.insert("message".into(), json!(message));
                if let Value::Object(extra) = fields {
                    object.extend(extra);
                }
                Value::Object(object).to_string()
            }
        };
        // One write for the line and its newline: stderr is unbuffered, and a log
        // collector reading a shared pipe must never see half a line.
        let mut line = line;
        line.push('\n');
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    /// Text already laid out (clap's usage errors), written as it is with a newline.
    pub fn raw(&self, text: &str) {
        let mut line = text.to_string();
        line.push('\n');
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    /// An informational event.
    pub fn info(&self, event: &str, message: &str, fields: Value) {
        self.event(Level::Info, event, message, fields);
    }

    /// A warning.
    pub fn warn(&self, event: &str, message: &str, fields: Value) {
        self.event(Level::Warning, event, message, fields);
    }

    /// Whether messages are JSON (commands add detail to text messages otherwise).
    pub fn is_json(&self) -> bool {
        self.format == LogFormat::Json
    }
}

/// `n` and a noun, in the plural where English wants it: "1 secret", "2 secrets".
pub fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
