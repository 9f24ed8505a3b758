//! Watching IMAP mailboxes: each new message is handed to a [`Deliver`] (which stores it
//! durably), and only then marked as processed on the server.
//!
//! The order is the whole point: fetch (with `BODY.PEEK[]`, so the agents' `\Seen` is left
//! alone), deliver, mark. A crash between delivery and marking fetches the message again on
//! restart, and the store's idempotency key (the Message-ID) makes that harmless; a crash
//! before delivery loses nothing, as the message is still unmarked on the server.
//!
//! The policy (what to fetch, when to mark: [`pass`]) is written against the small [`Folder`]
//! trait, so it is unit-tested without a server; [`Remote`] is the IMAP side (async-imap over
//! TCP, STARTTLS or TLS with rustls). [`watch`] keeps one account connected: IDLE when the
//! server offers it (renewed every 25 minutes), polling otherwise, reconnecting with a
//! backoff from 1 s doubling to 5 min (reset by a connection that lasted a minute), so refused
//! credentials or a server that fails at once do not spin.
//!
//! # Failpoints (tests only)
//!
//! For the crash tests, `GUICHET_FAILPOINT` makes the process abort at one point:
//! `imap-after-fetch` (a message fetched, not yet delivered) or `imap-after-deliver`
//! (delivered, not yet marked). Never set it in production.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use async_imap::extensions::idle::IdleResponse;
use async_imap::types::UnsolicitedResponse;
use async_imap::{Client, Session};
use futures_util::{FutureExt, TryStreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore, pki_types::ServerName};

/// The keyword that marks a processed message unless the configuration names another.
pub const DEFAULT_KEYWORD: &str = "$Guichet";

/// How long one IDLE lasts before it is renewed: servers may drop an IDLE after 30 minutes
/// (RFC 2177).
const IDLE_RENEW: Duration = Duration::from_secs(25 * 60);
/// How long a connection, a login or a command may take before the connection is given up.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
const BACKOFF_FIRST: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(5 * 60);
/// A connection that lasted this long resets the backoff.
const HEALTHY_AFTER: Duration = Duration::from_secs(60);

/// How the connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// Plain text: for a server on the same machine or in tests only.
    None,
    /// Plain TCP upgraded with `STARTTLS` (usually port 143).
    StartTls,
    /// TLS from the first byte (usually port 993).
    Tls,
}

/// What marks a message as processed on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Processed {
    /// A keyword (an IMAP flag such as `$Guichet`) is added; the message stays where it is.
    Flag(String),
    /// The message is moved to this folder, created if missing.
    MoveTo(String),
}

/// One mailbox to watch.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    /// For logs, e.g. `ville-exemple/contact@ville.fr`.
    pub name: String,
    pub host: String,
    pub port: u16,
    pub tls: Tls,
    pub user: String,
    pub password: String,
    /// The folder watched, `INBOX` by default.
    pub folder: String,
    pub processed: Processed,
    /// How often the folder is searched when the server does not offer IDLE.
    pub poll_every: Duration,
}

// By hand, so that the password never reaches a log.
impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("name", &self.name)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.user)
            .field("password", &"…")
            .field("folder", &self.folder)
            .field("processed", &self.processed)
            .field("poll_every", &self.poll_every)
            .finish()
    }
}

/// What the watcher hands each new message to.
pub trait Deliver: Send + Sync + 'static {
    /// `Ok` only once the raw message is durably stored (or was already): the message is then
    /// marked on the server. An `Err` leaves it unmarked, to be fetched again.
    fn deliver(&self, raw: Vec<u8>) -> impl Future<Output = Result<(), String>> + Send;
}

/// Whether `s` can be an IMAP keyword (an atom, RFC 3501 `flag-keyword`).
pub fn is_keyword(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic() && !b"(){%*\"\\]".contains(&b))
}

#[derive(Debug, thiserror::Error)]
enum WatchError {
    #[error("cannot connect: {0}")]
    Connect(std::io::Error),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("login refused: {0}")]
    Login(async_imap::error::Error),
    #[error("{0}")]
    Imap(#[from] async_imap::error::Error),
    #[error("the server said nothing for {0:?}")]
    Timeout(Duration),
    #[error("the server closed the connection")]
    Closed,
    #[error("storing a message failed: {0}")]
    Deliver(String),
    #[error("the IMAP client panicked")]
    Panic,
}

/// Watches `account` until `shutdown` turns true (or its sender is dropped). Never returns
/// early on errors: they are logged and the connection is made again after a backoff.
pub async fn watch(account: Account, deliver: impl Deliver, mut shutdown: watch::Receiver<bool>) {
    let failpoint = Failpoint::from_env();
    let mut backoff = Backoff::default();
    loop {
        let started = Instant::now();
        // A panic in the IMAP library (on input it did not expect) ends this connection, not
        // the watching.
        let connection = AssertUnwindSafe(session(&account, &deliver, failpoint)).catch_unwind();
        let outcome = tokio::select! {
            outcome = connection => outcome,
            _ = shutdown.wait_for(|stop| *stop) => return,
        };
        let error = match outcome {
            Ok(Err(error)) => error,
            Err(_panic) => WatchError::Panic,
        };
        // A connection that lived a while was a good one: the next starts over quickly. One
        // that fails at once, every time, waits longer and longer.
        if started.elapsed() >= HEALTHY_AFTER {
            backoff.reset();
        }
        let delay = backoff.next_delay();
        match error {
            WatchError::Login(_) => {
                tracing::error!(account = %account.name, "IMAP {error}; trying again in {delay:?}")
            }
            _ => tracing::warn!(account = %account.name, "IMAP: {error}; trying again in {delay:?}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
    }
}

/// One connection's life: passes over the folder, waiting in between, until an error.
async fn session(
    account: &Account,
    deliver: &impl Deliver,
    failpoint: Option<Failpoint>,
) -> Result<Infallible, WatchError> {
    let mut session = connect(account).await?;
    let capabilities = within(session.capabilities()).await??;
    let can_idle = capabilities.has_str("IDLE");
    let can_move = capabilities.has_str("MOVE");
    let uidplus = capabilities.has_str("UIDPLUS");
    if let Processed::MoveTo(target) = &account.processed {
        // Already there is the usual case: the server's NO is no error.
        match within(session.create(utf7_imap(target))).await? {
            Ok(()) | Err(async_imap::error::Error::No(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    within(session.select(utf7_imap(&account.folder))).await??;
    tracing::info!(account = %account.name, idle = can_idle, "IMAP: watching {}", account.folder);
    loop {
        let mut remote = Remote { session: &mut session, processed: &account.processed, can_move, uidplus };
        let stored = pass(&mut remote, deliver, failpoint).await?;
        if stored > 0 {
            tracing::info!(account = %account.name, "IMAP: {stored} message(s) stored and marked");
        }
        // Mailbox news that came with the last commands: search again at once.
        if drain_news(&session) {
            continue;
        }
        if can_idle {
            session = idle(session).await?;
        } else {
            tokio::time::sleep(account.poll_every).await;
        }
    }
}

/// Waits in IDLE until the server reports news or [`IDLE_RENEW`] has passed.
async fn idle(session: Session<Box<dyn Io>>) -> Result<Session<Box<dyn Io>>, WatchError> {
    let mut handle = session.idle();
    within(handle.init()).await??;
    let (wait, _stop) = handle.wait_with_timeout(IDLE_RENEW);
    match wait.await? {
        IdleResponse::NewData(_) | IdleResponse::Timeout | IdleResponse::ManualInterrupt => {}
    }
    Ok(within(handle.done()).await??)
}

/// Empties the channel of unsolicited responses; whether one says the folder changed.
fn drain_news(session: &Session<Box<dyn Io>>) -> bool {
    let mut news = false;
    while let Ok(response) = session.unsolicited_responses.try_recv() {
        news |= matches!(response, UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_));
    }
    news
}

// ---------------------------------------------------------------------------------------------
// The policy.

/// What [`pass`] needs from a mailbox folder.
trait Folder {
    /// The UIDs of messages not yet processed, in ascending order.
    async fn unprocessed(&mut self) -> Result<Vec<u32>, WatchError>;
    /// The raw message, or `None` if it vanished meanwhile (another client expunged it).
    async fn fetch(&mut self, uid: u32) -> Result<Option<Vec<u8>>, WatchError>;
    async fn mark(&mut self, uid: u32) -> Result<(), WatchError>;
}

/// The search for messages not yet processed. A message flagged `\Deleted` is on its way out
/// (or was copied by a move that crashed before its expunge): it is not taken again.
fn search_query(processed: &Processed) -> String {
    match processed {
        Processed::Flag(keyword) => format!("UNDELETED UNKEYWORD {keyword}"),
        Processed::MoveTo(_) => "UNDELETED".to_owned(),
    }
}

/// One pass: every unprocessed message fetched, delivered, and marked only once delivered.
/// Stops at the first error, leaving the rest for the next pass. Returns how many were marked.
async fn pass(
    folder: &mut impl Folder,
    deliver: &impl Deliver,
    failpoint: Option<Failpoint>,
) -> Result<usize, WatchError> {
    let mut marked = 0;
    for uid in folder.unprocessed().await? {
        let Some(raw) = folder.fetch(uid).await? else { continue };
        Failpoint::AfterFetch.abort_if(failpoint);
        deliver.deliver(raw).await.map_err(WatchError::Deliver)?;
        Failpoint::AfterDeliver.abort_if(failpoint);
        folder.mark(uid).await?;
        marked += 1;
    }
    Ok(marked)
}

/// Where a crash test wants the process to die.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failpoint {
    AfterFetch,
    AfterDeliver,
}

impl Failpoint {
    fn from_env() -> Option<Failpoint> {
        match std::env::var("GUICHET_FAILPOINT").ok()?.as_str() {
            "imap-after-fetch" => Some(Failpoint::AfterFetch),
            "imap-after-deliver" => Some(Failpoint::AfterDeliver),
            _ => None,
        }
    }

    fn abort_if(self, set: Option<Failpoint>) {
        if set == Some(self) {
            tracing::error!("GUICHET_FAILPOINT: aborting at {self:?}, as a test asked");
            std::process::abort();
        }
    }
}

#[derive(Debug)]
struct Backoff(Duration);

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff(BACKOFF_FIRST)
    }
}

impl Backoff {
    fn next_delay(&mut self) -> Duration {
        let delay = self.0;
        self.0 = (self.0 * 2).min(BACKOFF_MAX);
        delay
    }

    fn reset(&mut self) {
        self.0 = BACKOFF_FIRST;
    }
}

/// A mailbox name in IMAP's modified UTF-7 (RFC 3501 § 5.1.3): `Traité` → `Trait&AOk-`.
fn utf7_imap(name: &str) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
    fn flush(out: &mut String, run: &mut Vec<u16>) {
        if run.is_empty() {
            return;
        }
        let bytes: Vec<u8> = run.drain(..).flat_map(u16::to_be_bytes).collect();
        out.push('&');
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(char::from(B64[(n >> (18 - 6 * i) & 63) as usize]));
            }
        }
        out.push('-');
    }
    let mut out = String::new();
    let mut run = Vec::new();
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut out, &mut run);
            match c {
                '&' => out.push_str("&-"),
                c => out.push(c),
            }
        } else {
            run.extend(c.encode_utf16(&mut [0; 2]).iter());
        }
    }
    flush(&mut out, &mut run);
    out
}

// ---------------------------------------------------------------------------------------------
// The protocol.

/// The connection, plain or TLS, behind one type.
trait Io: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug> Io for T {}

/// `fut`, or [`WatchError::Timeout`] after [`COMMAND_TIMEOUT`]: a silent server is a lost one.
async fn within<T>(fut: impl Future<Output = T>) -> Result<T, WatchError> {
    tokio::time::timeout(COMMAND_TIMEOUT, fut).await.map_err(|_| WatchError::Timeout(COMMAND_TIMEOUT))
}

/// Connects, secures and logs in.
async fn connect(account: &Account) -> Result<Session<Box<dyn Io>>, WatchError> {
    let tcp = within(TcpStream::connect((account.host.as_str(), account.port))).await?.map_err(WatchError::Connect)?;
    let client: Client<Box<dyn Io>> = match account.tls {
        Tls::None => greeted(Client::new(Box::new(tcp) as Box<dyn Io>)).await?,
        Tls::Tls => greeted(Client::new(Box::new(secure(&account.host, tcp).await?) as Box<dyn Io>)).await?,
        Tls::StartTls => {
            let mut plain = greeted(Client::new(tcp)).await?;
            within(plain.run_command_and_check_ok("STARTTLS", None)).await??;
            // No greeting after STARTTLS: the session goes on.
            Client::new(Box::new(secure(&account.host, plain.into_inner()).await?))
        }
    };
    within(client.login(&account.user, &account.password)).await?.map_err(|(e, _)| WatchError::Login(e))
}

/// `client` once the server's greeting is read.
async fn greeted<T: Io>(mut client: Client<T>) -> Result<Client<T>, WatchError> {
    match within(client.read_response()).await? {
        Ok(Some(_)) => Ok(client),
        Ok(None) => Err(WatchError::Closed),
        Err(e) => Err(WatchError::Connect(e)),
    }
}

async fn secure(host: &str, tcp: TcpStream) -> Result<impl Io + use<>, WatchError> {
    let name = ServerName::try_from(host.to_owned()).map_err(|e| WatchError::Tls(format!("`{host}`: {e}")))?;
    let connector = TlsConnector::from(tls_config()?);
    within(connector.connect(name, tcp)).await?.map_err(|e| WatchError::Tls(e.to_string()))
}

/// The system's root certificates with rustls and ring, as lettre uses them; built once.
fn tls_config() -> Result<Arc<ClientConfig>, WatchError> {
    static CONFIG: OnceLock<Result<Arc<ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                // A certificate rustls cannot read is one root fewer, not a reason to stop.
                let _ = roots.add(cert);
            }
            if roots.is_empty() {
                return Err(format!("no root certificate found on this system ({:?})", found.errors));
            }
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .with_root_certificates(roots)
                .with_no_client_auth();
            Ok(Arc::new(config))
        })
        .clone()
        .map_err(WatchError::Tls)
}

/// The selected folder of a logged-in session.
struct Remote<'a> {
    session: &'a mut Session<Box<dyn Io>>,
    processed: &'a Processed,
    can_move: bool,
    uidplus: bool,
}

impl Folder for Remote<'_> {
    async fn unprocessed(&mut self) -> Result<Vec<u32>, WatchError> {
        let mut uids: Vec<u32> =
            within(self.session.uid_search(search_query(self.processed))).await??.into_iter().collect();
        uids.sort_unstable();
        Ok(uids)
    }

    async fn fetch(&mut self, uid: u32) -> Result<Option<Vec<u8>>, WatchError> {
        let fetches = within(async {
            let stream = self.session.uid_fetch(uid.to_string(), "BODY.PEEK[]").await?;
            stream.try_collect::<Vec<_>>().await
        })
        .await??;
        // Unsolicited FETCH responses about other messages may come along: keep ours.
        Ok(fetches.iter().find(|f| f.uid == Some(uid)).and_then(|f| f.body()).map(<[u8]>::to_vec))
    }

    async fn mark(&mut self, uid: u32) -> Result<(), WatchError> {
        let uid_set = uid.to_string();
        match self.processed {
            Processed::Flag(keyword) => self.store(&uid_set, &format!("+FLAGS.SILENT ({keyword})")).await,
            Processed::MoveTo(target) if self.can_move => {
                Ok(within(self.session.uid_mv(&uid_set, utf7_imap(target))).await??)
            }
            Processed::MoveTo(target) => {
                within(self.session.uid_copy(&uid_set, utf7_imap(target))).await??;
                self.store(&uid_set, "+FLAGS.SILENT (\\Deleted)").await?;
                // Without UIDPLUS, EXPUNGE also removes what others flagged \Deleted: the
                // only way there is.
                within(async {
                    if self.uidplus {
                        self.session.uid_expunge(&uid_set).await?.try_collect::<Vec<_>>().await
                    } else {
                        self.session.expunge().await?.try_collect::<Vec<_>>().await
                    }
                })
                .await??;
                Ok(())
            }
        }
    }
}

impl Remote<'_> {
    async fn store(&mut self, uid_set: &str, query: &str) -> Result<(), WatchError> {
        within(async { self.session.uid_store(uid_set, query).await?.try_collect::<Vec<_>>().await }).await??;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use super::*;

    /// A folder in memory that logs what is done to it.
    #[derive(Default)]
    struct FakeFolder {
        messages: BTreeMap<u32, (Vec<u8>, bool)>,
        vanished: Vec<u32>,
        log: Arc<Mutex<Vec<String>>>,
    }

    impl FakeFolder {
        fn with(messages: &[(u32, &str)], log: &Arc<Mutex<Vec<String>>>) -> FakeFolder {
            let messages = messages.iter().map(|(uid, raw)| (*uid, (raw.as_bytes().to_vec(), false))).collect();
            FakeFolder { messages, vanished: vec![], log: log.clone() }
        }
    }

    impl Folder for FakeFolder {
        async fn unprocessed(&mut self) -> Result<Vec<u32>, WatchError> {
            Ok(self.messages.iter().filter(|(_, (_, marked))| !marked).map(|(uid, _)| *uid).collect())
        }

        async fn fetch(&mut self, uid: u32) -> Result<Option<Vec<u8>>, WatchError> {
            self.log.lock().unwrap().push(format!("fetch {uid}"));
            if self.vanished.contains(&uid) {
                return Ok(None);
            }
            Ok(self.messages.get(&uid).map(|(raw, _)| raw.clone()))
        }

        async fn mark(&mut self, uid: u32) -> Result<(), WatchError> {
            self.log.lock().unwrap().push(format!("mark {uid}"));
            self.messages.get_mut(&uid).map(|m| m.1 = true).ok_or(WatchError::Closed)
        }
    }

    /// Stores by logging; refuses messages containing "refuse".
    struct FakeStore(Arc<Mutex<Vec<String>>>);

    impl Deliver for FakeStore {
        async fn deliver(&self, raw: Vec<u8>) -> Result<(), String> {
            let raw = String::from_utf8(raw).unwrap();
            if raw.contains("refuse") {
                return Err("disk full".into());
            }
            self.0.lock().unwrap().push(format!("deliver {raw}"));
            Ok(())
        }
    }

    fn run<T>(f: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
    }

    #[test]
    fn each_message_is_marked_only_after_it_was_delivered() {
        let log = Arc::default();
        let mut folder = FakeFolder::with(&[(7, "b"), (3, "a")], &log);
        let marked = run(pass(&mut folder, &FakeStore(log.clone()), None)).unwrap();
        assert_eq!(marked, 2);
        assert_eq!(*log.lock().unwrap(), ["fetch 3", "deliver a", "mark 3", "fetch 7", "deliver b", "mark 7"]);
        // The next pass finds nothing left to do.
        assert_eq!(run(pass(&mut folder, &FakeStore(log.clone()), None)).unwrap(), 0);
    }

    #[test]
    fn a_refused_delivery_leaves_the_message_unmarked_for_the_next_pass() {
        let log = Arc::default();
        let mut folder = FakeFolder::with(&[(1, "a"), (2, "refuse"), (3, "c")], &log);
        let error = run(pass(&mut folder, &FakeStore(log.clone()), None)).unwrap_err();
        assert!(matches!(error, WatchError::Deliver(ref e) if e == "disk full"), "{error}");
        assert_eq!(*log.lock().unwrap(), ["fetch 1", "deliver a", "mark 1", "fetch 2"]);
        assert_eq!(run(folder.unprocessed()).unwrap(), [2, 3]);
    }

    #[test]
    fn a_message_gone_before_its_fetch_is_skipped() {
        let log = Arc::default();
        let mut folder = FakeFolder::with(&[(1, "a"), (2, "b")], &log);
        folder.vanished.push(1);
        assert_eq!(run(pass(&mut folder, &FakeStore(log.clone()), None)).unwrap(), 1);
        assert_eq!(*log.lock().unwrap(), ["fetch 1", "fetch 2", "deliver b", "mark 2"]);
    }

    #[test]
    fn the_search_skips_processed_and_deleted_messages() {
        assert_eq!(search_query(&Processed::Flag("$Guichet".into())), "UNDELETED UNKEYWORD $Guichet");
        assert_eq!(search_query(&Processed::MoveTo("Traité".into())), "UNDELETED");
    }

    #[test]
    fn folder_names_are_in_modified_utf7() {
        assert_eq!(utf7_imap("INBOX"), "INBOX");
        assert_eq!(utf7_imap("Traité"), "Trait&AOk-");
        assert_eq!(utf7_imap("A&B"), "A&-B");
        // RFC 3501's example.
        assert_eq!(utf7_imap("~peter/mail/台北/日本語"), "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
        assert_eq!(utf7_imap("Élus € 2026"), "&AMk-lus &IKw- 2026");
    }

    #[test]
    fn keywords_are_atoms() {
        assert!(is_keyword("$Guichet"));
        assert!(is_keyword("Traite_par_guichet"));
        for bad in ["", "two words", "\\Seen", "a(b", "quo\"te", "é"] {
            assert!(!is_keyword(bad), "{bad}");
        }
    }

    #[test]
    fn the_backoff_doubles_up_to_five_minutes_and_resets() {
        let mut backoff = Backoff::default();
        let delays: Vec<u64> = (0..11).map(|_| backoff.next_delay().as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        backoff.reset();
        assert_eq!(backoff.next_delay(), Duration::from_secs(1));
    }

    #[test]
    fn the_password_stays_out_of_debug_output() {
        let account = Account {
            name: "ville/contact".into(),
            host: "imap.example".into(),
            port: 993,
            tls: Tls::Tls,
            user: "contact".into(),
            password: "hunter2".into(),
            folder: "INBOX".into(),
            processed: Processed::Flag(DEFAULT_KEYWORD.into()),
            poll_every: Duration::from_secs(60),
        };
        assert!(!format!("{account:?}").contains("hunter2"));
    }
}
