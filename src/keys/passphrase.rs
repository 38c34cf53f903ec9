//! Asking a person: the passphrase of a protected key, and what an age plugin asks for (a
//! PIN, a touch, a confirmation).
//!
//! Only the controlling terminal is asked (`/dev/tty`), never standard input, which may be
//! a pipe of secrets, and never an environment variable: a passphrase in the environment
//! is in every child's environment and in `/proc`. Echo is off while it is typed, and
//! comes back on every way out: an answer, an error, or a signal (Ctrl-C, Ctrl-\, a
//! closed terminal, a kill), after which the command still dies of that signal. `run`
//! starts unattended and never asks ([`Passphrases::Refuse`]).

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};

use age_core::secrecy::SecretString;
use rustix::termios::{self, LocalModes, OptionalActions, Termios};
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use zeroize::Zeroizing;

use crate::signal_mask::ignored_signals;

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
    // Echo goes off before the prompt shows, so nothing typed after it is echoed (and
    // nothing typed is discarded, as a flush would).
    let echo_off = EchoOff::on(&tty)?;
    let answer = tty
        .write_all(prompt.as_bytes())
        .and_then(|()| tty.flush())
        .map_err(AskError::Terminal)
        .and_then(|()| read_line(&mut tty));
    // Echo comes back whatever the answer was.
    let restored = echo_off.restore();
    let answer = answer?;
    restored.map_err(|e| AskError::Terminal(e.into()))?;
    Ok(answer)
}

/// The terminal with echo off, for as long as this lives: put back as it was by
/// [`EchoOff::restore`], by `Drop` on any other way out of the prompt, and by the signal
/// watcher when a signal ends the command first.
struct EchoOff {
    tty: File,
    saved: Termios,
    restored: bool,
}

/// The terminal and its settings from before the prompt, while a prompt has echo off:
/// what the signal watcher puts back.
static ECHO_OFF: Mutex<Option<(File, Termios)>> = Mutex::new(None);

impl EchoOff {
    fn on(tty: &File) -> Result<Self, AskError> {
        let terminal = |e: rustix::io::Errno| AskError::Terminal(e.into());
        let saved = termios::tcgetattr(tty).map_err(terminal)?;
        let mut quiet = saved.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        // Newlines still echo, so the person sees the prompt end.
        quiet.local_modes.insert(LocalModes::ECHONL);
        watch_signals();
        let for_watcher = tty.try_clone().map_err(AskError::Terminal)?;
        let echo_off = EchoOff {
            tty: tty.try_clone().map_err(AskError::Terminal)?,
            saved: saved.clone(),
            restored: false,
        };
        // Echo goes off with the lock held: a signal's watcher waits for it, so it
        // cannot put the terminal back a moment before echo goes off. (Declared after
        // `echo_off`, the lock is released before `echo_off`'s drop takes it again.)
        let mut watched = lock_echo_off();
        *watched = Some((for_watcher, saved));
        termios::tcsetattr(tty, OptionalActions::Now, &quiet).map_err(terminal)?;
        drop(watched);
        Ok(echo_off)
    }

    /// Puts the terminal back, saying whether that worked.
    fn restore(mut self) -> rustix::io::Result<()> {
        self.restored = true;
        lock_echo_off().take();
        termios::tcsetattr(&self.tty, OptionalActions::Now, &self.saved)
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        if !self.restored {
            lock_echo_off().take();
            let _ = termios::tcsetattr(&self.tty, OptionalActions::Now, &self.saved);
        }
    }
}

fn lock_echo_off() -> std::sync::MutexGuard<'static, Option<(File, Termios)>> {
    // A panic elsewhere leaves the settings as good as they were.
    ECHO_OFF.lock().unwrap_or_else(|e| e.into_inner())
}

/// The signals that end a command at a prompt: Ctrl-C, Ctrl-\, a terminal that closed,
/// a kill.
const ENDING: [i32; 4] = [SIGINT, SIGQUIT, SIGHUP, SIGTERM];

/// From the first prompt on, each of [`ENDING`] is caught and handed to a watcher thread,
/// which puts the terminal back if a prompt has its echo off and then ends the command
/// with the signal's own default action, as if nothing had caught it (a shell sees
/// 128+n). A signal handler itself may do next to nothing; the handlers signal-hook
/// installs only note the signal and wake the thread, without `unsafe` in lifeboat. A
/// signal the parent left ignored (`nohup`) stays ignored. If the thread cannot be
/// started nothing is caught: the prompt works as it did, echo off on a signal.
fn watch_signals() {
    static WATCHING: Once = Once::new();
    WATCHING.call_once(|| {
        let Ok((mut woken, wake)) = UnixStream::pair() else {
            return;
        };
        let which = Arc::new(AtomicUsize::new(0));
        let seen = which.clone();
        let watcher = std::thread::Builder::new()
            .name("signal-watcher".into())
            .spawn(move || {
                let mut byte = [0u8; 1];
                loop {
                    match woken.read(&mut byte) {
                        Ok(0) => return,
                        Ok(_) => {}
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(_) => return,
                    }
                    let signal = seen.load(Ordering::SeqCst) as i32;
                    if signal == 0 {
                        continue;
                    }
                    if let Some((tty, saved)) = lock_echo_off().take() {
                        let _ = termios::tcsetattr(&tty, OptionalActions::Now, &saved);
                    }
                    let _ = signal_hook::low_level::emulate_default_handler(signal);
                }
            });
        if watcher.is_err() {
            return;
        }
        let ignored = ignored_signals();
        for signal in ENDING {
            if ignored & (1u64 << (signal - 1)) != 0 {
                continue;
            }
            let Ok(wake) = wake.try_clone() else {
                continue;
            };
            // The signal first, then the wake-up: actions run in the order registered.
            if signal_hook::flag::register_usize(signal, which.clone(), signal as usize).is_ok()
                && signal_hook::low_level::pipe::register(signal, wake).is_err()
            {
                // Noted but never acted on, the signal would be lost: it keeps its
                // default action instead (echo stays off, as before).
                let always = Arc::new(std::sync::atomic::AtomicBool::new(true));
                let _ = signal_hook::flag::register_conditional_default(signal, always);
            }
        }
    });
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
