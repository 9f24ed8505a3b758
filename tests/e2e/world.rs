//! What the widget tests share: Guichet on the demo configuration, a browser on one of its
//! pages, and ways to reach into the widget's shadow root.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use tests::axe;
use tests::guichet::Guichet;
use tests::poll::wait_until;
use tests::webdriver::{Browser, ShadowRoot};

/// The demo configuration users run, with mail sent to `smtp_url` (or kept as files) and the
/// pages served from `pages` (a directory of the workspace) when given.
pub(crate) fn demo_config(smtp_url: Option<&str>, pages: Option<&str>) -> Result<String> {
    let text = std::fs::read_to_string(tests::workspace_root().join("guichet.toml"))?;
    let mut config: toml::Table = text.parse()?;
    let server = config.get_mut("server").and_then(|s| s.as_table_mut()).context("no [server]")?;
    server.remove("data_dir");
    if let Some(pages) = pages {
        server.insert("demo_site_dir".into(), pages.into());
    }
    if let Some(url) = smtp_url {
        let mail = config.get_mut("mail").and_then(|m| m.as_table_mut()).context("no [mail]")?;
        mail.insert("smtp_url".into(), url.into());
    }
    Ok(config.to_string())
}

/// A Guichet on a fresh data directory, and a browser.
pub(crate) struct World {
    pub(crate) guichet: Guichet,
    pub(crate) browser: Browser,
    _data: tempfile::TempDir,
}

impl World {
    pub(crate) fn start(pages: Option<&str>) -> Result<World> {
        let data = tempfile::tempdir()?;
        let guichet = Guichet::start(&demo_config(None, pages)?, data.path())?;
        Ok(World { guichet, browser: Browser::start()?, _data: data })
    }

    pub(crate) fn goto(&self, page: &str) -> Result<()> {
        self.browser.goto(&format!("{}/{page}", self.guichet.base_url()))
    }

    /// The shadow root of the first element matching `host`, once the loader made it.
    pub(crate) fn shadow(&self, host: &str) -> Result<ShadowRoot<'_>> {
        shadow(&self.browser, host)
    }

    /// Runs `script` with `root` (the shadow root of `host`) as `r`.
    pub(crate) fn in_shadow(&self, host: &str, script: &str) -> Result<serde_json::Value> {
        self.browser.execute(&format!("const r = document.querySelector('{host}').shadowRoot; {script}"), &[])
    }

    pub(crate) fn no_violations(&self, host: &str, state: &str) -> Result<()> {
        let violations = axe::check(&self.browser, &format!("document.querySelector('{host}')"))?;
        let report: Vec<String> = violations.iter().map(ToString::to_string).collect();
        ensure!(violations.is_empty(), "axe found violations with the widget {state}:\n{}", report.join("\n"));
        Ok(())
    }
}

/// The shadow root of the first element matching `host`, once the loader made it.
pub(crate) fn shadow<'b>(browser: &'b Browser, host: &str) -> Result<ShadowRoot<'b>> {
    let found = wait_until(Duration::from_secs(10), || {
        let ready = browser.execute(&format!("return !!document.querySelector('{host}')?.shadowRoot"), &[])?;
        Ok((ready == true).then_some(()))
    })
    .and_then(|_| browser.find(host))
    .with_context(|| format!("no shadow root on `{host}`"))?;
    browser.shadow_root(&found)
}

/// The text of the first element matching `css` in `root`, once there.
pub(crate) fn text_of(root: &ShadowRoot<'_>, css: &str) -> Result<String> {
    wait_until(Duration::from_secs(20), || root.find(css).ok().map(|e| e.text()).transpose())
        .with_context(|| format!("nothing shown at `{css}`"))
}

/// The reference in "Votre référence : VE-2026-000001" (or its English version).
pub(crate) fn reference_in(confirmation: &str) -> Result<String> {
    let reference = confirmation.rsplit([' ', ':']).next().unwrap_or_default().to_owned();
    ensure!(
        reference.starts_with("VE-20") && reference.len() == "VE-2026-000001".len(),
        "no reference in `{confirmation}`"
    );
    Ok(reference)
}
