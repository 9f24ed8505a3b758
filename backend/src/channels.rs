//! Channel adapters: each turns its wire format into an [`InboundMessage`](crate::domain::message::InboundMessage).
//! Email comes in through [`imap`] (watched mailboxes) into [`email_intake`] (stored raw first).

pub mod email_intake;
pub mod imap;
pub mod widget;
