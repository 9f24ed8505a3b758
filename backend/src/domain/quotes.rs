//! The citizen's new words in a message's text: quoted history, signatures, mobile footers and
//! legal disclaimers taken off, for the French and English styles of the common mail clients.
//!
//! Pure text in, text out: email and the deduplication engine both read a message through
//! [`new_words`], so that a long quoted thread neither hides a new question from an agent nor
//! makes two messages look alike.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lowercase without accents or ligatures, typographic apostrophes made plain, every kind of
/// space (no-break spaces of French typography included) a plain space.
pub(crate) fn fold(s: &str) -> String {
    // Most words are plain ASCII: nothing to decompose.
    if s.is_ascii() {
        return s
            .bytes()
            .map(|b| match b {
                b'`' => '\'',
                b if char::from(b).is_whitespace() => ' ',
                b => char::from(b.to_ascii_lowercase()),
            })
            .collect();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            '’' | '‘' | '`' | '´' | 'ʼ' => out.push('\''),
            c if c.is_whitespace() => out.push(' '),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// What the citizen wrote this time: the body without quoted history (`>` lines, "Le … a
/// écrit :" and "On … wrote:" even wrapped over lines, Outlook's `De : / Envoyé : / À : /
/// Objet :` block and its `____` rule, "Original Message" and "Mail original" separators,
/// Orange's "Message du …") and without what follows the words: a `-- ` signature,
/// "Envoyé de mon iPhone" and other mobile lines, a legal disclaimer, a closing formula and the
/// short lines after it, bare phone-number lines.
pub fn new_words(body: &str) -> String {
    read(body).0
}

/// [`new_words`], and whether the body quotes an earlier message (any line the history rules
/// recognise), from one folding of its lines.
pub fn read(body: &str) -> (String, bool) {
    let lines: Vec<&str> = body.lines().collect();
    // Folded once: every rule reads the folded lines, some several times.
    let folded: Vec<String> = lines.iter().map(|l| fold(l)).collect();
    let quoted = (0..folded.len()).any(|i| {
        folded[i].trim_start().starts_with('>')
            || attribution_end(&folded, i).is_some()
            || starts_history(&folded, i, true)
    });
    (words_of(&lines, &folded), quoted)
}

fn words_of(lines: &[&str], folded: &[String]) -> String {
    let mut kept: Vec<&str> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if let Some(end) = attribution_end(folded, i - 1) {
            // An attribution over `>` lines that the writer answered under, or between: the
            // answers are new words. Otherwise the history starts here.
            let quoted_next =
                lines[end + 1..].iter().find(|l| !l.trim().is_empty()).is_some_and(|l| l.trim_start().starts_with('>'));
            if quoted_next {
                i = end + 1;
                continue;
            }
            break;
        }
        let words_before = kept.iter().any(|l| !l.trim().is_empty());
        if starts_history(folded, i - 1, words_before) {
            break;
        }
        let t = folded[i - 1].trim();
        if t.starts_with('>') {
            continue;
        }
        if t == "--" || t == "__" || is_sent_from(t) || is_disclaimer(t) {
            break;
        }
        if looks_like_phone_line(line) || is_image_placeholder(t) {
            continue;
        }
        // One blank line where there were several, or quoted lines between two answers.
        if !(line.trim().is_empty() && kept.last().is_some_and(|l| l.is_empty())) {
            kept.push(line.trim_end());
        }
    }
    // Rules of stars or equal signs that framed a disclaimer stay behind it: no words, no use.
    while kept.last().is_some_and(|l| !l.chars().any(char::is_alphanumeric)) {
        kept.pop();
    }
    // The last closing formula on a line of its own, followed by a few short lines, starts the
    // signature. Never the first line: "Merci !" alone is the message.
    let first = kept.iter().position(|l| !l.trim().is_empty()).unwrap_or(0);
    if let Some(pos) = kept.iter().rposition(|l| is_closing(l))
        && pos > first
        && kept.len() - pos <= 7
        && kept[pos + 1..].iter().all(|l| l.chars().count() <= 80)
    {
        kept.truncate(pos);
    }
    kept.join("\n").trim().to_owned()
}

/// Whether folded line `i` begins the quoted history (everything from it on is history),
/// attributions aside ([`attribution_end`]).
fn starts_history(lines: &[String], i: usize, words_before: bool) -> bool {
    let f = &lines[i];
    let t = f.trim().trim_matches(|c: char| c == '*' || c == '_' || c == ' ');
    let raw = f.trim();
    if raw.chars().count() >= 10 && raw.chars().all(|c| c == '_') {
        // Outlook's rule before its header block: 32 underscores.
        return true;
    }
    // Separators, and the copy of the returned message under a bounce's report.
    if t.starts_with("-----") && ["original", "origine", "forward", "transfere"].iter().any(|w| t.contains(w))
        || t.starts_with("---") && t.contains("copy of the message")
        || ["----- mail original", "-----mail original", "begin forwarded message", "debut du message reexpedie"]
            .iter()
            .any(|p| t.starts_with(p))
    {
        return true;
    }
    // Outlook and webmails: "De : …" then "Envoyé : …", "À : …", "Objet : …"; Orange starts with
    // "Message du 02/03/26 09:14" just above.
    let from_line = |t: &str| header_name(t).is_some_and(|h| h == "de" || h == "from");
    let header_block_at = |j: usize| {
        j < lines.len()
            && from_line(&lines[j])
            && lines[j + 1..(j + 6).min(lines.len())].iter().any(|l| {
                header_name(l).is_some_and(|h| {
                    matches!(
                        h.as_str(),
                        "envoye" | "sent" | "date" | "a" | "to" | "objet" | "subject" | "cc" | "copie a" | "pour"
                    )
                })
            })
    };
    if t.starts_with("message du ") && t.chars().any(|c| c.is_ascii_digit()) && header_block_at(i + 1) {
        return true;
    }
    // A `De : … / Objet : …` block before any word is a letter's heading, not a quote.
    words_before && header_block_at(i)
}

/// "Le lun. 2 mars 2026 à 09:14, Claire <claire@example.fr> a écrit :", "On Mon, Mar 2, 2026
/// at 9:14 AM Claire <c@example.com> wrote:": on one line or wrapped over up to four, the
/// colon sometimes after a no-break space or alone on the last line. It must name a date or an
/// address, so that "comme je vous l'ai écrit :" in the citizen's words is no attribution.
/// Reads folded lines; gives the index of its last line.
fn attribution_end(lines: &[String], i: usize) -> Option<usize> {
    let first = lines[i].trim();
    let opens = ["le ", "on ", "am ", "el "].iter().any(|p| first.starts_with(p));
    let mut joined = String::new();
    for (k, line) in lines.iter().enumerate().skip(i).take(4) {
        // A wrapped attribution continues a line that ended mid-sentence.
        if k > i && (!opens || line.trim().is_empty() || lines[k - 1].trim_end().ends_with(['.', '!', '?'])) {
            return None;
        }
        joined.push(' ');
        joined.push_str(line);
        let norm = joined.split_whitespace().collect::<Vec<_>>().join(" ");
        if norm.len() > 300 {
            return None;
        }
        let Some(head) = norm.strip_suffix(':').map(str::trim_end) else { continue };
        let named = norm.contains('@') || norm.chars().any(|c| c.is_ascii_digit());
        if named && ["a ecrit", "wrote", "schrieb", "escribio"].iter().any(|m| head.ends_with(m)) {
            return Some(k);
        }
    }
    None
}

/// The name of a `Name : value` line, folded, with Outlook's bold stars off: "de", "objet",
/// "copie a".
fn header_name(folded: &str) -> Option<String> {
    let t = folded.trim().trim_start_matches(['*', ' ']);
    let (name, _) = t.split_once(':')?;
    let name = name.trim_end_matches(['*', ' ']).trim();
    (name.len() <= 12
        && !name.is_empty()
        && name.split(' ').count() <= 2
        && name.chars().all(|c| c.is_alphabetic() || c == ' '))
    .then(|| name.to_owned())
}

/// Mobile and app footers: "Envoyé de mon iPhone", "Sent from my Galaxy", "Get Outlook for
/// Android", "Envoyé à partir de Courrier pour Windows".
fn is_sent_from(t: &str) -> bool {
    [
        "envoye de mon",
        "envoye depuis",
        "envoye a partir de",
        "envoye avec",
        "envoye via",
        "sent from my",
        "sent from outlook",
        "sent from mail for",
        "sent from yahoo",
        "sent with",
        "sent via",
        "get outlook for",
        "obtenir outlook pour",
        "telecharger outlook",
        "telechargez outlook",
    ]
    .iter()
    .any(|p| t.starts_with(p))
}

/// The first line of a legal disclaimer: nothing the citizen wrote comes after it.
fn is_disclaimer(t: &str) -> bool {
    let t = t.trim_start_matches(|c: char| !c.is_alphanumeric());
    [
        "ce message et ses pieces jointes",
        "ce message et toutes les pieces jointes",
        "ce message et toute piece jointe",
        "ce courriel et ses pieces jointes",
        "ce courriel et toute piece jointe",
        "ce message electronique et",
        "ce message est confidentiel",
        "ce courriel est confidentiel",
        "le present message et",
        "les informations contenues dans ce message",
        "avis de confidentialite",
        "avertissement de confidentialite",
        "pensez a l'environnement",
        "this email and any attachments",
        "this e-mail and any attachments",
        "this message and any attachments",
        "this email and any files",
        "this e-mail and any files",
        "this email is confidential",
        "this message is confidential",
        "this e-mail is confidential",
        "the information contained in this",
        "confidentiality notice",
        "disclaimer:",
        "disclaimer :",
        "please consider the environment",
    ]
    .iter()
    .any(|p| t.starts_with(p))
}

/// Where an inline image stood: Outlook's `[cid:image001.png@01DC…]`, Gmail's `[image: photo.jpg]`.
fn is_image_placeholder(t: &str) -> bool {
    t.starts_with('[') && t.ends_with(']') && (t.starts_with("[cid:") || t.starts_with("[image:"))
}

fn looks_like_phone_line(line: &str) -> bool {
    let digits = line.chars().filter(char::is_ascii_digit).count();
    let letters = line.chars().filter(|c| c.is_alphabetic()).count();
    digits >= 8 && letters <= 6
}

/// Closing formulas: what follows them is a signature.
const CLOSINGS: &[&str] = &[
    "cordialement",
    "bien cordialement",
    "tres cordialement",
    "cdlt",
    "bien a vous",
    "salutations",
    "sinceres salutations",
    "meilleures salutations",
    "bonne journee",
    "bonne soiree",
    "merci d avance",
    "merci par avance",
    "merci",
    "merci beaucoup",
    "a bientot",
    "regards",
    "best regards",
    "kind regards",
    "best",
    "cheers",
    "thanks",
    "thank you",
    "many thanks",
    "sincerely",
    "yours sincerely",
    "bisous",
    "amicalement",
];

fn is_closing(line: &str) -> bool {
    let f = fold(line).replace('\'', " ");
    let words: Vec<&str> = f.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let t = words.join(" ");
    !t.is_empty() && CLOSINGS.contains(&t.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_words_drop_quotes_and_signatures() {
        let cases = [
            (
                "Toujours rien ?? Ça fait une semaine.\n\nLe mar. 3 mars 2026 à 19:40, Sophie Marchand <sophie.marchand@example.fr> a écrit :\n> Madame, Monsieur,\n> Je me permets",
                "Toujours rien ?? Ça fait une semaine.",
            ),
            (
                "Parfait, merci.\n\nLe mer. 11 mars 2026 à 08:55, Mairie <m@x.fr> a\nécrit\u{a0}:\n> Bonjour",
                "Parfait, merci.",
            ),
            ("Still broken.\n\nOn Mon, 23 Mar 2026 at 09:12, P <p@x.fr> wrote:\n> Dear IT", "Still broken."),
            (
                "Faut-il une copie ?\nLuc\n\nDe : Mairie <e@x.fr>\nEnvoyé : jeudi 12 mars 2026 17:02\nÀ : l@x.com\nObjet : RE: Demande\n\nBonjour Monsieur",
                "Faut-il une copie ?\nLuc",
            ),
            ("L'arbre est dégagé.\n\n-----Original Message-----\nFrom: Mairie\nSent: 1 April", "L'arbre est dégagé."),
            (
                "Éclairage HS au croisement.\n\nG. Mounier\n--\nEnvoyé de mon iPhone",
                "Éclairage HS au croisement.\n\nG. Mounier",
            ),
            (
                "Madame, Monsieur,\n\nDeux cyclistes ont failli tomber.\n\nCordialement,\nSophie Marchand\n06 71 22 38 90",
                "Madame, Monsieur,\n\nDeux cyclistes ont failli tomber.",
            ),
            ("Hello, heating is broken.\n\nThomas\n\nSent from my phone", "Hello, heating is broken.\n\nThomas"),
            ("Pouvez-vous intervenir rapidement ? Merci", "Pouvez-vous intervenir rapidement ? Merci"),
            ("Merci !", "Merci !"),
            ("Je souhaite m'inscrire.\nMerci d'avance\nSophie Marchand", "Je souhaite m'inscrire."),
        ];
        for (body, want) in cases {
            assert_eq!(new_words(body), want, "{body}");
        }
    }

    #[test]
    fn attributions_wrap_and_need_a_date_or_an_address() {
        let wrapped = "Oui, samedi.\n\nLe lun. 2 mars 2026 à 09:14, Claire Dubois <\nclaire@example.fr> a\nécrit\u{a0}:\n\n> Quand ?";
        assert_eq!(new_words(wrapped), "Oui, samedi.");
        let own = "Comme je vous l'ai écrit :\nle trottoir est défoncé.";
        assert_eq!(new_words(own), own);
        let named = "Voir plus bas.\nmairie@ville.fr a écrit :\nBonjour";
        assert_eq!(new_words(named), "Voir plus bas.");
        let inline = "Mes réponses :\n\nLe 2 mars 2026, M <m@x.fr> a écrit :\n> Où ?\nRue Basse.\n> Quand ?\n\nHier.\n\n-- \nPaul";
        assert_eq!(new_words(inline), "Mes réponses :\n\nRue Basse.\n\nHier.");
        let bottom = "On 2 Mar 2026, M <m@x.fr> wrote:\n> Fixed?\n\nNo, still broken.";
        assert_eq!(new_words(bottom), "No, still broken.");
    }

    #[test]
    fn header_blocks_rules_and_footers_end_the_words() {
        let outlook = "Merci.\n\n________________________________\nDe : Mairie\nEnvoyé : lundi\nObjet : RE";
        assert_eq!(new_words(outlook), "Merci.");
        let bold = "Bien reçu.\n\n*De :* Mairie <m@x.fr>\n*Envoyé :* lundi 2 mars 2026 09:14\n*À :* moi";
        assert_eq!(new_words(bold), "Bien reçu.");
        let orange = "C'est réparé.\n\n> Message du 02/03/26 09:14\n> De : \"Mairie\"";
        assert_eq!(new_words(orange), "C'est réparé.");
        let orange_plain = "C'est réparé.\n\nMessage du 02/03/26 09:14\nDe : \"Mairie\" <m@x.fr>\nA : moi";
        assert_eq!(new_words(orange_plain), "C'est réparé.");
        let disclaimer = "Le dossier est joint.\n\n*****\nCe message et ses pièces jointes sont confidentiels.";
        assert_eq!(new_words(disclaimer), "Le dossier est joint.");
        let images = "Voici la fuite :\n[image: IMG_2041.jpg]\n[cid:image001.png@01DC8A2B.5E3F1A20]\nElle coule.";
        assert_eq!(new_words(images), "Voici la fuite :\nElle coule.");
        let mobile = "Ok pour demain.\n\nObtenir Outlook pour Android";
        assert_eq!(new_words(mobile), "Ok pour demain.");
        let citizen_from = "De : mon voisin, j'ai appris la coupure.";
        assert_eq!(new_words(citizen_from), citizen_from);
        let letter = "De : Mme Martin, 3 rue Basse\nObjet : acte de naissance\n\nBonjour, je souhaite un acte.";
        assert_eq!(new_words(letter), letter);
    }
}
