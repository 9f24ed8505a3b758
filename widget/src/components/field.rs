//! One labelled control with its hint and its error, tied together for screen readers.

use wire::{Field, Lang, Problem};
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
            let target = e.target_unchecked_into::<web_sys::HtmlInputElement>();
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
