//! Channel adapters: each turns its wire format into an [`InboundMessage`](crate::domain::message::InboundMessage).
//!
//! - `widget`: the widget's submissions.
//! - `email`: reads raw mail into a [`ReadEmail`](email::ReadEmail) for the intake; `imap`
//!   watches mailboxes; `email_intake` stores what they fetch, raw, before anything else.
//! - `webhook`: what the social networks' webhooks share (signatures, batches).
//! - `meta`: Messenger, Instagram and WhatsApp webhooks; `x`: X's Account Activity.
//! - `social_send`: replies out through the networks' send APIs.
//! - `whatsapp_media`: WhatsApp media downloaded through the Graph API.

pub mod email;
pub mod email_intake;
pub mod imap;
pub mod meta;
pub mod social_send;
pub mod webhook;
pub mod whatsapp_media;
pub mod widget;
pub mod x;

#[cfg(test)]
pub(crate) mod social_tests;
