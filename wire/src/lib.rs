//! The JSON shapes the widget and the backend exchange, and the rules that validate them.
//!
//! # Layout
//! - [`submission`]: what the widget sends, and [`submission::validate`], run by both sides
//!   so the citizen sees the same words before and after the network.
//! - [`photo`]: the optional photo, checked by its bytes and size on both sides.
//! - [`site`]: what the widget reads about a site (topics, privacy notice).
//! - [`response`]: what the backend answers (a reference, or errors naming fields).
//! - [`i18n`]: every text a citizen reads, one catalogue per language: `wire/i18n/<code>.toml`,
//!   embedded at build time (`build.rs`, the only user of its build dependency `toml`).
//! - [`scoring`]: pairwise precision and recall of a grouping of messages (deduplication
//!   quality), shared by the backend's tests and `cargo xtask bench`.
//!
//! This crate is compiled for wasm32 as well as for the server: it holds no I/O and depends
//! on serde alone, to keep the widget small.

pub mod i18n;
pub mod photo;
pub mod response;
pub mod scoring;
pub mod site;
pub mod submission;

pub use i18n::Lang;
pub use photo::Photo;
pub use response::{Accepted, ApiError, FieldError};
pub use site::{TopicInfo, WidgetConfig};
pub use submission::{Field, Problem, Submission, validate};
