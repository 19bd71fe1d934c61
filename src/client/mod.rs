//! The client: options, the event pipeline, and `init`.

mod discards;
mod dsn;
mod init;
mod merge;
mod options;
pub(crate) mod stacktrace;

use std::cell::Cell;
use std::collections::BTreeMap;
use std::error::Error;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serde_json::json;

pub use dsn::{Dsn, DsnParseError};
pub use init::{ClientInitGuard, InitError, init, try_init};
pub use options::ClientOptions;

use crate::protocol::{
    ClientReport, ClientSdkInfo, Context, DiscardedEvent, DynamicSamplingContext, Envelope,
    EnvelopeItem, Event, EventId, Exception, IntoBreadcrumbs, Level, Mechanism,
};
use crate::scope::{Hint, Scope, ScopeData, ScopePair};
use crate::trace::{Dsc, Span, TransactionDraft};
use crate::transport::{FlushError, JsonLinesTransport, Rejected, SendError, Transport, Worker};

/// What a client counts of the data it drops, by the reasons Sentry's client reports name.
pub(crate) use discards::{AtStake, Discards, reason};

/// A client: options plus a transport. Cheap to clone; clones share everything.
///
/// Most programs make one through [`init`], which binds it to the global scope. Bind others
/// to a scope with [`Scope::bind_client`], for instance one per test.
///
/// # Examples
///
/// ```
/// use scopeline::{Client, ClientOptions};
///
/// let client = Client::new(ClientOptions::new());
/// // No DSN and no transport: the client accepts events and drops them.
/// assert!(!client.is_enabled());
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    options: ClientOptions,
    dsn: Option<Dsn>,
    transport: Option<Arc<dyn Transport>>,
    closed: AtomicBool,
    discards: Arc<Discards>,
    default_contexts: BTreeMap<String, Context>,
    server_name: Option<std::borrow::Cow<'static, str>>,
    /// The background thread that runs the pipeline after the calling task has queued an
    /// event; started on first capture.
    pipeline: OnceLock<Worker<Box<Job>>>,
}

/// An event on its way through the pipeline: built on the calling task, with snapshots of the
/// three scopes it merges (taken at capture) and the task's scopes themselves, in which user
/// callbacks run.
pub(crate) struct Job {
    /// The client the job runs through: held until it has, so a job queued just before the
    /// last handle to its client went away is still sent.
    client: Arc<ClientInner>,
    payload: Payload,
    global: Arc<ScopeData>,
    isolation: ScopeData,
    current: ScopeData,
    scopes: ScopePair,
    /// The trace's sampling context, when a span decided it; else the isolation scope's.
    dsc: Option<Arc<Dsc>>,
    /// The name of the active span's transaction: the event's when neither the event nor a
    /// scope names it.
    span_transaction: Option<String>,
    /// The stack the capturing task took for the event's outermost exception, symbolized
    /// here, on the pipeline thread, before any processor sees the event.
    stack: Option<stacktrace::Unresolved>,
}

/// What a job sends. Boxed on its own: with it inline, a job is a "large" allocation for
/// glibc, and each one made while the pipeline thread frees the last consolidates the
/// allocator's bins.
enum Payload {
    /// An error or message event, built on the capturing task.
    Event(Box<Event>),
    /// A finished transaction, whose event the pipeline thread builds.
    Transaction(Box<TransactionDraft>),
}

impl Job {
    /// What dropping the job loses, by category (see [`discards::event_counts`]).
    fn counts(&self) -> [(&'static str, u64); 2] {
        match &self.payload {
            Payload::Event(event) => discards::event_counts(event),
            Payload::Transaction(draft) => discards::transaction_counts(draft.children()),
        }
    }

    /// The size of the attachments the job's scopes would add to its event (none to a
    /// transaction).
    fn attachment_bytes(&self) -> u64 {
        if matches!(self.payload, Payload::Transaction(_)) {
            return 0;
        }
        [&self.global, &self.isolation, &self.current]
            .iter()
            .map(|scope| discards::attachment_bytes(scope.rare().attachments.iter()))
            .sum()
    }
}

/// Symbolizes a stack the capturing task took and gives it to the event's outermost
/// exception, unless that one has a stack of its own; an event with no exception (a
/// message) gets it as the thread it was captured on, unless it has threads already.
fn attach_stack(event: &mut Event, stack: stacktrace::Unresolved) {
    match event.exceptions.last_mut() {
        Some(outer) if outer.stacktrace.is_none() => outer.stacktrace = stack.resolve(),
        Some(_) => {}
        None if event.threads.is_empty() => event.threads.extend(stack.resolve_as_thread()),
        None => {}
    }
}

/// Whether [`attach_stack`] would give an event a stack: an error event whose outermost
/// exception has none, or a message with no threads. Transactions take none.
fn wants_stack(event: &Event) -> bool {
    if is_transaction(event) {
        return false;
    }
    match event.exceptions.last() {
        Some(outer) => outer.stacktrace.is_none(),
        None => event.threads.is_empty(),
    }
}

fn is_transaction(event: &Event) -> bool {
    event.ty.as_deref() == Some("transaction")
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("dsn", &self.inner.dsn)
            .field("enabled", &self.is_enabled())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Makes a client from options.
    ///
    /// Unlike [`init`], this reads no environment variables and binds the client nowhere.
    ///
    /// # Panics
    ///
    /// Panics when the options' DSN is invalid, or the JSON-lines file cannot be opened; use
    /// [`Client::try_new`] to get the error instead.
    ///
    /// # Examples
    ///
    /// ```
    /// use scopeline::{Client, ClientOptions};
    ///
    /// let client = Client::new(ClientOptions::new().release("app@1.0"));
    /// assert_eq!(client.options().get_release(), Some("app@1.0"));
    /// // `SENTRY_DSN` is not read: no DSN unless the options set one.
    /// assert!(client.dsn().is_none());
    /// ```
    #[track_caller]
    pub fn new(options: ClientOptions) -> Client {
        match Client::try_new(options) {
            Ok(client) => client,
            Err(e) => panic!("scopeline: cannot make client: {e}"),
        }
    }

    /// Makes a client from options, or says why it cannot.
    ///
    /// # Errors
    ///
    /// Fails when the DSN is invalid or the JSON-lines file cannot be opened.
    ///
    /// # Examples
    ///
    /// ```
    /// use scopeline::{Client, ClientOptions};
    ///
    /// let err = Client::try_new(ClientOptions::new().dsn("https://sentry.example.com/1")).unwrap_err();
    /// assert!(err.to_string().contains("missing public key"));
    /// ```
    pub fn try_new(options: ClientOptions) -> Result<Client, InitError> {
        let dsn = match options.get_dsn() {
            Some(text) => Some(text.parse::<Dsn>().map_err(InitError::Dsn)?),
            None => None,
        };
        let discards = Arc::new(Discards::new(options.debug));
        let transport: Option<Arc<dyn Transport>> = match (
            &options.transport,
            &dsn,
            &options.json_lines,
        ) {
            (Some(t), _, _) => Some(t.clone()),
            #[cfg(feature = "http")]
            (None, Some(dsn), _) => Some(Arc::new(
                crate::transport::HttpTransport::new(
                    dsn,
                    options.queue_size,
                    options.http_timeout,
                    options.http_compression,
                    options.ca_certs.as_deref(),
                    options.debug,
                    discards.clone(),
                )
                .map_err(InitError::Http)?,
            )),
            #[cfg(not(feature = "http"))]
            (None, Some(_), _) => {
                tracing::warn!(
                    target: "scopeline",
                    "a DSN is set but scopeline was built without its `http` feature; events are dropped"
                );
                None
            }
            (None, None, Some(target)) => Some(Arc::new(
                JsonLinesTransport::with_queue(
                    target.clone(),
                    Default::default(),
                    options.queue_size,
                    Some(discards.clone()),
                )
                .map_err(InitError::Io)?,
            )),
            (None, None, None) => None,
        };
        let server_name = options.server_name.clone().or_else(|| {
            gethostname::gethostname()
                .into_string()
                .ok()
                .map(std::borrow::Cow::Owned)
        });
        Ok(Client {
            inner: Arc::new(ClientInner {
                options,
                dsn,
                transport,
                closed: AtomicBool::new(false),
                discards,
                default_contexts: default_contexts(),
                server_name,
                pipeline: OnceLock::new(),
            }),
        })
    }

    pub(crate) fn from_inner(inner: Arc<ClientInner>) -> Client {
        Client { inner }
    }

    pub(crate) fn into_inner(self) -> Arc<ClientInner> {
        self.inner
    }

    pub(crate) fn shared(&self) -> &Arc<ClientInner> {
        &self.inner
    }

    /// The options the client was made with.
    ///
    /// # Examples
    ///
    /// ```
    /// use scopeline::{Client, ClientOptions};
    ///
    /// let client = Client::new(ClientOptions::new().environment("staging"));
    /// assert_eq!(client.options().get_environment(), Some("staging"));
    /// ```
    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// The parsed DSN, if one is set.
    ///
    /// # Examples
    ///
    /// ```
    /// use scopeline::{Client, ClientOptions};
    ///
    /// // Nothing is captured, so nothing is sent.
    /// let client = Client::new(ClientOptions::new().dsn("https://key@o1.ingest.sentry.io/42"));
    /// let dsn = client.dsn().unwrap();
    /// assert_eq!(dsn.project_id(), "42");
    /// assert_eq!(dsn.org_id(), Some("1"));
    /// ```
    pub fn dsn(&self) -> Option<&Dsn> {
        self.inner.dsn.as_ref()
    }

    /// Whether the client sends anything: it has a transport and is not closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use scopeline::{Client, ClientOptions, transport::JsonLinesTarget};
    ///
    /// assert!(!Client::new(ClientOptions::new()).is_enabled());
    /// let client = Client::new(ClientOptions::new().json_lines(JsonLinesTarget::Stderr));
    /// assert!(client.is_enabled());
    /// client.close(Duration::from_secs(1)).unwrap();
    /// assert!(!client.is_enabled());
    /// ```
    pub fn is_enabled(&self) -> bool {
        self.inner.is_enabled()
    }

    /// Waits until every event captured so far has been delivered, or `timeout` has passed.
    /// The client stays usable.
    ///
    /// This blocks the calling thread; in async code use [`Client::flush_async`].
    ///
    /// # Errors
    ///
    /// [`FlushError`] says whether time ran out or the transport is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    /// use scopeline::{Client, ClientOptions, Level, Scope};
    /// # use scopeline::{protocol::Envelope, transport::{SendError, Transport}};
    /// # #[derive(Debug, Default, Clone)] struct Memory(Arc<Mutex<Vec<Envelope>>>);
    /// # impl Transport for Memory {
    /// #     fn send_envelope(&self, e: Envelope) -> Result<(), SendError> { self.0.lock().unwrap().push(e); Ok(()) }
    /// # }
    ///
    /// let memory = Memory::default();
    /// let client = Client::new(ClientOptions::new().transport(memory.clone()));
    /// let scope = Scope::new();
    /// scope.bind_client(Some(client.clone()));
    /// scope.capture_message("queued", Level::Info);
    /// // Returns once the event has reached the transport.
    /// client.flush(Duration::from_secs(5)).unwrap();
    /// assert_eq!(memory.0.lock().unwrap().len(), 1);
    /// ```
    pub fn flush(&self, timeout: Duration) -> Result<(), FlushError> {
        self.drain(timeout, true)
    }

    /// Waits, within `timeout` in all, for the pipeline's queue and then the transport's;
    /// with `send_report`, then sends the pending client report and waits for it too. The
    /// report goes last so that it counts what the transport lost delivering the rest (a
    /// server that refused an event, a rate limit that arrived meanwhile).
    fn drain(&self, timeout: Duration, send_report: bool) -> Result<(), FlushError> {
        let deadline = crate::transport::deadline_after(timeout);
        if let Some(pipeline) = self.inner.pipeline.get() {
            pipeline.flush(timeout)?;
        }
        let Some(transport) = &self.inner.transport else {
            return Ok(());
        };
        let left = || deadline.saturating_duration_since(Instant::now());
        contained("Transport::flush", || transport.flush(left()))?;
        if send_report && self.inner.send_client_report() {
            contained("Transport::flush", || transport.flush(left()))?;
        }
        Ok(())
    }

    /// Like [`Client::flush`], without blocking the async runtime: the wait runs on a thread
    /// of its own, so it works on any executor and never waits for a free thread in tokio's
    /// blocking pool before its timeout starts.
    ///
    /// # Errors
    ///
    /// As [`Client::flush`].
    ///
    /// # Examples
    ///
    /// ```
    /// let client = scopeline::Client::new(scopeline::ClientOptions::new());
    /// // Any executor will do.
    /// futures::executor::block_on(async {
    ///     client.flush_async(std::time::Duration::from_secs(2)).await.unwrap();
    /// });
    /// ```
    pub async fn flush_async(&self, timeout: Duration) -> Result<(), FlushError> {
        let client = self.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let waiter = std::thread::Builder::new()
            .name("scopeline-flush".into())
            .spawn(move || {
                let _ = tx.send(client.flush(timeout));
            });
        if waiter.is_err() {
            // No thread to be had: wait here rather than not at all.
            return self.flush(timeout);
        }
        rx.await.unwrap_or_else(|_| Err(FlushError::closed()))
    }

    /// Flushes like [`Client::flush`], then stops sending: later captures are dropped.
    ///
    /// # Errors
    ///
    /// As [`Client::flush`]; the client is closed either way.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use scopeline::{Client, ClientOptions, Level, Scope};
    /// # use scopeline::{protocol::Envelope, transport::{SendError, Transport}};
    /// # #[derive(Debug)] struct Sink;
    /// # impl Transport for Sink { fn send_envelope(&self, _: Envelope) -> Result<(), SendError> { Ok(()) } }
    ///
    /// let client = Client::new(ClientOptions::new().transport(Sink));
    /// client.close(Duration::from_secs(1)).unwrap();
    /// let scope = Scope::new();
    /// scope.bind_client(Some(client));
    /// assert!(scope.capture_message("too late", Level::Info).is_none());
    /// ```
    pub fn close(&self, timeout: Duration) -> Result<(), FlushError> {
        if self.inner.closed.swap(true, Ordering::AcqRel) {
            // Closed before, perhaps by another thread still draining (a shutdown task and
            // the init guard): wait for what is queued as that close does, rather than
            // report success while it may still be lost. The first close sends the report.
            return self.drain(timeout, false);
        }
        let deadline = crate::transport::deadline_after(timeout);
        let drained = match self.inner.pipeline.get() {
            Some(pipeline) => pipeline.shutdown(timeout),
            None => Ok(()),
        };
        let Some(transport) = &self.inner.transport else {
            return drained;
        };
        // What is queued is delivered first, so that the last report counts what that
        // delivery lost; the report then goes out before the transport stops.
        let left = || deadline.saturating_duration_since(Instant::now());
        let delivered = contained("Transport::flush", || transport.flush(left()));
        self.inner.send_client_report();
        let shut = contained("Transport::shutdown", || transport.shutdown(left()));
        drained.and(delivered).and(shut)
    }

    /// How many events, spans and attachments this client dropped so far, by reason and
    /// category (the numbers client reports carry; the `attachment` category counts bytes).
    ///
    /// # Examples
    ///
    /// ```
    /// use scopeline::{Client, ClientOptions};
    /// # use scopeline::{protocol::Envelope, transport::{Transport, SendError}};
    /// # #[derive(Debug)] struct Sink;
    /// # impl Transport for Sink { fn send_envelope(&self, _: Envelope) -> Result<(), SendError> { Ok(()) } }
    ///
    /// let client = Client::new(ClientOptions::new().sample_rate(0.0).transport(Sink));
    /// let scope = scopeline::Scope::new();
    /// scope.bind_client(Some(client.clone()));
    /// assert!(scope.capture_message("dropped", scopeline::Level::Info).is_none());
    /// let drops = client.discarded_events();
    /// assert_eq!(drops[0].reason, "sample_rate");
    /// assert_eq!(drops[0].quantity, 1);
    /// ```
    pub fn discarded_events(&self) -> Vec<DiscardedEvent> {
        self.inner.discards.totals()
    }
}

fn default_contexts() -> BTreeMap<String, Context> {
    let mut contexts = BTreeMap::new();
    let mut os = json!({ "type": "os", "name": os_name(std::env::consts::OS) });
    if let Ok(release) = std::fs::read_to_string("/proc/sys/kernel/osrelease") {
        os["kernel_version"] = release.trim().into();
    }
    // The Linux distribution, under the keys Sentry's OS context has for it.
    let os_release = (std::fs::read_to_string("/etc/os-release"))
        .or_else(|_| std::fs::read_to_string("/usr/lib/os-release"));
    if let Some(text) = os_release
        .as_deref()
        .ok()
        .filter(|_| cfg!(target_os = "linux"))
    {
        for (field, key) in [
            ("ID", "distribution_name"),
            ("VERSION_ID", "distribution_version"),
            ("PRETTY_NAME", "distribution_pretty_name"),
        ] {
            if let Some(value) = os_release_field(text, field) {
                os[key] = value.into();
            }
        }
    }
    let runtime = json!({
        "type": "runtime",
        "name": "rustc",
        "version": env!("SCOPELINE_RUSTC_VERSION"),
    });
    for (key, value) in [("os", os), ("runtime", runtime)] {
        if let serde_json::Value::Object(map) = value {
            contexts.insert(key.to_owned(), map);
        }
    }
    contexts
}

/// The operating system's name as Sentry spells it (`Linux`, `macOS`), from Rust's
/// lowercase `std::env::consts::OS`.
fn os_name(os: &str) -> &str {
    match os {
        "linux" => "Linux",
        "macos" => "macOS",
        "windows" => "Windows",
        "ios" => "iOS",
        "android" => "Android",
        "freebsd" => "FreeBSD",
        "netbsd" => "NetBSD",
        "openbsd" => "OpenBSD",
        other => other,
    }
}

/// A field of `os-release` (`KEY=value` lines, shell style: the last assignment wins, a
/// value may be quoted, and `\` escapes the next character inside double quotes).
fn os_release_field(text: &str, key: &str) -> Option<String> {
    let raw = (text.lines().rev()).find_map(|line| line.strip_prefix(key)?.strip_prefix('='))?;
    let raw = raw.trim();
    let unquoted = [('"', true), ('\'', false)]
        .iter()
        .find_map(|&(quote, escapes)| {
            let inner = raw.strip_prefix(quote)?.strip_suffix(quote)?;
            let mut value = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' if escapes => value.extend(chars.next()),
                    c => value.push(c),
                }
            }
            Some(value)
        });
    let value = unquoted.unwrap_or_else(|| raw.to_owned());
    (!value.is_empty()).then_some(value)
}

thread_local! {
    /// Set while a user callback runs, so the panic hook does not report its panic as a crash.
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

pub(crate) fn in_callback() -> bool {
    IN_CALLBACK.with(Cell::get)
}

/// Runs a user callback; a panic is caught and reported, never unwound into the caller.
pub(crate) fn guarded<R>(what: &'static str, f: impl FnOnce() -> R) -> Option<R> {
    let was = IN_CALLBACK.with(|c| c.replace(true));
    let out = catch_unwind(AssertUnwindSafe(f));
    IN_CALLBACK.with(|c| c.set(was));
    match out {
        Ok(v) => Some(v),
        Err(_) => {
            report_callback_panic(what);
            None
        }
    }
}

/// A transport's `flush` or `shutdown`, its panic contained: a user's transport that panics
/// there must not take down `flush`, `close` or the init guard's drop (which may run while
/// `main` unwinds). A transport that panicked is treated as gone.
fn contained(
    what: &'static str,
    wait: impl FnOnce() -> Result<(), FlushError>,
) -> Result<(), FlushError> {
    guarded(what, wait).unwrap_or_else(|| Err(FlushError::closed()))
}

pub(crate) fn report_callback_panic(what: &str) {
    tracing::warn!(target: "scopeline", callback = what, "a panic was contained (a user callback, or a transport on a scopeline thread)");
}

/// What an event is made from. Built lazily, after the sample-rate draw.
pub(crate) enum EventSource<'a> {
    Error(&'a dyn BuildExceptions),
    Message(&'a str, Level),
    Event(Box<Event>),
    /// An event made after the fact (a panic the tower layer caught once it had unwound):
    /// no stack is taken for it, the stack at hand not being the one it happened on.
    #[cfg_attr(not(feature = "tower"), allow(dead_code))]
    Caught(Box<Event>),
    /// Built by the tracing layer from a `tracing` event's fields, only once the event has
    /// been drawn (its stack, with `attach_stacktrace`, leaves out tracing's dispatch).
    Lazy(Box<dyn FnOnce() -> Event + 'a>),
    /// A panic's event, built by the panic hook once drawn. Its stack is taken then, on the
    /// panicking thread, whatever `attach_stacktrace` says; symbolized there too when
    /// `resolve_here` (a panic that may end the process: the thread has nothing else to do,
    /// and the flush that follows must not spend its time on it).
    Panic {
        build: Box<dyn FnOnce() -> Event + 'a>,
        resolve_here: bool,
    },
}

/// Builds the exception chain of an error. Implemented by [`ErrorRef`], a sized wrapper that
/// lets `capture_error` accept any `E: Error + ?Sized`, `dyn Error` included.
pub(crate) trait BuildExceptions {
    fn exceptions(&self) -> Vec<Exception>;
}

pub(crate) struct ErrorRef<'a, E: ?Sized>(pub(crate) &'a E);

impl<E: Error + ?Sized> BuildExceptions for ErrorRef<'_, E> {
    fn exceptions(&self) -> Vec<Exception> {
        let outer_type =
            clean_type_name(std::any::type_name::<E>()).unwrap_or_else(|| type_name_of(self.0));
        exceptions_from_error(outer_type, display_text(&self.0), self.0.source())
    }
}

impl<'a> EventSource<'a> {
    pub(crate) fn message(message: &'a str, level: Level) -> Self {
        EventSource::Message(message, level)
    }

    pub(crate) fn event(event: Event) -> Self {
        EventSource::Event(Box::new(event))
    }

    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) fn lazy(build: impl FnOnce() -> Event + 'a) -> Self {
        EventSource::Lazy(Box::new(build))
    }

    pub(crate) fn panic(build: impl FnOnce() -> Event + 'a, resolve_here: bool) -> Self {
        EventSource::Panic {
            build: Box::new(build),
            resolve_here,
        }
    }

    /// The event, and the stack taken for it (see [`attach_stack`]), left unsymbolized.
    /// `attach_stacktrace` takes one for every event that has none, messages included, as
    /// the other SDKs do.
    ///
    /// Each arm takes its stack itself, not through a shared helper or `bool::then`: their
    /// frames would be the innermost of the stack.
    fn into_event(self, attach_stacktrace: bool) -> (Event, Option<stacktrace::Unresolved>) {
        let event = match self {
            EventSource::Event(event) => {
                if attach_stacktrace && wants_stack(&event) {
                    return (*event, Some(stacktrace::Unresolved::capture()));
                }
                *event
            }
            EventSource::Caught(event) => *event,
            EventSource::Lazy(build) => {
                let event = build();
                #[cfg(feature = "tracing")]
                if attach_stacktrace && wants_stack(&event) {
                    return (
                        event,
                        Some(stacktrace::Unresolved::capture_in_tracing_layer()),
                    );
                }
                event
            }
            EventSource::Panic {
                build,
                resolve_here,
            } => {
                let mut event = build();
                let stack = stacktrace::Unresolved::capture_in_panic_hook();
                if !resolve_here {
                    return (event, Some(stack));
                }
                attach_stack(&mut event, stack);
                event
            }
            EventSource::Message(message, level) => {
                let mut event = Event::new();
                event.message = Some(message.to_owned());
                event.level = level;
                if attach_stacktrace {
                    return (event, Some(stacktrace::Unresolved::capture()));
                }
                event
            }
            EventSource::Error(error) => {
                let mut event = Event::new();
                event.level = Level::Error;
                // The error's own Display and Debug run here: one that panics must not
                // take the caller down, and the event still says what happened.
                event.exceptions = guarded("Display of a captured error", || error.exceptions())
                    .unwrap_or_else(|| {
                        vec![Exception {
                            ty: "Error".into(),
                            value: Some("<the error's Display or Debug panicked>".into()),
                            ..Exception::default()
                        }]
                    });
                if attach_stacktrace {
                    return (event, Some(stacktrace::Unresolved::capture()));
                }
                event
            }
        };
        (event, None)
    }
}

/// The leading identifier of a value's `Debug` output: the name of an error known only as
/// `dyn Error` (a source, or an outermost error captured through `&dyn Error`), unless
/// [`error_type_name`] knows it.
/// Only that identifier is formatted: the writer stops the `Debug` output at its first other
/// character, so a huge error costs no more than a small one.
pub(crate) fn type_name_of(err: &(impl fmt::Debug + ?Sized)) -> String {
    struct Ident(String);
    impl fmt::Write for Ident {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            for c in s.chars() {
                if !(c.is_alphanumeric() || c == '_' || c == ':') || self.0.len() >= 256 {
                    return Err(fmt::Error);
                }
                self.0.push(c);
            }
            Ok(())
        }
    }
    let mut ident = Ident(String::new());
    let _ = fmt::write(&mut ident, format_args!("{err:?}"));
    if ident.0.is_empty() {
        "Error".to_owned()
    } else {
        ident.0
    }
}

fn clean_type_name(type_name: &str) -> Option<String> {
    let t = type_name.trim_start_matches('&');
    if t.starts_with("dyn ") {
        return None;
    }
    // The standard library's errors under the paths users write, not their private modules.
    let known = STD_ERRORS.iter().find(|e| (e.type_name)() == t);
    Some(known.map_or(t, |e| e.public).to_owned())
}

/// The name of an error known only as `dyn Error`: the leading identifier of its `Debug`
/// output (see [`type_name_of`]), except for the common std errors, named by their public
/// paths (an `io::Error`'s `Debug` names its private representation: `Custom`, `Os` or
/// `Kind`).
pub(crate) fn error_type_name(err: &(dyn Error + 'static)) -> String {
    match STD_ERRORS.iter().find(|e| (e.is)(err)) {
        Some(known) => known.public.to_owned(),
        None => type_name_of(err),
    }
}

/// A common std error: how to recognise it, by its static type or behind `dyn Error`, and the
/// path users write for it (`std::io::Error`, where `type_name` says `std::io::error::Error`).
struct StdError {
    is: fn(&(dyn Error + 'static)) -> bool,
    type_name: fn() -> &'static str,
    public: &'static str,
}

/// A [`StdError`] for a std error type, named by the path written here.
macro_rules! std_error {
    ($t:ty) => {
        StdError {
            is: |e| e.is::<$t>(),
            type_name: std::any::type_name::<$t>,
            public: stringify!($t),
        }
    };
}

const STD_ERRORS: [StdError; 5] = [
    std_error!(std::io::Error),
    std_error!(std::num::ParseIntError),
    std_error!(std::num::ParseFloatError),
    std_error!(std::str::Utf8Error),
    std_error!(std::fmt::Error),
];

/// What `value`'s `Display` writes. One that returns an error (which `to_string` turns into
/// a panic) leaves what it wrote before it.
pub(crate) fn display_text(value: &dyn fmt::Display) -> String {
    let mut text = String::new();
    let _ = fmt::write(&mut text, format_args!("{value}"));
    text
}

/// The chain of an error, root cause first and the outermost error last, each with a
/// mechanism that links it to the error it is the source of.
pub(crate) fn exceptions_from_error(
    outer_type: String,
    outer_value: String,
    mut source: Option<&(dyn Error + 'static)>,
) -> Vec<Exception> {
    const MAX_CHAIN: usize = 32;
    let mut chain = vec![(outer_type, outer_value)];
    while let Some(err) = source {
        if chain.len() >= MAX_CHAIN {
            break;
        }
        chain.push((error_type_name(err), display_text(&err)));
        source = err.source();
    }
    let mut exceptions: Vec<Exception> = chain
        .into_iter()
        .enumerate()
        .map(|(index, (ty, value))| {
            let index = index as u32;
            Exception {
                ty,
                value: Some(value),
                mechanism: Some(Mechanism {
                    ty: if index == 0 {
                        "generic".into()
                    } else {
                        "chained".into()
                    },
                    handled: Some(true),
                    source: (index > 0).then(|| "source".to_owned()),
                    exception_id: Some(index),
                    parent_id: index.checked_sub(1),
                    ..Mechanism::default()
                }),
                ..Exception::default()
            }
        })
        .collect();
    exceptions.reverse();
    exceptions
}

impl ClientInner {
    pub(crate) fn is_enabled(&self) -> bool {
        self.transport.is_some() && !self.closed.load(Ordering::Acquire)
    }

    pub(crate) fn record_discard(&self, reason: &'static str, category: &'static str, n: u64) {
        self.discards.record(reason, category, n);
    }

    /// What this client does with breadcrumbs.
    pub(crate) fn crumb_route(self: &Arc<Self>) -> CrumbRoute {
        if !self.is_enabled() {
            CrumbRoute::Drop
        } else if self.options.before_breadcrumb.is_some() {
            CrumbRoute::Ask(self.clone())
        } else {
            CrumbRoute::Keep(self.options.max_breadcrumbs)
        }
    }

    /// The calling task's part of a capture: sample, build the event, snapshot the scopes and
    /// queue the rest of the pipeline (see [`ClientInner::process`]) for the client's
    /// background thread.
    pub(crate) fn capture(
        self: &Arc<Self>,
        source: EventSource<'_>,
        isolation: &Scope,
        current: &Scope,
        configure: Option<PerEvent<'_>>,
    ) -> Option<EventId> {
        if !self.is_enabled() {
            return None;
        }
        // A transaction handed to `capture_event` was sampled when it started (by the traces
        // rate); the error rate is not drawn for it again.
        let transaction = matches!(&source, EventSource::Event(event) if is_transaction(event));
        if !transaction
            && self.options.sample_rate < 1.0
            && fastrand::f64() >= self.options.sample_rate
        {
            self.record_discard(reason::SAMPLE_RATE, "error", 1);
            return None;
        }
        let (mut event, stack) = source.into_event(self.options.attach_stacktrace);
        let event_id = event.event_id;
        // Snapshots are reference-count increments; no lock is held while user code runs.
        let mut global = crate::scope::global_data();
        let mut isolation_data = isolation.snapshot().with_trace();
        let (current, span) = match configure {
            Some(PerEvent::Span(span)) => (current.clone(), Some(span)),
            Some(PerEvent::Closure(f)) => {
                // The closure gets the three scopes merged into one, which the event is then
                // made from alone (the isolation scope lends only its trace): it sees all the
                // event will carry, and can remove any of it.
                let mut data = ScopeData::merged(
                    &[&global, &isolation_data, &current.snapshot()],
                    self.options.max_breadcrumbs,
                );
                data.rare_mut().for_one_event = true;
                global = Arc::default();
                isolation_data = isolation_data.trace_only();
                let fork = Scope::from_data(data);
                let before = fork.span();
                guarded("capture_*_with closure", || f(&fork));
                // A span set (or cleared) by the closure is this event's.
                let after = fork.span();
                let span =
                    if before.as_ref().map(Span::span_id) == after.as_ref().map(Span::span_id) {
                        active_span(current, isolation)
                    } else {
                        after
                    };
                (fork, span)
            }
            None => (current.clone(), active_span(current, isolation)),
        };
        let mut span_transaction = None;
        let dsc = span.as_ref().map(|span| {
            event
                .contexts
                .entry("trace".into())
                .or_insert_with(|| span.trace_context());
            if event.transaction.is_none() {
                // Named after the span's transaction unless a scope names it (merge).
                span_transaction = Some(span.transaction_name());
            }
            span.dsc()
        });

        let job = Box::new(Job {
            client: self.clone(),
            payload: Payload::Event(Box::new(event)),
            global,
            isolation: isolation_data,
            current: current.snapshot(),
            scopes: ScopePair::new(isolation.clone(), current),
            dsc,
            span_transaction,
            stack,
        });
        if !self.enqueue(job) {
            return None;
        }
        // `last_event_id` names the last error or message (what a feedback form asks
        // about), not a transaction handed to `capture_event`.
        if !transaction {
            isolation.write(|d| d.set_last_event_id(Some(event_id)));
        }
        Some(event_id)
    }

    /// Sends a finished transaction through the pipeline, with the tags, user and contexts of
    /// the isolation scope it started in.
    pub(crate) fn capture_transaction(
        self: &Arc<Self>,
        draft: Box<TransactionDraft>,
        isolation: &Scope,
    ) {
        if !self.is_enabled() {
            return;
        }
        let job = Box::new(Job {
            client: self.clone(),
            payload: Payload::Transaction(draft),
            global: crate::scope::global_data(),
            isolation: isolation.snapshot().with_trace(),
            current: ScopeData::default(),
            scopes: ScopePair::new(isolation.clone(), Scope::new()),
            dsc: None,
            span_transaction: None,
            stack: None,
        });
        self.enqueue(job);
    }

    /// Queues a job for the pipeline thread (or runs it here when there is none); counts it
    /// when the queue is full. Returns whether it was taken.
    fn enqueue(self: &Arc<Self>, job: Box<Job>) -> bool {
        let job = match self.pipeline() {
            Some(pipeline) => match pipeline.send(job) {
                Ok(()) => None,
                Err(Rejected::Full(job) | Rejected::Closed(job)) => {
                    self.discards.record_lost(
                        reason::QUEUE_OVERFLOW,
                        job.counts(),
                        job.attachment_bytes(),
                    );
                    return false;
                }
            },
            // No thread could be started: run the pipeline here rather than lose the event.
            None => Some(job),
        };
        match job {
            Some(job) => self.process_contained(job, |job| self.process(job)),
            None => true,
        }
    }

    /// The client's background thread, started on first capture. Only the queued jobs hold
    /// the client for it, so it ends once the last [`Client`] handle is gone and the jobs
    /// queued by then have been sent.
    fn pipeline(self: &Arc<Self>) -> Option<&Worker<Box<Job>>> {
        if let Some(worker) = self.pipeline.get() {
            return Some(worker);
        }
        let spawned = Worker::spawn(
            "scopeline-pipeline",
            self.options.queue_size,
            crate::transport::LINGER,
            |job: Box<Job>| {
                let client = job.client.clone();
                client.process_contained(job, |job| client.process(job));
            },
        );
        match spawned {
            Ok(worker) => {
                // Another task may have won the race; its worker is used and ours ends.
                let _ = self.pipeline.set(worker);
                self.pipeline.get()
            }
            Err(e) => {
                if self.options.debug {
                    tracing::warn!(target: "scopeline", error = %e, "cannot start the pipeline thread; processing events on the capturing task");
                }
                None
            }
        }
    }

    /// Runs `process` on a job; should it panic (a bug of ours or of a library under us:
    /// user callbacks and transports are contained on their own), the event is counted
    /// under `internal_sdk_error` and the panic goes no further. Returns whether the event
    /// reached the transport.
    fn process_contained(&self, job: Box<Job>, process: impl FnOnce(Job) -> bool) -> bool {
        let (lost, bytes) = (job.counts(), job.attachment_bytes());
        guarded("event pipeline", || process(*job)).unwrap_or_else(|| {
            self.discards
                .record_lost(reason::INTERNAL_SDK_ERROR, lost, bytes);
            false
        })
    }

    /// The rest of the pipeline, off the capturing task: merge, event processors,
    /// `before_send`, trimming, and the hand-over to the transport. Returns whether the event
    /// reached the transport.
    ///
    /// User callbacks run inside the scopes of the task that captured, so `before_send` and
    /// event processors see (and write) that task's scopes, as they would on the task itself.
    pub(crate) fn process(&self, job: Job) -> bool {
        let Job {
            client: _,
            payload,
            global,
            isolation,
            current,
            scopes,
            dsc,
            span_transaction,
            stack,
        } = job;
        let (event, dsc) = match payload {
            Payload::Event(mut event) => {
                if let Some(stack) = stack {
                    attach_stack(&mut event, stack);
                }
                (*event, dsc)
            }
            Payload::Transaction(draft) => {
                let (event, dsc) = draft.into_event();
                (event, Some(dsc))
            }
        };
        crate::scope::sync_scoped(scopes, || {
            self.process_in_scope(event, &global, &isolation, &current, dsc, span_transaction)
        })
    }

    fn process_in_scope(
        &self,
        mut event: Event,
        global: &ScopeData,
        isolation: &ScopeData,
        current: &ScopeData,
        dsc: Option<Arc<Dsc>>,
        span_transaction: Option<String>,
    ) -> bool {
        let transaction = is_transaction(&event);
        let layers: [&ScopeData; 3] = [global, isolation, current];
        let attachments =
            merge::apply_layers(&mut event, &layers, isolation, self.options.max_breadcrumbs);
        if event.transaction.is_none() {
            event.transaction = span_transaction;
        }
        self.fill_defaults(&mut event);
        stacktrace::apply_in_app_options(
            &mut event,
            &self.options.in_app_include,
            &self.options.in_app_exclude,
        );

        for layer in layers {
            for processor in layer.rare().processors.iter() {
                // Read before the processor takes the event: a transaction's spans count too.
                let lost = discards::event_counts(&event);
                // A processor takes the event; if it panics, the event is dropped anyway.
                match guarded("event processor", || processor(event)) {
                    Some(Some(next)) => {
                        self.record_removed_spans(reason::EVENT_PROCESSOR, lost, &next);
                        event = next;
                    }
                    _ => {
                        let dropped = discards::attachment_bytes(&attachments);
                        self.discards
                            .record_lost(reason::EVENT_PROCESSOR, lost, dropped);
                        return false;
                    }
                }
            }
        }
        let hook = if transaction {
            &self.options.before_send_transaction
        } else {
            &self.options.before_send
        };
        if let Some(before_send) = hook {
            let lost = discards::event_counts(&event);
            match guarded("before_send", || before_send(event)) {
                Some(Some(next)) => {
                    self.record_removed_spans(reason::BEFORE_SEND, lost, &next);
                    event = next;
                }
                _ => {
                    let dropped = discards::attachment_bytes(&attachments);
                    self.discards
                        .record_lost(reason::BEFORE_SEND, lost, dropped);
                    return false;
                }
            }
        }
        crate::trim::trim_event(&mut event);

        let mut envelope = if transaction {
            let mut envelope = Envelope::new();
            envelope.event_id = Some(event.event_id);
            envelope.add_item(EnvelopeItem::Transaction(Box::new(event)));
            envelope
        } else {
            Envelope::from_event(event)
        };
        let dsc = dsc.or_else(|| {
            isolation
                .propagation()
                .dsc(|p| self.propagation_dsc(p.trace_id(), p.sample_rand()))
        });
        envelope.trace = (dsc.filter(|d| !d.is_empty())).map(DynamicSamplingContext::new);
        for attachment in attachments {
            let size = attachment.bytes.len();
            if size > self.options.max_attachment_size {
                // Left out rather than have the server refuse the event with it.
                self.record_discard(reason::SEND_ERROR, "attachment", size as u64);
                if self.options.debug {
                    tracing::warn!(target: "scopeline", filename = %attachment.filename, size, max = self.options.max_attachment_size, "an attachment over max_attachment_size was left out of its event");
                }
                continue;
            }
            envelope.add_item(EnvelopeItem::Attachment(attachment));
        }
        self.send(envelope)
    }

    /// Counts the spans a callback took out of a transaction it kept (dropping noisy spans
    /// in `before_send_transaction` is common), as the other SDKs do: `before` is what the
    /// event counted when the callback got it.
    fn record_removed_spans(
        &self,
        reason: &'static str,
        before: [(&'static str, u64); 2],
        after: &Event,
    ) {
        let [_, (_, spans_before)] = before;
        let [_, (_, spans_after)] = discards::event_counts(after);
        self.discards
            .record(reason, "span", spans_before.saturating_sub(spans_after));
    }

    /// Hands an envelope to the transport; counts it when the queue is full or closed.
    pub(crate) fn send(&self, mut envelope: Envelope) -> bool {
        let Some(transport) = &self.transport else {
            return false;
        };
        // The report's counts are kept to be put back should the transport lose them.
        let reported = self.pending_client_report();
        if let Some(counts) = &reported {
            envelope.add_item(EnvelopeItem::ClientReport(ClientReport::new(
                counts.clone(),
            )));
        }
        if envelope.items.is_empty() {
            return false;
        }
        // Counted before it goes: a transport that panics has lost the envelope.
        let counted = discards::Tally::of(&envelope);
        let Some(sent) = guarded("Transport::send_envelope", || {
            transport.send_envelope(envelope)
        }) else {
            self.discards
                .record_tally(reason::INTERNAL_SDK_ERROR, &counted);
            if let Some(counts) = &reported {
                self.discards.restore(counts);
            }
            return false;
        };
        match sent {
            Ok(()) => true,
            Err(SendError::Full(envelope) | SendError::Closed(envelope)) => {
                self.discards
                    .record_envelope(reason::QUEUE_OVERFLOW, &envelope);
                false
            }
        }
    }

    /// The drops not yet reported, taken for a client report (when reports are on).
    fn pending_client_report(&self) -> Option<Vec<DiscardedEvent>> {
        if !self.options.send_client_reports || !self.discards.has_unsent() {
            return None;
        }
        Some(self.discards.take_unsent())
    }

    /// Sends the drops not yet reported on their own: [`ClientInner::send`] attaches them to
    /// an empty envelope, and sends nothing when there are none (or reports are off).
    /// Whether a report was handed to the transport.
    fn send_client_report(&self) -> bool {
        self.send(Envelope::new())
    }

    fn fill_defaults(&self, event: &mut Event) {
        let o = &self.options;
        if event.release.is_none() {
            event.release = o.release.clone();
        }
        if event.environment.is_none() {
            event.environment =
                Some((o.environment.clone()).unwrap_or_else(options::default_environment));
        }
        if event.dist.is_none() {
            event.dist = o.dist.clone();
        }
        if event.server_name.is_none() {
            event.server_name = self.server_name.clone();
        }
        if event.sdk.is_none() {
            event.sdk = Some(ClientSdkInfo {
                integrations: crate::integrations::in_use(),
                ..ClientSdkInfo::default()
            });
        }
        for (key, ctx) in &self.default_contexts {
            event
                .contexts
                .entry(key.clone())
                .or_insert_with(|| ctx.clone());
        }
    }

    /// The DSC entries every trace of this client starts with.
    pub(crate) fn base_dsc(&self, trace_id: crate::protocol::TraceId) -> Dsc {
        // trace_id, public_key, org_id, release, environment, and what a transaction adds:
        // transaction, sample_rate, sample_rand, sampled.
        let mut dsc = Dsc::with_capacity(9);
        dsc.set("trace_id", trace_id.to_string());
        if let Some(dsn) = &self.dsn {
            dsc.set("public_key", dsn.public_key().to_owned());
            if let Some(org) = dsn.org_id() {
                dsc.set("org_id", org.to_owned());
            }
        }
        if let Some(release) = &self.options.release {
            dsc.set("release", release.clone());
        }
        let environment = self.options.environment.clone();
        dsc.set(
            "environment",
            environment.unwrap_or_else(options::default_environment),
        );
        dsc
    }

    /// The DSC of a trace that no transaction decided: no `sampled` key (deferred).
    pub(crate) fn propagation_dsc(
        &self,
        trace_id: crate::protocol::TraceId,
        sample_rand: f64,
    ) -> Dsc {
        let mut dsc = self.base_dsc(trace_id);
        dsc.set("sample_rand", crate::trace::format_rand(sample_rand));
        dsc
    }

    pub(crate) fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// The organization of the DSN, when it names one.
    pub(crate) fn org_id(&self) -> Option<&str> {
        self.dsn.as_ref().and_then(Dsn::org_id)
    }

    /// Whether transactions can be sampled at all.
    pub(crate) fn tracing_enabled(&self) -> bool {
        self.options.traces_sample_rate.is_some() || self.options.traces_sampler.is_some()
    }
}

/// The span events are tied to: the innermost `tracing` span that has a Sentry span of this
/// isolation scope (see [`entered_span`]), else the span set on the current scope, else on
/// the isolation scope.
pub(crate) fn active_span(current: &Scope, isolation: &Scope) -> Option<Span> {
    if let Some(span) = entered_span(isolation) {
        return Some(span);
    }
    current.span().or_else(|| isolation.span())
}

/// The Sentry span of the innermost entered `tracing` span (with the tracing layer
/// installed), unless it belongs to another isolation scope than `isolation` (see
/// [`Span::is_foreign_to`]).
pub(crate) fn entered_span(isolation: &Scope) -> Option<Span> {
    #[cfg(feature = "tracing")]
    return crate::integrations::tracing_layer::current_sentry_span()
        .filter(|span| !span.is_foreign_to(isolation));
    #[cfg(not(feature = "tracing"))]
    {
        let _ = isolation;
        None
    }
}

/// Resolves the client for a scope pair: current → isolation → global.
pub(crate) fn resolve_client(current: &Scope, isolation: &Scope) -> Option<Arc<ClientInner>> {
    with_resolved(current, isolation, Arc::clone)
}

/// Runs `f` with the client a scope pair resolves to (current → isolation → global), where it
/// is bound: no reference to it is taken unless `f` takes one.
fn with_resolved<R>(
    current: &Scope,
    isolation: &Scope,
    f: impl Fn(&Arc<ClientInner>) -> R,
) -> Option<R> {
    if crate::scope::local_clients_bound() {
        for scope in [current, isolation] {
            if let Some(out) = scope.with_bound_client(&f) {
                return Some(out);
            }
        }
    }
    crate::scope::with_global_client(|c| c.map(f))
}

/// Captures with `scope` as the current scope and the task's isolation scope; through the
/// task's own scopes when `scope` is its isolation scope or the global scope, which would
/// otherwise be merged twice (and the global one above the isolation scope).
pub(crate) fn capture_on(
    scope: &Scope,
    source: EventSource<'_>,
    configure: Option<PerEvent<'_>>,
) -> Option<EventId> {
    if !crate::scope::any_client_bound() {
        return None;
    }
    let ScopePair {
        isolation, current, ..
    } = crate::scope::with_pair(ScopePair::clone);
    let current = if scope.is_global() || scope.ptr_eq(&isolation) {
        &current
    } else {
        scope
    };
    capture_in(&isolation, current, source, configure)
}

/// What one capture changes for its event alone.
pub(crate) enum PerEvent<'a> {
    /// A `capture_*_with` closure, which edits the task's scopes merged into one.
    Closure(&'a mut dyn FnMut(&Scope)),
    /// The span the event belongs to, in place of the active one.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    Span(Span),
}

/// Captures an event made after the fact (see [`EventSource::Caught`]) with the running
/// task's scopes.
#[cfg(feature = "tower")]
pub(crate) fn capture_caught(event: Event) -> Option<EventId> {
    capture_ambient(EventSource::Caught(Box::new(event)), None)
}

/// Captures with the task's own scopes.
#[inline]
pub(crate) fn capture_ambient(
    source: EventSource<'_>,
    configure: Option<PerEvent<'_>>,
) -> Option<EventId> {
    // Only this check is inlined into callers: with no client it is all a capture costs.
    if !crate::scope::any_client_bound() {
        return None;
    }
    capture_bound(source, configure)
}

fn capture_bound(source: EventSource<'_>, configure: Option<PerEvent<'_>>) -> Option<EventId> {
    let ScopePair {
        isolation, current, ..
    } = crate::scope::with_pair(ScopePair::clone);
    capture_in(&isolation, &current, source, configure)
}

fn capture_in(
    isolation: &Scope,
    current: &Scope,
    source: EventSource<'_>,
    configure: Option<PerEvent<'_>>,
) -> Option<EventId> {
    let client = resolve_client(current, isolation)?;
    client.capture(source, isolation, current, configure)
}

/// What the client a scope resolves to does with breadcrumbs, learned without taking a
/// reference to the client (the common routes) and without running user code.
pub(crate) enum CrumbRoute {
    /// No enabled client: nothing is built or kept.
    Drop,
    /// Kept as they are, the newest this many.
    Keep(usize),
    /// The client's `before_breadcrumb` sees each one first.
    Ask(Arc<ClientInner>),
}

impl CrumbRoute {
    /// How many breadcrumbs a scope keeps on this route: the client's `max_breadcrumbs`, or
    /// the default when no enabled client is bound.
    pub(crate) fn cap(&self) -> usize {
        match self {
            CrumbRoute::Drop => options::DEFAULT_MAX_BREADCRUMBS,
            CrumbRoute::Keep(cap) => *cap,
            CrumbRoute::Ask(client) => client.options.max_breadcrumbs,
        }
    }

    /// The route of the client `current` and `isolation` resolve to: current → isolation →
    /// global.
    pub(crate) fn resolve(current: &Scope, isolation: &Scope) -> CrumbRoute {
        with_resolved(current, isolation, ClientInner::crumb_route).unwrap_or(CrumbRoute::Drop)
    }

    /// The route of the client bound to `scope` itself, if one is.
    pub(crate) fn bound_to(scope: &Scope) -> Option<CrumbRoute> {
        scope.with_bound_client(ClientInner::crumb_route)
    }

    /// The route of the running task's scopes.
    pub(crate) fn ambient() -> CrumbRoute {
        if !crate::scope::any_client_bound() {
            return CrumbRoute::Drop;
        }
        crate::scope::with_pair(|p| CrumbRoute::resolve(&p.current, &p.isolation))
    }

    /// Adds `crumbs` to `target`, or to the running task's isolation scope when `None`. A
    /// closure and `before_breadcrumb` run here, outside every scope lock.
    pub(crate) fn add(
        self,
        target: Option<&Scope>,
        crumbs: impl IntoBreadcrumbs,
        hint: Option<&Hint>,
    ) {
        let push = |crumb, cap| match target {
            Some(scope) => scope.push_breadcrumb(crumb, cap),
            None => crate::scope::with_pair(|p| p.isolation.push_breadcrumb(crumb, cap)),
        };
        match self {
            CrumbRoute::Drop => {}
            CrumbRoute::Keep(cap) => {
                for crumb in crumbs.into_breadcrumbs() {
                    push(crumb, cap);
                }
            }
            CrumbRoute::Ask(client) => {
                let Some(before) = &client.options.before_breadcrumb else {
                    return;
                };
                for crumb in crumbs.into_breadcrumbs() {
                    if let Some(Some(crumb)) = guarded("before_breadcrumb", || before(crumb, hint))
                    {
                        push(crumb, client.options.max_breadcrumbs);
                    }
                }
            }
        }
    }

    /// Adds a breadcrumb recorded by the tracing layer to the running task's isolation
    /// scope. It is kept as recorded, and becomes a [`Breadcrumb`](crate::Breadcrumb) here only for a
    /// `before_breadcrumb` to see.
    #[cfg(feature = "tracing")]
    pub(crate) fn add_traced(self, crumb: crate::scope::TracedCrumb) {
        match self {
            CrumbRoute::Drop => {}
            CrumbRoute::Keep(cap) => {
                crate::scope::with_pair(|p| p.isolation.push_breadcrumb(crumb, cap));
            }
            route @ CrumbRoute::Ask(_) => route.add(None, crumb.to_breadcrumb(), None),
        }
    }
}

/// The client the running task resolves to, if any.
pub(crate) fn current_client() -> Option<Client> {
    current_inner().map(Client::from_inner)
}

/// The client of the running task's scopes; returns at once when none is bound anywhere.
pub(crate) fn current_inner() -> Option<Arc<ClientInner>> {
    with_current_client(Arc::clone)
}

/// Runs `f` with the client of the running task's scopes, where it is bound: no reference to
/// it is taken unless `f` takes one (every task shares the client's count, so taking one per
/// span or event would make threads contend for it).
pub(crate) fn with_current_client<R>(f: impl Fn(&Arc<ClientInner>) -> R) -> Option<R> {
    if !crate::scope::any_client_bound() {
        return None;
    }
    crate::scope::with_pair(|p| with_resolved(&p.current, &p.isolation, f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_errors_behind_dyn_error_are_named_by_their_public_paths() {
        let int = "x".parse::<i32>().unwrap_err();
        let float = "x".parse::<f64>().unwrap_err();
        let bytes = vec![b'a', 0xff];
        let utf8 = std::str::from_utf8(&bytes).unwrap_err();
        let errors: [&(dyn Error + 'static); 4] = [&int, &float, &utf8, &std::fmt::Error];
        let names: Vec<_> = errors.iter().map(|e| error_type_name(*e)).collect();
        assert_eq!(
            names,
            [
                "std::num::ParseIntError",
                "std::num::ParseFloatError",
                "std::str::Utf8Error",
                "std::fmt::Error"
            ]
        );
    }

    #[test]
    fn a_captured_errors_stack_is_symbolized_by_the_pipeline_not_the_capturing_task() {
        let err = "x".parse::<i32>().unwrap_err();
        let (mut event, stack) = EventSource::Error(&ErrorRef(&err)).into_event(true);
        assert!(event.exceptions.last().unwrap().stacktrace.is_none());
        let stack = stack.expect("attach_stacktrace takes a stack");
        std::thread::spawn(move || {
            attach_stack(&mut event, stack);
            let frames = &event
                .exceptions
                .last()
                .unwrap()
                .stacktrace
                .as_ref()
                .unwrap()
                .frames;
            assert!(!frames.is_empty());
        })
        .join()
        .unwrap();
        // Without `attach_stacktrace`, no stack is taken.
        let (_, stack) = EventSource::Error(&ErrorRef(&err)).into_event(false);
        assert!(stack.is_none());
        // Nor for an event made after the fact (a caught panic), a transaction, or an event
        // that has its stack already; a message with no thread gets one.
        let (_, stack) = EventSource::Caught(Box::new(Event::new())).into_event(true);
        assert!(stack.is_none());
        let mut tx = Event::new();
        tx.ty = Some("transaction".into());
        assert!(EventSource::event(tx).into_event(true).1.is_none());
        let mut threaded = Event::new();
        threaded.threads.push(crate::protocol::Thread::default());
        assert!(EventSource::event(threaded).into_event(true).1.is_none());
        assert!(
            EventSource::event(Event::new())
                .into_event(true)
                .1
                .is_some()
        );
    }

    #[test]
    fn a_panic_inside_the_pipeline_is_contained_and_its_event_counted() {
        let options = ClientOptions::new().json_lines(crate::transport::JsonLinesTarget::Stderr);
        let client = Client::new(options);
        let job = Box::new(Job {
            client: client.inner.clone(),
            payload: Payload::Event(Box::new(Event::new())),
            global: Arc::default(),
            isolation: ScopeData::default(),
            current: ScopeData::default(),
            scopes: ScopePair::new(Scope::new(), Scope::new()),
            dsc: None,
            span_transaction: None,
            stack: None,
        });
        let sent = client
            .inner
            .process_contained(job, |_| panic!("a bug in the pipeline"));
        assert!(!sent);
        let dropped = client.discarded_events();
        assert_eq!(dropped.len(), 1, "{dropped:?}");
        assert_eq!(
            (
                &*dropped[0].reason,
                &*dropped[0].category,
                dropped[0].quantity
            ),
            (reason::INTERNAL_SDK_ERROR, "error", 1)
        );
    }

    #[test]
    fn a_stack_taken_at_capture_does_not_replace_one_the_event_has() {
        let mut event = Event::new();
        let own = crate::protocol::Stacktrace {
            frames: vec![crate::protocol::Frame {
                function: Some("mine".into()),
                ..Default::default()
            }],
        };
        event.exceptions = vec![Exception {
            stacktrace: Some(own.clone()),
            ..Exception::default()
        }];
        attach_stack(&mut event, stacktrace::Unresolved::capture());
        assert_eq!(event.exceptions[0].stacktrace.as_ref(), Some(&own));
    }

    #[test]
    fn os_release_fields_are_read_quoted_or_not() {
        let text = "NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\nID_LIKE=\n\
                    PRETTY_NAME='Debian 12'\nVARIANT=\"the \\\"server\\\" one\"\n\
                    VARIANT_ID=old\nVARIANT_ID=new\n";
        let field = |key| os_release_field(text, key);
        assert_eq!(field("ID").as_deref(), Some("debian"));
        assert_eq!(field("VERSION_ID").as_deref(), Some("12"));
        assert_eq!(field("PRETTY_NAME").as_deref(), Some("Debian 12"));
        assert_eq!(field("VARIANT").as_deref(), Some("the \"server\" one"));
        assert_eq!(field("VARIANT_ID").as_deref(), Some("new"), "the last wins");
        // `ID` is not `ID_LIKE`, and an empty value is no value.
        assert_eq!(field("ID_LIKE"), None);
        assert_eq!(field("VERSION"), None);
        assert_eq!(os_name("macos"), "macOS");
        assert_eq!(os_name("haiku"), "haiku");
    }
}
