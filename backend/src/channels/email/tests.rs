//! The email reader on the fixture corpus (`backend/tests/fixtures/email`: each `name.eml` with
//! the new words it must yield in `name.expected.txt`, and what else `inspect` must show in an
//! optional `name.expected.json`), then the edges one by one.

use std::path::{Path, PathBuf};

use super::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/email")
}

/// The corpus's limits: small, so that one photo of the corpus is refused.
const CORPUS_LIMITS: Limits = Limits { max_attachment_bytes: 16 * 1024, max_attachments: 5 };

#[test]
fn the_corpus_reads_as_expected() {
    let mut names: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    names.sort();
    assert!(names.len() >= 25, "the corpus shrank to {}", names.len());
    let mut failures = Vec::new();
    for eml in &names {
        let name = eml.file_stem().unwrap().to_string_lossy().into_owned();
        let raw = std::fs::read(eml).unwrap();
        let read = match read(&raw, &CORPUS_LIMITS) {
            Ok(read) => read,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let want = std::fs::read_to_string(eml.with_extension("expected.txt"))
            .unwrap_or_else(|_| panic!("{name}.expected.txt is missing"));
        if read.body != want.trim_end_matches('\n') {
            failures.push(format!("{name}: body\n--- got ---\n{}\n--- want ---\n{want}", read.body));
        }
        if let Ok(json) = std::fs::read_to_string(eml.with_extension("expected.json")) {
            let want: serde_json::Value = serde_json::from_str(&json).unwrap();
            let got = inspect_json(&read);
            for (key, value) in want.as_object().unwrap() {
                if &got[key] != value {
                    failures.push(format!("{name}: {key} is {} but should be {value}", got[key]));
                }
            }
        }
        // Where the client sent HTML beside the text, the HTML says the same new words.
        let message = MessageParser::default().parse(&raw).unwrap();
        for id in &message.html_body {
            if let PartType::Html(html) = &message.parts[*id as usize].body
                && !message.text_body.contains(id)
            {
                let from_html = quotes::new_words(&html::to_text(html));
                if words(&from_html) != words(&want) {
                    failures.push(format!("{name}: HTML part\n--- got ---\n{from_html}\n--- want ---\n{want}"));
                }
            }
        }
        // Every message of the corpus names its sender and has an id to deduplicate on.
        if read.from.is_none() || read.message_id.is_none() {
            failures.push(format!("{name}: no sender or no Message-ID"));
        }
    }
    assert!(failures.is_empty(), "{} of {} fixtures fail:\n\n{}", failures.len(), names.len(), failures.join("\n\n"));
}

/// The words with their line breaks out: a text part wraps where its HTML does not.
fn words(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(name)).unwrap()
}

#[test]
fn a_person_is_no_robot_and_a_bounce_is_one() {
    let person = read(&fixture("gmail-fr-reply.eml"), &Limits::default()).unwrap();
    assert!(!person.auto_submitted());
    assert_eq!(person.from.unwrap().email, "claire.dubois@gmail.com");
    let bounce = read(&fixture("bounce-dsn-postfix.eml"), &Limits::default()).unwrap();
    assert_eq!(bounce.robot, Some(Robot::Bounce));
    assert_eq!(bounce.bounce.unwrap().recipient.as_deref(), Some("claire.dubious@gmail.com"));
}

#[test]
fn robot_headers_are_recognised() {
    let base = "From: a@b.fr\r\nSubject: Re: trou\r\nMessage-ID: <1@b.fr>\r\n";
    let robot_of =
        |extra: &str| read(format!("{base}{extra}\r\nbonjour\r\n").as_bytes(), &Limits::default()).unwrap().robot;
    assert_eq!(robot_of("Auto-Submitted: no\r\n"), None);
    assert_eq!(robot_of("Auto-Submitted: auto-replied\r\n"), Some(Robot::AutoSubmitted("auto-replied".into())));
    assert_eq!(robot_of("X-Autoreply: yes\r\n"), Some(Robot::AutoReplyHeader("X-Autoreply".into())));
    assert_eq!(robot_of("X-Autorespond: 1\r\n"), Some(Robot::AutoReplyHeader("X-Autorespond".into())));
    assert_eq!(robot_of("Precedence: Junk\r\n"), Some(Robot::Precedence("junk".into())));
    assert_eq!(robot_of("Precedence: first-class\r\n"), None);
    assert_eq!(robot_of("X-Loop: x@y\r\n"), Some(Robot::Loop));
    assert_eq!(robot_of("List-Id: <l.b.fr>\r\n"), Some(Robot::MailingList));
    assert_eq!(robot_of("List-Unsubscribe: <mailto:u@b.fr>\r\n"), Some(Robot::MailingList));
    let ooo = read(b"From: a@b.fr\r\nSubject: Automatic reply: trou\r\n\r\naway\r\n", &Limits::default()).unwrap();
    assert_eq!(ooo.robot, Some(Robot::OutOfOffice));
    assert_eq!(Robot::OutOfOffice.to_string(), "out-of-office subject");
}

#[test]
fn attachments_beyond_the_count_are_refused() {
    let limits = Limits { max_attachment_bytes: 1024 * 1024, max_attachments: 1 };
    let read = read(&fixture("gmail-fr-attachments.eml"), &limits).unwrap();
    assert_eq!(read.attachments.len(), 1);
    assert_eq!(read.attachments[0].name, "IMG_20260306_135812.jpg");
    assert_eq!(read.attachments[0].bytes.len(), 3000);
    let reasons: Vec<String> = read.refused_attachments.iter().map(|r| format!("{} {}", r.name, r.reason)).collect();
    assert_eq!(reasons, ["IMG_20260306_135840.jpg too many", "Courrier syndic – mars.pdf too many"]);
}

#[test]
fn not_a_message_is_a_clear_error_and_inspect_reads_a_bare_body() {
    assert_eq!(read(b"", &Limits::default()), Err(ReadError::Empty));
    assert_eq!(read(b" \r\n\r\n", &Limits::default()), Err(ReadError::Empty));
    let bare = "Le trottoir est défoncé.\n\nLe 2 mars 2026 à 09:14, Mairie <m@x.fr> a écrit :\n> Bonjour";
    assert_eq!(read(bare.as_bytes(), &Limits::default()), Err(ReadError::NoHeaders));
    assert_eq!(read(b"Objet: trou\nrien d'autre", &Limits::default()), Err(ReadError::NoHeaders));
    let json = inspect(bare.as_bytes(), &Limits::default()).unwrap();
    assert_eq!(json["body"], "Le trottoir est défoncé.");
    assert_eq!(json["from"], serde_json::Value::Null);
    assert_eq!(json["auto_submitted"], false);
    // Latin-1 bytes of an old editor are text too.
    let latin1 = inspect(b"Trou rue de l'\xc9glise", &Limits::default()).unwrap();
    assert_eq!(latin1["body"], "Trou rue de l'Église");
}

#[test]
fn the_idempotency_key_is_the_message_id_or_a_hash() {
    let with_id = fixture("iphone-en.eml");
    let read_id = read(&with_id, &Limits::default()).unwrap();
    assert_eq!(idempotency_key(&with_id, &read_id), "<9F8E7D6C-5B4A-4321-9876-543210FEDCBA@icloud.com>");
    let raw = b"From: a@b.fr\r\nSubject: x\r\n\r\nbody\r\n";
    let read_none = read(raw, &Limits::default()).unwrap();
    let key = idempotency_key(raw, &read_none);
    // As `sha256sum` prints it.
    assert_eq!(key, "sha256:b5320d23536a950e885d171686012f0d2acc5806b71bffecc02c7a53871d9651");
    assert_ne!(key, idempotency_key(b"From: a@b.fr\r\nSubject: x\r\n\r\nbody!\r\n", &read_none));
}

#[test]
fn delivered_to_and_dates_are_read() {
    let raw = b"Delivered-To: Contact@Ville-Exemple.fr\r\nX-Original-To: voirie@ville-exemple.fr\r\nFrom: \"Dubois, Claire\" <Claire@Example.FR>\r\nDate: Mon, 2 Mar 2026 09:14:00 -0230\r\n\r\nx\r\n";
    let read = read(raw, &Limits::default()).unwrap();
    assert_eq!(read.delivered_to, ["contact@ville-exemple.fr", "voirie@ville-exemple.fr"]);
    assert_eq!(read.from, Some(Address { name: Some("Dubois, Claire".into()), email: "claire@example.fr".into() }));
    assert_eq!(inspect_json(&read)["date"], "2026-03-02T09:14:00-02:30");
}

#[test]
fn cut_or_mangled_mail_never_panics() {
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "eml") {
            continue;
        }
        let raw = std::fs::read(&path).unwrap();
        for cut in (0..raw.len()).step_by(raw.len() / 40 + 1) {
            let _ = read(&raw[..cut], &Limits::default());
            let _ = inspect(&raw[cut..], &Limits::default());
        }
        // Every byte flipped to a high one in turn, in the first kilobyte: charsets, boundaries.
        for at in (0..raw.len().min(1024)).step_by(31) {
            let mut bent = raw.clone();
            bent[at] = 0xE9;
            let _ = read(&bent, &Limits::default());
        }
    }
}

#[test]
fn windows_1252_and_latin_1_are_decoded() {
    let raw = b"From: a@b.fr\r\nSubject: =?windows-1252?Q?=93Trou=94?=\r\nContent-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nL=92arbre est tomb=E9 =96 rue de l=92=C9glise=85\r\n";
    let read = read(raw, &Limits::default()).unwrap();
    assert_eq!(read.subject.as_deref(), Some("\u{201c}Trou\u{201d}"));
    assert_eq!(read.body, "L\u{2019}arbre est tombé \u{2013} rue de l\u{2019}Église\u{2026}");
}

#[test]
fn format_flowed_lines_join_at_their_quote_depth() {
    let raw = b"From: a@b.fr\r\nContent-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\r\n\r\nLe trottoir est d\xc3\xa9fon \r\nc\xc3\xa9 devant le 12.\r\n\r\n> Une ligne  \r\n> cit\xc3\xa9e.\r\n>> Plus  \r\n> loin.\r\n-- \r\nPaul\r\n";
    let read = read(raw, &Limits::default()).unwrap();
    // DelSp=yes: the space before a soft break is the writer's, not the text's; a line at
    // another depth never continues the one above.
    assert_eq!(read.text, "Le trottoir est défoncé devant le 12.\n\n> Une ligne citée.\n>> Plus\n> loin.\n--\nPaul");
    assert_eq!(read.body, "Le trottoir est défoncé devant le 12.");
}
