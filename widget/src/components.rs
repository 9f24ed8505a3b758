//! The widget's views: the dialog ([`app`]), the form ([`form`]) and its fields ([`field`]),
//! and what the citizen sees once sent ([`sent`]).

pub(crate) mod app;
pub(crate) mod field;
pub(crate) mod form;
pub(crate) mod sent;
