//! `cargo xtask`: the project's own commands, so that nothing is a hand-run step.
//!
//! # Layout
//! - [`widget`]: builds the widget (cargo for wasm32, wasm-bindgen in process, wasm-opt).
//! - [`setup`]: installs what the tests need, saying what it installs.
//! - [`bench`]: measures and writes BENCHMARKS.md; [`quality`] scores deduplication.
//!
//! `run` and `test` are the two commands README.md opens with.

mod bench;
mod quality;
mod setup;
mod widget;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Guichet's build, run, test and benchmark commands.")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Builds the widget and runs Guichet with the demo configuration on http://127.0.0.1:8080.
    Run {
        /// Arguments passed to `guichet serve` (e.g. `--config other.toml`).
        #[arg(trailing_var_arg = true)]
        args: Vec<String>,
    },
    /// Installs what the tests need, builds everything, and runs every test.
    Test,
    /// Builds the widget into dist/widget.
    Widget {
        /// Skips wasm-opt and the size-focused profile, for a faster build.
        #[arg(long)]
        dev: bool,
    },
    /// Measures the widget and the deduplication engine and writes BENCHMARKS.md.
    Bench {
        /// Only the widget's figures (sizes, largest parts, click to interactive), replaced in
        /// BENCHMARKS.md; the others are kept (minutes saved).
        #[arg(long, conflicts_with = "dedup")]
        widget: bool,
        /// Only the deduplication figures (quality and speed), replaced in BENCHMARKS.md.
        #[arg(long)]
        dedup: bool,
    },
    /// Builds the widget and prints the script tag with its Subresource Integrity hash.
    Sri {
        /// Where Guichet is served from, as the tag will name it.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        origin: String,
        /// The site id the tag names.
        #[arg(long, default_value = "ville-exemple")]
        site: String,
    },
}

fn main() -> Result<()> {
    let root = workspace_root();
    match Cli::parse().command {
        Cmd::Run { args } => {
            widget::build(&root, widget::Profile::Release)?;
            let mut serve = vec!["run", "--quiet", "--package", "backend", "--bin", "guichet", "--", "serve"];
            serve.extend(args.iter().map(String::as_str));
            cargo(&root, &serve)
        }
        Cmd::Test => {
            setup::install(&root)?;
            widget::build(&root, widget::Profile::Release)?;
            // The end-to-end tests start this binary.
            cargo(&root, &["build", "--package", "backend", "--bin", "guichet"])?;
            cargo(&root, &["test", "--workspace", "--no-fail-fast"])
        }
        Cmd::Widget { dev } => {
            widget::build(&root, if dev { widget::Profile::Dev } else { widget::Profile::Release }).map(drop)
        }
        Cmd::Sri { origin, site } => {
            let dist = widget::build(&root, widget::Profile::Release)?;
            let hash = widget::integrity(&std::fs::read(dist.join(widget::LOADER))?);
            println!(
                "<script src=\"{}/widget.js\" data-site=\"{site}\" integrity=\"{hash}\" crossorigin=\"anonymous\" async></script>",
                origin.trim_end_matches('/')
            );
            Ok(())
        }
        Cmd::Bench { widget, dedup } => {
            if dedup {
                return bench::write_dedup(&root);
            }
            widget::build(&root, widget::Profile::Release)?;
            if widget { bench::write_widget(&root) } else { bench::write(&root) }
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// Runs cargo in the workspace, showing the command.
fn cargo(root: &Path, args: &[&str]) -> Result<()> {
    run(Command::new(env!("CARGO")).args(args).current_dir(root))
}

fn run(command: &mut Command) -> Result<()> {
    eprintln!("xtask: {}", shown(command));
    let status = command.status().with_context(|| format!("cannot start {}", shown(command)))?;
    if !status.success() {
        bail!("{} failed ({status})", shown(command));
    }
    Ok(())
}

fn shown(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|s| s.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}
