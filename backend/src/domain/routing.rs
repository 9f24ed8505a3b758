//! Routing: which service handles a message.

use crate::config::{Service, Site};

/// The topic's service; without a known topic, the service of the site's last topic, which
/// configurations keep for "other requests" (the demo's `autre` goes to the front desk).
pub fn route<'a>(site: &'a Site, topic: Option<&str>) -> &'a Service {
    let topic = topic.and_then(|t| site.topic(t)).or(site.topics.last());
    topic
        .and_then(|t| site.service(&t.service))
        .or(site.services.first())
        .expect("a validated site has topics pointing at services")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn the_topic_picks_the_service_and_unknown_topics_go_to_the_last_one() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../guichet.toml")).unwrap();
        let config = Config::parse(&text, None).unwrap();
        let site = config.site("ville-exemple").unwrap();
        let cases = [
            (Some("voirie"), "voirie"),
            (Some("proprete"), "voirie"),
            (Some("scolarite"), "scolarite"),
            (Some("piscine"), "accueil"),
            (None, "accueil"),
        ];
        for (topic, service) in cases {
            assert_eq!(route(site, topic).id, service, "{topic:?}");
        }
    }
}
