//! The configuration: read once from TOML, then validated into typed values with every
//! error reported together.
//!
//! Two stages, as in ripgrep: [`RawConfig`] is what serde could read; [`Config`] is what the
//! service runs on, where a site's topics point at services that exist and addresses parse.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::Mailbox;
use serde::Deserialize;
use wire::Lang;

use crate::channels::imap::{self, Account, Processed, Tls};

/// Largest accepted request body by default: a long message, not a file (a photo is
/// allowed on top, see [`Config::submit_body_limit`]).
const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;
/// The largest photo limit a site may set: what mail servers commonly carry.
const PHOTO_LIMIT_CEILING: u64 = 20 * 1024 * 1024;
/// Largest raw email taken in by default: what common mail providers accept.
const DEFAULT_MAX_EMAIL_BYTES: usize = 25 * 1024 * 1024;

/// The Graph API version Guichet's requests and payload parsing were written against.
pub const DEFAULT_GRAPH_URL: &str = "https://graph.facebook.com/v21.0";
pub const DEFAULT_X_API_URL: &str = "https://api.x.com/2";

/// What serde could read from the file, before any cross-checking.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(default)]
    pub server: RawServer,
    pub mail: RawMail,
    #[serde(default)]
    pub sites: Vec<RawSite>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    pub listen: Option<String>,
    pub public_url: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub widget_dir: Option<PathBuf>,
    pub demo_site_dir: Option<PathBuf>,
    pub demo: Option<bool>,
    pub max_body_bytes: Option<usize>,
    /// Every site's photo limit, unless the site sets its own; 0 turns photos off.
    pub max_photo_bytes: Option<u64>,
    pub admin_token: Option<String>,
    pub ingest_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMail {
    pub from: String,
    pub smtp_url: Option<String>,
    pub reply_domain: Option<String>,
    pub secret: Option<String>,
    pub max_email_bytes: Option<usize>,
    pub max_attachment_bytes: Option<usize>,
    pub max_attachments: Option<usize>,
    /// The mailbox of the agents' reply domain, watched like a site's.
    pub reply_mailbox: Option<RawMailbox>,
}

/// A mailbox to watch over IMAP, as written in `[[sites.mailboxes]]` or `[mail.reply_mailbox]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMailbox {
    pub host: String,
    /// 993 with `tls = "tls"`, 143 otherwise.
    pub port: Option<u16>,
    /// `"tls"` (the default), `"starttls"` or `"none"`.
    pub tls: Option<String>,
    pub user: String,
    pub password: Option<String>,
    /// The name of an environment variable holding the password (or app password).
    pub password_env: Option<String>,
    /// `INBOX` by default.
    pub folder: Option<String>,
    /// `"flag"` (the default, unless `move_to` is given) or `"move"`.
    pub processed: Option<String>,
    /// The keyword a processed message gets, `$Guichet` by default.
    pub flag: Option<String>,
    /// The folder a processed message is moved to.
    pub move_to: Option<String>,
    /// How often to look when the server does not offer IDLE; 60 by default.
    pub poll_seconds: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSite {
    pub id: String,
    pub name: String,
    pub reference_prefix: String,
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    pub language: Option<String>,
    pub privacy_url: String,
    /// Overrides `server.max_photo_bytes` for this site.
    pub max_photo_bytes: Option<u64>,
    /// How long answers usually take, per language code, shown once a message is sent.
    #[serde(default)]
    pub follow_up: BTreeMap<String, String>,
    #[serde(default)]
    pub topics: Vec<RawTopic>,
    #[serde(default)]
    pub services: Vec<RawService>,
    #[serde(default)]
    pub mailboxes: Vec<RawMailbox>,
    /// Messenger, Instagram and WhatsApp through one Meta app.
    pub meta: Option<RawMeta>,
    /// X direct messages (Account Activity API).
    pub x: Option<RawX>,
}

/// A secret is given in the file or, better, named by the environment variable holding it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    pub app_secret: Option<String>,
    pub app_secret_env: Option<String>,
    pub verify_token: Option<String>,
    pub page_id: Option<String>,
    pub instagram_id: Option<String>,
    pub whatsapp_phone_number_id: Option<String>,
    pub access_token: Option<String>,
    pub access_token_env: Option<String>,
    pub graph_url: Option<String>,
    #[serde(default)]
    pub human_agent_tag: bool,
    /// Downloads WhatsApp media through the Graph API; defaults to whether a token is given.
    pub fetch_media: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawX {
    pub consumer_secret: Option<String>,
    pub consumer_secret_env: Option<String>,
    pub user_id: Option<String>,
    pub access_token: Option<String>,
    pub access_token_env: Option<String>,
    pub api_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTopic {
    pub id: String,
    /// Label per language code, French first: `{ fr = "Voirie", en = "Roads" }`.
    pub label: BTreeMap<String, String>,
    pub service: String,
    /// Whether the form asks for an address or a place.
    #[serde(default)]
    pub location: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    pub id: String,
    pub name: String,
    pub agents: Vec<String>,
}

/// The validated configuration the service runs on.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub public_url: String,
    pub data_dir: PathBuf,
    pub widget_dir: PathBuf,
    pub demo_site_dir: PathBuf,
    /// Serves the demo site and `/dev/outbox`: for trying Guichet out, not for production.
    pub demo: bool,
    pub max_body_bytes: usize,
    /// The bearer token of `/admin/v1` (agents' corrections); without it, that API is off.
    pub admin_token: Option<String>,
    /// The bearer token of `POST /api/v1/email` (raw mail piped by a mail server); without it, off.
    pub ingest_token: Option<String>,
    pub mail: MailConfig,
    pub sites: Vec<Site>,
}

#[derive(Debug, Clone)]
pub struct MailConfig {
    pub from: Mailbox,
    /// The domain of Guichet's own Message-IDs, taken from the sender's address.
    pub domain: String,
    pub transport: MailTransport,
    /// The domain of the `reply+<token>@…` addresses agents and citizens answer to; its mailbox
    /// must reach Guichet (watched or piped). By default, the sender's domain.
    pub reply_domain: String,
    /// Signs reply addresses. Without one in the configuration (or `GUICHET_SECRET`), a random
    /// secret is made once and kept in the database.
    pub secret: Option<String>,
    /// Largest raw email taken in, attachments included.
    pub max_email_bytes: usize,
    /// Attachments of citizens' emails kept (larger or further ones are listed, not kept).
    pub max_attachment_bytes: usize,
    pub max_attachments: usize,
    /// The mailbox of the agents' reply domain, if one is watched.
    pub reply_mailbox: Option<Account>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailTransport {
    /// Each email is written as an `.eml` file in this directory: nothing leaves the machine.
    Directory(PathBuf),
    /// An `smtp://` or `smtps://` URL, as lettre reads it.
    Smtp(String),
}

#[derive(Debug, Clone)]
pub struct Site {
    pub id: String,
    pub name: String,
    pub reference_prefix: String,
    pub allowed_origins: Vec<Origin>,
    pub language: Lang,
    pub privacy_url: String,
    /// The largest photo a message may carry, in bytes; 0: no photo.
    pub max_photo_bytes: u64,
    /// How long answers usually take, per language; the catalogue's sentence where absent.
    pub follow_up: BTreeMap<Lang, String>,
    pub topics: Vec<Topic>,
    pub services: Vec<Service>,
    /// The site's mailboxes, watched over IMAP.
    pub mailboxes: Vec<Account>,
    pub meta: Option<MetaConfig>,
    pub x: Option<XConfig>,
}

/// A site's Meta app: webhooks of its Page (Messenger), Instagram account and WhatsApp
/// number come to `/webhooks/meta/{site}`; replies go out through the Graph API.
#[derive(Clone, PartialEq, Eq)]
pub struct MetaConfig {
    /// Signs every webhook (`X-Hub-Signature-256`).
    pub app_secret: String,
    /// What Meta echoes in the subscription handshake.
    pub verify_token: String,
    pub page_id: Option<String>,
    pub instagram_id: Option<String>,
    pub whatsapp_phone_number_id: Option<String>,
    /// Needed to reply; without it, messages come in but replies cannot go out.
    pub access_token: Option<String>,
    /// Without a trailing slash.
    pub graph_url: String,
    /// Whether the Page may use the `HUMAN_AGENT` tag (7 days instead of 24 hours).
    pub human_agent_tag: bool,
    /// Whether WhatsApp media (photos, voice notes, documents) are downloaded through the
    /// Graph API and attached to the ticket; only with an `access_token`.
    pub fetch_media: bool,
}

/// A site's X account: Account Activity webhooks at `/webhooks/x/{site}`.
#[derive(Clone, PartialEq, Eq)]
pub struct XConfig {
    /// The app's consumer secret: signs webhooks and answers the CRC.
    pub consumer_secret: String,
    /// The account's own user id: its own messages are not filed.
    pub user_id: String,
    /// An OAuth 2.0 user-context token with `dm.write`; needed to reply.
    pub access_token: Option<String>,
    /// Without a trailing slash.
    pub api_url: String,
}

// Secrets stay out of logs and panics.
impl fmt::Debug for MetaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetaConfig")
            .field("page_id", &self.page_id)
            .field("instagram_id", &self.instagram_id)
            .field("whatsapp_phone_number_id", &self.whatsapp_phone_number_id)
            .field("graph_url", &self.graph_url)
            .field("human_agent_tag", &self.human_agent_tag)
            .field("fetch_media", &self.fetch_media)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for XConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XConfig")
            .field("user_id", &self.user_id)
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Guichet's own origin, whatever host and port it is reached on: the demo site's case.
    SameAsServer,
    Exact(String),
}

#[derive(Debug, Clone)]
pub struct Topic {
    pub id: String,
    pub labels: BTreeMap<Lang, String>,
    pub service: String,
    pub location: bool,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub id: String,
    pub name: String,
    /// Checked addresses, written as `Name <address>` or `address`.
    pub agents: Vec<String>,
}

impl Site {
    /// The site's follow-up sentence in `lang`, if it wrote one in that language.
    pub fn follow_up(&self, lang: Lang) -> Option<&str> {
        self.follow_up.get(&lang).map(String::as_str)
    }

    pub fn topic(&self, id: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.id == id)
    }

    pub fn service(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }
}

impl Topic {
    /// The label in `lang`, or in French, which every topic has.
    pub fn label(&self, lang: Lang) -> &str {
        self.labels.get(&lang).or_else(|| self.labels.get(&Lang::FR)).map_or(self.id.as_str(), String::as_str)
    }
}

impl Config {
    /// Adds a plain site for each id the configuration lacks: `replay` takes history from
    /// any site, and files it as the configuration's sites are filed. The prefix is the
    /// initials of the id (`agglo-exemple` → `AE`), made unique.
    pub fn add_implicit_sites(&mut self, ids: &[String]) {
        for id in ids {
            if self.site(id).is_some() {
                continue;
            }
            let initials: String =
                id.split(['-', '_', '.']).filter_map(|w| w.chars().next()).map(|c| c.to_ascii_uppercase()).collect();
            let initials = if initials.chars().all(|c| c.is_ascii_alphanumeric()) && !initials.is_empty() {
                initials
            } else {
                "S".to_owned()
            };
            let mut prefix = initials.clone();
            let mut n = 2;
            while self.sites.iter().any(|s| s.reference_prefix == prefix) {
                prefix = format!("{initials}{n}");
                n += 1;
            }
            let agents = vec![format!("accueil@{}", self.mail.domain)];
            self.sites.push(Site {
                id: id.clone(),
                name: id.clone(),
                reference_prefix: prefix,
                allowed_origins: vec![],
                language: Lang::FR,
                privacy_url: String::new(),
                max_photo_bytes: 0,
                follow_up: BTreeMap::new(),
                topics: vec![Topic {
                    id: "autre".into(),
                    labels: BTreeMap::from([(Lang::FR, "Autre demande".into())]),
                    service: "accueil".into(),
                    location: false,
                }],
                services: vec![Service { id: "accueil".into(), name: "Accueil".into(), agents }],
                mailboxes: vec![],
                meta: None,
                x: None,
            });
        }
    }

    /// The body limit of the submission route: a message and the largest photo any site
    /// accepts, in base64 (4 characters for 3 bytes).
    pub fn submit_body_limit(&self) -> usize {
        let photo = self.sites.iter().map(|s| s.max_photo_bytes).max().unwrap_or(0);
        self.max_body_bytes.saturating_add(usize::try_from(photo.div_ceil(3) * 4).unwrap_or(usize::MAX))
    }

    pub fn site(&self, id: &str) -> Option<&Site> {
        self.sites.iter().find(|s| s.id == id)
    }

    /// Reads and validates a file; `smtp_url_override` is `GUICHET_SMTP_URL`, which wins.
    pub fn load(path: &Path, smtp_url_override: Option<String>) -> Result<Config, ConfigErrors> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigErrors(vec![format!("cannot read {}: {e}", path.display())]))?;
        Config::parse(&text, smtp_url_override)
    }

    pub fn parse(text: &str, smtp_url_override: Option<String>) -> Result<Config, ConfigErrors> {
        let mut raw: RawConfig = toml::from_str(text).map_err(|e| ConfigErrors(vec![e.to_string()]))?;
        if let Some(url) = smtp_url_override.filter(|u| !u.trim().is_empty()) {
            raw.mail.smtp_url = Some(url);
        }
        if let Some(secret) = std::env::var("GUICHET_SECRET").ok().filter(|s| !s.is_empty()) {
            raw.mail.secret = Some(secret);
        }
        raw.validate()
    }
}

impl RawConfig {
    /// Validates, reading the passwords named by `password_env` from the environment.
    pub fn validate(self) -> Result<Config, ConfigErrors> {
        self.validate_with_env(&|name| std::env::var(name).ok())
    }

    /// [`RawConfig::validate`] with `env` as the environment.
    pub fn validate_with_env(self, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigErrors> {
        let mut errors = Vec::new();
        let server = self.server;
        let listen_text = server.listen.unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let listen = listen_text.parse().unwrap_or_else(|_| {
            errors.push(format!("server.listen: `{listen_text}` is not an address like 127.0.0.1:8080"));
            SocketAddr::from(([127, 0, 0, 1], 8080))
        });
        let public_url = server.public_url.unwrap_or_else(|| format!("http://{listen}"));
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            errors.push(format!("server.public_url: `{public_url}` must start with http:// or https://"));
        }
        let data_dir = server.data_dir.unwrap_or_else(|| PathBuf::from("data"));
        let max_body_bytes = server.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES);
        let admin_token = server.admin_token.filter(|t| !t.is_empty());
        if admin_token.as_ref().is_some_and(|t| t.len() < 24) {
            errors.push("server.admin_token: at least 24 characters, so that it cannot be guessed".to_owned());
        }
        let ingest_token = server.ingest_token.filter(|t| !t.is_empty());
        if ingest_token.as_ref().is_some_and(|t| t.len() < 24) {
            errors.push("server.ingest_token: at least 24 characters, so that it cannot be guessed".to_owned());
        }
        let max_photo_bytes = server.max_photo_bytes.unwrap_or(wire::photo::DEFAULT_MAX_BYTES);
        check_photo_limit("server.max_photo_bytes", max_photo_bytes, &mut errors);
        if max_body_bytes < 1024 {
            errors.push(format!("server.max_body_bytes: {max_body_bytes} is too small (at least 1024)"));
        }

        let from = self.mail.from.parse::<Mailbox>().map_err(|e| {
            errors.push(format!("mail.from: `{}` is not an address ({e})", self.mail.from));
        });
        let domain = from.as_ref().map(|m| m.email.domain().to_owned()).unwrap_or_default();
        let transport = match self.mail.smtp_url {
            Some(url) if url.starts_with("smtp://") || url.starts_with("smtps://") => MailTransport::Smtp(url),
            Some(url) => {
                errors.push(format!("mail.smtp_url: `{url}` must start with smtp:// or smtps://"));
                MailTransport::Directory(data_dir.join("outbox"))
            }
            None => MailTransport::Directory(data_dir.join("outbox")),
        };
        let reply_domain = self.mail.reply_domain.unwrap_or_else(|| domain.clone()).to_ascii_lowercase();
        if reply_domain.is_empty() && from.is_ok()
            || !reply_domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        {
            errors.push(format!("mail.reply_domain: `{reply_domain}` is not a domain like reponses.ville.fr"));
        }
        let secret = self.mail.secret.filter(|s| !s.is_empty());
        if secret.as_ref().is_some_and(|s| s.len() < 32) {
            errors.push("mail.secret: at least 32 characters (or leave it out: Guichet makes one)".to_owned());
        }
        let max_email_bytes = self.mail.max_email_bytes.unwrap_or(DEFAULT_MAX_EMAIL_BYTES);
        if max_email_bytes < 16 * 1024 {
            errors.push(format!("mail.max_email_bytes: {max_email_bytes} is too small (at least 16384)"));
        }
        let reply_mailbox =
            self.mail.reply_mailbox.map(|m| m.validate("mail.reply_mailbox", "replies", env, &mut errors));

        if self.sites.is_empty() {
            errors.push("sites: at least one [[sites]] is needed".to_owned());
        }
        let mut site_ids = HashSet::new();
        let mut prefixes = HashSet::new();
        let sites = self
            .sites
            .into_iter()
            .map(|raw| {
                let at = format!("sites[{}]", raw.id);
                if !site_ids.insert(raw.id.clone()) {
                    errors.push(format!("{at}: the id `{}` is used twice", raw.id));
                }
                if !prefixes.insert(raw.reference_prefix.clone()) {
                    errors.push(format!("{at}.reference_prefix: `{}` is used by another site", raw.reference_prefix));
                }
                raw.validate(&at, env, max_photo_bytes, &mut errors)
            })
            .collect();

        match (errors.is_empty(), from) {
            (true, Ok(from)) => Ok(Config {
                listen,
                public_url: public_url.trim_end_matches('/').to_owned(),
                widget_dir: server.widget_dir.unwrap_or_else(|| PathBuf::from("dist/widget")),
                demo_site_dir: server.demo_site_dir.unwrap_or_else(|| PathBuf::from("demo-site")),
                demo: server.demo.unwrap_or(false),
                data_dir,
                max_body_bytes,
                admin_token,
                ingest_token,
                mail: MailConfig {
                    from,
                    domain,
                    transport,
                    reply_domain,
                    secret,
                    max_email_bytes,
                    max_attachment_bytes: self.mail.max_attachment_bytes.unwrap_or(10 * 1024 * 1024),
                    max_attachments: self.mail.max_attachments.unwrap_or(10),
                    reply_mailbox,
                },
                sites,
            }),
            _ => Err(ConfigErrors(errors)),
        }
    }
}

impl RawSite {
    fn validate(
        self,
        at: &str,
        env: &dyn Fn(&str) -> Option<String>,
        default_photo_bytes: u64,
        errors: &mut Vec<String>,
    ) -> Site {
        if !is_slug(&self.id) {
            errors.push(format!("{at}.id: `{}` must be lowercase letters, digits and dashes", self.id));
        }
        if self.reference_prefix.is_empty()
            || self.reference_prefix.len() > 8
            || !self.reference_prefix.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        {
            errors.push(format!(
                "{at}.reference_prefix: `{}` must be 1 to 8 capital letters or digits, like VE",
                self.reference_prefix
            ));
        }
        let language = match self.language.as_deref() {
            None => Lang::FR,
            Some(code) => Lang::from_code(code).unwrap_or_else(|| {
                errors.push(format!("{at}.language: `{code}` is not a language Guichet speaks ({})", Lang::codes()));
                Lang::FR
            }),
        };
        let allowed_origins = self
            .allowed_origins
            .into_iter()
            .filter_map(|o| match o.as_str() {
                "self" => Some(Origin::SameAsServer),
                _ if is_origin(&o) => Some(Origin::Exact(o)),
                _ => {
                    errors.push(format!(
                        "{at}.allowed_origins: `{o}` is not an origin like https://www.ville.fr (scheme and host, no path) or \"self\""
                    ));
                    None
                }
            })
            .collect();

        let mut service_ids = HashSet::new();
        let services: Vec<Service> = self
            .services
            .into_iter()
            .map(|s| {
                let at = format!("{at}.services[{}]", s.id);
                if !service_ids.insert(s.id.clone()) {
                    errors.push(format!("{at}: the id `{}` is used twice", s.id));
                }
                if s.agents.is_empty() {
                    errors.push(format!("{at}.agents: a service needs at least one agent's address"));
                }
                let agents = s
                    .agents
                    .iter()
                    .filter_map(|a| {
                        a.parse::<Mailbox>()
                            .map(|m| m.to_string())
                            .map_err(|e| errors.push(format!("{at}.agents: `{a}` is not an address ({e})")))
                            .ok()
                    })
                    .collect();
                Service { id: s.id, name: s.name, agents }
            })
            .collect();

        if self.topics.is_empty() {
            errors.push(format!("{at}.topics: a site needs at least one topic"));
        }
        let mut topic_ids = HashSet::new();
        let topics = self
            .topics
            .into_iter()
            .map(|t| {
                let at = format!("{at}.topics[{}]", t.id);
                if !is_slug(&t.id) {
                    errors.push(format!("{at}.id: `{}` must be lowercase letters, digits and dashes", t.id));
                }
                if !topic_ids.insert(t.id.clone()) {
                    errors.push(format!("{at}: the id `{}` is used twice", t.id));
                }
                if !service_ids.contains(&t.service) {
                    errors.push(format!("{at}.service: no service `{}` in this site", t.service));
                }
                let labels = by_language(&format!("{at}.label"), t.label, errors);
                if !labels.contains_key(&Lang::FR) {
                    errors.push(format!("{at}.label: a French label (fr) is needed"));
                }
                Topic { id: t.id, labels, service: t.service, location: t.location }
            })
            .collect();

        let mailboxes = self
            .mailboxes
            .into_iter()
            .enumerate()
            .map(|(i, m)| m.validate(&format!("{at}.mailboxes[{i}]"), &self.id, env, errors))
            .collect();

        let meta = self.meta.map(|m| m.validate(&format!("{at}.meta"), env, errors));
        let x = self.x.map(|x| x.validate(&format!("{at}.x"), env, errors));
        let max_photo_bytes = self.max_photo_bytes.unwrap_or(default_photo_bytes);
        check_photo_limit(&format!("{at}.max_photo_bytes"), max_photo_bytes, errors);
        Site {
            mailboxes,
            id: self.id,
            name: self.name,
            reference_prefix: self.reference_prefix,
            allowed_origins,
            language,
            privacy_url: self.privacy_url,
            max_photo_bytes,
            follow_up: by_language(&format!("{at}.follow_up"), self.follow_up, errors),
            topics,
            services,
            meta,
            x,
        }
    }
}

impl RawMailbox {
    /// The account to watch; `owner` names it in logs (`owner/user`).
    fn validate(
        self,
        at: &str,
        owner: &str,
        env: &dyn Fn(&str) -> Option<String>,
        errors: &mut Vec<String>,
    ) -> Account {
        if self.host.trim().is_empty() {
            errors.push(format!("{at}.host: the IMAP server's name is needed"));
        }
        if self.user.is_empty() {
            errors.push(format!("{at}.user: the IMAP login is needed"));
        }
        let tls = match self.tls.as_deref() {
            None | Some("tls") => Tls::Tls,
            Some("starttls") => Tls::StartTls,
            Some("none") => Tls::None,
            Some(other) => {
                errors.push(format!("{at}.tls: `{other}` is not one of \"tls\", \"starttls\", \"none\""));
                Tls::Tls
            }
        };
        let port = match self.port {
            Some(0) => {
                errors.push(format!("{at}.port: 0 is not a port"));
                0
            }
            Some(port) => port,
            None if tls == Tls::Tls => 993,
            None => 143,
        };
        let needed = format!("{at}: a password (password, or password_env naming a variable) is needed");
        let secret = Secret { at, name: "password", needed: Some(needed) };
        let password = secret.read(self.password, self.password_env, env, errors).unwrap_or_default();
        let folder = self.folder.unwrap_or_else(|| "INBOX".to_owned());
        if folder.is_empty() {
            errors.push(format!("{at}.folder: a folder name is needed"));
        }
        let processed = match (self.processed.as_deref(), self.flag, self.move_to) {
            (None | Some("flag"), flag, None) => {
                let flag = flag.unwrap_or_else(|| imap::DEFAULT_KEYWORD.to_owned());
                if !imap::is_keyword(&flag) {
                    errors
                        .push(format!("{at}.flag: `{flag}` is not an IMAP keyword (ASCII, no spaces, like $Guichet)"));
                }
                Processed::Flag(flag)
            }
            (None | Some("move"), None, Some(target)) => {
                if target.is_empty() || target == folder {
                    errors.push(format!("{at}.move_to: `{target}` must be another folder than the one watched"));
                }
                Processed::MoveTo(target)
            }
            (Some("move"), _, None) => {
                errors.push(format!("{at}.move_to: processed = \"move\" needs the folder to move to"));
                Processed::MoveTo(String::new())
            }
            (Some("flag" | "move") | None, _, _) => {
                errors.push(format!("{at}: flag and move_to exclude each other (processed = \"flag\" or \"move\")"));
                Processed::Flag(imap::DEFAULT_KEYWORD.to_owned())
            }
            (Some(other), _, _) => {
                errors.push(format!("{at}.processed: `{other}` is not \"flag\" or \"move\""));
                Processed::Flag(imap::DEFAULT_KEYWORD.to_owned())
            }
        };
        let poll_seconds = self.poll_seconds.unwrap_or(60);
        if poll_seconds == 0 {
            errors.push(format!("{at}.poll_seconds: at least 1"));
        }
        Account {
            name: format!("{owner}/{}", self.user),
            host: self.host,
            port,
            tls,
            user: self.user,
            password,
            folder,
            processed,
            poll_every: Duration::from_secs(poll_seconds),
        }
    }
}

impl RawMeta {
    fn validate(self, at: &str, env: &dyn Fn(&str) -> Option<String>, errors: &mut Vec<String>) -> MetaConfig {
        let app_secret =
            signature_secret(at, "app_secret", true).read(self.app_secret, self.app_secret_env, env, errors);
        let verify_token = self.verify_token.filter(|t| !t.is_empty()).unwrap_or_else(|| {
            errors.push(format!("{at}.verify_token: needed for Meta's subscription handshake"));
            String::new()
        });
        let ids = [
            ("page_id", self.page_id),
            ("instagram_id", self.instagram_id),
            ("whatsapp_phone_number_id", self.whatsapp_phone_number_id),
        ]
        .map(|(name, id)| numeric_id(id, &format!("{at}.{name}"), errors));
        if ids.iter().all(Option::is_none) {
            errors.push(format!("{at}: give at least one of page_id, instagram_id, whatsapp_phone_number_id"));
        }
        let [page_id, instagram_id, whatsapp_phone_number_id] = ids;
        let access_token =
            signature_secret(at, "access_token", false).read(self.access_token, self.access_token_env, env, errors);
        if self.fetch_media == Some(true) && access_token.is_none() {
            errors.push(format!("{at}.fetch_media: media are fetched with the access_token, which is not given"));
        }
        MetaConfig {
            app_secret: app_secret.unwrap_or_default(),
            verify_token,
            page_id,
            instagram_id,
            whatsapp_phone_number_id,
            fetch_media: self.fetch_media.unwrap_or(access_token.is_some()) && access_token.is_some(),
            access_token,
            graph_url: base_url(self.graph_url, DEFAULT_GRAPH_URL, &format!("{at}.graph_url"), errors),
            human_agent_tag: self.human_agent_tag,
        }
    }
}

impl RawX {
    fn validate(self, at: &str, env: &dyn Fn(&str) -> Option<String>, errors: &mut Vec<String>) -> XConfig {
        let consumer_secret = signature_secret(at, "consumer_secret", true).read(
            self.consumer_secret,
            self.consumer_secret_env,
            env,
            errors,
        );
        let user_id = numeric_id(self.user_id.clone(), &format!("{at}.user_id"), errors);
        if self.user_id.is_none() {
            errors.push(format!("{at}.user_id: the account's numeric id is needed, to tell its own messages apart"));
        }
        XConfig {
            consumer_secret: consumer_secret.unwrap_or_default(),
            user_id: user_id.unwrap_or_default(),
            access_token: signature_secret(at, "access_token", false).read(
                self.access_token,
                self.access_token_env,
                env,
                errors,
            ),
            api_url: base_url(self.api_url, DEFAULT_X_API_URL, &format!("{at}.api_url"), errors),
        }
    }
}

/// A secret given as `name` in the file or, better, as `name_env` naming the environment
/// variable that holds it; `needed` is the error to report when neither is given, if it must be.
struct Secret<'a> {
    at: &'a str,
    name: &'a str,
    needed: Option<String>,
}

impl Secret<'_> {
    fn read(
        self,
        value: Option<String>,
        var: Option<String>,
        env: &dyn Fn(&str) -> Option<String>,
        errors: &mut Vec<String>,
    ) -> Option<String> {
        let Secret { at, name, needed } = self;
        match (value.filter(|v| !v.is_empty()), var) {
            (Some(_), Some(_)) => {
                errors.push(format!("{at}: give {name} or {name}_env, not both"));
                None
            }
            (Some(value), None) => Some(value),
            (None, Some(var)) => env(&var).filter(|v| !v.is_empty()).or_else(|| {
                errors.push(format!("{at}.{name}_env: the environment variable `{var}` is not set"));
                None
            }),
            (None, None) => {
                errors.extend(needed);
                None
            }
        }
    }
}

/// A social network's secret; `required` when the webhooks' signatures depend on it.
fn signature_secret<'a>(at: &'a str, name: &'a str, required: bool) -> Secret<'a> {
    let needed = required.then(|| format!("{at}: {name} (or {name}_env) is needed to check the webhooks' signatures"));
    Secret { at, name, needed }
}

fn numeric_id(id: Option<String>, at: &str, errors: &mut Vec<String>) -> Option<String> {
    let id = id?;
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        errors.push(format!("{at}: `{id}` is not a numeric id"));
    }
    Some(id)
}

fn base_url(url: Option<String>, default: &str, at: &str, errors: &mut Vec<String>) -> String {
    let url = url.unwrap_or_else(|| default.to_owned());
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        errors.push(format!("{at}: `{url}` must start with http:// or https://"));
    }
    url.trim_end_matches('/').to_owned()
}

/// Texts per language code (`{ fr = "…", en = "…" }`), each code a language Guichet speaks.
fn by_language(at: &str, texts: BTreeMap<String, String>, errors: &mut Vec<String>) -> BTreeMap<Lang, String> {
    let mut out = BTreeMap::new();
    for (code, text) in texts {
        match Lang::from_code(&code) {
            Some(lang) => drop(out.insert(lang, text)),
            None => errors.push(format!("{at}: `{code}` is not a language Guichet speaks ({})", Lang::codes())),
        }
    }
    out
}

fn check_photo_limit(at: &str, bytes: u64, errors: &mut Vec<String>) {
    if bytes > PHOTO_LIMIT_CEILING {
        errors.push(format!("{at}: {bytes} is more than mail carries (at most {PHOTO_LIMIT_CEILING}; 0 for no photo)"));
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn is_origin(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")) else {
        return false;
    };
    !rest.is_empty() && !rest.contains('/')
}

/// Every problem found in a configuration, one per line.
#[derive(Debug, thiserror::Error)]
pub struct ConfigErrors(pub Vec<String>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the configuration has {} error(s):", self.0.len())?;
        for e in &self.0 {
            writeln!(f, "  - {e}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config").join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn the_demo_config_is_valid() {
        let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../guichet.toml")).unwrap();
        let config = Config::parse(&text, None).unwrap();
        let site = config.site("ville-exemple").unwrap();
        assert_eq!(site.reference_prefix, "VE");
        assert!(site.topics.iter().all(|t| site.service(&t.service).is_some()));
        assert_eq!(config.mail.transport, MailTransport::Directory(PathBuf::from("data/outbox")));
        assert!(site.follow_up(Lang::EN).is_some_and(|t| t.contains("working days")));
    }

    #[test]
    fn every_error_is_reported_at_once() {
        let errors = Config::parse(&fixture("many-errors.toml"), None).unwrap_err().0;
        let expected = [
            "server.listen: `nowhere` is not an address",
            "mail.from: `not an address`",
            "mail.smtp_url: `http://mail` must start with smtp://",
            "sites[Bad Site].id: `Bad Site` must be lowercase",
            "sites[Bad Site].reference_prefix: `ve-` must be 1 to 8 capital letters",
            "sites[Bad Site].language: `de` is not a language",
            "sites[Bad Site].allowed_origins: `www.ville.fr/contact` is not an origin",
            "sites[Bad Site].max_photo_bytes: 104857600 is more than mail carries",
            "sites[Bad Site].follow_up: `xx` is not a language",
            "sites[Bad Site].services[voirie].agents: `chef` is not an address",
            "sites[Bad Site].topics[voirie].service: no service `roads`",
            "sites[Bad Site].topics[voirie].label: a French label (fr) is needed",
            "sites[Bad Site].topics[voirie]: the id `voirie` is used twice",
            "sites[other].reference_prefix: `ve-` is used by another site",
            "sites[other].reference_prefix: `ve-` must be 1 to 8 capital letters",
            "sites[other].topics: a site needs at least one topic",
        ];
        for want in expected {
            assert!(errors.iter().any(|e| e.contains(want)), "missing `{want}` in {errors:#?}");
        }
        assert_eq!(errors.len(), expected.len(), "{errors:#?}");
    }

    #[test]
    fn social_networks_are_optional_and_checked() {
        let config = Config::parse(&fixture("social.toml"), None).unwrap();
        let site = config.site("mairie").unwrap();
        let meta = site.meta.as_ref().unwrap();
        assert_eq!(meta.graph_url, DEFAULT_GRAPH_URL);
        assert_eq!(meta.whatsapp_phone_number_id.as_deref(), Some("106540352242922"));
        assert!(meta.human_agent_tag);
        assert!(meta.fetch_media, "on by default when a token is given");
        let x = site.x.as_ref().unwrap();
        assert_eq!(
            (x.user_id.as_str(), x.api_url.as_str(), x.access_token.as_deref()),
            ("4337869213", DEFAULT_X_API_URL, None)
        );
        assert!(!format!("{site:?}").contains("meta-app-secret"), "secrets must not be logged");
        assert!(Config::parse(&fixture("minimal.toml"), None).unwrap().sites[0].meta.is_none());

        let errors = Config::parse(&fixture("social-errors.toml"), None).unwrap_err().0;
        let expected = [
            "sites[mairie].meta: give app_secret or app_secret_env, not both",
            "sites[mairie].meta.verify_token: needed for Meta's subscription handshake",
            "sites[mairie].meta.page_id: `my-page` is not a numeric id",
            "sites[mairie].meta.access_token_env: the environment variable `GUICHET_TEST_UNSET_VARIABLE_1F9A` is not set",
            "sites[mairie].meta.graph_url: `graph.facebook.com` must start with http:// or https://",
            "sites[mairie].x: consumer_secret (or consumer_secret_env) is needed",
            "sites[mairie].x.user_id: the account's numeric id is needed",
            "sites[mairie].x.api_url: `ftp://api.x.com` must start with http",
            "sites[village].meta: give at least one of page_id, instagram_id, whatsapp_phone_number_id",
            "sites[village].meta.fetch_media: media are fetched with the access_token, which is not given",
        ];
        for want in expected {
            assert!(errors.iter().any(|e| e.contains(want)), "missing `{want}` in {errors:#?}");
        }
        assert_eq!(errors.len(), expected.len(), "{errors:#?}");
    }

    #[test]
    fn the_environment_overrides_the_smtp_url() {
        let config = Config::parse(&fixture("minimal.toml"), Some("smtp://127.0.0.1:2525".into())).unwrap();
        assert_eq!(config.mail.transport, MailTransport::Smtp("smtp://127.0.0.1:2525".into()));
        assert_eq!(config.mail.domain, "mairie.example");
        let site = config.site("mairie").unwrap();
        assert_eq!(site.max_photo_bytes, wire::photo::DEFAULT_MAX_BYTES);
        assert_eq!(site.follow_up(Lang::FR), None);
    }

    fn parse_with_env(name: &str, env: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
        let raw: RawConfig = toml::from_str(&fixture(name)).unwrap();
        raw.validate_with_env(&|var| env.iter().find(|(k, _)| *k == var).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn mailboxes_take_their_defaults_and_passwords_from_the_environment() {
        let config = parse_with_env("mailboxes.toml", &[("GUICHET_TEST_REPLY_PASSWORD", "from-env")]).unwrap();
        let accounts = &config.site("mairie").unwrap().mailboxes;
        let contact = &accounts[0];
        assert_eq!(
            (contact.name.as_str(), contact.port, contact.tls),
            ("mairie/contact@mairie.example", 993, Tls::Tls)
        );
        assert_eq!((contact.folder.as_str(), contact.password.as_str()), ("INBOX", "app-password"));
        assert_eq!(contact.processed, Processed::Flag("$Guichet".into()));
        assert_eq!(contact.poll_every, Duration::from_secs(60));
        let voirie = &accounts[1];
        assert_eq!((voirie.port, voirie.tls, voirie.folder.as_str()), (1143, Tls::None, "Signalements"));
        assert_eq!(
            (voirie.processed.clone(), voirie.poll_every),
            (Processed::Flag("$Recu".into()), Duration::from_secs(5))
        );
        let etat_civil = &accounts[2];
        assert_eq!((etat_civil.port, etat_civil.tls), (143, Tls::StartTls));
        assert_eq!(etat_civil.processed, Processed::MoveTo("Archives/Traité".into()));
        let reply = config.mail.reply_mailbox.as_ref().unwrap();
        assert_eq!((reply.name.as_str(), reply.password.as_str()), ("replies/reponses", "from-env"));
        assert_eq!(reply.processed, Processed::MoveTo("Traité".into()));
    }

    #[test]
    fn every_mailbox_error_is_reported_at_once() {
        let errors = parse_with_env("mailbox-errors.toml", &[("GUICHET_TEST_PASSWORD", "x")]).unwrap_err().0;
        let expected = [
            "mail.reply_mailbox: a password (password, or password_env naming a variable) is needed",
            "sites[mairie].mailboxes[0].tls: `ssl` is not one of",
            "sites[mairie].mailboxes[0].port: 0 is not a port",
            "sites[mairie].mailboxes[0]: give password or password_env, not both",
            "sites[mairie].mailboxes[1].host: the IMAP server's name is needed",
            "sites[mairie].mailboxes[1].password_env: the environment variable `GUICHET_TEST_UNSET` is not set",
            "sites[mairie].mailboxes[1].flag: `Traité par Guichet` is not an IMAP keyword",
            "sites[mairie].mailboxes[1].poll_seconds: at least 1",
            "sites[mairie].mailboxes[2].move_to: `INBOX` must be another folder",
            "sites[mairie].mailboxes[3]: flag and move_to exclude each other",
            "sites[mairie].mailboxes[4].processed: `delete` is not",
        ];
        for want in expected {
            assert!(errors.iter().any(|e| e.contains(want)), "missing `{want}` in {errors:#?}");
        }
        assert_eq!(errors.len(), expected.len(), "{errors:#?}");
    }

    #[test]
    fn a_syntax_error_says_where() {
        let errors = Config::parse("[mail]\nfrom = ", None).unwrap_err().0;
        assert!(errors[0].contains("line 2"), "{errors:?}");
    }
}
