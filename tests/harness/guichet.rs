//! The `guichet` binary under test, started on a free loopback port with a test's
//! configuration.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::Duration;
use std::{env, fs};

use anyhow::{Context, Result, bail};
use tempfile::TempDir;

use crate::process::Child;
use crate::workspace_root;

/// A running Guichet, killed when dropped.
pub struct Guichet {
    // Declared first so that Guichet is gone before its configuration file.
    child: Child,
    base_url: String,
    binary: PathBuf,
    config_file: PathBuf,
    _config_dir: TempDir,
}

impl Guichet {
    /// Starts `guichet serve` with `config_toml`, its `server.data_dir` set to `data_dir`:
    /// starting again on the same `data_dir` finds the same database.
    ///
    /// The binary is `target/debug/guichet` (build it with `cargo build -p backend`), or
    /// `$GUICHET_BIN`.
    pub fn start(config_toml: &str, data_dir: &Path) -> Result<Guichet> {
        Guichet::start_with_env(config_toml, data_dir, &[])
    }

    /// [`Guichet::start`] with these environment variables set, e.g. `GUICHET_FAILPOINT` (for
    /// this start only: [`Guichet::restart`] runs without them).
    pub fn start_with_env(config_toml: &str, data_dir: &Path, env_vars: &[(&str, &str)]) -> Result<Guichet> {
        let binary = binary()?;
        let config_dir = tempfile::tempdir()?;
        let config_file = config_dir.path().join("guichet.toml");
        fs::write(&config_file, with_data_dir(config_toml, data_dir)?)?;
        let (child, base_url) = spawn(&binary, &config_file, "127.0.0.1:0", env_vars)?;
        Ok(Guichet { child, base_url, binary, config_file, _config_dir: config_dir })
    }

    /// Starts Guichet again, after [`Guichet::stop`] or [`Guichet::kill`], on the same port and
    /// data: for pages that keep talking to the address they loaded the widget from.
    pub fn restart(&mut self) -> Result<()> {
        let listen = self.base_url.trim_start_matches("http://").to_owned();
        let (child, _) = spawn(&self.binary, &self.config_file, &listen, &[])?;
        self.child = child;
        Ok(())
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Kills Guichet with SIGKILL, as a crash would: nothing gets to finish.
    pub fn kill(&mut self) -> Result<()> {
        self.child.kill()
    }

    /// Waits for a line of Guichet's log containing `needle`.
    pub fn wait_for_log(&mut self, needle: &str, timeout: Duration) -> Result<()> {
        self.child.wait_for_line(timeout, |line| line.contains(needle).then_some(()))
    }

    /// How many lines of Guichet's log so far contain `needle`.
    pub fn count_log(&self, needle: &str) -> usize {
        self.child.count_lines(needle)
    }

    /// Waits for Guichet to exit by itself, as it does when a failpoint aborts it.
    pub fn wait_for_exit(&mut self, timeout: Duration) -> Result<ExitStatus> {
        self.child.wait_for_exit(timeout)
    }

    /// Asks Guichet to shut down (SIGTERM) and waits; fails unless it exits cleanly.
    pub fn stop(&mut self) -> Result<()> {
        let status = self.child.terminate(Duration::from_secs(15))?;
        if !status.success() {
            bail!("guichet exited with {status} after SIGTERM{}", self.child.tail());
        }
        Ok(())
    }
}

/// The `guichet` binary: `target/debug/guichet` (build it with `cargo build -p backend`), or
/// `$GUICHET_BIN`. For the subcommands a test runs to completion (`guichet email inspect`).
pub fn binary() -> Result<PathBuf> {
    let binary =
        env::var_os("GUICHET_BIN").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("target/debug/guichet"));
    if !binary.exists() {
        bail!("{} does not exist: run `cargo build -p backend` first, or set GUICHET_BIN", binary.display());
    }
    Ok(binary)
}

/// Runs `guichet serve` and waits for the line that gives its address.
fn spawn(binary: &Path, config_file: &Path, listen: &str, env_vars: &[(&str, &str)]) -> Result<(Child, String)> {
    let mut command = Command::new(binary);
    command.envs(env_vars.iter().copied());
    command.arg("serve").arg("--config").arg(config_file).args(["--listen", listen]);
    command.current_dir(workspace_root());
    if env::var_os("RUST_LOG").is_none() {
        command.env("RUST_LOG", "info");
    }
    // A backtrace on every anyhow error would push the error itself out of the tail that
    // failures show; panics keep theirs (RUST_BACKTRACE). Colours would only clutter it.
    for (name, value) in [("RUST_LIB_BACKTRACE", "0"), ("NO_COLOR", "1")] {
        if env::var_os(name).is_none() {
            command.env(name, value);
        }
    }
    // The SMTP server is the test's to choose, through the configuration.
    command.env_remove("GUICHET_SMTP_URL");
    if !env_vars.iter().any(|(name, _)| *name == "GUICHET_FAILPOINT") {
        command.env_remove("GUICHET_FAILPOINT");
    }
    let mut child = Child::spawn("guichet", command)?;
    let base_url = child.wait_for_line(Duration::from_secs(30), |line| {
        let (_, url) = line.split_once("listening on ")?;
        url.starts_with("http://127.0.0.1:").then(|| url.trim().to_owned())
    })?;
    Ok((child, base_url))
}

/// `config_toml` with `server.data_dir` set; a configuration naming its own is refused, as a
/// test would otherwise write into the workspace.
/// `config_toml` with `server.data_dir` set: for a command run on a Guichet's data.
pub fn with_data_dir(config_toml: &str, data_dir: &Path) -> Result<String> {
    let mut config: toml::Table = config_toml.parse().context("the test's Guichet configuration is not TOML")?;
    let server = config.entry("server").or_insert_with(|| toml::Table::new().into());
    let Some(server) = server.as_table_mut() else { bail!("`server` in the Guichet configuration is not a table") };
    if server.contains_key("data_dir") {
        bail!("the test's Guichet configuration sets server.data_dir: pass it to Guichet::start instead");
    }
    let data_dir = data_dir.to_str().context("the data directory's path is not UTF-8")?;
    server.insert("data_dir".to_owned(), data_dir.into());
    Ok(toml::to_string(&config)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture_config() -> String {
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/guichet.toml")).unwrap()
    }

    #[test]
    fn the_data_dir_is_set_and_the_rest_kept() {
        let config: toml::Table = with_data_dir(&fixture_config(), Path::new("/tmp/data")).unwrap().parse().unwrap();
        assert_eq!(config["server"]["data_dir"].as_str(), Some("/tmp/data"));
        assert_eq!(config["server"]["demo"].as_bool(), Some(true));
        assert_eq!(config["sites"][0]["services"][0]["agents"][0].as_str(), Some("accueil@test.localhost"));
    }

    #[test]
    fn a_configuration_with_its_own_data_dir_is_refused() {
        let once = with_data_dir(&fixture_config(), Path::new("/tmp/data")).unwrap();
        assert!(with_data_dir(&once, Path::new("/tmp/other")).is_err());
    }
}
