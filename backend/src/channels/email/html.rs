//! HTML mail as plain text, for mail sent without a text part: blocks and `<br>` become line
//! breaks, lists get dashes, links keep their address, and a `<blockquote>`'s lines start with
//! `> ` so that quoted history reads as quoted history.
//!
//! Small on purpose: mail HTML is a document without scripts to run or layout to honour, and
//! what a reader needs from it is the words in their order.

/// The text of an HTML document.
pub(crate) fn to_text(html: &str) -> String {
    let mut out = Out { lines: vec![(0, String::new())], depth: 0, pre: 0 };
    let mut links: Vec<Option<String>> = Vec::new();
    let mut link_text = String::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.text(&decode_entities(&rest[..lt]), &mut link_text, !links.is_empty());
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |e| &after[e + 3..]);
            continue;
        }
        let Some(tag) = Tag::parse(rest) else {
            out.text("<", &mut link_text, !links.is_empty());
            rest = &rest[1..];
            continue;
        };
        rest = &rest[tag.len..];
        if !tag.closing && !tag.self_closing && matches!(tag.name.as_str(), "style" | "script" | "head" | "title") {
            rest = skip_element(rest, &tag.name);
            continue;
        }
        match (tag.name.as_str(), tag.closing) {
            ("br", _) => out.lines.push((out.depth, String::new())),
            ("p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "ul" | "ol" | "table" | "dl", _) => out.block(true),
            ("div" | "tr" | "section" | "article" | "header" | "footer" | "address" | "dt" | "dd", _) => {
                out.block(false)
            }
            ("li", false) => {
                out.block(false);
                out.text("- ", &mut link_text, false);
            }
            ("li", true) => out.block(false),
            ("td" | "th", true) => out.text(" ", &mut link_text, false),
            ("hr", _) => {
                // Outlook on the web puts its header block of the quoted message after an
                // `<hr>`: the rule of underscores desktop Outlook writes says the same in text.
                out.block(false);
                out.text(&"_".repeat(32), &mut link_text, false);
                out.block(false);
            }
            ("blockquote", false) => {
                out.block(true);
                out.depth += 1;
                out.current_depth();
            }
            ("blockquote", true) => {
                out.block(false);
                out.depth = out.depth.saturating_sub(1);
                out.current_depth();
                out.block(true);
            }
            ("pre", false) => {
                out.block(true);
                out.pre += 1;
            }
            ("pre", true) => {
                out.pre = out.pre.saturating_sub(1);
                out.block(true);
            }
            ("a", false) if !tag.self_closing => {
                links.push(tag.href);
                link_text.clear();
            }
            ("a", true) => {
                if let Some(Some(href)) = links.pop() {
                    let shown = link_text.trim();
                    let target = href.strip_prefix("mailto:").unwrap_or(&href);
                    let plain = href.starts_with('#') || href.starts_with("javascript:") || href.starts_with("cid:");
                    if !plain && !shown.is_empty() && shown != target && !target.is_empty() {
                        out.text(&format!(" ({target})"), &mut link_text, false);
                    }
                }
            }
            _ => {}
        }
    }
    out.text(&decode_entities(rest), &mut link_text, false);
    out.render()
}

/// Lines being written, each with its blockquote depth.
struct Out {
    lines: Vec<(usize, String)>,
    depth: usize,
    pre: usize,
}

impl Out {
    fn current(&mut self) -> &mut (usize, String) {
        self.lines.last_mut().expect("there is always a current line")
    }

    /// An empty current line takes the depth of where it now stands.
    fn current_depth(&mut self) {
        let depth = self.depth;
        let line = self.current();
        if line.1.is_empty() {
            line.0 = depth;
        }
    }

    fn text(&mut self, s: &str, link_text: &mut String, in_link: bool) {
        if in_link {
            link_text.push_str(s);
        }
        let depth = self.depth;
        if self.pre > 0 {
            for (i, piece) in s.split('\n').enumerate() {
                if i > 0 {
                    self.lines.push((depth, String::new()));
                }
                self.current().1.push_str(piece.trim_end_matches('\r'));
            }
            return;
        }
        let line = &mut self.current().1;
        for c in s.chars() {
            if matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{c}') {
                if !line.is_empty() && !line.ends_with(' ') {
                    line.push(' ');
                }
            } else {
                line.push(c);
            }
        }
    }

    /// Starts a new line unless at the start of one; `blank` wants an empty line before it.
    fn block(&mut self, blank: bool) {
        let depth = self.depth;
        if !self.current().1.trim().is_empty() {
            self.lines.push((depth, String::new()));
        }
        let n = self.lines.len();
        if blank && n >= 2 && !self.lines[n - 2].1.trim().is_empty() {
            self.lines.push((depth, String::new()));
        }
        self.current_depth();
    }

    fn render(self) -> String {
        // A blank line is quoted no deeper than the next line with words: the blank after a
        // quote belongs to what follows it.
        let mut lines = self.lines;
        let mut next_depth = 0;
        for (depth, text) in lines.iter_mut().rev() {
            if text.trim().is_empty() {
                *depth = (*depth).min(next_depth);
            } else {
                next_depth = *depth;
            }
        }
        let mut out: Vec<String> = Vec::with_capacity(lines.len());
        for (depth, text) in lines {
            let text = text.trim_end();
            let line = if depth == 0 {
                text.to_owned()
            } else if text.is_empty() {
                ">".repeat(depth)
            } else {
                format!("{} {text}", ">".repeat(depth))
            };
            // At most one blank line in a row.
            let blank = line.trim_start_matches('>').is_empty();
            if blank && out.last().is_some_and(|l: &String| l.trim_start_matches('>').is_empty()) {
                continue;
            }
            out.push(line);
        }
        out.join("\n").trim_matches('\n').to_owned()
    }
}

struct Tag {
    name: String,
    closing: bool,
    self_closing: bool,
    href: Option<String>,
    /// Bytes from `<` to `>` included.
    len: usize,
}

impl Tag {
    /// The tag at the start of `s` (which starts with `<`), or `None` if the `<` is text.
    fn parse(s: &str) -> Option<Tag> {
        let body = &s[1..];
        let closing = body.starts_with('/');
        let body = body.strip_prefix('/').unwrap_or(body);
        if !body.starts_with(|c: char| c.is_ascii_alphabetic() || c == '!' || c == '?') {
            return None;
        }
        // The end is the first `>` outside quotes.
        let mut quote = None;
        let mut end = None;
        for (i, c) in s.char_indices().skip(1) {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, '>') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        // An unclosed tag runs to the end.
        let end = end.unwrap_or(s.len());
        let inner = &s[1..end];
        let inner = inner.strip_prefix('/').unwrap_or(inner);
        let name_len = inner.find(|c: char| c.is_whitespace() || c == '/' || c == '>').unwrap_or(inner.len());
        let name = inner[..name_len].to_ascii_lowercase();
        let attributes = &inner[name_len..];
        Some(Tag {
            self_closing: attributes.trim_end().ends_with('/'),
            href: attribute(attributes, "href").map(|h| decode_entities(h.trim())),
            name,
            closing,
            len: (end + 1).min(s.len()),
        })
    }
}

/// The value of attribute `name` in a tag's attribute text.
fn attribute<'a>(attributes: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = attributes;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if rest.is_empty() {
            return None;
        }
        let key_len = rest.find(|c: char| c.is_whitespace() || c == '=' || c == '/').unwrap_or(rest.len());
        let key = &rest[..key_len];
        rest = rest[key_len..].trim_start();
        let mut value = "";
        if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            if let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') {
                let close = after[1..].find(q).map_or(after.len(), |e| e + 1);
                value = &after[1..close];
                rest = after.get(close + 1..).unwrap_or("");
            } else {
                let close = after.find(char::is_whitespace).unwrap_or(after.len());
                value = &after[..close];
                rest = &after[close..];
            }
        }
        if key.eq_ignore_ascii_case(name) {
            return Some(value);
        }
    }
}

/// What follows the end of element `name` (whose start tag was just read).
fn skip_element<'a>(rest: &'a str, name: &str) -> &'a str {
    let lower = rest.to_ascii_lowercase();
    let close = format!("</{name}");
    match lower.find(&close) {
        Some(p) => rest[p..].find('>').map_or("", |e| &rest[p + e + 1..]),
        None => "",
    }
}

/// `&eacute;`, `&#233;` and `&#xE9;` as characters; an unknown entity stays as written.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest[1..].find(|c: char| !c.is_ascii_alphanumeric() && c != '#').map(|e| e + 1);
        let name = &rest[1..end.unwrap_or(rest.len())];
        match entity(name) {
            Some(c) => {
                out.push(c);
                let consumed = 1 + name.len();
                rest = &rest[consumed..];
                rest = rest.strip_prefix(';').unwrap_or(rest);
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "eacute" => 'é',
        "Eacute" => 'É',
        "egrave" => 'è',
        "Egrave" => 'È',
        "ecirc" => 'ê',
        "Ecirc" => 'Ê',
        "euml" => 'ë',
        "agrave" => 'à',
        "Agrave" => 'À',
        "acirc" => 'â',
        "Acirc" => 'Â',
        "auml" => 'ä',
        "ccedil" => 'ç',
        "Ccedil" => 'Ç',
        "icirc" => 'î',
        "iuml" => 'ï',
        "ocirc" => 'ô',
        "Ocirc" => 'Ô',
        "ouml" => 'ö',
        "ucirc" => 'û',
        "ugrave" => 'ù',
        "uuml" => 'ü',
        "oelig" => 'œ',
        "OElig" => 'Œ',
        "laquo" => '«',
        "raquo" => '»',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "hellip" => '…',
        "ndash" => '–',
        "mdash" => '—',
        "euro" => '€',
        "copy" => '©',
        "reg" => '®',
        "deg" => '°',
        "middot" => '·',
        "bull" => '•',
        "shy" => '\u{ad}',
        "zwnj" => '\u{200c}',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_breaks_lists_and_links() {
        let html = "<html><head><title>x</title><style>p{color:red}</style></head><body>\
            <div>Bonjour,</div><div><br></div><div>Le lampadaire du 12&nbsp;rue&nbsp;Pasteur est &eacute;teint.</div>\
            <ul><li>depuis lundi</li><li>côté <b>pair</b></li></ul>\
            <p>Voir <a href=\"https://ville.example/carte?a=1&amp;b=2\">la carte</a> ou \
            <a href=\"mailto:claire@example.fr\">claire@example.fr</a>.</p><script>alert(1)</script></body></html>";
        assert_eq!(
            to_text(html),
            "Bonjour,\n\nLe lampadaire du 12\u{a0}rue\u{a0}Pasteur est éteint.\n\n- depuis lundi\n- côté pair\n\n\
             Voir la carte (https://ville.example/carte?a=1&b=2) ou claire@example.fr."
        );
    }

    #[test]
    fn blockquotes_are_quoted_and_rules_kept() {
        let html = "<p>Oui.</p><div class=\"gmail_quote\">Le lun. 2 mars, X &lt;x@y.fr&gt; a écrit&#160;:<br>\
            <blockquote>Bonjour<br>Quand ?<blockquote>Avant</blockquote></blockquote></div><hr><b>De :</b> Mairie";
        assert_eq!(
            to_text(html),
            "Oui.\n\nLe lun. 2 mars, X <x@y.fr> a écrit\u{a0}:\n\n> Bonjour\n> Quand ?\n>\n>> Avant\n\n\
             ________________________________\nDe : Mairie"
        );
    }

    #[test]
    fn odd_markup_is_text_not_a_crash() {
        assert_eq!(to_text("3 < 4 &unknown; <!-- c --> & <pre>a\n  b</pre>"), "3 < 4 &unknown; &\n\na\n  b");
        assert_eq!(to_text("<a href='x'>unclosed"), "unclosed");
        assert_eq!(to_text("fin <b é"), "fin");
        assert_eq!(to_text("<style>never closed"), "");
        assert_eq!(to_text("<p title=\"a>b\">t</p><"), "t\n\n<");
    }
}
