//! The `guichet` binary: parses the command line and the configuration, then wires.

use std::path::PathBuf;

use std::sync::Arc;

use anyhow::Context;
use backend::channels::email::{self, Limits};
use backend::config::Config;
use backend::intake::Intake;
use backend::mail::Mailer;
use backend::store::Store;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "guichet", version, about = "One counter for the messages citizens send to an institution.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serves the API, the widget and (in demo mode) the demo site.
    Serve {
        /// The configuration file.
        #[arg(long, default_value = "guichet.toml")]
        config: PathBuf,
        /// Overrides `server.listen`; port 0 picks a free port.
        #[arg(long)]
        listen: Option<String>,
    },
    /// Files inbound messages from a JSON Lines file (`-` for standard input) through the live
    /// pipeline and prints `{"id","ticket","incident"}` for each line.
    Replay {
        file: PathBuf,
        /// The configuration file; without it, the demo configuration. Sites it lacks are added.
        #[arg(long, default_value = "guichet.toml")]
        config: PathBuf,
        /// Files into this SQLite database, kept afterwards, instead of a fresh one in memory.
        #[arg(long)]
        db: Option<PathBuf>,
        /// Sends the emails the messages cause; by default they are only recorded.
        #[arg(long)]
        send_mail: bool,
    },
    /// Takes one raw email on standard input, as a mail server's pipe gives it: through the
    /// running service when there is one, else straight into the database. Exits 75 (try again
    /// later) or 65 (message refused), as mail servers expect.
    IngestEmail {
        /// The site whose address received it; not needed for mail to a `reply+` address.
        #[arg(long)]
        site: Option<String>,
        #[arg(long, default_value = "guichet.toml")]
        config: PathBuf,
    },
    /// Email tools.
    Email {
        #[command(subcommand)]
        command: EmailCommand,
    },
}

#[derive(Subcommand)]
enum EmailCommand {
    /// Shows how Guichet reads an email (an RFC 5322 message, or a bare text body) as JSON:
    /// sender, thread ids, whether a robot sent it, the citizen's new words, attachments.
    Inspect {
        /// The message; `-` or nothing for standard input.
        #[arg(default_value = "-")]
        file: PathBuf,
        /// Attachments larger than this many bytes are refused.
        #[arg(long, default_value_t = Limits::default().max_attachment_bytes)]
        max_attachment_bytes: usize,
        /// Attachments after this many are refused.
        #[arg(long, default_value_t = Limits::default().max_attachments)]
        max_attachments: usize,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve { config, listen } => {
            let mut config = Config::load(&config, std::env::var("GUICHET_SMTP_URL").ok())?;
            if let Some(listen) = listen {
                config.listen = listen.parse().with_context(|| format!("--listen `{listen}` is not an address"))?;
            }
            let listener = tokio::net::TcpListener::bind(config.listen)
                .await
                .with_context(|| format!("cannot listen on {}", config.listen))?;
            // Tests and scripts read this line to learn the port.
            println!("guichet listening on http://{}", listener.local_addr()?);
            backend::serve(config, listener, shutdown_signal()).await?;
            Ok(())
        }
        Command::Replay { file, config, db, send_mail } => {
            let input = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())?
            } else {
                std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?
            };
            let smtp = std::env::var("GUICHET_SMTP_URL").ok();
            let mut config = if config.exists() {
                Config::load(&config, smtp)?
            } else {
                Config::parse(include_str!("../../guichet.toml"), smtp)?
            };
            config.add_implicit_sites(&backend::replay::sites(&input));
            let store = match &db {
                Some(path) => Store::open_file(path)?,
                None => Store::in_memory()?,
            };
            let from = config.mail.from.clone();
            let mailer = Mailer::new(&config.mail.transport).map_err(anyhow::Error::msg);
            let intake = Intake::open(store.clone(), Arc::new(config)).await?;
            let summary = backend::replay::replay(&intake, &input, &mut std::io::stdout().lock()).await?;
            if send_mail {
                backend::mail::outbox::pass(&store, &mailer?, &from).await?;
            }
            eprintln!("guichet replay: {} filed, {} refused", summary.filed, summary.failed);
            Ok(())
        }
        Command::IngestEmail { site, config } => {
            let config = Config::load(&config, std::env::var("GUICHET_SMTP_URL").ok())?;
            let mut raw = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut raw)?;
            match backend::pipe::ingest(config, site, raw).await {
                Ok(outcome) => {
                    println!("{}", serde_json::to_string(&outcome)?);
                    Ok(())
                }
                Err(e) => {
                    eprintln!("guichet ingest-email: {e}");
                    std::process::exit(i32::from(e.exit_code()));
                }
            }
        }
        Command::Email { command: EmailCommand::Inspect { file, max_attachment_bytes, max_attachments } } => {
            let raw = if file.as_os_str() == "-" {
                let mut raw = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut raw)?;
                raw
            } else {
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?
            };
            let limits = Limits { max_attachment_bytes, max_attachments };
            let json =
                email::inspect(&raw, &limits).with_context(|| format!("cannot read {} as an email", file.display()))?;
            println!("{}", serde_json::to_string_pretty(&json)?);
            Ok(())
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}
