//! The `guichet` binary: parses the command line and the configuration, then wires.

use std::path::PathBuf;

use anyhow::Context;
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
            let mut config = backend::config::Config::load(&config, std::env::var("GUICHET_SMTP_URL").ok())?;
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
