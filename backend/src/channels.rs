//! Channel adapters: each turns its wire format into an [`InboundMessage`](crate::domain::message::InboundMessage)
//! (`email` reads raw mail into a [`ReadEmail`](email::ReadEmail) for the intake to turn into one).

pub mod email;
pub mod widget;
