use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::protocol::{Breadcrumb, Event};
use crate::scope::Hint;
use crate::trace::SamplingContext;
use crate::transport::{JsonLinesTarget, Transport};

pub(crate) type BeforeSend = Arc<dyn Fn(Event) -> Option<Event> + Send + Sync>;
pub(crate) type TracesSampler = Arc<dyn Fn(&SamplingContext<'_>) -> f64 + Send + Sync>;
pub(crate) type BeforeBreadcrumb =
    Arc<dyn Fn(Breadcrumb, Option<&Hint>) -> Option<Breadcrumb> + Send + Sync>;

/// `max_breadcrumbs` unless set, as in the Sentry SDKs.
pub(crate) const DEFAULT_MAX_BREADCRUMBS: usize = 100;
const DEFAULT_QUEUE_SIZE: usize = 1024;
/// `max_attachment_size` unless set: 20 MiB, as in the Sentry SDKs.
const DEFAULT_MAX_ATTACHMENT_SIZE: usize = 20 * 1024 * 1024;

/// How a client behaves: where it sends, what it adds, what it drops.
///
/// Built with setters; every option has the default the Sentry SDKs use.
/// [`init`](crate::init) also reads `SENTRY_DSN`, `SENTRY_RELEASE` and `SENTRY_ENVIRONMENT`
/// (and `SENTRY_SAMPLE_RATE`, `SENTRY_TRACES_SAMPLE_RATE`, `SENTRY_DEBUG`) for the options
/// not set in code.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use scopeline::ClientOptions;
///
/// let options = ClientOptions::new()
///     .release("checkout@1.4.2")
///     .environment("staging")
///     .sample_rate(0.5)
///     .max_breadcrumbs(50)
///     .shutdown_timeout(Duration::from_secs(5))
///     .before_send(|mut event| {
///         event.tags.insert("team".into(), "payments".into());
///         Some(event)
///     });
/// assert_eq!(options.get_max_breadcrumbs(), 50);
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientOptions {
    pub(crate) dsn: Option<String>,
    pub(crate) release: Option<Cow<'static, str>>,
    pub(crate) environment: Option<Cow<'static, str>>,
    pub(crate) server_name: Option<Cow<'static, str>>,
    pub(crate) dist: Option<Cow<'static, str>>,
    pub(crate) sample_rate: f64,
    /// Whether `sample_rate` was called (`init` then leaves `SENTRY_SAMPLE_RATE` unread).
    pub(crate) sample_rate_set: bool,
    pub(crate) max_breadcrumbs: usize,
    pub(crate) max_attachment_size: usize,
    pub(crate) before_send: Option<BeforeSend>,
    pub(crate) before_breadcrumb: Option<BeforeBreadcrumb>,
    pub(crate) send_default_pii: bool,
    pub(crate) attach_stacktrace: bool,
    pub(crate) shutdown_timeout: Duration,
    pub(crate) debug: bool,
    /// Whether `debug` was called (`init` then leaves `SENTRY_DEBUG` unread).
    pub(crate) debug_set: bool,
    pub(crate) transport: Option<Arc<dyn Transport>>,
    pub(crate) json_lines: Option<JsonLinesTarget>,
    pub(crate) capture_panics: bool,
    pub(crate) queue_size: usize,
    /// Whether `queue_size` was called (the test helpers keep an explicit size).
    pub(crate) queue_size_set: bool,
    pub(crate) traces_sample_rate: Option<f64>,
    pub(crate) traces_sampler: Option<TracesSampler>,
    pub(crate) before_send_transaction: Option<BeforeSend>,
    pub(crate) send_client_reports: bool,
    pub(crate) http_timeout: Duration,
    pub(crate) http_compression: bool,
    pub(crate) ca_certs: Option<std::path::PathBuf>,
    pub(crate) in_app_include: Vec<String>,
    pub(crate) in_app_exclude: Vec<String>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            dsn: None,
            release: None,
            environment: None,
            server_name: None,
            dist: None,
            sample_rate: 1.0,
            sample_rate_set: false,
            max_breadcrumbs: DEFAULT_MAX_BREADCRUMBS,
            max_attachment_size: DEFAULT_MAX_ATTACHMENT_SIZE,
            before_send: None,
            before_breadcrumb: None,
            send_default_pii: false,
            attach_stacktrace: false,
            shutdown_timeout: Duration::from_secs(2),
            debug: false,
            debug_set: false,
            transport: None,
            json_lines: None,
            capture_panics: true,
            queue_size: DEFAULT_QUEUE_SIZE,
            queue_size_set: false,
            traces_sample_rate: None,
            traces_sampler: None,
            before_send_transaction: None,
            send_client_reports: true,
            http_timeout: Duration::from_secs(30),
            http_compression: true,
            ca_certs: None,
            in_app_include: Vec::new(),
            in_app_exclude: Vec::new(),
        }
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dsn = self.get_dsn().map(|d| {
            d.parse::<super::Dsn>()
                .map_or_else(|_| "<invalid>".to_owned(), |d| d.to_string())
        });
        f.debug_struct("ClientOptions")
            .field("dsn", &dsn)
            .field("release", &self.release)
            .field("environment", &self.environment)
            .field("server_name", &self.server_name)
            .field("dist", &self.dist)
            .field("sample_rate", &self.sample_rate)
            .field("max_breadcrumbs", &self.max_breadcrumbs)
            .field("max_attachment_size", &self.max_attachment_size)
            .field("before_send", &self.before_send.is_some())
            .field("before_breadcrumb", &self.before_breadcrumb.is_some())
            .field("send_default_pii", &self.send_default_pii)
            .field("attach_stacktrace", &self.attach_stacktrace)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("debug", &self.debug)
            .field("transport", &self.transport.is_some())
            .field("json_lines", &self.json_lines)
            .field("capture_panics", &self.capture_panics)
            .field("queue_size", &self.queue_size)
            .field("send_client_reports", &self.send_client_reports)
            .field("http_timeout", &self.http_timeout)
            .field("http_compression", &self.http_compression)
            .field("ca_certs", &self.ca_certs)
            .field("in_app_include", &self.in_app_include)
            .field("in_app_exclude", &self.in_app_exclude)
            .field("traces_sample_rate", &self.traces_sample_rate)
            .field("traces_sampler", &self.traces_sampler.is_some())
            .field(
                "before_send_transaction",
                &self.before_send_transaction.is_some(),
            )
            .finish()
    }
}

impl ClientOptions {
    /// Options with every default: no DSN (nothing is sent), sample rate 1, 100 breadcrumbs,
    /// no personal data, a 2 s shutdown timeout.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scopeline::ClientOptions;
    ///
    /// let options = ClientOptions::new();
    /// assert_eq!(options.get_dsn(), None);
    /// assert_eq!(options.get_sample_rate(), 1.0);
    /// assert_eq!(options.get_max_breadcrumbs(), 100);
    /// assert!(!options.get_send_default_pii());
    /// assert_eq!(options.get_shutdown_timeout(), Duration::from_secs(2));
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Where to send events, as a DSN (`https://KEY@host/PROJECT_ID`). It is checked when the
    /// client is made: an invalid DSN makes [`try_init`](crate::try_init) fail with the reason.
    /// An empty string means no DSN, and `init` then does not read `SENTRY_DSN` either: a way
    /// to turn sending off in code.
    ///
    /// ```
    /// let options = scopeline::ClientOptions::new().dsn("");
    /// assert_eq!(options.get_dsn(), None);
    /// ```
    pub fn dsn(mut self, dsn: impl Into<String>) -> Self {
        // Kept empty rather than `None`: "set to nothing" is not "not set".
        self.dsn = Some(dsn.into().trim().to_owned());
        self
    }

    /// The release, such as `my-app@1.2.3` or a git SHA.
    ///
    /// ```
    /// let options = scopeline::ClientOptions::new().release("checkout@1.4.2");
    /// assert_eq!(options.get_release(), Some("checkout@1.4.2"));
    /// ```
    pub fn release(mut self, release: impl Into<Cow<'static, str>>) -> Self {
        self.release = Some(release.into());
        self
    }

    /// The environment. Unset (here and, for [`init`](crate::init), in `SENTRY_ENVIRONMENT`),
    /// it is `development` when scopeline is built with debug assertions (`cargo run`,
    /// `cargo test` with the default profiles) and `production` otherwise, as in the official
    /// Rust SDK, so events from a developer's machine do not land in production's alerts.
    ///
    /// ```
    /// let options = scopeline::ClientOptions::new().environment("staging");
    /// assert_eq!(options.get_environment(), Some("staging"));
    /// ```
    pub fn environment(mut self, environment: impl Into<Cow<'static, str>>) -> Self {
        self.environment = Some(environment.into());
        self
    }

    /// The server name; the host name when unset.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use scopeline::{protocol::Envelope, transport::{SendError, Transport}};
    /// # #[derive(Debug, Default, Clone)] struct Memory(Arc<Mutex<Vec<Envelope>>>);
    /// # impl Transport for Memory {
    /// #     fn send_envelope(&self, e: Envelope) -> Result<(), SendError> { self.0.lock().unwrap().push(e); Ok(()) }
    /// # }
    /// use scopeline::{Client, ClientOptions, Level, Scope};
    ///
    /// let memory = Memory::default();
    /// let client = Client::new(ClientOptions::new().server_name("web-1").transport(memory.clone()));
    /// let scope = Scope::new();
    /// scope.bind_client(Some(client.clone()));
    /// scope.capture_message("hello", Level::Info);
    /// client.flush(std::time::Duration::from_secs(5)).unwrap();
    /// let sent = memory.0.lock().unwrap();
    /// assert_eq!(sent[0].event().unwrap().server_name.as_deref(), Some("web-1"));
    /// ```
    pub fn server_name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.server_name = Some(name.into());
        self
    }

    /// The distribution (build variant) of the release.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use scopeline::{protocol::Envelope, transport::{SendError, Transport}};
    /// # #[derive(Debug, Default, Clone)] struct Memory(Arc<Mutex<Vec<Envelope>>>);
    /// # impl Transport for Memory {
    /// #     fn send_envelope(&self, e: Envelope) -> Result<(), SendError> { self.0.lock().unwrap().push(e); Ok(()) }
    /// # }
    /// use scopeline::{Client, ClientOptions, Level, Scope};
    ///
    /// let memory = Memory::default();
    /// let client = Client::new(ClientOptions::new().dist("arm64").transport(memory.clone()));
    /// let scope = Scope::new();
    /// scope.bind_client(Some(client.clone()));
    /// scope.capture_message("hello", Level::Info);
    /// client.flush(std::time::Duration::from_secs(5)).unwrap();
    /// let sent = memory.0.lock().unwrap();
    /// assert_eq!(sent[0].event().unwrap().dist.as_deref(), Some("arm64"));
    /// ```
    pub fn dist(mut self, dist: impl Into<Cow<'static, str>>) -> Self {
        self.dist = Some(dist.into());
        self
    }

    /// The share of error events to send, from 0.0 (none) to 1.0 (all, the default).
    ///
    /// The draw happens first, before the scopes are merged or anything is built, so a
    /// sampled-out event costs almost nothing. (Both reference SDKs sample last; scopeline
    /// differs on purpose: `before_send` never sees an event the draw drops.)
    /// Values outside 0..=1 are clamped; NaN counts as 0.
    ///
    /// ```
    /// use scopeline::ClientOptions;
    ///
    /// assert_eq!(ClientOptions::new().sample_rate(0.25).get_sample_rate(), 0.25);
    /// assert_eq!(ClientOptions::new().sample_rate(1.5).get_sample_rate(), 1.0);
    /// assert_eq!(ClientOptions::new().sample_rate(f64::NAN).get_sample_rate(), 0.0);
    /// ```
    pub fn sample_rate(mut self, rate: f64) -> Self {
        self.sample_rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        };
        self.sample_rate_set = true;
        self
    }

    /// How many breadcrumbs an event carries at most (100 by default). The cap holds per scope
    /// and again after the scopes are merged.
    ///
    /// ```
    /// use scopeline::{Breadcrumb, Client, ClientOptions, Scope, transport::JsonLinesTarget};
    ///
    /// let options = ClientOptions::new().max_breadcrumbs(2).json_lines(JsonLinesTarget::Stderr);
    /// let scope = Scope::new();
    /// scope.bind_client(Some(Client::new(options)));
    /// for step in ["a", "b", "c"] {
    ///     scope.add_breadcrumb(Breadcrumb::new(step));
    /// }
    /// let kept = scope.breadcrumbs();
    /// assert_eq!(kept.len(), 2);
    /// assert_eq!(kept[0].message.as_deref(), Some("b"));
    /// ```
    pub fn max_breadcrumbs(mut self, max: usize) -> Self {
        self.max_breadcrumbs = max;
        self
    }

    /// The largest attachment, in bytes, an event takes along (20 MiB by default, as in the
    /// Sentry SDKs). A larger one is left out and its bytes counted as dropped under
    /// `send_error`, the outcome the server's `413 Payload Too Large` would have given
    /// it; its event, and the event's other attachments, are still sent. (Sentry takes at
    /// most 20 MB per compressed request: keep attachments well under that.)
    ///
    /// ```
    /// use scopeline::ClientOptions;
    ///
    /// assert_eq!(ClientOptions::new().get_max_attachment_size(), 20 * 1024 * 1024);
    /// let options = ClientOptions::new().max_attachment_size(1024 * 1024);
    /// assert_eq!(options.get_max_attachment_size(), 1024 * 1024);
    /// ```
    pub fn max_attachment_size(mut self, bytes: usize) -> Self {
        self.max_attachment_size = bytes;
        self
    }

    /// A last look at every error and message event before it is sent: return `None` to drop
    /// it. Runs after event processors, with no lock held; a panic drops the event and is
    /// counted under `before_send`. It runs on the client's pipeline thread, not on the
    /// capturing task: scopeline's scopes are there, your own task-locals, thread-locals
    /// and the current `tracing` span are not: put what it needs on the scope (a tag, a
    /// context) where the event is captured.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scopeline::{Client, ClientOptions, Level, Scope};
    /// # use scopeline::{protocol::Envelope, transport::{SendError, Transport}};
    /// # #[derive(Debug)] struct Sink;
    /// # impl Transport for Sink { fn send_envelope(&self, _: Envelope) -> Result<(), SendError> { Ok(()) } }
    ///
    /// let options = ClientOptions::new().transport(Sink).before_send(|event| {
    ///     // Drop health-check noise, send the rest.
    ///     (event.message.as_deref() != Some("health check")).then_some(event)
    /// });
    /// let client = Client::new(options);
    /// let scope = Scope::new();
    /// scope.bind_client(Some(client.clone()));
    /// scope.capture_message("health check", Level::Info);
    /// client.flush(Duration::from_secs(5)).unwrap();
    /// assert_eq!(client.discarded_events()[0].reason, "before_send");
    /// ```
    pub fn before_send<F>(mut self, f: F) -> Self
    where
        F: Fn(Event) -> Option<Event> + Send + Sync + 'static,
    {
        self.before_send = Some(Arc::new(f));
        self
    }

    /// The share of transactions to send, from 0 to 1. Unset (the default, unless
    /// [`init`](crate::init) finds `SENTRY_TRACES_SAMPLE_RATE`), tracing is off:
    /// transactions are unsampled and cost almost nothing (even in a trace upstream sampled),
    /// and errors still carry their trace. Set, upstream sampling decisions of a continued
    /// trace win over this rate. Values outside 0..=1 are clamped, as for
    /// [`sample_rate`](Self::sample_rate); NaN counts as 0.
    ///
    /// ```
    /// use scopeline::ClientOptions;
    ///
    /// let options = ClientOptions::new().traces_sample_rate(0.2);
    /// assert_eq!(options.get_traces_sample_rate(), Some(0.2));
    /// let all = ClientOptions::new().traces_sample_rate(f64::INFINITY);
    /// assert_eq!(all.get_traces_sample_rate(), Some(1.0));
    /// let none = ClientOptions::new().traces_sample_rate(f64::NAN);
    /// assert_eq!(none.get_traces_sample_rate(), Some(0.0));
    /// ```
    pub fn traces_sample_rate(mut self, rate: f64) -> Self {
        self.traces_sample_rate = Some(if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        });
        self
    }

    /// Decides the sample rate of each new transaction (overrides `traces_sample_rate`, and
    /// sees upstream's decision in [`SamplingContext::parent_sampled`]). A sampler that panics
    /// decides nothing: upstream's decision stands, else `traces_sample_rate` applies.
    ///
    /// ```
    /// use scopeline::{Client, ClientOptions, TransactionContext};
    /// # use scopeline::{protocol::Envelope, transport::{SendError, Transport}};
    /// # #[derive(Debug)] struct Sink;
    /// # impl Transport for Sink { fn send_envelope(&self, _: Envelope) -> Result<(), SendError> { Ok(()) } }
    ///
    /// let options = ClientOptions::new()
    ///     .transport(Sink)
    ///     .traces_sampler(|ctx| if ctx.name() == "healthz" { 0.0 } else { 1.0 });
    /// let client = Client::new(options);
    /// scopeline::with_isolation_scope(|scope| {
    ///     scope.bind_client(Some(client));
    ///     let health = scopeline::start_transaction(TransactionContext::new("healthz", "http.server"));
    ///     let checkout = scopeline::start_transaction(TransactionContext::new("checkout", "http.server"));
    ///     assert!(!health.is_sampled());
    ///     assert!(checkout.is_sampled());
    /// });
    /// ```
    pub fn traces_sampler<F>(mut self, f: F) -> Self
    where
        F: Fn(&SamplingContext<'_>) -> f64 + Send + Sync + 'static,
    {
        self.traces_sampler = Some(Arc::new(f));
        self
    }

    /// A last look at every transaction before it is sent (`before_send` sees only errors and
    /// messages): return `None` to drop it. A panic drops the transaction.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scopeline::{Client, ClientOptions, TransactionContext};
    /// # use scopeline::{protocol::Envelope, transport::{SendError, Transport}};
    /// # #[derive(Debug)] struct Sink;
    /// # impl Transport for Sink { fn send_envelope(&self, _: Envelope) -> Result<(), SendError> { Ok(()) } }
    ///
    /// let options = ClientOptions::new()
    ///     .transport(Sink)
    ///     .traces_sample_rate(1.0)
    ///     .before_send_transaction(|tx| (tx.transaction.as_deref() != Some("healthz")).then_some(tx));
    /// let client = Client::new(options);
    /// scopeline::with_isolation_scope(|scope| {
    ///     scope.bind_client(Some(client.clone()));
    ///     scopeline::start_transaction(TransactionContext::new("healthz", "http.server")).finish();
    /// });
    /// client.flush(Duration::from_secs(5)).unwrap();
    /// assert!(client.discarded_events().iter().any(|d| d.reason == "before_send" && d.category == "transaction"));
    /// ```
    pub fn before_send_transaction<F>(mut self, f: F) -> Self
    where
        F: Fn(Event) -> Option<Event> + Send + Sync + 'static,
    {
        self.before_send_transaction = Some(Arc::new(f));
        self
    }

    /// A look at every breadcrumb before it is stored: return `None` to drop it. A panic drops
    /// the breadcrumb.
    ///
    /// ```
    /// use scopeline::{Breadcrumb, Client, ClientOptions, Scope, transport::JsonLinesTarget};
    ///
    /// let options = ClientOptions::new()
    ///     .json_lines(JsonLinesTarget::Stderr)
    ///     .before_breadcrumb(|crumb, _hint| (crumb.category.as_deref() != Some("noise")).then_some(crumb));
    /// let scope = Scope::new();
    /// scope.bind_client(Some(Client::new(options)));
    /// scope.add_breadcrumb(Breadcrumb::new("tick").with_category("noise"));
    /// scope.add_breadcrumb(Breadcrumb::new("order paid"));
    /// let kept = scope.breadcrumbs();
    /// assert_eq!(kept.len(), 1);
    /// assert_eq!(kept[0].message.as_deref(), Some("order paid"));
    /// ```
    pub fn before_breadcrumb<F>(mut self, f: F) -> Self
    where
        F: Fn(Breadcrumb, Option<&Hint>) -> Option<Breadcrumb> + Send + Sync + 'static,
    {
        self.before_breadcrumb = Some(Arc::new(f));
        self
    }

    /// Whether integrations may collect personal data automatically (IP addresses, cookies,
    /// user fields of tracing spans). Off by default. Data you set yourself is always sent.
    ///
    /// ```
    /// let options = scopeline::ClientOptions::new().send_default_pii(true);
    /// assert!(options.get_send_default_pii());
    /// ```
    pub fn send_default_pii(mut self, on: bool) -> Self {
        self.send_default_pii = on;
        self
    }

    /// Whether to attach the stack an event was captured from to every event that has none
    /// (off by default; panics always get one), as the other SDKs do: an error's goes on its
    /// outermost exception, a message's (`capture_message`, `capture_event`, a
    /// `tracing::error!` with no error field) on the thread it was captured on
    /// ([`Event::threads`](crate::protocol::Event::threads)), which Sentry then groups by
    /// stack rather than by message text. The capturing task only walks its stack; turning
    /// addresses into function names and lines, the costly part, is done on the client's
    /// pipeline thread (for a panic that may end the process, on the panicking thread),
    /// before event processors and `before_send` see the event.
    ///
    /// ```
    /// let options = scopeline::ClientOptions::new().attach_stacktrace(true);
    /// assert!(format!("{options:?}").contains("attach_stacktrace: true"));
    /// ```
    pub fn attach_stacktrace(mut self, on: bool) -> Self {
        self.attach_stacktrace = on;
        self
    }

    /// Module path prefixes of the application's own code: a stack frame whose function
    /// starts with one is marked `in_app`, whatever scopeline would guess. A prefix matches
    /// at a path boundary (`my_app` is not `my_app_ext`), names crates as Rust paths do
    /// (`my_app`, not `my-app`), and covers methods of its types
    /// (`<my_app::Order as Debug>::fmt`). Takes precedence over
    /// [`in_app_exclude`](Self::in_app_exclude); calling it again replaces the list. Applies
    /// to the frames of every event the client sends, yours included.
    ///
    /// Without it, a frame is the application's unless its function is the standard
    /// library's, a well-known runtime's or framework's, or scopeline's, or its file a
    /// dependency's or scopeline's own. A frame with no file in a trace where any frame has
    /// one (inlined code), and a frame with no name (`<unknown>`), are left unknown; where no
    /// frame has a file (a release build without line tables), the name alone decides.
    ///
    /// ```
    /// let options = scopeline::ClientOptions::new().in_app_include(["my_service", "my_lib"]);
    /// assert!(format!("{options:?}").contains(r#"in_app_include: ["my_service", "my_lib"]"#));
    /// ```
    pub fn in_app_include<I>(mut self, prefixes: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.in_app_include = prefixes.into_iter().map(Into::into).collect();
        self
    }

    /// Module path prefixes that are not the application's code (a vendored crate, a
    /// framework built from a path dependency): frames whose function starts with one are
    /// marked not `in_app`, unless [`in_app_include`](Self::in_app_include) names them.
    /// Prefixes match as for `in_app_include`; calling it again replaces the list.
    ///
    /// ```
    /// let options = scopeline::ClientOptions::new().in_app_exclude(["axum", "hyper"]);
    /// assert!(format!("{options:?}").contains(r#"in_app_exclude: ["axum", "hyper"]"#));
    /// ```
    pub fn in_app_exclude<I>(mut self, prefixes: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.in_app_exclude = prefixes.into_iter().map(Into::into).collect();
        self
    }

    /// How long dropping the [`ClientInitGuard`](crate::ClientInitGuard) waits for queued
    /// events to be delivered (2 s by default).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let options = scopeline::ClientOptions::new().shutdown_timeout(Duration::from_secs(5));
    /// assert_eq!(options.get_shutdown_timeout(), Duration::from_secs(5));
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Whether to log what the SDK decides through `tracing`: drops under the target
    /// `scopeline`, HTTP deliveries, refusals and rate limits under `scopeline::transport`
    /// (filter them like any other target). The DSN's secret is never logged. A 413 (envelope
    /// too large) is logged as an error even with this off.
    ///
    /// ```
    /// let options = scopeline::ClientOptions::new().debug(true);
    /// assert!(format!("{options:?}").contains("debug: true"));
    /// ```
    pub fn debug(mut self, on: bool) -> Self {
        self.debug = on;
        self.debug_set = true;
        self
    }

    /// Whether to tell the server what the SDK dropped (client reports: counts by reason and
    /// category, riding on later envelopes or sent on flush). On by default.
    ///
    /// ```
    /// let options = scopeline::ClientOptions::new().send_client_reports(false);
    /// # drop(options);
    /// ```
    pub fn send_client_reports(mut self, on: bool) -> Self {
        self.send_client_reports = on;
        self
    }

    /// How long the HTTP transport gives one request, connecting included (30 s by default).
    /// A request that runs out of time counts its items as `network_error`; nothing is
    /// retried, so nothing arrives twice.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let options = scopeline::ClientOptions::new().http_timeout(Duration::from_secs(5));
    /// # drop(options);
    /// ```
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self
    }

    /// Whether the HTTP transport gzips request bodies (on by default). Gzip makes an event's
    /// envelope about a quarter of its size for some microseconds of CPU on the transport's
    /// thread; turn it off when the server is on the same host or network and CPU is what
    /// is scarce.
    ///
    /// ```
    /// let options = scopeline::ClientOptions::new().http_compression(false);
    /// # drop(options);
    /// ```
    pub fn http_compression(mut self, on: bool) -> Self {
        self.http_compression = on;
        self
    }

    /// Trusts the CA certificates in this PEM file, instead of the built-in roots, for the
    /// HTTP transport's TLS connections: for a self-hosted Sentry, GlitchTip or Bugsink behind
    /// an internal CA. The file is read by [`try_init`](crate::try_init) (and
    /// [`Client::try_new`](crate::Client::try_new)); an unreadable file, or one without a
    /// certificate, is an error there that names the file.
    ///
    /// ```
    /// let options = scopeline::ClientOptions::new().ca_certs("/etc/ssl/internal-ca.pem");
    /// # drop(options);
    /// ```
    pub fn ca_certs(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.ca_certs = Some(path.into());
        self
    }

    /// Sends envelopes through this transport instead of the one the DSN would pick.
    ///
    /// ```
    /// use scopeline::{Client, ClientOptions};
    /// # use scopeline::{protocol::Envelope, transport::{SendError, Transport}};
    /// # #[derive(Debug)] struct Sink;
    /// # impl Transport for Sink { fn send_envelope(&self, _: Envelope) -> Result<(), SendError> { Ok(()) } }
    ///
    /// // No DSN, yet the client sends: through the transport.
    /// assert!(Client::new(ClientOptions::new().transport(Sink)).is_enabled());
    /// ```
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// When no DSN is configured (in code or in `SENTRY_DSN`), writes every event as one JSON
    /// line to `target` instead of dropping it. A DSN, when set, wins.
    ///
    /// What this sink loses is counted in [`Client::discarded_events`](crate::Client::discarded_events):
    /// an event it cannot write (a full disk, a closed pipe) as `send_error`, one it cannot
    /// serialize as `internal_sdk_error`, and the spans shed from a transaction over Sentry's
    /// size limit as `buffer_overflow`.
    ///
    /// ```
    /// use scopeline::{ClientOptions, transport::JsonLinesTarget};
    ///
    /// let options = ClientOptions::new().json_lines(JsonLinesTarget::Stdout);
    /// # drop(options);
    /// ```
    pub fn json_lines(mut self, target: JsonLinesTarget) -> Self {
        self.json_lines = Some(target);
        self
    }

    /// Whether [`init`](crate::init) installs the panic hook that captures panics as fatal
    /// events (on by default). Off, this client gets no panic events from the hook even when
    /// another client's `init` installed it.
    ///
    /// ```
    /// let options = scopeline::ClientOptions::new().capture_panics(false);
    /// assert!(format!("{options:?}").contains("capture_panics: false"));
    /// ```
    pub fn capture_panics(mut self, on: bool) -> Self {
        self.capture_panics = on;
        self
    }

    /// How many events the client's pipeline thread, and envelopes its background transport,
    /// each queue before they drop and count more (1024 by default).
    ///
    /// ```
    /// // At least one.
    /// let options = scopeline::ClientOptions::new().queue_size(0);
    /// assert!(format!("{options:?}").contains("queue_size: 1,"));
    /// ```
    pub fn queue_size(mut self, size: usize) -> Self {
        self.queue_size = size.max(1);
        self.queue_size_set = true;
        self
    }

    /// The DSN, as configured.
    ///
    /// ```
    /// use scopeline::ClientOptions;
    ///
    /// let options = ClientOptions::new().dsn(" https://key@o1.ingest.sentry.io/42\n");
    /// assert_eq!(options.get_dsn(), Some("https://key@o1.ingest.sentry.io/42"));
    /// assert_eq!(ClientOptions::new().get_dsn(), None);
    /// ```
    pub fn get_dsn(&self) -> Option<&str> {
        self.dsn.as_deref().filter(|d| !d.is_empty())
    }

    /// The release.
    ///
    /// ```
    /// use scopeline::ClientOptions;
    ///
    /// assert_eq!(ClientOptions::new().get_release(), None);
    /// assert_eq!(ClientOptions::new().release("app@1.0").get_release(), Some("app@1.0"));
    /// ```
    pub fn get_release(&self) -> Option<&str> {
        self.release.as_deref()
    }

    /// The environment.
    ///
    /// ```
    /// use scopeline::ClientOptions;
    ///
    /// // Unset here; events say `development` in a debug build, `production` in a release one.
    /// assert_eq!(ClientOptions::new().get_environment(), None);
    /// assert_eq!(ClientOptions::new().environment("dev").get_environment(), Some("dev"));
    /// ```
    pub fn get_environment(&self) -> Option<&str> {
        self.environment.as_deref()
    }

    /// The sample rate.
    ///
    /// ```
    /// use scopeline::ClientOptions;
    ///
    /// assert_eq!(ClientOptions::new().get_sample_rate(), 1.0);
    /// assert_eq!(ClientOptions::new().sample_rate(-1.0).get_sample_rate(), 0.0);
    /// ```
    pub fn get_sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// The share of transactions sent; `None` when tracing is off.
    ///
    /// ```
    /// use scopeline::ClientOptions;
    ///
    /// assert_eq!(ClientOptions::new().get_traces_sample_rate(), None);
    /// assert_eq!(ClientOptions::new().traces_sample_rate(2.0).get_traces_sample_rate(), Some(1.0));
    /// ```
    pub fn get_traces_sample_rate(&self) -> Option<f64> {
        self.traces_sample_rate
    }

    /// The breadcrumb cap.
    ///
    /// ```
    /// use scopeline::ClientOptions;
    ///
    /// assert_eq!(ClientOptions::new().get_max_breadcrumbs(), 100);
    /// assert_eq!(ClientOptions::new().max_breadcrumbs(10).get_max_breadcrumbs(), 10);
    /// ```
    pub fn get_max_breadcrumbs(&self) -> usize {
        self.max_breadcrumbs
    }

    /// The attachment size cap, in bytes (see [`ClientOptions::max_attachment_size`]).
    ///
    /// ```
    /// use scopeline::ClientOptions;
    ///
    /// assert_eq!(ClientOptions::new().max_attachment_size(10).get_max_attachment_size(), 10);
    /// ```
    pub fn get_max_attachment_size(&self) -> usize {
        self.max_attachment_size
    }

    /// Whether personal data may be collected automatically.
    ///
    /// ```
    /// use scopeline::ClientOptions;
    ///
    /// assert!(!ClientOptions::new().get_send_default_pii());
    /// assert!(ClientOptions::new().send_default_pii(true).get_send_default_pii());
    /// ```
    pub fn get_send_default_pii(&self) -> bool {
        self.send_default_pii
    }

    /// Whether the SDK logs its decisions (see [`ClientOptions::debug`]).
    ///
    /// ```
    /// use scopeline::ClientOptions;
    ///
    /// assert!(!ClientOptions::new().get_debug());
    /// assert!(ClientOptions::new().debug(true).get_debug());
    /// ```
    pub fn get_debug(&self) -> bool {
        self.debug
    }

    /// The shutdown timeout.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scopeline::ClientOptions;
    ///
    /// assert_eq!(ClientOptions::new().get_shutdown_timeout(), Duration::from_secs(2));
    /// ```
    pub fn get_shutdown_timeout(&self) -> Duration {
        self.shutdown_timeout
    }
}

/// The environment of events when none is set: `development` in a build with debug
/// assertions, `production` otherwise.
pub(crate) fn default_environment() -> Cow<'static, str> {
    Cow::Borrowed(if cfg!(debug_assertions) {
        "development"
    } else {
        "production"
    })
}
