//! Programs a test starts: killed when dropped, their output echoed and kept so that a
//! failure shows what the program said.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};

use crate::poll::wait_until;
use crate::ports;

/// How many of the last output lines an error message shows.
const TAIL_LINES: usize = 30;

/// A running program, killed (with everything it started) when dropped.
pub struct Child {
    name: String,
    inner: std::process::Child,
    output: Arc<Mutex<Vec<String>>>,
    exited: Option<ExitStatus>,
}

impl Child {
    /// Starts `command` in a process group of its own, so that killing it also ends what it
    /// started (chromedriver's Chromium). Each line of its stdout and stderr goes to the
    /// test's stderr, prefixed `[name]`; cargo test shows it only when the test fails.
    pub fn spawn(name: &str, mut command: Command) -> Result<Child> {
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).process_group(0);
        let mut inner = command.spawn().with_context(|| format!("cannot start {name}: {command:?}"))?;
        let output = Arc::new(Mutex::new(Vec::new()));
        let stdout = inner.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>);
        let stderr = inner.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>);
        for stream in [stdout, stderr].into_iter().flatten() {
            let (name, output) = (name.to_owned(), Arc::clone(&output));
            thread::spawn(move || {
                // Split on bytes: a line that is not UTF-8 must not stop the draining, or the
                // program would block on a full pipe.
                for line in BufReader::new(stream).split(b'\n').map_while(Result::ok) {
                    let line = String::from_utf8_lossy(&line).trim_end().to_owned();
                    eprintln!("[{name}] {line}");
                    output.lock().unwrap().push(line);
                }
            });
        }
        Ok(Child { name: name.to_owned(), inner, output, exited: None })
    }

    /// Waits for an output line (stdout or stderr) that `find` recognises.
    pub fn wait_for_line<T>(&mut self, timeout: Duration, find: impl Fn(&str) -> Option<T>) -> Result<T> {
        let result = wait_until(timeout, || {
            if let Some(found) = self.output.lock().unwrap().iter().find_map(|line| find(line)) {
                return Ok(Some(found));
            }
            self.fail_if_exited()
        });
        result.map_err(|e| self.explain(e, "did not print the expected line"))
    }

    /// How many output lines so far contain `needle`.
    pub fn count_lines(&self, needle: &str) -> usize {
        self.output.lock().unwrap().iter().filter(|line| line.contains(needle)).count()
    }

    /// Waits until the program accepts connections on loopback `port`.
    pub fn wait_for_port(&mut self, port: u16, timeout: Duration) -> Result<()> {
        let result = wait_until(timeout, || if ports::accepts(port) { Ok(Some(())) } else { self.fail_if_exited() });
        result.map_err(|e| self.explain(e, &format!("never listened on port {port}")))
    }

    /// Waits for the program to exit on its own (a crash a test provoked, say).
    pub fn wait_for_exit(&mut self, timeout: Duration) -> Result<ExitStatus> {
        if let Some(status) = self.exited {
            return Ok(status);
        }
        let status = wait_until(timeout, || Ok(self.inner.try_wait()?));
        let status = status.map_err(|e| self.explain(e, "did not exit"))?;
        self.exited = Some(status);
        Ok(status)
    }

    /// Sends SIGKILL to the program and what it started, and reaps it.
    pub fn kill(&mut self) -> Result<()> {
        if self.exited.is_none() {
            signal("KILL", &format!("-{}", self.inner.id()))?;
            self.exited = Some(self.inner.wait()?);
        }
        Ok(())
    }

    /// Sends SIGTERM and waits for the program to exit on its own; kills it after `timeout`.
    pub fn terminate(&mut self, timeout: Duration) -> Result<ExitStatus> {
        if let Some(status) = self.exited {
            return Ok(status);
        }
        signal("TERM", &self.inner.id().to_string())?;
        let status = wait_until(timeout, || Ok(self.inner.try_wait()?));
        match status {
            Ok(status) => {
                self.exited = Some(status);
                Ok(status)
            }
            Err(e) => {
                self.kill()?;
                Err(self.explain(e, "ignored SIGTERM and was killed"))
            }
        }
    }

    /// The last lines the program printed, as an indented block for error messages.
    pub fn tail(&self) -> String {
        let output = self.output.lock().unwrap();
        let tail = &output[output.len().saturating_sub(TAIL_LINES)..];
        if tail.is_empty() {
            return "; it printed nothing".to_owned();
        }
        format!("; its last output:\n    {}", tail.join("\n    "))
    }

    /// `error`, saying which program did what, followed by the program's last words.
    fn explain(&self, error: anyhow::Error, what: &str) -> anyhow::Error {
        anyhow!("{} {what}: {error:#}{}", self.name, self.tail())
    }

    fn fail_if_exited<T>(&mut self) -> Result<Option<T>> {
        match self.inner.try_wait()? {
            Some(status) => {
                self.exited = Some(status);
                bail!("it exited ({status})")
            }
            None => Ok(None),
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}

/// `kill -SIGNAL TARGET` through the system tool, as the standard library sends only SIGKILL
/// and only to one process; a negative target is a process group.
fn signal(signal: &str, target: &str) -> Result<()> {
    let status =
        Command::new("kill").args([&format!("-{signal}"), "--", target]).status().context("cannot run kill")?;
    if !status.success() {
        bail!("kill -{signal} {target} failed ({status})");
    }
    Ok(())
}
