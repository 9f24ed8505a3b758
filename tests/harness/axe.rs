//! Accessibility checks: axe-core (from npm) run in a [`Browser`] on part of the page,
//! shadow roots included.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, PoisonError};
use std::{env, fmt, fs};

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::Value;

use crate::webdriver::Browser;
use crate::workspace_root;

/// One broken rule, with every node that breaks it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Violation {
    /// The rule, such as `label` or `color-contrast`.
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: Option<String>,
    pub help: String,
    pub help_url: String,
    pub nodes: Vec<ViolationNode>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ViolationNode {
    /// One selector per frame; inside a shadow root, a list of selectors from host to node.
    pub target: Vec<Value>,
    pub html: String,
    pub failure_summary: Option<String>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let impact = self.impact.as_deref().unwrap_or("unknown impact");
        writeln!(f, "[{impact}] {}: {} ({})", self.id, self.help, self.help_url)?;
        for node in &self.nodes {
            let target: Vec<String> = node.target.iter().map(selector).collect();
            writeln!(f, "  at {}", target.join(" | "))?;
            writeln!(f, "    {}", node.html)?;
            for line in node.failure_summary.iter().flat_map(|summary| summary.lines()) {
                writeln!(f, "    {line}")?;
            }
        }
        Ok(())
    }
}

fn selector(target: &Value) -> String {
    match target {
        Value::Array(path) => path.iter().map(selector).collect::<Vec<_>>().join(" >> "),
        Value::String(css) => css.clone(),
        other => other.to_string(),
    }
}

/// Runs axe-core on the page in `browser`, limited to `context`: a JavaScript expression for
/// an axe context, such as `document.querySelector('guichet-widget')` (a shadow host is
/// checked with its open shadow root).
pub fn check(browser: &Browser, context: &str) -> Result<Vec<Violation>> {
    if browser.execute("return typeof axe === 'undefined'", &[])? == true {
        browser.execute(&axe_source()?, &[]).context("loading axe-core into the page")?;
    }
    let script = format!(
        "const done = arguments[arguments.length - 1];
         axe.run({context}, {{resultTypes: ['violations']}})
             .then((results) => done({{violations: results.violations}}), (error) => done({{error: String(error)}}));"
    );
    let outcome = browser.execute_async(&script, &[])?;
    if let Some(error) = outcome.get("error") {
        bail!("axe.run({context}) failed: {error}");
    }
    Ok(serde_json::from_value(outcome["violations"].clone())?)
}

/// The source of `axe.min.js`, installed from npm on first use.
fn axe_source() -> Result<String> {
    // Tests run in parallel: one installs, the others wait for it.
    static INSTALL: Mutex<()> = Mutex::new(());
    let _installing = INSTALL.lock().unwrap_or_else(PoisonError::into_inner);
    let dir = env::var_os("GUICHET_AXE_DIR").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("target/npm"));
    let file = dir.join("node_modules/axe-core/axe.min.js");
    if !file.exists() {
        // Not eprintln!, which cargo test keeps back unless the test fails: this should be seen.
        writeln!(io::stderr(), "axe: installing axe-core@4 from npm into {}", dir.display())?;
        fs::create_dir_all(&dir)?;
        let status = Command::new("npm").arg("install").arg("--prefix").arg(&dir).arg("axe-core@4").status();
        if !status.context("cannot run npm")?.success() {
            bail!("`npm install --prefix {} axe-core@4` failed", dir.display());
        }
    }
    fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))
}
