//! Channel adapters: each turns its wire format into an [`InboundMessage`](crate::domain::message::InboundMessage).
//! Email comes in through [`imap`] (watched mailboxes) into [`email_intake`] (stored raw first),
//! and [`email`] reads raw mail into a [`ReadEmail`](email::ReadEmail) for the intake.

pub mod email;
pub mod email_intake;
pub mod imap;
pub mod widget;
