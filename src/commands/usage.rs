//! A command line clap refused: shown as clap words it (with its "did you mean"), except
//! that a value that looks like key text or a token is never echoed (a private key given
//! to `-r` starts with `-----` and would otherwise be printed whole), a bad value that came
//! from an environment variable is named by the variable, and `--log-format json` (or
//! `LIFEBOAT_LOG_FORMAT=json`) makes it one JSON object like every other error.

use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::CommandFactory;
use serde_json::json;

use crate::cli::Cli;
use crate::exit::Exit;
use crate::log::{Level, Log, LogFormat};
use crate::redact::scrub_values;

/// Prints the error and gives exit code 2 (help and version print as asked and exit 0).
pub fn report(error: clap::Error) -> ExitCode {
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        error.exit();
    }
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let lifeboat_values: Vec<String> = std::env::vars_os()
        .filter(|(name, _)| name.to_string_lossy().starts_with("LIFEBOAT_"))
        .map(|(_, value)| value.to_string_lossy().into_owned())
        .collect();
    let rendered = error.render().to_string();
    let mut text = scrub_values(
        &rendered,
        argv.iter().chain(&lifeboat_values).map(String::as_str),
    );
    if let Some(variable) = variable_behind(&error, &argv) {
        text = text.replacen(
            "error: invalid value",
            &format!("error: {variable} holds an invalid value"),
            1,
        );
    }
    let format = if wants_json(&argv) {
        LogFormat::Json
    } else {
        LogFormat::Text
    };
    let log = Log::new(format);
    match format {
        LogFormat::Text => {
            // clap's own layout, which ends with its own newline.
            let text = text.trim_end();
            log.raw(text);
        }
        LogFormat::Json => {
            let message = text
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ")
                .to_string();
            log.event(
                Level::Error,
                "error",
                &message,
                json!({"error": Exit::Usage.name(), "exit_code": Exit::Usage.code(), "usage": text.trim_end()}),
            );
        }
    }
    ExitCode::from(Exit::Usage.code())
}

/// The variable a refused value came from, when the flag itself is not on the command
/// line.
fn variable_behind(error: &clap::Error, argv: &[String]) -> Option<String> {
    let Some(ContextValue::String(arg)) = error.get(ContextKind::InvalidArg) else {
        return None;
    };
    let long = arg.split_whitespace().next()?.trim_start_matches('-');
    let given = argv
        .iter()
        .any(|a| a.trim_start_matches('-') == long || a.starts_with(&format!("--{long}=")));
    if given {
        return None;
    }
    let mut command = Cli::command();
    command.build();
    let variable = command
        .get_subcommands()
        .flat_map(|sub| sub.get_arguments())
        .chain(command.get_arguments())
        .find(|a| a.get_long() == Some(long))
        .and_then(|a| a.get_env())
        .map(|env| env.to_string_lossy().into_owned());
    variable
}

/// Whether messages should be JSON: `--log-format json` (or `=json`) on the command line,
/// else `LIFEBOAT_LOG_FORMAT=json`.
fn wants_json(argv: &[String]) -> bool {
    let mut from_flag = None;
    for (at, arg) in argv.iter().enumerate() {
        if arg == "--" {
            break;
        }
        if let Some(value) = arg.strip_prefix("--log-format=") {
            from_flag = Some(value.to_string());
        } else if arg == "--log-format" {
            from_flag = argv.get(at + 1).cloned();
        }
    }
    let chosen = from_flag.or_else(|| std::env::var("LIFEBOAT_LOG_FORMAT").ok());
    chosen.is_some_and(|v| v.trim().eq_ignore_ascii_case("json"))
}
