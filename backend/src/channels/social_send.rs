//! Replies out through the networks' send APIs: Graph API `/{page-id}/messages` for
//! Messenger and Instagram, `/{phone-number-id}/messages` for WhatsApp, X's
//! `/dm_conversations/with/{participant_id}/messages`.
//!
//! One call sends one part: the caller first asks [`plan_reply`](crate::domain::social_rules::plan_reply)
//! whether the reply may go and in which parts, then sends each part in order. Errors say
//! whether trying again may help ([`SendError::permanent`]), as the outbox does for email.
//!
//! ```text
//! let plan = social_rules::plan_reply(channel, last_inbound_at, now, meta.human_agent_tag, &text)?;
//! let target = SocialTarget::for_handle(site, "whatsapp:33612345678", plan.human_agent_tag)?;
//! for part in &plan.parts[already_sent..] { let id = social_send::send(&target, part).await?; … }
//! ```
//! A part that went out is not sent again on retry: keep count of the parts sent.

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::{Value, json};

use crate::config::Site;
use crate::domain::message::Channel;

/// Where and how one citizen is answered on one network.
#[derive(Clone, PartialEq, Eq)]
pub struct SocialTarget {
    pub channel: Channel,
    /// The citizen's id on the network: PSID, IGSID, WhatsApp `wa_id`, X user id.
    pub recipient: String,
    /// The endpoint the message is POSTed to.
    pub url: String,
    pub access_token: String,
    /// Messenger and Instagram: sent with the `HUMAN_AGENT` tag (the plan says when).
    pub human_agent_tag: bool,
}

impl std::fmt::Debug for SocialTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocialTarget")
            .field("channel", &self.channel)
            .field("recipient", &self.recipient)
            .field("url", &self.url)
            .field("human_agent_tag", &self.human_agent_tag)
            .finish_non_exhaustive()
    }
}

/// A part that did not go out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// What went wrong, with the network's own words when it gave any.
    pub message: String,
    /// Trying again cannot help (refused, misconfigured); otherwise retry later.
    pub permanent: bool,
}

impl SendError {
    pub(crate) fn permanent(message: impl Into<String>) -> SendError {
        SendError { message: message.into(), permanent: true }
    }

    pub(crate) fn transient(message: impl Into<String>) -> SendError {
        SendError { message: message.into(), permanent: false }
    }
}

impl SocialTarget {
    /// The target of a reply to the sender `handle` (`messenger:<psid>`, `instagram:<igsid>`,
    /// `whatsapp:<wa_id>`, `x:<id>`, as the webhooks file them) on `site`.
    ///
    /// Instagram replies go through the Page linked to the account when `page_id` is set
    /// (Messenger API for Instagram), else through the Instagram account's id.
    pub fn for_handle(site: &Site, handle: &str, human_agent_tag: bool) -> Result<SocialTarget, SendError> {
        let (network, recipient) =
            handle.split_once(':').ok_or_else(|| SendError::permanent(format!("`{handle}` is not a social handle")))?;
        let not_configured =
            |what: &str| SendError::permanent(format!("{what} is not configured for the site `{}`", site.id));
        let channel = match network {
            "messenger" => Channel::Messenger,
            "instagram" => Channel::Instagram,
            "whatsapp" => Channel::Whatsapp,
            "x" => Channel::X,
            _ => return Err(SendError::permanent(format!("`{handle}` is not a handle of a social network"))),
        };
        let (url, access_token) = if channel == Channel::X {
            let x = site.x.as_ref().ok_or_else(|| not_configured("x"))?;
            let token = x.access_token.clone().ok_or_else(|| not_configured("x.access_token"))?;
            (format!("{}/dm_conversations/with/{recipient}/messages", x.api_url), token)
        } else {
            let meta = site.meta.as_ref().ok_or_else(|| not_configured("meta"))?;
            let account = match channel {
                Channel::Messenger => meta.page_id.as_ref().ok_or_else(|| not_configured("meta.page_id"))?,
                Channel::Instagram => meta
                    .page_id
                    .as_ref()
                    .or(meta.instagram_id.as_ref())
                    .ok_or_else(|| not_configured("meta.instagram_id"))?,
                _ => meta
                    .whatsapp_phone_number_id
                    .as_ref()
                    .ok_or_else(|| not_configured("meta.whatsapp_phone_number_id"))?,
            };
            let token = meta.access_token.clone().ok_or_else(|| not_configured("meta.access_token"))?;
            (format!("{}/{account}/messages", meta.graph_url), token)
        };
        Ok(SocialTarget { channel, recipient: recipient.to_owned(), url, access_token, human_agent_tag })
    }

    /// The JSON the network's send API takes for `text`.
    pub fn request_body(&self, text: &str) -> Value {
        match self.channel {
            Channel::Whatsapp => json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": self.recipient,
                "type": "text",
                "text": { "preview_url": false, "body": text },
            }),
            Channel::X => json!({ "text": text }),
            _ if self.human_agent_tag => json!({
                "recipient": { "id": self.recipient },
                "messaging_type": "MESSAGE_TAG",
                "tag": "HUMAN_AGENT",
                "message": { "text": text },
            }),
            _ => json!({
                "recipient": { "id": self.recipient },
                "messaging_type": "RESPONSE",
                "message": { "text": text },
            }),
        }
    }
}

/// Every call to a network (sends, media downloads) shares one agent (its connection pool);
/// a network that does not answer in this time is tried again later. Statuses are answers,
/// not errors: callers read the network's explanation.
pub(crate) fn agent() -> &'static ureq::Agent {
    static AGENT: OnceLock<ureq::Agent> = OnceLock::new();
    AGENT.get_or_init(|| {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .user_agent("guichet")
            .build()
            .new_agent()
    })
}

/// Sends one part of a reply; returns the network's id of the message sent.
pub async fn send(target: &SocialTarget, text_part: &str) -> Result<String, SendError> {
    let (url, token, body, channel) =
        (target.url.clone(), target.access_token.clone(), target.request_body(text_part), target.channel);
    let (status, answer) = tokio::task::spawn_blocking(move || {
        let mut response = agent()
            .post(&url)
            .header("Authorization", &format!("Bearer {token}"))
            .send_json(&body)
            .map_err(|e| SendError::transient(format!("{url}: {e}")))?;
        let text = response.body_mut().read_to_string().unwrap_or_default();
        Ok::<_, SendError>((response.status().as_u16(), text))
    })
    .await
    .map_err(|e| SendError::transient(format!("the sending task stopped: {e}")))??;
    read_answer(channel, status, &answer)
}

/// The message id of a success, or the error with the network's explanation.
fn read_answer(channel: Channel, status: u16, answer: &str) -> Result<String, SendError> {
    let json: Value = serde_json::from_str(answer).unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        let id = match channel {
            Channel::Whatsapp => json.pointer("/messages/0/id"),
            Channel::X => json.pointer("/data/dm_event_id"),
            _ => json.get("message_id"),
        };
        return id.and_then(Value::as_str).map(str::to_owned).ok_or_else(|| {
            // It may well have gone out: sending again could send it twice.
            SendError::permanent(format!("the network answered {status} without a message id: {answer}"))
        });
    }
    Err(refusal(channel, status, answer))
}

/// A network's answer other than success, with its explanation; transient when trying again
/// may help (throttling, the network's own trouble).
pub(crate) fn refusal(channel: Channel, status: u16, answer: &str) -> SendError {
    let json: Value = serde_json::from_str(answer).unwrap_or(Value::Null);
    // Graph: {"error": {"message", "code"}}; X: {"title", "detail"} or {"errors": [{"message"}]}.
    let graph_code = json.pointer("/error/code").and_then(Value::as_i64);
    let said =
        [json.pointer("/error/message"), json.get("detail"), json.pointer("/errors/0/message"), json.get("title")]
            .into_iter()
            .flatten()
            .find_map(Value::as_str)
            .map_or_else(|| answer.chars().take(300).collect(), str::to_owned);
    let code = graph_code.map(|c| format!(" (code {c})")).unwrap_or_default();
    let message = format!("{} answered {status}: {said}{code}", network_name(channel));
    // Graph reports throttling and its own hiccups with these codes, sometimes under a 400.
    let graph_transient = matches!(graph_code, Some(1 | 2 | 4 | 17 | 32 | 613 | 80006 | 130429));
    if status == 429 || status >= 500 || graph_transient {
        SendError::transient(message)
    } else {
        SendError::permanent(message)
    }
}

fn network_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Whatsapp => "WhatsApp",
        Channel::X => "X",
        Channel::Instagram => "Instagram",
        _ => "Messenger",
    }
}

#[cfg(test)]
mod tests;
