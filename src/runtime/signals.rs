//! Signals that arrive before the app starts. A pod cancelled while lifeboat is still
//! fetching must stop promptly, with the app never started. The default action would do
//! that, except for PID 1: the kernel drops a signal that PID 1 has no handler for, and
//! in a container lifeboat is PID 1. So `run` installs handlers that end it at once with
//! `128+n`, the status a shell reports for a death by signal n.
//!
//! The handler can do nothing but `_exit` (nothing else is safe in a signal handler), so
//! the status is the only report. `execve` resets every handled signal to its default,
//! so the app starts with the dispositions it would have had without lifeboat; a signal
//! that comes in the last instant before the exec still ends lifeboat, not the app.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

use crate::exit::Exit;
use crate::signal_mask::ignored_signals;

/// The signals that stop a start, and the exit code each ends it with.
const STOPPING: [(i32, Exit); 3] = [
    (SIGHUP, Exit::Hangup),
    (SIGINT, Exit::Interrupted),
    (SIGTERM, Exit::Terminated),
];

/// Installs the handlers. A failure to install one is ignored: the start goes on, with
/// the default action for that signal. A signal the parent left ignored (`nohup`, a
/// background job) stays ignored, for lifeboat and, through the exec, for the app: a
/// handler would be reset to the default by `execve` and the app would lose the
/// disposition it was given.
pub fn stop_on_signals() {
    let ignored = ignored_signals();
    let armed = Arc::new(AtomicBool::new(true));
    for (signal, exit) in STOPPING {
        if ignored & (1u64 << (signal - 1)) != 0 {
            continue;
        }
        let status = i32::from(exit.code());
        let _ = signal_hook::flag::register_conditional_shutdown(signal, status, armed.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_is_128_plus_its_signal() {
        for (signal, exit) in STOPPING {
            assert_eq!(i32::from(exit.code()), 128 + signal, "{exit:?}");
        }
    }

    #[test]
    fn the_ignored_mask_is_read() {
        // Rust's runtime ignores SIGPIPE (13) in every Rust program, tests included.
        assert_ne!(ignored_signals() & (1 << 12), 0);
    }
}
