//! Which signals this process was started with ignored (`nohup`, a background job): a
//! handler must not replace an ignore the parent chose, for lifeboat or, through the
//! exec, for the app. Shared by `run`'s stop-on-signal handlers and the passphrase
//! prompt's terminal restore.

/// The signals this process ignores, as the kernel's bit mask (bit n-1 for signal n),
/// from `/proc/self/status` (the one way to ask without `unsafe`). Without `/proc`,
/// nothing is taken as ignored.
pub fn ignored_signals() -> u64 {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return 0;
    };
    status
        .lines()
        .find_map(|line| line.strip_prefix("SigIgn:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .unwrap_or(0)
}
