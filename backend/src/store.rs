//! Durable storage in one SQLite file: messages, tickets, and the outbox of emails to send.
//!
//! Every change a message causes happens in one transaction ([`Store::write`]), so an answer
//! "accepted" is only given once the message, its ticket and the emails it causes are on disk,
//! together or not at all. SQLite runs with `synchronous = FULL`: a commit survives power loss.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};

use crate::domain::message::InboundMessage;
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
const MIGRATIONS: &[&str] = &[r#"
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
"#];

impl Store {
    /// Opens (or creates) `data_dir/guichet.sqlite3` and brings its schema up to date.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|source| StoreError::DataDir { path: data_dir.display().to_string(), source })?;
        Store::from_connection(Connection::open(data_dir.join("guichet.sqlite3"))?)
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
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let tx = conn.transaction()?;
            let out = f(&Tx(&tx))?;
            tx.commit()?;
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
        self.0.execute("UPDATE messages SET ticket_id = ?1 WHERE id = ?2", params![ticket_row, message_row])?;
        Ok(ticket_row)
    }

    /// Queues an email, to be sent by the outbox worker once this transaction commits.
    pub fn enqueue(&self, ticket_row: Option<i64>, email: &Email, now_ms: i64) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO outbox (ticket_id, email, created_at, next_attempt_at) VALUES (?1, ?2, ?3, ?3)",
            params![ticket_row, serde_json::to_string(email)?, now_ms],
        )?;
        Ok(())
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

    pub fn mark_failed(&self, id: i64, now_ms: i64, error: &str) -> Result<(), StoreError> {
        self.0.execute(
            "UPDATE outbox SET attempts = attempts + 1, failed_at = ?2, last_error = ?3 WHERE id = ?1",
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
