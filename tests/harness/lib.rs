//! The end-to-end test harness: Guichet, a real SMTP server, a real IMAP server and headless
//! Chromium, run as real processes on loopback and driven from blocking test code.
//!
//! # Layout
//!
//! - [`ports`]: free loopback ports, and whether one accepts connections.
//! - [`process`]: [`process::Child`], a started program that is killed when dropped and whose
//!   output is echoed to the test and kept for error messages.
//! - [`poll`]: [`poll::wait_until`], the one way to wait for another process.
//! - [`dovecot`]: [`dovecot::Dovecot`], a real IMAP server (Dovecot 2.3) holding one user's
//!   mailbox, with a small blocking client to append messages and search flags.
//! - [`smtp`]: [`smtp::SmtpServer`] (aiosmtpd writing a Maildir) and [`smtp::ReceivedMail`],
//!   a delivered message with decoded headers and bodies.
//! - [`webdriver`]: [`webdriver::Browser`], a small W3C WebDriver client for headless
//!   Chromium through chromedriver, shadow roots included.
//! - [`axe`]: [`axe::check`], axe-core's accessibility rules run in that browser.
//! - [`guichet`]: [`guichet::Guichet`], the `guichet` binary under test.
//! - [`fake_social`]: [`fake_social::FakeSocial`], the Graph and X APIs standing in on
//!   loopback, recording what Guichet sends; [`fake_social::sign_meta`] signs webhooks.

use std::path::{Path, PathBuf};

pub mod axe;
pub mod dovecot;
pub mod fake_social;
pub mod guichet;
pub mod poll;
pub mod ports;
pub mod process;
pub mod smtp;
pub mod webdriver;

/// The workspace's root directory: Guichet runs there, so that the relative paths of its
/// configuration (`dist/widget`, `demo-site`) resolve as in development.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ lies inside the workspace").to_owned()
}
