//! The domain: what a message, a ticket and a notification are, and the decisions about them.
//!
//! Pure by rule: nothing here does I/O or knows of HTTP, SQL or SMTP. Adapters at the edges
//! translate wire formats into these types, and the store persists them.

pub mod agent_reply;
pub mod dedup;
pub mod message;
pub mod notify;
pub mod quotes;
pub mod reply_token;
pub mod routing;
pub mod social_rules;
pub mod ticket;
