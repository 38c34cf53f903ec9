//! Asking a person: the passphrase of a protected key, and what an age plugin asks for (a
//! PIN, a touch, a confirmation).
//!
//! Only the controlling terminal is asked (`/dev/tty`), never standard input, which may be
//! a pipe of secrets, and never an environment variable: a passphrase in the environment
//! is in every child's environment and in `/proc`. Echo is off while it is typed. `run`
//! starts unattended and never asks ([`Passphrases::Refuse`]).

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};

use age_core::secrecy::SecretString;
use rustix::termios::{self, LocalModes, OptionalActions};
use zeroize::Zeroizing;

/// Whether a command may ask for a passphrase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Passphrases {
    /// Ask on the terminal (recover, verify, diff, rekey, keygen).
    AskOnTerminal,
    /// Never ask: a protected key is an error (run).
    Refuse,
}

/// Why a passphrase could not be had.
#[derive(Debug)]
pub enum AskError {
    /// There is no terminal to ask on.
    NoTerminal,
    /// The terminal failed, or the answer ended before a newline.
    Terminal(io::Error),
}

/// The longest answer read: a passphrase, not a file.
const MAX_ANSWER: usize = 1024;

/// Asks `prompt` on the terminal with echo off and returns the line typed.
pub fn ask_hidden(prompt: &str) -> Result<SecretString, AskError> {
    let mut tty = open_terminal()?;
    let saved = termios::tcgetattr(&tty).map_err(|e| AskError::Terminal(e.into()))?;
    let mut quiet = saved.clone();
    quiet.local_modes.remove(LocalModes::ECHO);
    // Newlines still echo, so the person sees the prompt end.
    quiet.local_modes.insert(LocalModes::ECHONL);
    // Echo goes off before the prompt shows, so nothing typed after it is echoed (and
    // nothing typed is discarded, as a flush would).
    termios::tcsetattr(&tty, OptionalActions::Now, &quiet)
        .map_err(|e| AskError::Terminal(e.into()))?;
    let answer = tty
        .write_all(prompt.as_bytes())
        .and_then(|()| tty.flush())
        .map_err(AskError::Terminal)
        .and_then(|()| read_line(&mut tty));
    // Echo comes back whatever the answer was.
    let restored = termios::tcsetattr(&tty, OptionalActions::Now, &saved);
    let answer = answer?;
    restored.map_err(|e| AskError::Terminal(e.into()))?;
    Ok(answer)
}

/// Asks a yes/no question on the terminal (echo on).
pub fn ask_yes_no(question: &str, yes: &str, no: &str) -> Result<bool, AskError> {
    let mut tty = open_terminal()?;
    tty.write_all(format!("{question} [{}/{}] ", yes.escape_debug(), no.escape_debug()).as_bytes())
        .map_err(AskError::Terminal)?;
    let answer = read_line(&mut tty)?;
    use age_core::secrecy::ExposeSecret;
    Ok(answer.expose_secret().trim().eq_ignore_ascii_case(yes))
}

/// Says something on the terminal, or on stderr when there is none.
pub fn tell(message: &str) {
    match open_terminal() {
        Ok(mut tty) => drop(writeln!(tty, "{message}")),
        Err(_) => eprintln!("{message}"),
    }
}

fn open_terminal() -> Result<File, AskError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| AskError::NoTerminal)
}

fn read_line(tty: &mut File) -> Result<SecretString, AskError> {
    let mut line = Zeroizing::new(Vec::with_capacity(MAX_ANSWER));
    let mut byte = [0u8; 1];
    loop {
        match tty.read(&mut byte) {
            Ok(0) => {
                return Err(AskError::Terminal(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the terminal closed before the end of the line",
                )))
            }
            Ok(_) if byte[0] == b'\n' => break,
            Ok(_) if line.len() < MAX_ANSWER => line.push(byte[0]),
            // Never a shortened passphrase: a key protected with one would not open with
            // what was typed.
            Ok(_) => {
                return Err(AskError::Terminal(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the answer is longer than 1024 bytes",
                )))
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(AskError::Terminal(error)),
        }
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    let text = String::from_utf8(line.to_vec()).map_err(|error| {
        // The bytes are the secret: wipe them before the error goes anywhere.
        drop(Zeroizing::new(error.into_bytes()));
        AskError::Terminal(io::Error::new(
            io::ErrorKind::InvalidData,
            "the answer is not UTF-8 text",
        ))
    })?;
    Ok(SecretString::from(text))
}

/// What age plugins are given to talk to the person: the terminal when the command may
/// ask, nothing otherwise. What a plugin says is shown escaped, with its name.
#[derive(Clone)]
pub struct PluginUi {
    /// The plugin's name, for the messages.
    pub plugin: String,
    /// Whether the person may be asked.
    pub passphrases: Passphrases,
}

impl PluginUi {
    fn quoting_plugin(&self, text: &str) -> String {
        format!(
            "lifeboat: age-plugin-{}: {}",
            self.plugin,
            text.escape_debug()
        )
    }
}

impl age::Callbacks for PluginUi {
    fn display_message(&self, message: &str) {
        tell(&self.quoting_plugin(message));
    }

    fn confirm(&self, message: &str, yes: &str, no: Option<&str>) -> Option<bool> {
        if self.passphrases == Passphrases::Refuse {
            return None;
        }
        ask_yes_no(&self.quoting_plugin(message), yes, no.unwrap_or("no")).ok()
    }

    fn request_public_string(&self, description: &str) -> Option<String> {
        if self.passphrases == Passphrases::Refuse {
            return None;
        }
        let mut tty = open_terminal().ok()?;
        write!(tty, "{} ", self.quoting_plugin(description)).ok()?;
        let answer = read_line(&mut tty).ok()?;
        use age_core::secrecy::ExposeSecret;
        Some(answer.expose_secret().to_string())
    }

    fn request_passphrase(&self, description: &str) -> Option<SecretString> {
        if self.passphrases == Passphrases::Refuse {
            return None;
        }
        ask_hidden(&format!("{} ", self.quoting_plugin(description))).ok()
    }
}
