//! What the tests need besides cargo: installed when missing, and said out loud.

use std::path::Path;
use std::process::Command;

use anyhow::{Result, bail};

/// Debian packages, and the command each provides.
const PACKAGES: &[(&str, &str)] = &[
    ("chromium", "/usr/bin/chromium"),
    ("chromium-driver", "/usr/bin/chromedriver"),
    ("python3-aiosmtpd", "/usr/lib/python3/dist-packages/aiosmtpd"),
    // A real IMAP server for the mailbox-watching tests (the harness configures its own).
    ("dovecot-core", "/usr/sbin/dovecot"),
    ("dovecot-imapd", "/usr/lib/dovecot/imap"),
    ("npm", "/usr/bin/npm"),
];

pub(crate) fn install(root: &Path) -> Result<()> {
    let targets = Command::new("rustup").args(["target", "list", "--installed"]).current_dir(root).output()?;
    if !String::from_utf8_lossy(&targets.stdout).contains("wasm32-unknown-unknown") {
        eprintln!("xtask: installing the Rust target wasm32-unknown-unknown (rustup)");
        crate::run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]).current_dir(root))?;
    }

    let missing: Vec<&str> = PACKAGES.iter().filter(|(_, path)| !Path::new(path).exists()).map(|(p, _)| *p).collect();
    if !missing.is_empty() {
        if !is_root() {
            bail!(
                "missing Debian packages: {}; run as root, or `sudo apt-get install {}`",
                missing.join(", "),
                missing.join(" ")
            );
        }
        eprintln!("xtask: installing Debian packages with apt-get: {}", missing.join(", "));
        crate::run(Command::new("apt-get").args(["update", "-q"]))?;
        crate::run(
            Command::new("apt-get")
                .args(["install", "-y", "-q", "--no-install-recommends"])
                .args(&missing)
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )?;
    }

    if !root.join("target/npm/node_modules/axe-core/axe.min.js").exists() {
        npm_install(root, "axe-core@4")?;
    }
    Ok(())
}

/// Installs an npm package under `target/npm`, out of the source tree.
pub(crate) fn npm_install(root: &Path, package: &str) -> Result<()> {
    let dir = root.join("target/npm");
    eprintln!("xtask: installing {package} from npm into {}", dir.display());
    std::fs::create_dir_all(&dir)?;
    crate::run(Command::new("npm").args(["install", "--no-audit", "--no-fund", "--prefix"]).arg(&dir).arg(package))
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0")).unwrap_or(false)
}
