//! The app: a modal `<dialog>` (focus kept inside, Escape closes, focus back to the launcher),
//! the site's settings fetched once, and the handle the loader drives it with.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlDialogElement, HtmlElement};
use wire::Lang;
use yew::prelude::*;

use crate::api;
use crate::components::form::Form;
use crate::components::sent::Sent;
use crate::state::{Action, Model, Phase, Settings};

const CSS: &str = include_str!("../../widget.css");

/// Lets code outside Yew (the loader, through [`crate::Widget`]) send actions to the app.
/// Actions sent before the first render wait in `pending`.
#[derive(Clone, Default)]
pub(crate) struct Remote(pub(crate) Rc<RefCell<RemoteInner>>);

#[derive(Default)]
pub(crate) struct RemoteInner {
    dispatch: Option<Callback<Action>>,
    pending: Vec<Action>,
}

impl Remote {
    pub(crate) fn send(&self, action: Action) {
        let mut inner = self.0.borrow_mut();
        match inner.dispatch.clone() {
            Some(dispatch) => {
                drop(inner);
                dispatch.emit(action);
            }
            None => inner.pending.push(action),
        }
    }

    fn connect(&self, dispatch: Callback<Action>) {
        let pending = {
            let mut inner = self.0.borrow_mut();
            inner.dispatch = Some(dispatch.clone());
            std::mem::take(&mut inner.pending)
        };
        for action in pending {
            dispatch.emit(action);
        }
    }
}

impl PartialEq for Remote {
    fn eq(&self, other: &Remote) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Properties, PartialEq)]
pub(crate) struct AppProps {
    pub(crate) site: AttrValue,
    pub(crate) lang: Lang,
    pub(crate) api: AttrValue,
    pub(crate) launcher: Option<HtmlElement>,
    pub(crate) remote: Remote,
    /// The element the app is mounted in, to find its own nodes.
    pub(crate) root: Element,
}

#[component]
pub(crate) fn App(props: &AppProps) -> Html {
    let lang = props.lang;
    let model = use_reducer(|| Model::new(api::new_key(), lang));
    let dialog = use_node_ref();

    {
        let remote = props.remote.clone();
        let dispatcher = model.dispatcher();
        use_effect_with((), move |_| remote.connect(Callback::from(move |a| dispatcher.dispatch(a))));
    }
    {
        let (api, site, dispatcher) = (props.api.clone(), props.site.clone(), model.dispatcher());
        use_effect_with((), move |_| {
            spawn_local(async move { dispatcher.dispatch(Action::Settings(api::settings(&api, &site, lang).await)) })
        });
    }
    {
        let dialog = dialog.clone();
        use_effect_with(model.open, move |open| {
            if let Some(d) = dialog.cast::<HtmlDialogElement>() {
                match (*open, d.open()) {
                    (true, false) => drop(d.show_modal()),
                    (false, true) => d.close(),
                    _ => {}
                }
            }
        });
    }

    let t = lang.texts();
    // The dialog closes by Escape, by our button or by the loader: all end here.
    let on_closed = {
        let (dispatcher, launcher) = (model.dispatcher(), props.launcher.clone());
        Callback::from(move |_: Event| {
            dispatcher.dispatch(Action::Close);
            if let Some(l) = &launcher {
                let _ = l.focus();
            }
        })
    };
    let close = {
        let dispatcher = model.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(Action::Close))
    };

    let body = match (&model.settings, &model.phase) {
        (_, Phase::Sent(reference)) => {
            html! { <Sent {lang} reference={reference.clone()} dispatcher={model.dispatcher()} root={props.root.clone()} /> }
        }
        (Settings::Ready(settings), _) => html! {
            <Form {lang} model={model.clone()} settings={settings.clone()} api={props.api.clone()} site={props.site.clone()} root={props.root.clone()} />
        },
        (Settings::Loading, _) => html! { <p class="note">{ t.loading }</p> },
        (Settings::Failed, _) => html! { <p class="banner" role="alert">{ t.config_error }</p> },
    };

    html! {
        <>
            <style>{ CSS }</style>
            <dialog ref={dialog} class="dialog" aria-labelledby="g-title" lang={lang.code()} onclose={on_closed}>
                <div class="head">
                    <h2 id="g-title">{ t.dialog_title }</h2>
                    <button type="button" class="close" onclick={close}>{ t.close }</button>
                </div>
                { body }
            </dialog>
        </>
    }
}
