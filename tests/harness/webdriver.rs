//! A small blocking W3C WebDriver client: headless Chromium through a chromedriver that it
//! starts itself, with what a widget in a shadow root needs.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::ports::free_port;
use crate::process::Child;

/// The key under which WebDriver serialises an element reference.
pub const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// The key under which WebDriver serialises a shadow root reference.
pub const SHADOW_ROOT_KEY: &str = "shadow-6066-11e4-a52e-4f735466cecf";

/// WebDriver's codes for the keys that are not characters, for
/// [`Browser::send_keys_to_active`] and [`Element::send_keys`].
pub mod keys {
    pub const TAB: &str = "\u{E004}";
    pub const ENTER: &str = "\u{E007}";
    pub const ESCAPE: &str = "\u{E00C}";
    pub const SHIFT: &str = "\u{E008}";
    pub const SPACE: &str = "\u{E00D}";
}

/// Chromium as root in a container: no sandbox, no GPU, and nothing that calls home.
const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
];

/// A headless Chromium session; dropping it ends the session and chromedriver.
pub struct Browser {
    agent: ureq::Agent,
    /// `http://127.0.0.1:PORT/session/ID`, which every command's path extends.
    session: String,
    // Declared before the profile so that Chromium is gone when its profile is deleted.
    _chromedriver: Child,
    _profile: TempDir,
}

impl Browser {
    pub fn start() -> Result<Browser> {
        let port = free_port()?;
        let mut command = Command::new("/usr/bin/chromedriver");
        command.arg(format!("--port={port}"));
        let mut chromedriver = Child::spawn("chromedriver", command)?;
        chromedriver.wait_for_port(port, Duration::from_secs(20))?;

        let profile = tempfile::tempdir()?;
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|arg| arg.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args},
        }}});
        // WebDriver reports its errors as JSON with an HTTP error status: read them, not ureq's.
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        let created =
            reply(agent.post(format!("http://127.0.0.1:{port}/session")).send_json(capabilities), "new session")
                .with_context(|| format!("chromedriver could not start Chromium{}", chromedriver.tail()))?;
        let id = created["sessionId"].as_str().ok_or_else(|| anyhow!("no sessionId in {created}"))?;
        let session = format!("http://127.0.0.1:{port}/session/{id}");
        Ok(Browser { agent, session, _chromedriver: chromedriver, _profile: profile })
    }

    pub fn goto(&self, url: &str) -> Result<()> {
        self.post("/url", json!({"url": url})).map(drop)
    }

    /// Runs `script` as the body of a function called with `args`; returns what it returns,
    /// DOM elements as element references (see [`Browser::element`]).
    pub fn execute(&self, script: &str, args: &[Value]) -> Result<Value> {
        self.post("/execute/sync", json!({"script": script, "args": args}))
    }

    /// Like [`Browser::execute`], but the script's last argument is a callback to call with
    /// the result: for promises.
    pub fn execute_async(&self, script: &str, args: &[Value]) -> Result<Value> {
        self.post("/execute/async", json!({"script": script, "args": args}))
    }

    /// The first element of the document matching `css`; shadow roots are not searched.
    pub fn find(&self, css: &str) -> Result<Element<'_>> {
        let found = self.post("/element", json!({"using": "css selector", "value": css}));
        self.element(&found.with_context(|| format!("finding `{css}`"))?)
    }

    pub fn shadow_root(&self, host: &Element) -> Result<ShadowRoot<'_>> {
        let root = self.get(&format!("/element/{}/shadow", host.id))?;
        let id = root[SHADOW_ROOT_KEY].as_str().ok_or_else(|| anyhow!("not a shadow root reference: {root}"))?;
        Ok(ShadowRoot { browser: self, id: id.to_owned() })
    }

    /// The document's focused element. Focus inside a shadow root shows as its host, as
    /// `document.activeElement` does.
    pub fn active_element(&self) -> Result<Element<'_>> {
        self.element(&self.get("/element/active")?)
    }

    /// Types `keys` (characters, or [`keys`]) wherever the focus is, shadow roots included.
    pub fn send_keys_to_active(&self, keys: &str) -> Result<()> {
        let actions: Vec<Value> = keys
            .chars()
            .flat_map(|key| [json!({"type": "keyDown", "value": key}), json!({"type": "keyUp", "value": key})])
            .collect();
        self.post("/actions", json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})).map(drop)
    }

    /// Resizes the window: half the width and height is what a 200 % zoom leaves to the page.
    pub fn set_window_size(&self, width: u32, height: u32) -> Result<()> {
        self.post("/window/rect", json!({"width": width, "height": height})).map(drop)
    }

    /// Presses `key` while holding `modifier` (e.g. [`keys::SHIFT`] and [`keys::TAB`]).
    pub fn send_chord_to_active(&self, modifier: &str, key: &str) -> Result<()> {
        let actions = json!([
            {"type": "keyDown", "value": modifier},
            {"type": "keyDown", "value": key},
            {"type": "keyUp", "value": key},
            {"type": "keyUp", "value": modifier},
        ]);
        self.post("/actions", json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})).map(drop)
    }

    pub fn screenshot_png(&self, path: &Path) -> Result<()> {
        let encoded = self.get("/screenshot")?;
        let png = base64::engine::general_purpose::STANDARD.decode(encoded.as_str().unwrap_or_default())?;
        fs::write(path, png).with_context(|| format!("cannot write {}", path.display()))
    }

    /// The element a script returned, from its element reference.
    pub fn element(&self, reference: &Value) -> Result<Element<'_>> {
        let id = reference[ELEMENT_KEY].as_str().ok_or_else(|| anyhow!("not an element reference: {reference}"))?;
        Ok(Element { browser: self, id: id.to_owned() })
    }

    fn get(&self, path: &str) -> Result<Value> {
        reply(self.agent.get(format!("{}{path}", self.session)).call(), &format!("GET {path}"))
    }

    fn post(&self, path: &str, body: Value) -> Result<Value> {
        reply(self.agent.post(format!("{}{path}", self.session)).send_json(body), &format!("POST {path}"))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Lets chromedriver close Chromium cleanly; the process group is killed after anyway.
        let _ = self.agent.delete(&self.session).call();
    }
}

/// The `value` of a WebDriver reply, or its W3C error as an error.
fn reply(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>, command: &str) -> Result<Value> {
    let reply: Value = response
        .and_then(|mut response| response.body_mut().read_json())
        .with_context(|| format!("WebDriver {command}"))?;
    let value = reply.get("value").cloned().unwrap_or(Value::Null);
    if let Some(error) = value.get("error").and_then(Value::as_str) {
        bail!("WebDriver {command}: {error}: {}", value["message"].as_str().unwrap_or_default());
    }
    Ok(value)
}

/// An element of the page, valid until the page changes.
pub struct Element<'b> {
    browser: &'b Browser,
    id: String,
}

impl Element<'_> {
    /// The reference to pass in a script's `args`.
    pub fn to_arg(&self) -> Value {
        json!({ELEMENT_KEY: self.id})
    }

    pub fn click(&self) -> Result<()> {
        self.browser.post(&format!("/element/{}/click", self.id), json!({})).map(drop)
    }

    /// Focuses the element and types `text` (characters, or [`keys`]).
    pub fn send_keys(&self, text: &str) -> Result<()> {
        self.browser.post(&format!("/element/{}/value", self.id), json!({"text": text})).map(drop)
    }

    /// The rendered text, as a user would read it.
    pub fn text(&self) -> Result<String> {
        Ok(self.browser.get(&format!("/element/{}/text", self.id))?.as_str().unwrap_or_default().to_owned())
    }

    /// The HTML attribute, as written in the markup.
    pub fn attribute(&self, name: &str) -> Result<Option<String>> {
        Ok(self.browser.get(&format!("/element/{}/attribute/{name}", self.id))?.as_str().map(str::to_owned))
    }

    /// The DOM property, as the page's scripts see it now (`value`, `checked`…).
    pub fn property(&self, name: &str) -> Result<Value> {
        self.browser.get(&format!("/element/{}/property/{name}", self.id))
    }
}

/// An open shadow root of an element of the page.
pub struct ShadowRoot<'b> {
    browser: &'b Browser,
    id: String,
}

impl<'b> ShadowRoot<'b> {
    /// The reference to pass in a script's `args`.
    pub fn to_arg(&self) -> Value {
        json!({SHADOW_ROOT_KEY: self.id})
    }

    /// The first element in this shadow root matching `css`.
    pub fn find(&self, css: &str) -> Result<Element<'b>> {
        let found =
            self.browser.post(&format!("/shadow/{}/element", self.id), json!({"using": "css selector", "value": css}));
        self.browser.element(&found.with_context(|| format!("finding `{css}` in a shadow root"))?)
    }
}

/// The form control, inside `root`, whose `<label>` text contains `label_text`: found as a
/// user finds a field, so tests break when a label goes missing.
pub fn find_in_shadow_by_label<'b>(root: &ShadowRoot<'b>, label_text: &str) -> Result<Element<'b>> {
    const SCRIPT: &str = r#"
        const [root, wanted] = arguments;
        const labels = [...root.querySelectorAll('label')];
        const text = (label) => label.textContent.replace(/\s+/g, ' ').trim();
        for (const label of labels.filter((label) => text(label).includes(wanted))) {
            const control = label.htmlFor
                ? root.getElementById(label.htmlFor)
                : label.querySelector('input, select, textarea, button');
            if (control) return {control};
        }
        return {labels: labels.map(text)};
    "#;
    let found = root.browser.execute(SCRIPT, &[root.to_arg(), json!(label_text)])?;
    if found.get("control").is_none() {
        bail!("no control labelled `{label_text}` in the shadow root; its labels: {}", found["labels"]);
    }
    root.browser.element(&found["control"])
}
