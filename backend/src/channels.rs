//! Channel adapters: each turns its wire format into an [`InboundMessage`](crate::domain::message::InboundMessage).

pub mod email;
pub mod widget;
