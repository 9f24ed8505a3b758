//! `guichet ingest-email`, as a mail server's pipe runs it: straight into the database when no
//! service runs, through the running service otherwise, with the exit codes mail servers read.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use serde_json::Value;
use tests::guichet::{Guichet, binary, with_data_dir};
use tests::smtp::SmtpServer;

use crate::world::demo_config;

const TOKEN: &str = "pipe-e2e-ingest-token-0123456789";

/// Runs `guichet ingest-email` with `raw` on standard input: its exit code and its output.
fn pipe(config: &Path, raw: &[u8]) -> Result<(i32, Value, String)> {
    let mut child = Command::new(binary()?)
        .args(["ingest-email", "--site", "ville-exemple", "--config"])
        .arg(config)
        .current_dir(tests::workspace_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    child.stdin.take().context("stdin")?.write_all(raw)?;
    let out = child.wait_with_output()?;
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    Ok((out.status.code().unwrap_or(-1), json, String::from_utf8_lossy(&out.stderr).into_owned()))
}

fn citizen(message_id: &str) -> Result<Vec<u8>> {
    let text = std::fs::read_to_string(tests::workspace_root().join("tests/fixtures/email/citizen.eml"))?;
    Ok(text.replace("<CAF3x9e2e.citizen@mail.example.fr>", message_id).into_bytes())
}

/// The demo configuration on `data`, with `public_url` and the ingest token when given.
fn config_file(
    dir: &Path,
    data: &Path,
    smtp: &str,
    public_url: Option<&str>,
    token: bool,
) -> Result<std::path::PathBuf> {
    let mut config: toml::Table = with_data_dir(&demo_config(Some(smtp), None)?, data)?.parse()?;
    let server = config.get_mut("server").and_then(|s| s.as_table_mut()).context("no [server]")?;
    if let Some(url) = public_url {
        server.insert("public_url".into(), url.into());
    }
    if token {
        server.insert("ingest_token".into(), TOKEN.into());
    }
    let path = dir.join(format!("pipe-{}.toml", public_url.is_some()));
    std::fs::write(&path, config.to_string())?;
    Ok(path)
}

#[test]
fn piped_mail_is_filed_with_or_without_the_service_and_exit_codes_say_what_to_do() -> Result<()> {
    let smtp = SmtpServer::start()?;
    let (dir, data) = (tempfile::tempdir()?, tempfile::tempdir()?);

    // No service: straight into the database; the same email piped again changes nothing.
    let alone = config_file(dir.path(), data.path(), &smtp.url(), None, true)?;
    let (code, first, err) = pipe(&alone, &citizen("<pipe-1@mail.example.fr>")?)?;
    ensure!(code == 0 && first["outcome"] == "filed", "{code} {first} {err}");
    let reference = first["reference"].as_str().context("a reference")?.to_owned();
    ensure!(reference.starts_with("VE-"), "{reference}");
    let (code, again, _) = pipe(&alone, &citizen("<pipe-1@mail.example.fr>")?)?;
    ensure!(code == 0 && again == first, "piped twice, one ticket: {again}");
    let (code, _, err) = pipe(&alone, b"")?;
    ensure!(code == 65, "an empty message is refused for good (65), not {code}: {err}");

    // The service starts on the same data: the emails queued meanwhile go out.
    let mut served: toml::Table = demo_config(Some(&smtp.url()), None)?.parse()?;
    let server = served.get_mut("server").and_then(|s| s.as_table_mut()).context("no [server]")?;
    server.insert("ingest_token".into(), TOKEN.into());
    let guichet = Guichet::start(&served.to_string(), data.path())?;
    smtp.wait_for(2, Duration::from_secs(30)).context("the queued agents' email and acknowledgment")?;

    // With the service running, the pipe goes through it (it holds the data directory).
    let through = config_file(dir.path(), data.path(), &smtp.url(), Some(guichet.base_url()), true)?;
    let (code, second, err) = pipe(&through, &citizen("<pipe-2@mail.example.fr>")?)?;
    ensure!(code == 0 && second["outcome"] == "filed", "{code} {second} {err}");
    ensure!(second["reference"] == first["reference"], "the same citizen again: a follow-up, {second}");
    let mails = smtp.wait_for(3, Duration::from_secs(30)).context("the follow-up mailed by the service")?;
    ensure!(mails.iter().any(|m| m.subject().unwrap_or_default().contains("Nouveau message")));
    std::fs::remove_file(&through)?;
    let through = config_file(dir.path(), data.path(), &smtp.url(), Some(guichet.base_url()), false)?;
    let (code, _, err) = pipe(&through, &citizen("<pipe-3@mail.example.fr>")?)?;
    ensure!(code == 75, "no ingest token: try again later (75), not {code}: {err}");
    ensure!(err.contains("ingest_token"), "{err}");
    Ok(())
}
