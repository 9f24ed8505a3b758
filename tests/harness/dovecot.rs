//! A real IMAP server on loopback (Debian's Dovecot 2.3, configured in a temporary
//! directory) holding one user's mailbox, and a small blocking IMAP client to fill it and
//! look into it as a mail client would.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use tempfile::TempDir;

use crate::ports::free_port;
use crate::process::Child;

pub const USER: &str = "conseil";
pub const PASSWORD: &str = "mot-de-passe";

/// What Dovecot 2.3 offers after login, for [`Dovecot::start_without`] to take from.
const CAPABILITIES: &[&str] =
    &["IMAP4rev1", "SASL-IR", "LITERAL+", "ID", "ENABLE", "IDLE", "NAMESPACE", "UIDPLUS", "CHILDREN", "MOVE"];

/// Dovecot serving IMAP (no TLS, plain-text login) for [`USER`], killed when dropped.
pub struct Dovecot {
    // Declared first so that Dovecot is gone before its directory.
    _server: Child,
    port: u16,
    _dir: TempDir,
}

impl Dovecot {
    pub fn start() -> Result<Dovecot> {
        Dovecot::start_with(None)
    }

    /// Dovecot announcing the usual capabilities but these: `IDLE` to make a client poll,
    /// `MOVE` to make it copy and expunge.
    pub fn start_without(capabilities: &[&str]) -> Result<Dovecot> {
        let offered: Vec<&str> = CAPABILITIES.iter().copied().filter(|c| !capabilities.contains(c)).collect();
        Dovecot::start_with(Some(offered.join(" ")))
    }

    fn start_with(capabilities: Option<String>) -> Result<Dovecot> {
        let version = Command::new("dovecot").arg("--version").output().context(
            "cannot run dovecot: install the Debian packages dovecot-core and dovecot-imapd (cargo xtask test does)",
        )?;
        let version = String::from_utf8_lossy(&version.stdout).trim().to_owned();
        ensure!(version.starts_with("2.3."), "Dovecot {version}: the harness writes a configuration for 2.3");

        let dir = tempfile::tempdir()?;
        let port = free_port()?;
        let users = Users::for_this_process(dir.path())?;
        fs::write(dir.path().join("passwd"), format!("{USER}:{{PLAIN}}{PASSWORD}\n"))?;
        let home = dir.path().join("home");
        fs::create_dir(&home)?;
        if users.as_root {
            // Dovecot refuses to give mail to root: the mail user is `dovecot`, which must be
            // able to reach the homes inside this directory.
            fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755))?;
            std::os::unix::fs::chown(&home, Some(users.mail_uid), Some(users.mail_gid))?;
        }
        let conf = dir.path().join("dovecot.conf");
        fs::write(&conf, config(dir.path(), port, &users, capabilities.as_deref()))?;

        let mut command = Command::new("dovecot");
        command.arg("-F").arg("-c").arg(&conf);
        let mut server = Child::spawn("dovecot", command)?;
        server.wait_for_port(port, Duration::from_secs(15))?;
        Ok(Dovecot { _server: server, port, _dir: dir })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A `[[sites.mailboxes]]` table for Guichet's configuration, watching `folder`.
    pub fn mailbox_config(&self, folder: &str) -> toml::Table {
        let mut table = toml::Table::new();
        table.insert("host".into(), "127.0.0.1".into());
        table.insert("port".into(), i64::from(self.port).into());
        table.insert("tls".into(), "none".into());
        table.insert("user".into(), USER.into());
        table.insert("password".into(), PASSWORD.into());
        table.insert("folder".into(), folder.into());
        table
    }

    /// Puts `raw` into `folder`, as a delivery would.
    pub fn append(&self, folder: &str, raw: &[u8]) -> Result<()> {
        let mut imap = self.login()?;
        imap.append(folder, raw)?;
        imap.logout()
    }

    pub fn create_folder(&self, folder: &str) -> Result<()> {
        let mut imap = self.login()?;
        imap.command(&format!("CREATE {}", quoted(folder)))?;
        imap.logout()
    }

    /// The UIDs in `folder` matching an IMAP search, e.g. `KEYWORD $Guichet` or `UNSEEN`.
    pub fn search(&self, folder: &str, query: &str) -> Result<Vec<u32>> {
        let mut imap = self.login()?;
        imap.command(&format!("EXAMINE {}", quoted(folder)))?;
        let lines = imap.command(&format!("UID SEARCH {query}"))?;
        imap.logout()?;
        let mut uids = Vec::new();
        for line in lines.iter().filter_map(|l| l.strip_prefix("* SEARCH")) {
            for uid in line.split_whitespace() {
                uids.push(uid.parse().with_context(|| format!("`{uid}` in a SEARCH answer"))?);
            }
        }
        uids.sort_unstable();
        Ok(uids)
    }

    /// The UIDs in `folder` that carry the keyword `flag`.
    pub fn uids_with_flag(&self, folder: &str, flag: &str) -> Result<Vec<u32>> {
        self.search(folder, &format!("KEYWORD {flag}"))
    }

    /// How many messages `folder` holds.
    pub fn count(&self, folder: &str) -> Result<usize> {
        Ok(self.search(folder, "ALL")?.len())
    }

    fn login(&self) -> Result<Imap> {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).context("cannot reach Dovecot")?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut imap = Imap { reader: BufReader::new(stream.try_clone()?), writer: stream, tag: 0 };
        let greeting = imap.line()?;
        ensure!(greeting.starts_with("* OK"), "Dovecot greeted with `{greeting}`");
        imap.command(&format!("LOGIN {} {}", quoted(USER), quoted(PASSWORD)))?;
        Ok(imap)
    }
}

/// Who Dovecot's processes and the mail run as: as root, Debian's `dovenull` and `dovecot`
/// (Dovecot runs neither login processes nor mail as root); otherwise the current user for all.
struct Users {
    as_root: bool,
    internal: String,
    login: String,
    mail_uid: u32,
    mail_gid: u32,
}

impl Users {
    fn for_this_process(dir: &Path) -> Result<Users> {
        // A directory this process just made belongs to its user: no libc call needed.
        let meta = fs::metadata(dir)?;
        if meta.uid() != 0 {
            let name = id(&["-un"])?;
            return Ok(Users {
                as_root: false,
                internal: name.clone(),
                login: name,
                mail_uid: meta.uid(),
                mail_gid: meta.gid(),
            });
        }
        Ok(Users {
            as_root: true,
            internal: "dovecot".into(),
            login: "dovenull".into(),
            mail_uid: id(&["-u", "dovecot"])?.parse()?,
            mail_gid: id(&["-g", "dovecot"])?.parse()?,
        })
    }
}

fn id(args: &[&str]) -> Result<String> {
    let out = Command::new("id").args(args).output().context("cannot run id")?;
    ensure!(out.status.success(), "id {args:?}: {}", String::from_utf8_lossy(&out.stderr).trim());
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// A minimal Dovecot 2.3 configuration: IMAP only, on one loopback port, without TLS,
/// everything (sockets, state, mail) inside `dir`, logs on stderr.
fn config(dir: &Path, port: u16, users: &Users, capabilities: Option<&str>) -> String {
    let dir = dir.display();
    let Users { internal, login, mail_uid, mail_gid, .. } = users;
    let capability = capabilities.map(|c| format!("imap_capability = {c}\n")).unwrap_or_default();
    format!(
        "protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
log_path = /dev/stderr
info_log_path = /dev/stderr
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {internal}
default_internal_group = {internal}
default_login_user = {login}
first_valid_uid = {mail_uid}
first_valid_gid = {mail_gid}
mail_location = maildir:~/Maildir
{capability}passdb {{
  driver = passwd-file
  args = {dir}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={dir}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"
    )
}

/// An IMAP quoted string.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A blocking IMAP session, enough for tests: commands without literals in their answers.
struct Imap {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    tag: u32,
}

impl Imap {
    fn line(&mut self) -> Result<String> {
        let mut line = String::new();
        if self.reader.read_line(&mut line).context("reading from Dovecot")? == 0 {
            bail!("Dovecot closed the connection");
        }
        Ok(line.trim_end().to_owned())
    }

    fn send(&mut self, command: &str) -> Result<String> {
        self.tag += 1;
        let tag = format!("t{}", self.tag);
        write!(self.writer, "{tag} {command}\r\n")?;
        Ok(tag)
    }

    /// The untagged lines up to the tagged answer, which must be OK.
    fn finish(&mut self, tag: &str, command: &str) -> Result<Vec<String>> {
        let mut untagged = Vec::new();
        loop {
            let line = self.line()?;
            if let Some(status) = line.strip_prefix(tag).map(str::trim_start) {
                ensure!(status.starts_with("OK"), "IMAP `{command}`: {status}");
                return Ok(untagged);
            }
            untagged.push(line);
        }
    }

    fn command(&mut self, command: &str) -> Result<Vec<String>> {
        let tag = self.send(command)?;
        self.finish(&tag, command)
    }

    fn append(&mut self, folder: &str, raw: &[u8]) -> Result<()> {
        let command = format!("APPEND {} {{{}}}", quoted(folder), raw.len());
        let tag = self.send(&command)?;
        let go_on = self.line()?;
        ensure!(go_on.starts_with('+'), "IMAP `{command}`: {go_on}");
        self.writer.write_all(raw)?;
        self.writer.write_all(b"\r\n")?;
        self.finish(&tag, &command)?;
        Ok(())
    }

    fn logout(mut self) -> Result<()> {
        let tag = self.send("LOGOUT")?;
        // The server says BYE before its OK.
        self.finish(&tag, "LOGOUT").map(drop)
    }
}
