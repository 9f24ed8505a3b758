//! Polling: what the harness does while another process gets something done.

use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

/// Short enough not to slow tests down, long enough not to busy a core of the two.
const INTERVAL: Duration = Duration::from_millis(50);

/// Calls `check` until it returns `Some`, fails or `timeout` has passed.
///
/// An error from `check` ends the wait at once: it means waiting longer cannot help. Callers
/// add what they were waiting for with `.context(..)`.
pub fn wait_until<T>(timeout: Duration, mut check: impl FnMut() -> Result<Option<T>>) -> Result<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check()? {
            return Ok(value);
        }
        if Instant::now() >= deadline {
            bail!("still not there after {timeout:?}");
        }
        thread::sleep(INTERVAL);
    }
}
