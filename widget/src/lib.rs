//! Guichet's contact widget: a Yew app that `widget.js` mounts in its shadow root.
//!
//! # Layout
//! - [`state`]: the widget's state as a pure reducer (`Model` + `Action`).
//! - [`api`]: the two calls to the backend (site settings, submission), over `fetch`.
//! - `components/`: the dialog and the views inside it (form, sent).
//!
//! The loader calls [`mount`] once, when the citizen first opens the widget, and keeps the
//! returned [`Widget`] to open and close it.

mod api;
mod components;
mod state;

use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlElement};
use wire::Lang;

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
}

/// Mounts the app in `root` (an element of the loader's shadow root). `launcher` gets the
/// focus back when the dialog closes; `api` is the backend's base URL, ending with `/`.
#[wasm_bindgen]
pub fn mount(root: Element, launcher: Option<HtmlElement>, site: String, lang: String, api: String) -> Widget {
    let remote = Remote::default();
    let props = AppProps {
        site: site.into(),
        lang: Lang::from_tag(&lang),
        api: api.into(),
        launcher,
        remote: remote.clone(),
        root: root.clone(),
    };
    yew::Renderer::<App>::with_root_and_props(root, props).render();
    Widget { remote }
}
