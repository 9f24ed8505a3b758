//! What the citizen sees once their message is filed: the reference, what happens next, and
//! how to follow the request (the acknowledgment to reply to, how long answers take).

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};
use wire::{Lang, i18n::fill};
use yew::prelude::*;

use crate::api;
use crate::state::{Action, Model};

#[derive(Properties, PartialEq)]
pub(crate) struct SentProps {
    pub(crate) lang: Lang,
    pub(crate) reference: AttrValue,
    /// The address the acknowledgment goes to, if the citizen gave one.
    pub(crate) email: Option<AttrValue>,
    /// The site's own words on how long answers take.
    pub(crate) follow_up: Option<AttrValue>,
    pub(crate) dispatcher: UseReducerDispatcher<Model>,
    pub(crate) root: Element,
}

#[component]
pub(crate) fn Sent(p: &SentProps) -> Html {
    let t = p.lang.texts();
    // Screen readers and keyboards start from the confirmation, not from a vanished button.
    {
        let root = p.root.clone();
        use_effect_with(p.reference.clone(), move |_| {
            if let Ok(Some(title)) = root.query_selector("#g-sent-title")
                && let Ok(title) = title.dyn_into::<HtmlElement>()
            {
                let _ = title.focus();
            }
        });
    }
    let again = {
        let d = p.dispatcher.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Action::Again(api::new_key())))
    };
    html! {
        <div class="sent">
            <h3 id="g-sent-title" tabindex="-1">{ t.sent_title }</h3>
            <p class="reference">{ fill(t.sent_reference, &[("reference", &p.reference)]) }</p>
            <p>{ t.sent_next }</p>
            <p>{ match &p.email {
                Some(email) => fill(t.sent_email, &[("email", email)]),
                None => t.sent_no_email.to_owned(),
            } }</p>
            <p>{ p.follow_up.clone().unwrap_or(AttrValue::Static(t.sent_delay)) }</p>
            <button type="button" class="secondary" onclick={again}>{ t.sent_again }</button>
        </div>
    }
}
