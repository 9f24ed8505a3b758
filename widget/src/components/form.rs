//! The form: checked in the browser with the same rules as the backend, then sent; the
//! draft survives errors and failures.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlSelectElement};
use wire::{Field, Lang, WidgetConfig};
use yew::prelude::*;

use crate::components::app::{Target, deliver};
use crate::components::field::{Kind, PhotoField, TextField};
use crate::state::{Action, Failure, Model, Phase};

#[derive(Properties, PartialEq)]
pub(crate) struct FormProps {
    pub(crate) lang: Lang,
    pub(crate) model: UseReducerHandle<Model>,
    pub(crate) settings: WidgetConfig,
    pub(crate) target: Target,
    pub(crate) root: Element,
}

#[component]
pub(crate) fn Form(p: &FormProps) -> Html {
    let t = p.lang.texts();
    let m = &*p.model;

    // After each rejected attempt, take the citizen to the first field to fix.
    {
        let root = p.root.clone();
        use_effect_with(m.rejections, move |n| {
            if *n > 0
                && let Ok(Some(el)) = root.query_selector("[aria-invalid=true]")
                && let Ok(el) = el.dyn_into::<HtmlElement>()
            {
                let _ = el.focus();
            }
        });
    }

    let edit = {
        let d = p.model.dispatcher();
        Callback::from(move |(field, value): (Field, String)| d.dispatch(Action::Edit(field, value)))
    };
    let on_topic = {
        let d = p.model.dispatcher();
        Callback::from(move |e: Event| {
            d.dispatch(Action::Edit(Field::Topic, e.target_unchecked_into::<HtmlSelectElement>().value()))
        })
    };
    let on_photo = {
        let d = p.model.dispatcher();
        Callback::from(move |chosen| d.dispatch(Action::Photo(chosen)))
    };
    let on_consent = {
        let d = p.model.dispatcher();
        Callback::from(move |e: Event| {
            d.dispatch(Action::Consent(e.target_unchecked_into::<HtmlInputElement>().checked()))
        })
    };
    let send = {
        let (model, target) = (p.model.clone(), p.target.clone());
        let topics: Vec<String> = p.settings.topics.iter().map(|t| t.id.clone()).collect();
        move || {
            if model.phase == Phase::Sending {
                return;
            }
            let topics: Vec<&str> = topics.iter().map(String::as_str).collect();
            let problems = wire::validate(&model.draft, &topics);
            if !problems.is_empty() {
                model.dispatch(Action::Rejected(problems));
                return;
            }
            model.dispatch(Action::Sending);
            let (draft, d, target) = (model.draft.clone(), model.dispatcher(), target.clone());
            spawn_local(async move { deliver(&target, draft, d).await });
        }
    };
    let onsubmit = {
        let send = send.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            send();
        })
    };
    let retry = Callback::from(move |_: MouseEvent| send());

    let banner = match (&m.phase, m.problems.is_empty()) {
        (Phase::Queued, _) => html! {
            <div class="banner info">
                <p>{ t.queued }</p>
                <button type="button" class="secondary" onclick={retry.clone()}>{ t.retry }</button>
            </div>
        },
        (Phase::Failed(failure), _) => html! {
            <div class="banner">
                <p>{ if *failure == Failure::Network { t.network_error } else { t.server_error } }</p>
                <button type="button" class="secondary" onclick={retry}>{ t.retry }</button>
            </div>
        },
        (_, false) => html! { <p class="banner">{ t.form_has_errors }</p> },
        _ => html! {},
    };
    let topic_problem = m.problem(Field::Topic);
    let consent_problem = m.problem(Field::Consent);
    let sending = m.phase == Phase::Sending;
    let d = &m.draft;
    let needs_location = p.settings.topics.iter().any(|topic| topic.id == d.topic && topic.location);

    html! {
        <form novalidate=true {onsubmit}>
            <p class="note">{ t.intro }</p>
            <p class="note">{ t.required_hint }</p>
            <div class="status" aria-live="assertive">{ banner }</div>

            <div class={classes!("field", topic_problem.map(|_| "invalid"))}>
                <label for="g-topic">{ t.topic_label }<span class="req" aria-hidden="true">{ " *" }</span></label>
                <select id="g-topic" onchange={on_topic} aria-required="true"
                    aria-invalid={topic_problem.map(|_| "true")} aria-describedby={topic_problem.map(|_| "g-topic-error")}>
                    <option value="" selected={d.topic.is_empty()}>{ t.topic_placeholder }</option>
                    { for p.settings.topics.iter().map(|topic| html! {
                        <option value={topic.id.clone()} selected={d.topic == topic.id}>{ &topic.label }</option>
                    }) }
                </select>
                if let Some(problem) = topic_problem {
                    <p id="g-topic-error" class="error">{ p.lang.problem(Field::Topic, problem) }</p>
                }
            </div>

            <TextField id="g-message" field={Field::Message} label={t.message_label} kind={Kind::TextArea} required=true
                value={d.message.clone()} lang={p.lang} problem={m.problem(Field::Message)} oninput={edit.clone()} />
            if needs_location {
                <TextField id="g-location" field={Field::Location} label={t.location_label} kind={Kind::Text("text")}
                    autocomplete="street-address" value={d.location.clone()} lang={p.lang} problem={m.problem(Field::Location)} oninput={edit.clone()} />
            }
            if p.settings.max_photo_bytes > 0 {
                <PhotoField lang={p.lang} max_bytes={p.settings.max_photo_bytes} problem={m.problem(Field::Photo)}
                    chosen={d.photo.as_ref().map(|photo| AttrValue::from(photo.name.clone()))} onchange={on_photo} />
            }
            <TextField id="g-name" field={Field::Name} label={t.name_label} kind={Kind::Text("text")} required=true
                autocomplete="name" value={d.name.clone()} lang={p.lang} problem={m.problem(Field::Name)} oninput={edit.clone()} />

            <fieldset>
                <legend>{ t.contact_legend }</legend>
                <p id="g-contact-hint" class="note">{ t.contact_hint }</p>
                <TextField id="g-email" field={Field::Email} label={t.email_label} kind={Kind::Text("email")} hint="g-contact-hint"
                    autocomplete="email" value={d.email.clone()} lang={p.lang} problem={m.problem(Field::Email)} oninput={edit.clone()} />
                <TextField id="g-phone" field={Field::Phone} label={t.phone_label} kind={Kind::Text("tel")} hint="g-contact-hint"
                    autocomplete="tel" value={d.phone.clone()} lang={p.lang} problem={m.problem(Field::Phone)} oninput={edit} />
            </fieldset>

            <div class={classes!("field", "check", consent_problem.map(|_| "invalid"))}>
                <input id="g-consent" type="checkbox" checked={d.consent} onchange={on_consent} aria-required="true"
                    aria-invalid={consent_problem.map(|_| "true")} aria-describedby={consent_problem.map(|_| "g-consent-error")} />
                <label for="g-consent">{ t.consent_label }<span class="req" aria-hidden="true">{ " *" }</span></label>
                if let Some(problem) = consent_problem {
                    <p id="g-consent-error" class="error">{ p.lang.problem(Field::Consent, problem) }</p>
                }
            </div>
            <p class="note"><a href={p.settings.privacy_url.clone()} target="_blank" rel="noopener">{ t.privacy_link }</a></p>

            <button type="submit" class="primary" disabled={sending} aria-disabled={sending.then_some("true")}>
                { if sending { t.sending } else { t.submit } }
            </button>
        </form>
    }
}
