//! Durable storage in one SQLite file: messages, tickets, and the outbox of emails to send.
//!
//! Every change a message causes happens in one transaction ([`Store::write`]), so an answer
//! "accepted" is only given once the message, its ticket and the emails it causes are on disk,
//! together or not at all. SQLite runs with `synchronous = FULL`: a commit survives power loss.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};

use crate::domain::message::{Attachment, InboundMessage};
use crate::domain::notify::Email;
use crate::domain::ticket::{Reference, Ticket};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("stored JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot create the data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("the database task stopped: {0}")]
    Task(String),
}

/// A handle to the database, cheap to clone.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

/// Schema changes, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    site TEXT NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    topic TEXT,
    service TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    created_at TEXT NOT NULL
);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    site TEXT NOT NULL,
    source_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    received_at TEXT NOT NULL,
    message TEXT NOT NULL,
    ticket_id INTEGER REFERENCES tickets(id),
    UNIQUE (site, source_id)
);
CREATE TABLE reference_counters (
    site TEXT NOT NULL,
    year INTEGER NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (site, year)
);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER REFERENCES tickets(id),
    email TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at INTEGER,
    failed_at INTEGER,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
"#,
    r#"
CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    site TEXT NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
ALTER TABLE tickets ADD COLUMN incident_id INTEGER REFERENCES incidents(id);
CREATE INDEX tickets_incident ON tickets (incident_id);
CREATE TABLE decisions (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id),
    decision TEXT NOT NULL
);
"#,
    r#"
ALTER TABLE messages ADD COLUMN first_ticket_id INTEGER REFERENCES tickets(id);
UPDATE messages SET first_ticket_id = ticket_id;
CREATE TABLE agent_actions (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    message_id INTEGER REFERENCES messages(id),
    ticket_id INTEGER NOT NULL REFERENCES tickets(id)
);
"#,
    r#"
CREATE TABLE settings (key TEXT PRIMARY KEY, value BLOB NOT NULL);
ALTER TABLE tickets ADD COLUMN lang TEXT NOT NULL DEFAULT 'fr';
ALTER TABLE outbox ADD COLUMN message_id TEXT;
UPDATE outbox SET message_id = json_extract(email, '$.message_id');
CREATE INDEX outbox_message_id ON outbox (message_id);
CREATE TABLE ticket_events (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT,
    body TEXT
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id);
"#,
    // Emails from the watched mailboxes, raw, before anything is made of them. `site` is NULL
    // for the agents' reply mailbox; the unique index treats NULL as a value, so that a reply
    // is kept once too (a plain UNIQUE (site, key) would let NULL rows repeat).
    r#"
CREATE TABLE raw_emails (
    id INTEGER PRIMARY KEY,
    site TEXT,
    key TEXT NOT NULL,
    raw BLOB NOT NULL,
    received_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'new',
    note TEXT
);
CREATE UNIQUE INDEX raw_emails_key ON raw_emails (COALESCE(site, ''), key);
CREATE INDEX raw_emails_status ON raw_emails (status);
"#,
    // Agents' answers waiting to go out through a social network's send API, part by part.
    r#"
CREATE TABLE social_outbox (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    site TEXT NOT NULL,
    handle TEXT NOT NULL,
    human_agent_tag INTEGER NOT NULL,
    parts TEXT NOT NULL,
    sent_parts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at INTEGER,
    failed_at INTEGER,
    last_error TEXT
);
CREATE INDEX social_outbox_due ON social_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
"#,
    // Files citizens sent with a message (the widget's photo, an email's attachments).
    r#"
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes BLOB NOT NULL
);
CREATE INDEX attachments_message ON attachments (message_id);
"#,
    // Files a network keeps for a message (WhatsApp media), fetched after the message is filed.
    r#"
CREATE TABLE media_fetches (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id),
    site TEXT NOT NULL,
    media_id TEXT NOT NULL,
    mime_type TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    done_at INTEGER,
    failed_at INTEGER,
    last_error TEXT,
    UNIQUE (message_id, media_id)
);
CREATE INDEX media_fetches_due ON media_fetches (next_attempt_at) WHERE done_at IS NULL AND failed_at IS NULL;
"#,
];

impl Store {
    /// Opens (or creates) `data_dir/guichet.sqlite3` and brings its schema up to date.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|source| StoreError::DataDir { path: data_dir.display().to_string(), source })?;
        Store::open_file(&data_dir.join("guichet.sqlite3"))
    }

    /// Opens (or creates) the database at `path`.
    pub fn open_file(path: &Path) -> Result<Store, StoreError> {
        Store::from_connection(Connection::open(path)?)
    }

    /// A private in-memory database: for `replay` without `--db`, and for tests.
    pub fn in_memory() -> Result<Store, StoreError> {
        Store::from_connection(Connection::open_in_memory()?)
    }

    fn from_connection(mut conn: Connection) -> Result<Store, StoreError> {
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
        )?;
        let done: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (i, migration) in MIGRATIONS.iter().enumerate().skip(done) {
            let tx = conn.transaction()?;
            tx.execute_batch(migration)?;
            tx.pragma_update(None, "user_version", i + 1)?;
            tx.commit()?;
        }
        Ok(Store { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Runs `f` in one transaction on a blocking thread: committed if it returns `Ok`,
    /// rolled back otherwise.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Tx<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        self.write_or::<T, StoreError, F>(f).await
    }

    /// [`Store::write`] for a closure with errors of its own, which also roll back.
    pub async fn write_or<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Tx<'_>) -> Result<T, E> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let tx = conn.transaction().map_err(StoreError::from)?;
            let out = f(&Tx(&tx))?;
            tx.commit().map_err(StoreError::from)?;
            Ok(out)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

/// The operations available inside a transaction.
pub struct Tx<'a>(&'a rusqlite::Transaction<'a>);

/// An email waiting in the outbox.
#[derive(Debug, Clone)]
pub struct Queued {
    pub id: i64,
    pub email: Email,
    pub attempts: u32,
}

impl Tx<'_> {
    /// The reference of the ticket a message with this source id was filed under, if it was seen.
    pub fn reference_of(&self, site: &str, source_id: &str) -> Result<Option<Reference>, StoreError> {
        Ok(self
            .0
            .query_row(
                "SELECT t.reference FROM messages m JOIN tickets t ON t.id = m.ticket_id
                 WHERE m.site = ?1 AND m.source_id = ?2",
                params![site, source_id],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .map(Reference::from_stored))
    }

    /// Stores a message, not yet filed; returns its row id.
    pub fn insert_message(&self, m: &InboundMessage) -> Result<i64, StoreError> {
        self.0.execute(
            "INSERT INTO messages (site, source_id, channel, received_at, message) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![m.site, m.id, m.channel.as_str(), rfc3339(m.received_at), serde_json::to_string(m)?],
        )?;
        Ok(self.0.last_insert_rowid())
    }

    /// Keeps a file that came with message `message_row`; returns its row id.
    pub fn insert_attachment(&self, message_row: i64, a: &Attachment) -> Result<i64, StoreError> {
        self.0.execute(
            "INSERT INTO attachments (message_id, name, content_type, bytes) VALUES (?1, ?2, ?3, ?4)",
            params![message_row, a.name, a.content_type, a.bytes],
        )?;
        Ok(self.0.last_insert_rowid())
    }

    /// The files message `message_row` came with: row and name.
    pub fn attachments_of(&self, message_row: i64) -> Result<Vec<(i64, String)>, StoreError> {
        let mut stmt = self.0.prepare("SELECT id, name FROM attachments WHERE message_id = ?1 ORDER BY id")?;
        let rows = stmt.query_map(params![message_row], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn attachment(&self, id: i64) -> Result<Option<Attachment>, StoreError> {
        Ok(self
            .0
            .query_row("SELECT name, content_type, bytes FROM attachments WHERE id = ?1", params![id], |r| {
                Ok(Attachment { name: r.get(0)?, content_type: r.get(1)?, bytes: r.get(2)? })
            })
            .optional()?)
    }

    /// The next ticket number of a site for a year, starting at 1.
    pub fn next_ticket_number(&self, site: &str, year: i32) -> Result<u64, StoreError> {
        Ok(self.0.query_row(
            "INSERT INTO reference_counters (site, year, last) VALUES (?1, ?2, 1)
             ON CONFLICT (site, year) DO UPDATE SET last = last + 1 RETURNING last",
            params![site, year],
            |r| r.get(0),
        )?)
    }

    /// Creates a ticket and files message `message_row` under it; returns the ticket's row id.
    pub fn insert_ticket(&self, t: &Ticket, message_row: i64) -> Result<i64, StoreError> {
        self.0.execute(
            "INSERT INTO tickets (site, reference, topic, service, thread_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![t.site, t.reference.as_str(), t.topic, t.service, t.thread_id, rfc3339(t.created_at)],
        )?;
        let ticket_row = self.0.last_insert_rowid();
        self.file_message(message_row, ticket_row)?;
        Ok(ticket_row)
    }

    /// Files message `message_row` under a ticket; the first ticket it was filed under is kept,
    /// so that the engine can be rebuilt as decisions were made, agents' changes after.
    pub fn file_message(&self, message_row: i64, ticket_row: i64) -> Result<(), StoreError> {
        self.0.execute(
            "UPDATE messages SET ticket_id = ?1, first_ticket_id = COALESCE(first_ticket_id, ?1) WHERE id = ?2",
            params![ticket_row, message_row],
        )?;
        Ok(())
    }

    /// A stored message by its source id: its row, its ticket's row, and the message.
    pub fn message(&self, site: &str, source_id: &str) -> Result<Option<(i64, i64, InboundMessage)>, StoreError> {
        let row = self
            .0
            .query_row(
                "SELECT id, ticket_id, message FROM messages WHERE site = ?1 AND source_id = ?2",
                params![site, source_id],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?)),
            )
            .optional()?;
        row.map(|(id, ticket, json)| Ok((id, ticket, serde_json::from_str(&json)?))).transpose()
    }

    /// A ticket's row by its reference.
    pub fn ticket_row(&self, reference: &str) -> Result<Option<i64>, StoreError> {
        Ok(self
            .0
            .query_row("SELECT id FROM tickets WHERE reference = ?1", params![reference], |r| r.get(0))
            .optional()?)
    }

    pub fn messages_in(&self, ticket_row: i64) -> Result<u64, StoreError> {
        Ok(self.0.query_row("SELECT COUNT(*) FROM messages WHERE ticket_id = ?1", params![ticket_row], |r| r.get(0))?)
    }

    /// Records an agent's correction (`split`, `detach`), replayed on the engine at start.
    pub fn record_action(&self, kind: &str, message_row: Option<i64>, ticket_row: i64) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO agent_actions (at, kind, message_id, ticket_id) VALUES (?1, ?2, ?3, ?4)",
            params![crate::mail::outbox::now_ms(), kind, message_row, ticket_row],
        )?;
        Ok(())
    }

    /// Agents' corrections in order: the kind, the message concerned if any, the ticket.
    pub fn actions(&self) -> Result<Vec<(String, Option<InboundMessage>, i64)>, StoreError> {
        let mut stmt = self.0.prepare(
            "SELECT a.kind, m.message, a.ticket_id FROM agent_actions a LEFT JOIN messages m ON m.id = a.message_id ORDER BY a.id",
        )?;
        let rows =
            stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, i64>(2)?)))?;
        rows.map(|row| {
            let (kind, json, ticket) = row?;
            Ok((kind, json.map(|j| serde_json::from_str(&j)).transpose()?, ticket))
        })
        .collect()
    }

    /// A ticket by row id, with the incident it belongs to.
    pub fn ticket(&self, ticket_row: i64) -> Result<(Ticket, Option<i64>), StoreError> {
        Ok(self.0.query_row(
            "SELECT reference, site, topic, service, thread_id, created_at, incident_id FROM tickets WHERE id = ?1",
            params![ticket_row],
            |r| {
                let created: String = r.get(5)?;
                Ok((
                    Ticket {
                        reference: Reference::from_stored(r.get(0)?),
                        site: r.get(1)?,
                        topic: r.get(2)?,
                        service: r.get(3)?,
                        thread_id: r.get(4)?,
                        created_at: parse_rfc3339(&created),
                    },
                    r.get(6)?,
                ))
            },
        )?)
    }

    /// Creates an incident; returns its row id.
    pub fn insert_incident(
        &self,
        site: &str,
        reference: &str,
        created_at: time::OffsetDateTime,
    ) -> Result<i64, StoreError> {
        self.0.execute(
            "INSERT INTO incidents (site, reference, created_at) VALUES (?1, ?2, ?3)",
            params![site, reference, rfc3339(created_at)],
        )?;
        Ok(self.0.last_insert_rowid())
    }

    pub fn set_incident(&self, ticket_row: i64, incident_row: Option<i64>) -> Result<(), StoreError> {
        self.0.execute("UPDATE tickets SET incident_id = ?2 WHERE id = ?1", params![ticket_row, incident_row])?;
        Ok(())
    }

    /// An incident's reference and how many tickets it groups.
    pub fn incident(&self, incident_row: i64) -> Result<(String, u64), StoreError> {
        Ok(self.0.query_row(
            "SELECT i.reference, (SELECT COUNT(*) FROM tickets t WHERE t.incident_id = i.id) FROM incidents i WHERE i.id = ?1",
            params![incident_row],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    /// The reference of the incident a ticket belongs to now, if any.
    pub fn incident_of(&self, ticket_reference: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .0
            .query_row(
                "SELECT i.reference FROM tickets t JOIN incidents i ON i.id = t.incident_id WHERE t.reference = ?1",
                params![ticket_reference],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Keeps why a message was filed where it was, for agents to read and undo.
    pub fn record_decision(&self, message_row: i64, decision_json: &str) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT OR REPLACE INTO decisions (message_id, decision) VALUES (?1, ?2)",
            params![message_row, decision_json],
        )?;
        Ok(())
    }

    /// Every filed message in arrival order, with the ticket it was first filed under and
    /// that ticket's incident: what the deduplication index is rebuilt from at start, before
    /// agents' [`Tx::actions`].
    pub fn history(&self) -> Result<Vec<Filed>, StoreError> {
        let mut stmt = self.0.prepare(
            "SELECT m.message, m.first_ticket_id, t.incident_id, t.reference
             FROM messages m JOIN tickets t ON t.id = m.first_ticket_id ORDER BY m.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, Option<i64>>(2)?, r.get::<_, String>(3)?))
        })?;
        rows.map(|row| {
            let (json, ticket, incident, reference) = row?;
            Ok(Filed { message: serde_json::from_str(&json)?, ticket, incident, reference })
        })
        .collect()
    }

    /// Queues an email, to be sent by the outbox worker once this transaction commits.
    pub fn enqueue(&self, ticket_row: Option<i64>, email: &Email, now_ms: i64) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO outbox (ticket_id, email, created_at, next_attempt_at, message_id) VALUES (?1, ?2, ?3, ?3, ?4)",
            params![ticket_row, serde_json::to_string(email)?, now_ms, email.message_id],
        )?;
        Ok(())
    }

    /// The outbox entry that sent the email with this Message-ID: its row, ticket and email.
    pub fn sent_email(&self, message_id: &str) -> Result<Option<(i64, Option<i64>, Email)>, StoreError> {
        let row = self
            .0
            .query_row(
                "SELECT id, ticket_id, email FROM outbox WHERE message_id = ?1 ORDER BY id DESC LIMIT 1",
                params![message_id],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?, r.get::<_, String>(2)?)),
            )
            .optional()?;
        row.map(|(id, ticket, json)| Ok((id, ticket, serde_json::from_str(&json)?))).transpose()
    }

    /// The server's secret for `name`, made of `len` random bytes the first time it is asked for.
    pub fn secret(&self, name: &str, len: usize) -> Result<Vec<u8>, StoreError> {
        let key = format!("secret:{name}");
        let known: Option<Vec<u8>> =
            self.0.query_row("SELECT value FROM settings WHERE key = ?1", params![key], |r| r.get(0)).optional()?;
        if let Some(known) = known {
            return Ok(known);
        }
        let fresh: Vec<u8> = (0..len).map(|_| rand::random::<u8>()).collect();
        self.0.execute("INSERT INTO settings (key, value) VALUES (?1, ?2)", params![key, fresh])?;
        Ok(fresh)
    }

    /// Keeps what happened to a ticket (a reply, a note, a closing, a failed delivery…).
    pub fn record_event(&self, ticket_row: i64, kind: &str, actor: Option<&str>, body: &str) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO ticket_events (ticket_id, at, kind, actor, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![ticket_row, crate::mail::outbox::now_ms(), kind, actor, body],
        )?;
        Ok(())
    }

    /// A ticket's events, oldest first: kind, actor, body.
    pub fn events(&self, ticket_row: i64) -> Result<Vec<(String, Option<String>, String)>, StoreError> {
        let mut stmt = self
            .0
            .prepare("SELECT kind, actor, COALESCE(body, '') FROM ticket_events WHERE ticket_id = ?1 ORDER BY id")?;
        let rows = stmt.query_map(params![ticket_row], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A ticket's status (`open`, `closed`) and the language its citizen wrote in.
    pub fn ticket_state(&self, ticket_row: i64) -> Result<(String, String), StoreError> {
        Ok(self.0.query_row("SELECT status, lang FROM tickets WHERE id = ?1", params![ticket_row], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?)
    }

    pub fn set_status(&self, ticket_row: i64, status: &str) -> Result<(), StoreError> {
        self.0.execute("UPDATE tickets SET status = ?2 WHERE id = ?1", params![ticket_row, status])?;
        Ok(())
    }

    pub fn set_lang(&self, ticket_row: i64, lang: &str) -> Result<(), StoreError> {
        self.0.execute("UPDATE tickets SET lang = ?2 WHERE id = ?1", params![ticket_row, lang])?;
        Ok(())
    }

    pub fn set_service(&self, ticket_row: i64, service: &str) -> Result<(), StoreError> {
        self.0.execute("UPDATE tickets SET service = ?2 WHERE id = ?1", params![ticket_row, service])?;
        Ok(())
    }

    /// A ticket's messages from the citizen, oldest first: row and message.
    pub fn messages_of(&self, ticket_row: i64) -> Result<Vec<(i64, InboundMessage)>, StoreError> {
        let mut stmt = self.0.prepare("SELECT id, message FROM messages WHERE ticket_id = ?1 ORDER BY id")?;
        let rows = stmt.query_map(params![ticket_row], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        rows.map(|row| {
            let (id, json) = row?;
            Ok((id, serde_json::from_str(&json)?))
        })
        .collect()
    }

    /// Emails due at `now_ms`, oldest first.
    pub fn due(&self, now_ms: i64, limit: u32) -> Result<Vec<Queued>, StoreError> {
        let mut stmt = self.0.prepare(
            "SELECT id, email, attempts FROM outbox
             WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?1
             ORDER BY next_attempt_at, id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![now_ms, limit], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, u32>(2)?))
        })?;
        rows.map(|row| {
            let (id, email, attempts) = row?;
            Ok(Queued { id, email: serde_json::from_str(&email)?, attempts })
        })
        .collect()
    }

    /// When the next email falls due, if any waits.
    pub fn next_due_at(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.0.query_row(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL",
            [],
            |r| r.get(0),
        )?)
    }

    pub fn mark_sent(&self, id: i64, now_ms: i64) -> Result<(), StoreError> {
        self.0.execute("UPDATE outbox SET sent_at = ?2, attempts = attempts + 1 WHERE id = ?1", params![id, now_ms])?;
        Ok(())
    }

    pub fn mark_retry(&self, id: i64, next_ms: i64, error: &str) -> Result<(), StoreError> {
        self.0.execute(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3 WHERE id = ?1",
            params![id, next_ms, error],
        )?;
        Ok(())
    }

    /// Gives up on an email for good, and records it on its ticket.
    pub fn mark_failed(&self, id: i64, now_ms: i64, error: &str) -> Result<(), StoreError> {
        self.0.execute(
            "UPDATE outbox SET attempts = attempts + 1, failed_at = ?2, last_error = ?3 WHERE id = ?1",
            params![id, now_ms, error],
        )?;
        self.0.execute(
            "INSERT INTO ticket_events (ticket_id, at, kind, actor, body)
             SELECT ticket_id, ?2, 'delivery_failed', json_extract(email, '$.to[0]'), ?3 FROM outbox
             WHERE id = ?1 AND ticket_id IS NOT NULL",
            params![id, now_ms, error],
        )?;
        Ok(())
    }
}

/// An email as fetched from a watched mailbox.
#[derive(Debug, Clone)]
pub struct RawEmail {
    pub id: i64,
    /// `None` for the agents' reply mailbox.
    pub site: Option<String>,
    /// The Message-ID, or `sha256:<hex>` of the bytes.
    pub key: String,
    pub raw: Vec<u8>,
    pub received_at: i64,
    pub status: String,
    pub note: Option<String>,
}

impl Tx<'_> {
    /// Stores a raw email unless one with the same key is already kept for `site`; whether it
    /// was new.
    pub fn insert_raw_email(&self, site: Option<&str>, key: &str, raw: &[u8], now_ms: i64) -> Result<bool, StoreError> {
        let inserted = self.0.execute(
            "INSERT OR IGNORE INTO raw_emails (site, key, raw, received_at) VALUES (?1, ?2, ?3, ?4)",
            params![site, key, raw, now_ms],
        )?;
        Ok(inserted == 1)
    }

    /// A stored raw email by site and key: its row, status and note.
    pub fn raw_email_state(
        &self,
        site: Option<&str>,
        key: &str,
    ) -> Result<Option<(i64, String, Option<String>)>, StoreError> {
        Ok(self
            .0
            .query_row(
                "SELECT id, status, note FROM raw_emails WHERE COALESCE(site, '') = COALESCE(?1, '') AND key = ?2",
                params![site, key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?)
    }

    /// What was made of a raw email: `filed`, `answered`, `refused`, `ignored`, `unreadable`…
    pub fn set_raw_email_status(&self, id: i64, status: &str, note: &str) -> Result<(), StoreError> {
        self.0.execute("UPDATE raw_emails SET status = ?2, note = ?3 WHERE id = ?1", params![id, status, note])?;
        Ok(())
    }

    /// Raw emails stored but not yet made anything of (a crash came in between), oldest first.
    pub fn pending_raw_emails(&self) -> Result<Vec<RawEmail>, StoreError> {
        self.raw_emails_where("status = 'new'")
    }

    /// Every raw email, in the order they were stored.
    pub fn raw_emails(&self) -> Result<Vec<RawEmail>, StoreError> {
        self.raw_emails_where("1")
    }

    /// Only the rows `condition` (a constant SQL expression) keeps are read: a start reads the
    /// few pending emails, not every email ever received.
    fn raw_emails_where(&self, condition: &'static str) -> Result<Vec<RawEmail>, StoreError> {
        let mut stmt = self.0.prepare(&format!(
            "SELECT id, site, key, raw, received_at, status, note FROM raw_emails WHERE {condition} ORDER BY id"
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok(RawEmail {
                id: r.get(0)?,
                site: r.get(1)?,
                key: r.get(2)?,
                raw: r.get(3)?,
                received_at: r.get(4)?,
                status: r.get(5)?,
                note: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// A stored message and where it is filed now.
#[derive(Debug, Clone)]
pub struct Filed {
    pub message: InboundMessage,
    pub ticket: i64,
    pub incident: Option<i64>,
    pub reference: String,
}

/// An answer waiting to go out on a social network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocialQueued {
    pub id: i64,
    pub ticket: i64,
    pub site: String,
    /// `whatsapp:33612345678`, `messenger:<psid>`…
    pub handle: String,
    pub human_agent_tag: bool,
    pub parts: Vec<String>,
    /// Parts already accepted by the network: never sent again.
    pub sent_parts: usize,
    pub attempts: u32,
}

impl Tx<'_> {
    pub fn enqueue_social(
        &self,
        ticket_row: i64,
        site: &str,
        handle: &str,
        human_agent_tag: bool,
        parts: &[String],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO social_outbox (ticket_id, site, handle, human_agent_tag, parts, created_at, next_attempt_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![ticket_row, site, handle, human_agent_tag, serde_json::to_string(parts)?, now_ms],
        )?;
        Ok(())
    }

    /// Social answers due at `now_ms`, oldest first.
    pub fn social_due(&self, now_ms: i64, limit: u32) -> Result<Vec<SocialQueued>, StoreError> {
        let mut stmt = self.0.prepare(
            "SELECT id, ticket_id, site, handle, human_agent_tag, parts, sent_parts, attempts FROM social_outbox
             WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![now_ms, limit], |r| {
            Ok((
                (r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?),
                (r.get::<_, bool>(4)?, r.get::<_, String>(5)?, r.get::<_, usize>(6)?, r.get::<_, u32>(7)?),
            ))
        })?;
        rows.map(|row| {
            let ((id, ticket, site, handle), (human_agent_tag, parts, sent_parts, attempts)) = row?;
            let parts = serde_json::from_str(&parts)?;
            Ok(SocialQueued { id, ticket, site, handle, human_agent_tag, parts, sent_parts, attempts })
        })
        .collect()
    }

    pub fn social_next_due_at(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.0.query_row(
            "SELECT MIN(next_attempt_at) FROM social_outbox WHERE sent_at IS NULL AND failed_at IS NULL",
            [],
            |r| r.get(0),
        )?)
    }

    /// One more part went out: it is never sent again.
    pub fn social_part_sent(&self, id: i64) -> Result<(), StoreError> {
        self.0.execute("UPDATE social_outbox SET sent_parts = sent_parts + 1 WHERE id = ?1", params![id])?;
        Ok(())
    }

    pub fn social_sent(&self, id: i64, now_ms: i64) -> Result<(), StoreError> {
        self.0.execute(
            "UPDATE social_outbox SET sent_at = ?2, attempts = attempts + 1 WHERE id = ?1",
            params![id, now_ms],
        )?;
        Ok(())
    }

    pub fn social_retry(&self, id: i64, next_ms: i64, error: &str) -> Result<(), StoreError> {
        self.0.execute(
            "UPDATE social_outbox SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3 WHERE id = ?1",
            params![id, next_ms, error],
        )?;
        Ok(())
    }

    /// Gives up on a social answer, and records it on its ticket.
    pub fn social_failed(&self, id: i64, now_ms: i64, error: &str) -> Result<(), StoreError> {
        self.0.execute(
            "UPDATE social_outbox SET attempts = attempts + 1, failed_at = ?2, last_error = ?3 WHERE id = ?1",
            params![id, now_ms, error],
        )?;
        self.0.execute(
            "INSERT INTO ticket_events (ticket_id, at, kind, actor, body)
             SELECT ticket_id, ?2, 'delivery_failed', handle, ?3 FROM social_outbox WHERE id = ?1",
            params![id, now_ms, error],
        )?;
        Ok(())
    }
}

/// An outbox entry as the demo's `/dev/outbox` page shows it.
#[derive(Debug, Clone)]
pub struct OutboxEntry {
    pub id: i64,
    pub email: Email,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub attempts: u32,
    pub last_error: Option<String>,
}

impl Tx<'_> {
    /// The latest `limit` entries, newest first.
    pub fn outbox(&self, limit: u32) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut stmt = self.0.prepare(
            "SELECT id, email, created_at, sent_at, failed_at, attempts, last_error FROM outbox ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![limit], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })?;
        rows.map(|row| {
            let (id, email, created_at, sent_at, failed_at, attempts, last_error) = row?;
            Ok(OutboxEntry {
                id,
                email: serde_json::from_str(&email)?,
                created_at,
                sent_at,
                failed_at,
                attempts,
                last_error,
            })
        })
        .collect()
    }

    pub fn outbox_email(&self, id: i64) -> Result<Option<Email>, StoreError> {
        let json: Option<String> =
            self.0.query_row("SELECT email FROM outbox WHERE id = ?1", params![id], |r| r.get(0)).optional()?;
        Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
    }
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// Reads back what [`rfc3339`] wrote; the epoch only if the database was edited by hand.
fn parse_rfc3339(s: &str) -> time::OffsetDateTime {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// A network's file waiting to be fetched for a filed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaQueued {
    pub id: i64,
    /// The message's row.
    pub message: i64,
    pub site: String,
    pub media_id: String,
    pub mime_type: Option<String>,
    pub attempts: u32,
}

impl Tx<'_> {
    /// Queues the fetch of `media_id` for message `message_row`; a second time is a no-op.
    pub fn queue_media_fetch(
        &self,
        message_row: i64,
        site: &str,
        media_id: &str,
        mime_type: Option<&str>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT OR IGNORE INTO media_fetches (message_id, site, media_id, mime_type, next_attempt_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![message_row, site, media_id, mime_type, now_ms],
        )?;
        Ok(())
    }

    /// Fetches due at `now_ms`, oldest first.
    pub fn media_due(&self, now_ms: i64, limit: u32) -> Result<Vec<MediaQueued>, StoreError> {
        let mut stmt = self.0.prepare(
            "SELECT id, message_id, site, media_id, mime_type, attempts FROM media_fetches
             WHERE done_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?1
             ORDER BY next_attempt_at, id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![now_ms, limit], |r| {
            Ok(MediaQueued {
                id: r.get(0)?,
                message: r.get(1)?,
                site: r.get(2)?,
                media_id: r.get(3)?,
                mime_type: r.get(4)?,
                attempts: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn media_next_due_at(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.0.query_row(
            "SELECT MIN(next_attempt_at) FROM media_fetches WHERE done_at IS NULL AND failed_at IS NULL",
            [],
            |r| r.get(0),
        )?)
    }

    pub fn media_done(&self, id: i64, now_ms: i64) -> Result<(), StoreError> {
        self.0.execute(
            "UPDATE media_fetches SET done_at = ?2, attempts = attempts + 1 WHERE id = ?1",
            params![id, now_ms],
        )?;
        Ok(())
    }

    pub fn media_retry(&self, id: i64, next_ms: i64, error: &str) -> Result<(), StoreError> {
        self.0.execute(
            "UPDATE media_fetches SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3 WHERE id = ?1",
            params![id, next_ms, error],
        )?;
        Ok(())
    }

    pub fn media_failed(&self, id: i64, now_ms: i64, error: &str) -> Result<(), StoreError> {
        self.0.execute(
            "UPDATE media_fetches SET attempts = attempts + 1, failed_at = ?2, last_error = ?3 WHERE id = ?1",
            params![id, now_ms, error],
        )?;
        Ok(())
    }

    /// The ticket message `message_row` is filed under now.
    pub fn ticket_of_message(&self, message_row: i64) -> Result<Option<i64>, StoreError> {
        Ok(self
            .0
            .query_row("SELECT ticket_id FROM messages WHERE id = ?1", params![message_row], |r| r.get(0))
            .optional()?
            .flatten())
    }
}
