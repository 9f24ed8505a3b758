//! The end-to-end tests, in one binary so that the harness is linked once. Each module is
//! one area:
//!
//! - `harness_smoke`: the harness itself, against a real SMTP server and Chromium.
//! - `social_inbound`: a signed WhatsApp webhook to the agents' mailbox, re-deliveries ignored.
//! - `widget_to_inbox`: the demo site's widget to the agents' and the citizen's mailboxes.
//! - `widget_behaviour`: keyboard, embed modes, languages, hostile CSS, JS API, draft, offline.
//! - `widget_bench`: not tests but ignored benchmarks, run by `cargo xtask bench`.
//! - `world`: what the widget tests share (not tests).

mod harness_smoke;
mod social_inbound;
mod widget_behaviour;
mod widget_bench;
mod widget_to_inbox;
mod world;
