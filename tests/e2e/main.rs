//! The end-to-end tests, in one binary so that the harness is linked once. Each module is
//! one area:
//!
//! - `harness_smoke`: the harness itself, against a real SMTP server and Chromium.
//! - `widget_to_inbox`: the demo site's widget to the agents' and the citizen's mailboxes.

mod harness_smoke;
mod widget_to_inbox;
