//! The networks' fixture payloads (`tests/fixtures/social/`) read by the Meta and X adapters.

use time::OffsetDateTime;
use time::macros::datetime;

use super::webhook::Batch;
use super::{meta, x};
use crate::config::Config;
use crate::domain::message::Channel;

const NOW: OffsetDateTime = datetime!(2026-03-10 12:00 UTC);

pub(crate) fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/social/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub(crate) fn config() -> Config {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/config/social.toml")).unwrap();
    Config::parse(&text, None).unwrap()
}

fn read(name: &str) -> Batch {
    let config = config();
    let site = config.site("mairie").unwrap();
    let body = fixture(name);
    let parsed = if name.starts_with("x-") {
        x::parse("mairie", site.x.as_ref().unwrap(), &body, NOW)
    } else {
        meta::parse("mairie", site.meta.as_ref().unwrap(), &body, NOW)
    };
    parsed.unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// One expected message: id, channel, handle, name, phone, body.
type Want = (&'static str, Channel, &'static str, Option<&'static str>, Option<&'static str>, &'static str);

#[test]
fn every_fixture_gives_the_messages_a_person_sent_and_nothing_else() {
    use Channel::*;
    let lilas = "Bonjour, le lampadaire devant le 8 rue des Lilas est éteint depuis trois jours.";
    let cases: [(&str, &[Want], usize); 23] = [
        (
            "messenger-text.json",
            &[(
                "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P",
                Messenger,
                "messenger:6783920011223344",
                None,
                None,
                lilas,
            )],
            0,
        ),
        (
            "messenger-attachment.json",
            &[(
                "m_photo-0001",
                Messenger,
                "messenger:6783920011223344",
                None,
                None,
                "Voici la photo du dépôt sauvage.\n[image] https://scontent.xx.fbcdn.net/v/t1.15752-9/depot.jpg?_nc_cat=1\n[file] https://cdn.fbsbx.com/v/t59.2708-21/constat.pdf",
            )],
            0,
        ),
        (
            "messenger-batch.json",
            &[
                (
                    "m_batch-0001",
                    Messenger,
                    "messenger:6783920011223344",
                    None,
                    None,
                    "Le trottoir de la rue Pasteur est défoncé.",
                ),
                (
                    "m_batch-0002",
                    Messenger,
                    "messenger:7000000000000002",
                    None,
                    None,
                    "Quels sont les horaires de la piscine municipale ?",
                ),
                (
                    "m_batch-0003",
                    Messenger,
                    "messenger:7000000000000003",
                    None,
                    None,
                    "Je voudrais un acte de naissance pour mon fils.",
                ),
            ],
            1,
        ),
        ("messenger-echo.json", &[], 1),
        ("messenger-receipts.json", &[], 2),
        ("messenger-unknown.json", &[], 3),
        (
            "instagram-text.json",
            &[(
                "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjM0MDI4MjM2Njg0MTcxMDMwMDk0OTEyODEzNDA2NDU2MDg1MDU4NDo2NzA4NTQ2NjY1ODM1ODk1NjA5",
                Instagram,
                "instagram:5512340000000001",
                None,
                None,
                "Il y a des tags sur le mur de l'école Jules Ferry.",
            )],
            0,
        ),
        (
            "instagram-attachment.json",
            &[(
                "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOnBob3RvLTAwMDE=",
                Instagram,
                "instagram:5512340000000001",
                None,
                None,
                "[image] https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17900000000000001&signature=abc",
            )],
            0,
        ),
        (
            "instagram-batch.json",
            &[
                (
                    "aWdfbWlkLWJhdGNoLTAwMDE=",
                    Instagram,
                    "instagram:5512340000000001",
                    None,
                    None,
                    "Le parc est-il ouvert dimanche ?",
                ),
                (
                    "aWdfbWlkLWJhdGNoLTAwMDI=",
                    Instagram,
                    "instagram:5512340000000002",
                    None,
                    None,
                    "Un arbre est tombé avenue Foch.",
                ),
            ],
            0,
        ),
        ("instagram-echo.json", &[], 1),
        ("instagram-read.json", &[], 1),
        ("instagram-unknown.json", &[], 2),
        (
            "whatsapp-text.json",
            &[(
                "wamid.HBgLMzM2MTIzNDU2NzgVAgASGBQzQUZBQ0FFQ0U1QjU3NEY4MDc4RQA=",
                Whatsapp,
                "whatsapp:33612345678",
                Some("Claire Dubois"),
                Some("+33612345678"),
                "Bonjour, toujours pas de lumière rue des Lilas, devant le 8.",
            )],
            0,
        ),
        (
            "whatsapp-attachment.json",
            &[
                (
                    "wamid.HBgLMzM2MTIzNDU2NzgVAgASGBQzQUIMAGE=",
                    Whatsapp,
                    "whatsapp:33612345678",
                    Some("Claire Dubois"),
                    Some("+33612345678"),
                    "Le lampadaire éteint\n[image] whatsapp-media:1003383421387256",
                ),
                (
                    "wamid.HBgLMzM2MTIzNDU2NzgVAgASGBQzQURPQ1VNRU5U",
                    Whatsapp,
                    "whatsapp:33612345678",
                    Some("Claire Dubois"),
                    Some("+33612345678"),
                    "[document] whatsapp-media:1003383421387257 courrier.pdf",
                ),
                (
                    "wamid.HBgLMzM2MTIzNDU2NzgVAgASGBQzQUxPQ0FUSU9O",
                    Whatsapp,
                    "whatsapp:33612345678",
                    Some("Claire Dubois"),
                    Some("+33612345678"),
                    "[location] Mairie, Place de l'Hôtel de Ville 48.856610,2.352220",
                ),
            ],
            0,
        ),
        (
            "whatsapp-batch.json",
            &[
                (
                    "wamid.BATCH0001",
                    Whatsapp,
                    "whatsapp:33798765432",
                    Some("Karim Benali"),
                    Some("+33798765432"),
                    "La benne à verre de la place du marché déborde.",
                ),
                (
                    "wamid.BATCH0002",
                    Whatsapp,
                    "whatsapp:33655554444",
                    Some("Julie Martin"),
                    Some("+33655554444"),
                    "Comment inscrire ma fille à la cantine ?",
                ),
                (
                    "wamid.BATCH0003",
                    Whatsapp,
                    "whatsapp:33611112222",
                    Some("Marc Petit"),
                    Some("+33611112222"),
                    "Un nid-de-poule énorme rue Victor Hugo.",
                ),
            ],
            1,
        ),
        ("whatsapp-status.json", &[], 2),
        ("whatsapp-unknown.json", &[], 3),
        (
            "x-text.json",
            &[(
                "1854000000000000001",
                X,
                "x:3001969357",
                Some("Jordan Brinks"),
                None,
                "Bonjour, la fontaine de la place est en panne depuis lundi.",
            )],
            0,
        ),
        (
            "x-attachment.json",
            &[(
                "1854000000000000002",
                X,
                "x:3001969357",
                Some("Jordan Brinks"),
                None,
                "Regardez l'état du banc https://t.co/abc123XYZ\n[photo] https://ton.twitter.com/1.1/ton/data/dm/1854000000000000002/1854000000000000900/banc.jpg",
            )],
            0,
        ),
        (
            "x-batch.json",
            &[
                (
                    "1854000000000000003",
                    X,
                    "x:3001969357",
                    Some("Jordan Brinks"),
                    None,
                    "Et la fontaine, des nouvelles ?",
                ),
                ("1854000000000000004", X, "x:2244994945", Some("Aline Roux"), None, "Le marché de Noël ouvre quand ?"),
            ],
            1,
        ),
        ("x-own.json", &[], 1),
        ("x-read.json", &[], 2),
        ("x-unknown.json", &[], 2),
    ];
    for (name, want, ignored) in cases {
        let batch = read(name);
        let got: Vec<Owned> = batch
            .messages
            .iter()
            .map(|m| {
                assert_eq!(m.site, "mairie");
                let from = m.from.clone();
                (m.id.clone(), m.channel, from.handle.unwrap_or_default(), from.name, from.phone, m.body.clone())
            })
            .collect();
        let want: Vec<Owned> = want
            .iter()
            .map(|&(id, channel, handle, name, phone, body)| {
                (id.into(), channel, handle.into(), name.map(Into::into), phone.map(Into::into), body.into())
            })
            .collect();
        assert_eq!(got, want, "{name}");
        assert_eq!(batch.ignored, ignored, "{name}: events left aside");
    }
}

type Owned = (String, Channel, String, Option<String>, Option<String>, String);

#[test]
fn times_come_from_the_payload() {
    let at = |name: &str| read(name).messages[0].received_at;
    assert_eq!(at("messenger-text.json"), datetime!(2026-03-05 09:00 UTC));
    assert_eq!(at("whatsapp-text.json"), datetime!(2026-03-05 17:00 UTC));
    assert_eq!(at("x-text.json"), datetime!(2026-03-05 21:00 UTC));
    let location = read("whatsapp-attachment.json").messages.pop().unwrap().location;
    assert_eq!(location.as_deref(), Some("Mairie, Place de l'Hôtel de Ville"));
}

#[test]
fn whatsapp_media_are_named_for_fetching_when_the_site_fetches_them() {
    let media = read("whatsapp-attachment.json").media;
    let want = [
        ("wamid.HBgLMzM2MTIzNDU2NzgVAgASGBQzQUIMAGE=", "1003383421387256", "image/jpeg"),
        ("wamid.HBgLMzM2MTIzNDU2NzgVAgASGBQzQURPQ1VNRU5U", "1003383421387257", "application/pdf"),
    ];
    let got: Vec<(&str, &str, &str)> = media
        .iter()
        .map(|m| (m.message_id.as_str(), m.media_id.as_str(), m.mime_type.as_deref().unwrap_or_default()))
        .collect();
    assert_eq!(got, want, "the location is no file to fetch");
    for name in ["messenger-attachment.json", "instagram-attachment.json", "x-attachment.json"] {
        assert_eq!(read(name).media, vec![], "{name}: its attachments are URLs, kept as references");
    }

    let mut config = config();
    let meta = config.sites.iter_mut().find(|s| s.id == "mairie").unwrap().meta.as_mut().unwrap();
    meta.fetch_media = false;
    let batch = meta::parse("mairie", meta, &fixture("whatsapp-attachment.json"), NOW).unwrap();
    assert_eq!((batch.messages.len(), batch.media.len()), (3, 0), "without fetch_media, references only");
}

#[test]
fn malformed_json_is_an_error_that_says_where() {
    let config = config();
    let site = config.site("mairie").unwrap();
    for name in ["messenger-malformed.json", "instagram-malformed.json", "whatsapp-malformed.json"] {
        let error = meta::parse("mairie", site.meta.as_ref().unwrap(), &fixture(name), NOW).unwrap_err();
        assert!(error.to_string().contains("line "), "{name}: {error}");
    }
    let error = x::parse("mairie", site.x.as_ref().unwrap(), &fixture("x-malformed.json"), NOW).unwrap_err();
    assert!(error.to_string().starts_with("the body is not a webhook payload: EOF"), "{error}");
}

#[test]
fn another_accounts_delivery_is_not_filed_for_this_site() {
    let mut config = config();
    let site = config.sites.iter_mut().find(|s| s.id == "mairie").unwrap();
    let meta = site.meta.as_mut().unwrap();
    meta.page_id = Some("999".into());
    meta.whatsapp_phone_number_id = Some("999".into());
    for name in ["messenger-text.json", "whatsapp-text.json"] {
        let batch = meta::parse("mairie", meta, &fixture(name), NOW).unwrap();
        assert_eq!((batch.messages.len(), batch.ignored), (0, 1), "{name}");
    }
    let x = site.x.as_mut().unwrap();
    x.user_id = "999".into();
    let batch = x::parse("mairie", x, &fixture("x-text.json"), NOW).unwrap();
    assert_eq!((batch.messages.len(), batch.ignored), (0, 1));
}

#[test]
fn the_handshakes_answer_only_the_sites_token() {
    let config = config();
    let site = config.site("mairie").unwrap();
    let meta = site.meta.as_ref().unwrap();
    let challenge = Some("1158201444");
    assert_eq!(meta::handshake(meta, Some("subscribe"), Some("jeton-de-verification"), challenge), challenge);
    assert_eq!(meta::handshake(meta, Some("subscribe"), Some("jeton"), challenge), None);
    assert_eq!(meta::handshake(meta, Some("unsubscribe"), Some("jeton-de-verification"), challenge), None);
    assert_eq!(meta::handshake(meta, Some("subscribe"), None, challenge), None);
    // X's CRC: the HMAC-SHA256 of the token with the consumer secret, in base64.
    let answer = x::crc_response(site.x.as_ref().unwrap(), "9b4507b3-9040-4669-9ef5-1c8ba5bd2b32");
    // Computed apart, with Python's hmac module.
    assert_eq!(answer["response_token"], "sha256=kos+TMhB7pzuhvT83nowROSFjkKlnUMovZSOrLAxx9M=");
}
