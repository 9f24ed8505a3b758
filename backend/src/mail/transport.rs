//! Where rendered mail goes: a directory of `.eml` files (the default, nothing leaves the
//! machine) or an SMTP server through lettre's pooled transport.

use std::path::PathBuf;

use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::MailTransport;

#[derive(Clone)]
pub enum Mailer {
    Directory(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// A failed send, and whether trying again could help.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    pub message: String,
    /// The server refused for good (unknown recipient, message rejected): retrying is useless.
    pub permanent: bool,
}

impl Mailer {
    pub fn new(transport: &MailTransport) -> Result<Mailer, String> {
        match transport {
            MailTransport::Directory(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                Ok(Mailer::Directory(dir.clone()))
            }
            MailTransport::Smtp(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map(|b| Mailer::Smtp(b.build()))
                .map_err(|e| format!("mail.smtp_url `{url}`: {e}")),
        }
    }

    /// Sends `message`; `id` names the file in a directory, so that sending the same outbox
    /// entry twice leaves one file.
    pub async fn send(&self, id: i64, message: &Message) -> Result<(), SendError> {
        match self {
            Mailer::Directory(dir) => {
                let path = dir.join(format!("{id:06}.eml"));
                let tmp = dir.join(format!(".{id:06}.eml.tmp"));
                let write = async {
                    tokio::fs::write(&tmp, message.formatted()).await?;
                    tokio::fs::rename(&tmp, &path).await
                };
                write.await.map_err(|e| SendError { message: format!("{}: {e}", path.display()), permanent: false })
            }
            Mailer::Smtp(smtp) => smtp
                .send(message.clone())
                .await
                .map(drop)
                .map_err(|e| SendError { permanent: e.is_permanent(), message: e.to_string() }),
        }
    }
}
