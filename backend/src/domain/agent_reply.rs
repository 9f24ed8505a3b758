//! An agent's reply by email: the commands in its first lines (`#note`, `#close`, `#assign`,
//! `#split`, in French or English) and the words meant for the citizen.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// What an agent can ask for at the top of a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// The text is for colleagues only: kept in the ticket's thread, never sent to the citizen.
    Note,
    Close,
    /// Hands the ticket to another service of the site.
    Assign(String),
    /// Undoes the last merge into this ticket: its latest follow-up gets a ticket of its own.
    Split,
}

/// A reply read: its commands, in order, and the text left once they are taken off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentReply {
    pub commands: Vec<Command>,
    pub text: String,
    /// Command lines that were not understood, as written: the agent is told.
    pub unknown: Vec<String>,
}

impl AgentReply {
    /// Whether the text goes to the citizen: there is some, and it is not a note.
    pub fn goes_to_citizen(&self) -> bool {
        !self.text.trim().is_empty() && !self.commands.contains(&Command::Note)
    }
}

/// Reads the commands on the lines starting with `#` before the first line of text (blank
/// lines between them are allowed); a `#` further down is the agent's prose.
pub fn read(new_words: &str) -> AgentReply {
    let mut commands = Vec::new();
    let mut unknown = Vec::new();
    let mut lines = new_words.lines().peekable();
    while let Some(line) = lines.peek() {
        let line = line.trim();
        if line.is_empty() {
            lines.next();
            continue;
        }
        let Some(command) = line.strip_prefix('#') else { break };
        // A hashtag-looking first word ("#1 priority") is prose, not a command.
        if command.is_empty() || command.starts_with(|c: char| !c.is_alphabetic()) {
            break;
        }
        let (word, rest) = command.split_once(char::is_whitespace).unwrap_or((command, ""));
        match parse(word, rest.trim()) {
            Some(c) => commands.push(c),
            None => unknown.push(line.to_owned()),
        }
        lines.next();
    }
    let text = lines.collect::<Vec<_>>().join("\n").trim().to_owned();
    AgentReply { commands, text, unknown }
}

fn parse(word: &str, rest: &str) -> Option<Command> {
    let word: String = word.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect();
    match word.as_str() {
        "note" | "interne" | "internal" => Some(Command::Note),
        "close" | "clore" | "clos" | "cloturer" | "fermer" | "resolu" | "resolved" => Some(Command::Close),
        "assign" | "assigner" | "affecter" | "transferer" | "transfer" if !rest.is_empty() => {
            Some(Command::Assign(rest.split_whitespace().next().unwrap_or(rest).to_ascii_lowercase()))
        }
        "split" | "separer" | "scinder" | "detacher" => Some(Command::Split),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmds(reply: &str) -> (Vec<Command>, &'static str) {
        let r = read(reply);
        (r.commands, Box::leak(r.text.into_boxed_str()))
    }

    #[test]
    fn commands_are_read_in_french_and_english() {
        let cases: &[(&str, &[Command], &str)] = &[
            ("Bonjour,\nLa réparation est prévue lundi.", &[], "Bonjour,\nLa réparation est prévue lundi."),
            ("#note\nLe chef d'équipe passe demain.", &[Command::Note], "Le chef d'équipe passe demain."),
            ("#Clore\n\nC'est réparé, merci.", &[Command::Close], "C'est réparé, merci."),
            ("#close", &[Command::Close], ""),
            (
                "#assigner etat-civil\n#note\nPour vous.",
                &[Command::Assign("etat-civil".into()), Command::Note],
                "Pour vous.",
            ),
            ("#assign Voirie please", &[Command::Assign("voirie".into())], ""),
            ("#séparer", &[Command::Split], ""),
            ("#split", &[Command::Split], ""),
            ("  #NOTE  \ntexte", &[Command::Note], "texte"),
            // A command further down is prose; so is a hashtag-like start.
            ("Merci.\n#close", &[], "Merci.\n#close"),
            ("#1 priorité pour nous", &[], "#1 priorité pour nous"),
        ];
        for (reply, want, text) in cases {
            assert_eq!(cmds(reply), (want.to_vec(), *text), "{reply:?}");
        }
    }

    #[test]
    fn an_unknown_command_is_kept_aside_and_assign_needs_a_service() {
        let r = read("#urgent\n#assign\nBonjour");
        assert_eq!(r.commands, vec![]);
        assert_eq!(r.unknown, vec!["#urgent".to_owned(), "#assign".to_owned()]);
        assert_eq!(r.text, "Bonjour");
    }

    #[test]
    fn a_note_never_goes_to_the_citizen() {
        assert!(!read("#note\nInterne").goes_to_citizen());
        assert!(!read("#close").goes_to_citizen());
        assert!(read("#close\nC'est fait.").goes_to_citizen());
    }
}
