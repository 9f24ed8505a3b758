//! Outgoing mail: rendering domain [`Email`]s as RFC 5322 messages, the transports that carry
//! them, and the outbox worker that sends what the store queued.

pub mod outbox;
mod render;
mod transport;

pub use render::render;
pub use transport::{Mailer, SendError};
