//! The configuration: read once from TOML, then validated into typed values with every
//! error reported together.
//!
//! Two stages, as in ripgrep: [`RawConfig`] is what serde could read; [`Config`] is what the
//! service runs on, where a site's topics point at services that exist and addresses parse.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use lettre::message::Mailbox;
use serde::Deserialize;
use wire::Lang;

/// Largest accepted request body by default: a long message, not a file (a photo is
/// allowed on top, see [`Config::submit_body_limit`]).
const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;
/// The largest photo limit a site may set: what mail servers commonly carry.
const PHOTO_LIMIT_CEILING: u64 = 20 * 1024 * 1024;

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
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMail {
    pub from: String,
    pub smtp_url: Option<String>,
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
    pub mail: MailConfig,
    pub sites: Vec<Site>,
}

#[derive(Debug, Clone)]
pub struct MailConfig {
    pub from: Mailbox,
    /// The domain of Guichet's own Message-IDs, taken from the sender's address.
    pub domain: String,
    pub transport: MailTransport,
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
        raw.validate()
    }
}

impl RawConfig {
    pub fn validate(self) -> Result<Config, ConfigErrors> {
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
                raw.validate(&at, max_photo_bytes, &mut errors)
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
                mail: MailConfig { from, domain, transport },
                sites,
            }),
            _ => Err(ConfigErrors(errors)),
        }
    }
}

impl RawSite {
    fn validate(self, at: &str, default_photo_bytes: u64, errors: &mut Vec<String>) -> Site {
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

        let max_photo_bytes = self.max_photo_bytes.unwrap_or(default_photo_bytes);
        check_photo_limit(&format!("{at}.max_photo_bytes"), max_photo_bytes, errors);
        Site {
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
        }
    }
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
    fn the_environment_overrides_the_smtp_url() {
        let config = Config::parse(&fixture("minimal.toml"), Some("smtp://127.0.0.1:2525".into())).unwrap();
        assert_eq!(config.mail.transport, MailTransport::Smtp("smtp://127.0.0.1:2525".into()));
        assert_eq!(config.mail.domain, "mairie.example");
        let site = config.site("mairie").unwrap();
        assert_eq!(site.max_photo_bytes, wire::photo::DEFAULT_MAX_BYTES);
        assert_eq!(site.follow_up(Lang::FR), None);
    }

    #[test]
    fn a_syntax_error_says_where() {
        let errors = Config::parse("[mail]\nfrom = ", None).unwrap_err().0;
        assert!(errors[0].contains("line 2"), "{errors:?}");
    }
}
