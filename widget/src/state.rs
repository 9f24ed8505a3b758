//! The widget's state as a pure reducer: every change is an [`Action`], so the rules of the
//! form (what is kept, when errors show) are plain functions, tested without a browser.

use std::rc::Rc;

use wire::{Field, Photo, Problem, Submission, WidgetConfig};
use yew::Reducible;

/// The site's settings, as fetched.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Settings {
    Loading,
    Ready(WidgetConfig),
    Failed,
}

/// Where the citizen is in sending their message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Phase {
    Editing,
    Sending,
    /// The network or the server failed: the text is kept and a retry is offered.
    Failed(Failure),
    /// Offline: the submission waits in the browser and goes when the network is back.
    Queued,
    Sent(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    Network,
    Server,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Model {
    pub(crate) open: bool,
    pub(crate) settings: Settings,
    /// The draft: kept across closing and failures, cleared once sent.
    pub(crate) draft: Submission,
    pub(crate) problems: Vec<(Field, Problem)>,
    /// Counts rejected attempts, so the view can move focus to the first error each time.
    pub(crate) rejections: u32,
    pub(crate) phase: Phase,
}

pub(crate) enum Action {
    Open,
    Close,
    Settings(Option<WidgetConfig>),
    Edit(Field, String),
    Consent(bool),
    /// A photo was chosen: kept if it passed the checks, else its problem shown; `Ok(None)`
    /// removes it.
    Photo(Result<Option<Photo>, Problem>),
    /// The form was checked and has these problems (from the widget or from the server).
    Rejected(Vec<(Field, Problem)>),
    Sending,
    Sent(String),
    Failed(Failure),
    /// Offline: the draft was queued to be sent when the network is back.
    Queued,
    /// After a sent message: a fresh form for another one, with this new idempotency key.
    Again(String),
    /// Values from the page (`Guichet.prefill`): each fills its field if the citizen left it empty.
    Prefill(Vec<(Field, String)>),
}

impl Model {
    /// A model around `draft`: a fresh one, or the one kept from before a reload.
    pub(crate) fn new(draft: Submission) -> Model {
        Model {
            open: false,
            settings: Settings::Loading,
            draft,
            problems: vec![],
            rejections: 0,
            phase: Phase::Editing,
        }
    }

    pub(crate) fn problem(&self, field: Field) -> Option<Problem> {
        self.problems.iter().find(|(f, _)| *f == field).map(|(_, p)| *p)
    }
}

impl Reducible for Model {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut m = (*self).clone();
        match action {
            Action::Open => m.open = true,
            Action::Close => m.open = false,
            Action::Settings(Some(settings)) => m.settings = Settings::Ready(settings),
            Action::Settings(None) => m.settings = Settings::Failed,
            Action::Edit(field, value) => {
                if let Some(slot) = m.draft.text_mut(field) {
                    *slot = value;
                }
                forget_fixed(&mut m, field);
            }
            Action::Consent(yes) => {
                m.draft.consent = yes;
                forget_fixed(&mut m, Field::Consent);
            }
            Action::Photo(chosen) => {
                forget_fixed(&mut m, Field::Photo);
                match chosen {
                    Ok(photo) => m.draft.photo = photo,
                    Err(problem) => {
                        m.draft.photo = None;
                        m.problems.push((Field::Photo, problem));
                    }
                }
            }
            Action::Rejected(problems) => {
                m.problems = problems;
                m.rejections += 1;
                m.phase = Phase::Editing;
            }
            Action::Sending => {
                m.problems.clear();
                m.phase = Phase::Sending;
            }
            Action::Sent(reference) => m.phase = Phase::Sent(reference),
            Action::Failed(failure) => m.phase = Phase::Failed(failure),
            Action::Queued => m.phase = Phase::Queued,
            Action::Prefill(values) => {
                for (field, value) in values {
                    if let Some(slot) = m.draft.text_mut(field)
                        && slot.trim().is_empty()
                        && !value.trim().is_empty()
                    {
                        *slot = value;
                    }
                }
            }
            Action::Again(key) => {
                let lang = m.draft.lang;
                m.draft = Submission { idempotency_key: key, lang, ..Submission::default() };
                m.problems.clear();
                m.phase = Phase::Editing;
            }
        }
        Rc::new(m)
    }
}

/// Editing a field clears its error (and the shared contact error for email or phone):
/// the citizen sees the error go once they act on it; the next submit checks again.
fn forget_fixed(m: &mut Model, field: Field) {
    let contact = matches!(field, Field::Email | Field::Phone);
    m.problems.retain(|(f, p)| *f != field && !(contact && *p == Problem::ContactNeeded));
}

#[cfg(test)]
mod tests {
    use super::*;
    use wire::Lang;

    fn run(actions: Vec<Action>) -> Model {
        let draft = Submission { idempotency_key: "k-1".into(), lang: Lang::FR, ..Submission::default() };
        actions.into_iter().fold(Rc::new(Model::new(draft)), |m, a| m.reduce(a)).as_ref().clone()
    }

    #[test]
    fn closing_and_failing_keep_the_draft() {
        let m = run(vec![
            Action::Open,
            Action::Edit(Field::Message, "Un trou".into()),
            Action::Close,
            Action::Open,
            Action::Sending,
            Action::Failed(Failure::Network),
        ]);
        assert_eq!(m.draft.message, "Un trou");
        assert_eq!(m.draft.idempotency_key, "k-1");
        assert_eq!(m.phase, Phase::Failed(Failure::Network));
    }

    #[test]
    fn editing_a_field_clears_its_error_only() {
        let m = run(vec![
            Action::Rejected(vec![(Field::Message, Problem::Required), (Field::Email, Problem::ContactNeeded)]),
            Action::Edit(Field::Phone, "06".into()),
        ]);
        assert_eq!(m.problems, vec![(Field::Message, Problem::Required)]);
        assert_eq!(m.rejections, 1);
    }

    #[test]
    fn prefill_fills_only_what_the_citizen_left_empty() {
        let m = run(vec![
            Action::Edit(Field::Name, "Claire D.".into()),
            Action::Prefill(vec![
                (Field::Name, "Claire Dubois".into()),
                (Field::Email, "claire@example.fr".into()),
                (Field::Phone, String::new()),
            ]),
        ]);
        assert_eq!(
            (m.draft.name.as_str(), m.draft.email.as_str(), m.draft.phone.as_str()),
            ("Claire D.", "claire@example.fr", "")
        );
    }

    #[test]
    fn a_refused_photo_is_dropped_and_named_until_another_is_chosen() {
        let photo = Photo { name: "trou.png".into(), content_type: "image/png".into(), data: "iVBO".into() };
        let m = run(vec![Action::Photo(Ok(Some(photo.clone()))), Action::Photo(Err(Problem::PhotoTooLarge))]);
        assert_eq!((m.draft.photo.as_ref(), m.problem(Field::Photo)), (None, Some(Problem::PhotoTooLarge)));
        let m = run(vec![Action::Photo(Err(Problem::PhotoType)), Action::Photo(Ok(Some(photo.clone())))]);
        assert_eq!((m.draft.photo, m.problems), (Some(photo), vec![]));
    }

    #[test]
    fn another_message_starts_blank_with_a_new_key() {
        let m = run(vec![
            Action::Edit(Field::Name, "Claire".into()),
            Action::Sending,
            Action::Sent("VE-1".into()),
            Action::Again("k-2".into()),
        ]);
        assert_eq!(m.draft.name, "");
        assert_eq!(m.draft.idempotency_key, "k-2");
        assert_eq!(m.phase, Phase::Editing);
    }
}
