//! Writing a command's output. `println!` panics on a closed pipe
//! (`lifeboat recover | head -1`); this returns an error instead.

use std::io::Write;

use super::CommandError;

/// Writes `text` to standard output and flushes it.
pub fn print(text: &str) -> Result<(), CommandError> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(CommandError::Stdout)
}
