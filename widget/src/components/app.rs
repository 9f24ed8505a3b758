//! The app: a modal `<dialog>` (focus kept inside, Escape closes, focus back to the launcher),
//! the site's settings fetched once, and the handle the loader drives it with.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlDialogElement, HtmlElement};
use wire::{Lang, Submission};
use yew::prelude::*;

use crate::api::{self, Outcome};
use crate::components::form::Form;
use crate::components::sent::Sent;
use crate::state::{Action, Failure, Model, Phase, Settings};
use crate::storage;

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
    /// The launcher of a dialog, which gets the focus back on close; `None` for an inline form.
    pub(crate) launcher: Option<HtmlElement>,
    /// The topic the page preselects (`data-topic`), or empty.
    pub(crate) topic: AttrValue,
    pub(crate) remote: Remote,
    /// The element the app is mounted in, to find its own nodes.
    pub(crate) root: Element,
}

/// Where submissions go, and where the browser keeps them meanwhile.
#[derive(Clone, PartialEq)]
pub(crate) struct Target {
    pub(crate) api: AttrValue,
    pub(crate) site: AttrValue,
    pub(crate) draft_key: AttrValue,
    pub(crate) queue_key: AttrValue,
}

/// Sends a draft and records the outcome: sent (the draft is forgotten), rejected (errors
/// shown), or queued when the network failed (sent later by [`flush`]).
pub(crate) async fn deliver(target: &Target, draft: Submission, d: UseReducerDispatcher<Model>) {
    match api::submit_with_retries(&target.api, &target.site, &draft).await {
        Outcome::Accepted(reference) => {
            storage::dequeue(&target.queue_key, &draft.idempotency_key);
            storage::clear_draft(&target.draft_key);
            api::announce_submitted(&reference);
            d.dispatch(Action::Sent(reference));
        }
        Outcome::Rejected(problems) => d.dispatch(Action::Rejected(problems)),
        Outcome::Failed(Failure::Network) => {
            storage::enqueue(&target.queue_key, &draft);
            d.dispatch(Action::Queued);
        }
        Outcome::Failed(failure) => d.dispatch(Action::Failed(failure)),
    }
}

/// Sends what waits in the queue, from this page or an earlier one; runs for the page's life.
async fn flush(target: Target, d: UseReducerDispatcher<Model>) {
    loop {
        for queued in storage::queued(&target.queue_key) {
            if let Outcome::Accepted(reference) = api::submit(&target.api, &target.site, &queued).await {
                storage::dequeue(&target.queue_key, &queued.idempotency_key);
                let current = storage::load_draft(&target.draft_key).map(|draft| draft.idempotency_key);
                if current.as_deref() == Some(queued.idempotency_key.as_str()) {
                    storage::clear_draft(&target.draft_key);
                    api::announce_submitted(&reference);
                    d.dispatch(Action::Sent(reference));
                }
            }
        }
        api::sleep(5000).await;
    }
}

#[component]
pub(crate) fn App(props: &AppProps) -> Html {
    let lang = props.lang;
    let inline = props.launcher.is_none();
    let target = Target {
        api: props.api.clone(),
        site: props.site.clone(),
        draft_key: format!("guichet-draft:{}:{}", props.site, if inline { "inline" } else { "dialog" }).into(),
        queue_key: format!("guichet-queue:{}", props.site).into(),
    };
    let model = {
        let (key, topic) = (target.draft_key.clone(), props.topic.to_string());
        use_reducer(move || {
            let fresh = || Submission { idempotency_key: api::new_key(), topic, ..Submission::default() };
            Model::new(Submission { lang, ..storage::load_draft(&key).unwrap_or_else(fresh) })
        })
    };
    let dialog = use_node_ref();

    {
        let remote = props.remote.clone();
        let dispatcher = model.dispatcher();
        use_effect_with((), move |_| remote.connect(Callback::from(move |a| dispatcher.dispatch(a))));
    }
    {
        let (target, dispatcher) = (target.clone(), model.dispatcher());
        use_effect_with((), move |_| {
            spawn_local(async move {
                dispatcher.dispatch(Action::Settings(api::settings(&target.api, &target.site, lang).await));
                flush(target, dispatcher).await;
            })
        });
    }
    {
        let key = target.draft_key.clone();
        let sent = matches!(model.phase, Phase::Sent(_));
        use_effect_with(model.draft.clone(), move |draft| {
            if !sent {
                storage::save_draft(&key, draft);
            }
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

    {
        // The dialog focuses what it holds when shown, which may be before the form is:
        // the first field gets the focus once both are there.
        let root = props.root.clone();
        let ready = matches!(model.settings, Settings::Ready(_));
        use_effect_with((model.open, ready), move |(open, ready)| {
            if *open
                && *ready
                && let Ok(Some(field)) = root.query_selector("#g-topic")
                && let Ok(field) = field.dyn_into::<HtmlElement>()
            {
                let _ = field.focus();
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
        (settings, Phase::Sent(reference)) => {
            let email = Some(model.draft.email.trim()).filter(|e| !e.is_empty()).map(|e| AttrValue::from(e.to_owned()));
            let follow_up = match settings {
                Settings::Ready(s) => s.follow_up.clone().map(AttrValue::from),
                _ => None,
            };
            html! {
                <Sent {lang} reference={reference.clone()} {email} {follow_up} dispatcher={model.dispatcher()} root={props.root.clone()} />
            }
        }
        (Settings::Ready(settings), _) => html! {
            <Form {lang} model={model.clone()} settings={settings.clone()} target={target.clone()} root={props.root.clone()} />
        },
        (Settings::Loading, _) => html! { <p class="note">{ t.loading }</p> },
        (Settings::Failed, _) => html! { <p class="banner" role="alert">{ t.config_error }</p> },
    };

    if inline {
        return html! {
            <>
                <section class="inline" aria-labelledby="g-title" lang={lang.code()}>
                    <h2 id="g-title">{ t.dialog_title }</h2>
                    { body }
                </section>
            </>
        };
    }
    html! {
        <>
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
