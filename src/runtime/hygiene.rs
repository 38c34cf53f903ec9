//! While `run` holds plaintext: no core dump can capture it, and no other process of the
//! same user can read its memory (`ptrace`, `/proc/PID/mem`). Both are undone for the app:
//! `execve` makes the process dumpable again, and the core limit is restored just before.

use rustix::process::{
    getrlimit, set_dumpable_behavior, setrlimit, DumpableBehavior, Resource, Rlimit,
};

/// The core limit to give back to the app.
pub struct Hardened {
    core: Rlimit,
}

/// Makes the process non-dumpable with a zero soft core limit. Failures are ignored: a
/// sandbox may forbid these calls, and the start must not fail because of it.
pub fn harden() -> Hardened {
    let core = getrlimit(Resource::Core);
    let _ = setrlimit(
        Resource::Core,
        Rlimit {
            current: Some(0),
            maximum: core.maximum,
        },
    );
    let _ = set_dumpable_behavior(DumpableBehavior::NotDumpable);
    Hardened { core }
}

impl Hardened {
    /// Restores the core limit the app would have had.
    pub fn restore_for_exec(&self) {
        let _ = setrlimit(
            Resource::Core,
            Rlimit {
                current: self.core.current,
                maximum: self.core.maximum,
            },
        );
    }
}

/// The kernel's limit on argv plus the environment (strings and pointers): a quarter of
/// the stack limit, at most 6 MiB, at least 128 KiB (as `fs/exec.c` computes it).
pub fn arg_max() -> usize {
    const FLOOR: u64 = 128 << 10;
    const CEILING: u64 = 6 << 20;
    let stack = getrlimit(Resource::Stack).current.unwrap_or(u64::MAX);
    (stack / 4).clamp(FLOOR, CEILING) as usize
}
