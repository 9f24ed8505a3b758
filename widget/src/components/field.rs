//! One labelled control with its hint and its error, tied together for screen readers; and
//! the photo's file input.

use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use wire::i18n::fill;
use wire::{Field, Lang, Photo, Problem};
use yew::prelude::*;

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    Text(&'static str),
    TextArea,
}

#[derive(Properties, PartialEq)]
pub(crate) struct FieldProps {
    pub(crate) id: &'static str,
    pub(crate) field: Field,
    pub(crate) label: &'static str,
    pub(crate) kind: Kind,
    pub(crate) value: AttrValue,
    pub(crate) lang: Lang,
    #[prop_or_default]
    pub(crate) required: bool,
    #[prop_or_default]
    pub(crate) autocomplete: Option<&'static str>,
    /// The id of a hint shared with other fields (the contact hint).
    #[prop_or_default]
    pub(crate) hint: Option<&'static str>,
    pub(crate) problem: Option<Problem>,
    pub(crate) oninput: Callback<(Field, String)>,
}

#[component]
pub(crate) fn TextField(p: &FieldProps) -> Html {
    let error_id = format!("{}-error", p.id);
    let described: Vec<&str> = p.hint.into_iter().chain(p.problem.map(|_| error_id.as_str())).collect();
    let described = (!described.is_empty()).then(|| described.join(" "));
    let invalid = p.problem.map(|_| "true");
    let oninput = {
        let (cb, field) = (p.oninput.clone(), p.field);
        Callback::from(move |e: InputEvent| {
            let target = e.target_unchecked_into::<HtmlInputElement>();
            cb.emit((field, target.value()));
        })
    };
    let control = match p.kind {
        Kind::Text(kind) => html! {
            <input id={p.id} type={kind} value={p.value.clone()} {oninput} autocomplete={p.autocomplete}
                aria-required={p.required.then_some("true")} aria-invalid={invalid} aria-describedby={described} />
        },
        Kind::TextArea => html! {
            <textarea id={p.id} rows="6" value={p.value.clone()} {oninput}
                aria-required={p.required.then_some("true")} aria-invalid={invalid} aria-describedby={described} />
        },
    };
    html! {
        <div class={classes!("field", p.problem.map(|_| "invalid"))}>
            <label for={p.id}>
                { p.label }
                if p.required { <span class="req" aria-hidden="true">{ " *" }</span> }
            </label>
            { control }
            if let Some(problem) = p.problem {
                <p id={error_id} class="error">{ p.lang.problem(p.field, problem) }</p>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub(crate) struct PhotoProps {
    pub(crate) lang: Lang,
    pub(crate) max_bytes: u64,
    /// The name of the photo kept, if any.
    pub(crate) chosen: Option<AttrValue>,
    pub(crate) problem: Option<Problem>,
    pub(crate) onchange: Callback<Result<Option<Photo>, Problem>>,
}

/// The optional photo: a file input with its limits said beforehand, the file checked as soon
/// as it is chosen, its error announced then (it does not wait for the submit).
#[component]
pub(crate) fn PhotoField(p: &PhotoProps) -> Html {
    let t = p.lang.texts();
    let input = use_node_ref();
    let max = p.lang.size(p.max_bytes);
    let described = match p.problem {
        Some(_) => "g-photo-hint g-photo-error",
        None => "g-photo-hint",
    };
    let onchange = {
        let (cb, max_bytes, input) = (p.onchange.clone(), p.max_bytes, input.clone());
        Callback::from(move |_: Event| {
            let Some(el) = input.cast::<HtmlInputElement>() else { return };
            let Some(file) = el.files().and_then(|files| files.get(0)) else {
                cb.emit(Ok(None));
                return;
            };
            let cb = cb.clone();
            spawn_local(async move {
                let chosen = crate::photo::read(file, max_bytes).await;
                if chosen.is_err() {
                    el.set_value("");
                }
                cb.emit(chosen.map(Some));
            });
        })
    };
    let remove = {
        let (cb, input) = (p.onchange.clone(), input.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(el) = input.cast::<HtmlInputElement>() {
                el.set_value("");
                let _ = el.focus();
            }
            cb.emit(Ok(None));
        })
    };
    html! {
        <div class={classes!("field", p.problem.map(|_| "invalid"))}>
            <label for="g-photo">{ t.photo_label }</label>
            <p id="g-photo-hint" class="note">{ fill(t.photo_hint, &[("max", &max)]) }</p>
            <input ref={input} id="g-photo" type="file" accept="image/jpeg,image/png,image/webp" {onchange}
                aria-invalid={p.problem.map(|_| "true")} aria-describedby={described} />
            if let Some(name) = &p.chosen {
                <button type="button" class="secondary remove" onclick={remove}>{ format!("{} ({name})", t.photo_remove) }</button>
            }
            if let Some(problem) = p.problem {
                <p id="g-photo-error" class="error" role="alert">{ fill(p.lang.problem(Field::Photo, problem), &[("max", &max)]) }</p>
            }
        </div>
    }
}
