//! The end-to-end tests, in one binary so that the harness is linked once. Each module is
//! one area:
//!
//! - `harness_smoke`: the harness itself, against a real SMTP server and Chromium.
//! - `email_both_ways`: Dovecot + SMTP: a citizen's email to a ticket, the agent's emailed answer back
//!   to the citizen, robots and bounces, crashes and an SMTP outage.
//! - `email_pipe`: `guichet ingest-email` with and without the service, and its exit codes.
//! - `email_inspect`: `guichet email inspect` on the email fixture corpus and on standard input.
//! - `imap_watch`: a council's mailbox on a real Dovecot: emails stored once, then marked;
//!   crashes on either side of the storing.
//! - `social_inbound`: a signed WhatsApp webhook to the agents' mailbox, re-deliveries ignored.
//! - `social_media`: a WhatsApp photo fetched through the Graph API, mailed to the agents in the thread.
//! - `widget_to_inbox`: the demo site's widget to the agents' and the citizen's mailboxes.
//! - `widget_behaviour`: keyboard, embed modes, languages, hostile CSS, JS API, draft, offline.
//! - `widget_bench`: not tests but ignored benchmarks, run by `cargo xtask bench`.
//! - `world`: what the widget tests share (not tests).

mod email_both_ways;
mod email_inspect;
mod email_pipe;
mod harness_smoke;
mod imap_watch;
mod social_inbound;
mod social_media;
mod widget_behaviour;
mod widget_bench;
mod widget_to_inbox;
mod world;
