//! Guichet's contact widget: a Yew app that `widget.js` mounts in its shadow root.
//!
//! # Layout
//! - [`state`]: the widget's state as a pure reducer (`Model` + `Action`).
//! - [`api`]: the two calls to the backend (site settings, submission), over `fetch`.
//! - [`photo`]: the optional photo, read as base64 by the browser and checked.
//! - [`storage`]: the draft (`sessionStorage`) and the offline queue (`localStorage`).
//! - `components/`: the dialog and the views inside it (form, sent).
//!
//! The loader calls [`mount`] once, when the citizen first opens the widget, and keeps the
//! returned [`Widget`] to open and close it.

mod api;
mod components;
mod json;
mod photo;
mod state;
mod storage;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, Element, HtmlElement, ShadowRoot};
use wire::{Field, Lang};

use crate::components::app::{App, AppProps, Remote};
use crate::state::Action;

/// The handle `widget.js` keeps to drive the mounted app.
#[wasm_bindgen]
pub struct Widget {
    remote: Remote,
}

#[wasm_bindgen]
impl Widget {
    pub fn open(&self) {
        self.remote.send(Action::Open);
    }

    pub fn close(&self) {
        self.remote.send(Action::Close);
    }

    /// Fills the fields the citizen left empty; empty strings change nothing.
    pub fn prefill(&self, name: String, email: String, phone: String, topic: String, message: String) {
        self.remote.send(Action::Prefill(vec![
            (Field::Name, name),
            (Field::Email, email),
            (Field::Phone, phone),
            (Field::Topic, topic),
            (Field::Message, message),
        ]));
    }
}

/// Mounts the app in `root` (an element of a shadow root). With a `launcher`, the app is a
/// dialog that gives it the focus back on close; without, an inline form. `api` is the
/// backend's base URL, ending with `/`; `topic` a topic to preselect, or empty.
#[wasm_bindgen]
pub fn mount(
    root: Element,
    launcher: Option<HtmlElement>,
    site: String,
    lang: String,
    api: String,
    topic: String,
) -> Widget {
    let remote = Remote::default();
    let props = AppProps {
        site: site.into(),
        lang: Lang::from_tag(&lang),
        api: api.into(),
        launcher,
        topic: topic.into(),
        remote: remote.clone(),
        root: root.clone(),
    };
    adopt_styles(&root);
    yew::Renderer::<App>::with_root_and_props(root, props).render();
    Widget { remote }
}

const CSS: &str = include_str!("../widget.css");

/// Adds the widget's styles to the shadow root holding `root` as a constructed stylesheet:
/// unlike a `<style>` element, it needs no `'unsafe-inline'` in the page's CSP.
fn adopt_styles(root: &Element) {
    let Ok(shadow) = root.get_root_node().dyn_into::<ShadowRoot>() else { return };
    let Ok(sheet) = CssStyleSheet::new() else { return };
    if sheet.replace_sync(CSS).is_ok() {
        let sheets = shadow.adopted_style_sheets();
        sheets.push(&sheet);
        shadow.set_adopted_style_sheets(&sheets);
    }
}
