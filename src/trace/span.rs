//! Spans and transactions: the performance-monitoring model that the scope's span slot, the
//! tracing layer and the tower layer feed.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::SystemTime;

use serde_json::{Map, Value, json};
use smallvec::SmallVec;

use super::propagation::{
    Dsc, Incoming, PropagationContext, format_rand, format_rate, rate_on_grid,
};
use crate::client::{ClientInner, guarded};
use crate::protocol::{Event, SpanId, SpanRecord, TraceId, TransactionInfo};
use crate::scope::Scope;
use crate::scope::WeakScope;
use crate::scope::put_field;

/// Most child spans one transaction keeps: the first started; later ones are stand-ins that
/// record nothing, counted as dropped when they start.
const MAX_SPANS: usize = 1000;

/// A span's data: few keys, mostly `tracing` field names, so a short list of borrowed keys
/// rather than a map of owned ones, and the first few kept inline.
type SpanData = SmallVec<[(Cow<'static, str>, Value); 3]>;

/// How many finished children one block of a transaction's holds (see `Tx::spans`).
const SPANS_PER_BLOCK: usize = 32;

/// How a span ended, as Sentry names it.
///
/// ```
/// use scopeline::SpanStatus;
///
/// assert_eq!(SpanStatus::from_http_status(404), SpanStatus::NotFound);
/// assert_eq!(SpanStatus::from_http_status(503).as_str(), "unavailable");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SpanStatus {
    /// It worked.
    Ok,
    /// The caller went away (HTTP 499).
    Cancelled,
    /// It failed for an unknown reason.
    Unknown,
    /// Bad input (HTTP 400).
    InvalidArgument,
    /// Timed out (HTTP 504).
    DeadlineExceeded,
    /// Not found (HTTP 404).
    NotFound,
    /// Conflict (HTTP 409).
    AlreadyExists,
    /// Forbidden (HTTP 403).
    PermissionDenied,
    /// Rate limited or out of quota (HTTP 429).
    ResourceExhausted,
    /// The system is not in a state to do it.
    FailedPrecondition,
    /// Aborted, for instance by a concurrency conflict.
    Aborted,
    /// Out of range.
    OutOfRange,
    /// Not implemented (HTTP 501).
    Unimplemented,
    /// A bug or unexpected failure (HTTP 500).
    InternalError,
    /// Unavailable (HTTP 503).
    Unavailable,
    /// Data lost or corrupted.
    DataLoss,
    /// Not authenticated (HTTP 401).
    Unauthenticated,
}

impl SpanStatus {
    /// The name Sentry uses.
    ///
    /// ```
    /// use scopeline::SpanStatus;
    ///
    /// assert_eq!(SpanStatus::Unknown.as_str(), "unknown_error");
    /// assert_eq!(SpanStatus::DeadlineExceeded.as_str(), "deadline_exceeded");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            SpanStatus::Ok => "ok",
            SpanStatus::Cancelled => "cancelled",
            SpanStatus::Unknown => "unknown_error",
            SpanStatus::InvalidArgument => "invalid_argument",
            SpanStatus::DeadlineExceeded => "deadline_exceeded",
            SpanStatus::NotFound => "not_found",
            SpanStatus::AlreadyExists => "already_exists",
            SpanStatus::PermissionDenied => "permission_denied",
            SpanStatus::ResourceExhausted => "resource_exhausted",
            SpanStatus::FailedPrecondition => "failed_precondition",
            SpanStatus::Aborted => "aborted",
            SpanStatus::OutOfRange => "out_of_range",
            SpanStatus::Unimplemented => "unimplemented",
            SpanStatus::InternalError => "internal_error",
            SpanStatus::Unavailable => "unavailable",
            SpanStatus::DataLoss => "data_loss",
            SpanStatus::Unauthenticated => "unauthenticated",
        }
    }

    /// The status of an HTTP response code.
    ///
    /// ```
    /// use scopeline::SpanStatus;
    ///
    /// assert_eq!(SpanStatus::from_http_status(204), SpanStatus::Ok);
    /// assert_eq!(SpanStatus::from_http_status(429), SpanStatus::ResourceExhausted);
    /// // Other client errors are bad input; other server errors are internal errors.
    /// assert_eq!(SpanStatus::from_http_status(418), SpanStatus::InvalidArgument);
    /// assert_eq!(SpanStatus::from_http_status(502), SpanStatus::InternalError);
    /// // As the Python and JavaScript SDKs map them.
    /// assert_eq!(SpanStatus::from_http_status(413), SpanStatus::FailedPrecondition);
    /// assert_eq!(SpanStatus::from_http_status(600), SpanStatus::Unknown);
    /// ```
    pub fn from_http_status(code: u16) -> SpanStatus {
        match code {
            100..=399 => SpanStatus::Ok,
            401 => SpanStatus::Unauthenticated,
            403 => SpanStatus::PermissionDenied,
            404 => SpanStatus::NotFound,
            409 => SpanStatus::AlreadyExists,
            413 => SpanStatus::FailedPrecondition,
            429 => SpanStatus::ResourceExhausted,
            499 => SpanStatus::Cancelled,
            501 => SpanStatus::Unimplemented,
            503 => SpanStatus::Unavailable,
            504 => SpanStatus::DeadlineExceeded,
            // 400 and the other client errors.
            400..=499 => SpanStatus::InvalidArgument,
            500..=599 => SpanStatus::InternalError,
            _ => SpanStatus::Unknown,
        }
    }
}

impl SpanStatus {
    /// The status of a gRPC status code (`grpc-status`): Sentry's statuses are gRPC's, in
    /// the same order. Codes beyond 16 are [`SpanStatus::Unknown`].
    ///
    /// ```
    /// use scopeline::SpanStatus;
    ///
    /// assert_eq!(SpanStatus::from_grpc_code(0), SpanStatus::Ok);
    /// assert_eq!(SpanStatus::from_grpc_code(5), SpanStatus::NotFound);
    /// assert_eq!(SpanStatus::from_grpc_code(14), SpanStatus::Unavailable);
    /// assert_eq!(SpanStatus::from_grpc_code(99), SpanStatus::Unknown);
    /// ```
    pub fn from_grpc_code(code: u32) -> SpanStatus {
        use SpanStatus::*;
        const BY_CODE: [SpanStatus; 17] = [
            Ok,
            Cancelled,
            Unknown,
            InvalidArgument,
            DeadlineExceeded,
            NotFound,
            AlreadyExists,
            PermissionDenied,
            ResourceExhausted,
            FailedPrecondition,
            Aborted,
            OutOfRange,
            Unimplemented,
            InternalError,
            Unavailable,
            DataLoss,
            Unauthenticated,
        ];
        usize::try_from(code)
            .ok()
            .and_then(|c| BY_CODE.get(c).copied())
            .unwrap_or(Unknown)
    }
}

impl fmt::Display for SpanStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a transaction starts from: its name, its op, where the name came from.
///
/// ```
/// use scopeline::TransactionContext;
///
/// let ctx = TransactionContext::new("GET /items/{id}", "http.server").with_source("route");
/// assert_eq!(ctx.name(), "GET /items/{id}");
/// ```
#[derive(Clone, Debug)]
pub struct TransactionContext {
    name: String,
    op: Cow<'static, str>,
    source: Cow<'static, str>,
    origin: Cow<'static, str>,
    sampled: Option<bool>,
}

impl TransactionContext {
    /// A transaction named `name` doing `op` (such as `http.server` or `task`), with source
    /// `custom`.
    ///
    /// ```
    /// use scopeline::TransactionContext;
    ///
    /// let ctx = TransactionContext::new("nightly-report", "task");
    /// assert_eq!(ctx.name(), "nightly-report");
    /// assert_eq!(ctx.op(), "task");
    /// ```
    pub fn new(name: impl Into<String>, op: impl Into<Cow<'static, str>>) -> Self {
        TransactionContext {
            name: name.into(),
            op: op.into(),
            source: Cow::Borrowed("custom"),
            origin: Cow::Borrowed("manual"),
            sampled: None,
        }
    }

    /// Where the name came from: `custom`, `url`, `route`, `view`, `component` or `task`.
    ///
    /// ```
    /// use scopeline::TransactionContext;
    ///
    /// // Sampled here, so that this transaction decides the trace's sampling context.
    /// let route = TransactionContext::new("GET /items/{id}", "http.server")
    ///     .with_source("route")
    ///     .with_sampled(true);
    /// let headers = scopeline::start_transaction(route).trace_headers();
    /// assert!(headers.baggage().unwrap().contains("sentry-transaction="));
    /// // A raw URL is not passed on in the trace's baggage.
    /// let url = TransactionContext::new("GET /items/7", "http.server")
    ///     .with_source("url")
    ///     .with_sampled(true);
    /// let headers = scopeline::start_transaction(url).trace_headers();
    /// assert!(!headers.baggage().unwrap().contains("sentry-transaction="));
    /// ```
    pub fn with_source(mut self, source: impl Into<Cow<'static, str>>) -> Self {
        self.source = source.into();
        self
    }

    /// What made the transaction: `manual`, or `auto.<category>.<integration>`.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use scopeline::{protocol::{Envelope, Event}, transport::{SendError, Transport}};
    /// # #[derive(Debug, Default, Clone)] struct Memory(Arc<Mutex<Vec<Envelope>>>);
    /// # impl Transport for Memory {
    /// #     fn send_envelope(&self, e: Envelope) -> Result<(), SendError> { self.0.lock().unwrap().push(e); Ok(()) }
    /// # }
    /// # let memory = Memory::default();
    /// # let client = scopeline::Client::new(scopeline::ClientOptions::new().transport(memory.clone()));
    /// # scopeline::get_isolation_scope().bind_client(Some(client.clone()));
    /// # let delivered = || -> Event {
    /// #     client.flush(std::time::Duration::from_secs(5)).unwrap();
    /// #     memory.0.lock().unwrap().iter().find_map(|e| e.transaction().cloned()).unwrap()
    /// # };
    /// use scopeline::TransactionContext;
    ///
    /// let ctx = TransactionContext::new("poll", "queue.process").with_origin("auto.queue.my_worker");
    /// scopeline::start_transaction(ctx.with_sampled(true)).finish();
    /// // `delivered()` (setup hidden) flushes the bound client and returns the transaction it sent.
    /// assert_eq!(delivered().contexts["trace"]["origin"], "auto.queue.my_worker");
    /// ```
    pub fn with_origin(mut self, origin: impl Into<Cow<'static, str>>) -> Self {
        self.origin = origin.into();
        self
    }

    /// Forces the sampling decision, overriding rates, samplers and upstream decisions.
    ///
    /// ```
    /// use scopeline::TransactionContext;
    ///
    /// // Sampled even though no client is bound (and so no rate is set).
    /// let tx = scopeline::start_transaction(TransactionContext::new("job", "task").with_sampled(true));
    /// assert!(tx.is_sampled());
    /// let tx = scopeline::start_transaction(TransactionContext::new("job", "task").with_sampled(false));
    /// assert!(!tx.is_sampled());
    /// ```
    pub fn with_sampled(mut self, sampled: bool) -> Self {
        self.sampled = Some(sampled);
        self
    }

    /// The name.
    ///
    /// ```
    /// let ctx = scopeline::TransactionContext::new("GET /health", "http.server");
    /// assert_eq!(ctx.name(), "GET /health");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The op.
    ///
    /// ```
    /// let ctx = scopeline::TransactionContext::new("GET /health", "http.server");
    /// assert_eq!(ctx.op(), "http.server");
    /// ```
    pub fn op(&self) -> &str {
        &self.op
    }
}

/// What a `traces_sampler` sees when it decides about a new transaction.
///
/// ```
/// use scopeline::ClientOptions;
///
/// // Keep every checkout, 10% of everything else, and follow upstream when there is one.
/// let options = ClientOptions::new().traces_sampler(|ctx| {
///     if let Some(sampled) = ctx.parent_sampled() {
///         return if sampled { 1.0 } else { 0.0 };
///     }
///     if ctx.name().contains("checkout") { 1.0 } else { 0.1 }
/// });
/// # let _ = options;
/// ```
#[derive(Debug)]
pub struct SamplingContext<'a> {
    name: &'a str,
    op: &'a str,
    parent_sampled: Option<bool>,
    parent_sample_rate: Option<f64>,
}

impl SamplingContext<'_> {
    /// The transaction's name.
    ///
    /// ```
    /// use scopeline::{Client, ClientOptions, TransactionContext};
    ///
    /// let options = ClientOptions::new()
    ///     .traces_sampler(|ctx| if ctx.name().starts_with("checkout") { 1.0 } else { 0.0 });
    /// scopeline::with_isolation_scope(|scope| {
    ///     scope.bind_client(Some(Client::new(options)));
    ///     let tx = scopeline::start_transaction(TransactionContext::new("checkout", "task"));
    ///     assert!(tx.is_sampled());
    ///     let tx = scopeline::start_transaction(TransactionContext::new("reindex", "task"));
    ///     assert!(!tx.is_sampled());
    /// });
    /// ```
    pub fn name(&self) -> &str {
        self.name
    }

    /// The transaction's op.
    ///
    /// ```
    /// use scopeline::{Client, ClientOptions, TransactionContext};
    ///
    /// // Trace every request, no background job.
    /// let options = ClientOptions::new()
    ///     .traces_sampler(|ctx| if ctx.op() == "http.server" { 1.0 } else { 0.0 });
    /// scopeline::with_isolation_scope(|scope| {
    ///     scope.bind_client(Some(Client::new(options)));
    ///     let tx = scopeline::start_transaction(TransactionContext::new("GET /", "http.server"));
    ///     assert!(tx.is_sampled());
    ///     let tx = scopeline::start_transaction(TransactionContext::new("cleanup", "task"));
    ///     assert!(!tx.is_sampled());
    /// });
    /// ```
    pub fn op(&self) -> &str {
        self.op
    }

    /// The upstream service's decision, when the trace was continued.
    ///
    /// ```
    /// use scopeline::{Client, ClientOptions, TransactionContext};
    ///
    /// let options = ClientOptions::new().traces_sampler(|ctx| match ctx.parent_sampled() {
    ///     Some(false) => 0.0,
    ///     _ => 1.0,
    /// });
    /// scopeline::with_isolation_scope(|scope| {
    ///     scope.bind_client(Some(Client::new(options)));
    ///     let tx = scopeline::start_transaction(TransactionContext::new("job", "task"));
    ///     assert!(tx.is_sampled());
    ///     // Upstream decided not to sample (the trailing `-0`).
    ///     let header = "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0";
    ///     assert!(scopeline::continue_trace([("sentry-trace", header)]));
    ///     let tx = scopeline::start_transaction(TransactionContext::new("job", "task"));
    ///     assert!(!tx.is_sampled());
    /// });
    /// ```
    pub fn parent_sampled(&self) -> Option<bool> {
        self.parent_sampled
    }

    /// The upstream service's sample rate, when it sent one.
    ///
    /// ```
    /// use scopeline::{Client, ClientOptions, TransactionContext};
    ///
    /// let options = ClientOptions::new()
    ///     .traces_sampler(|ctx| if ctx.parent_sample_rate() == Some(0.25) { 1.0 } else { 0.0 });
    /// scopeline::with_isolation_scope(|scope| {
    ///     scope.bind_client(Some(Client::new(options)));
    ///     assert!(scopeline::continue_trace([
    ///         ("sentry-trace", "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1"),
    ///         ("baggage", "sentry-trace_id=4bf92f3577b34da6a3ce929d0e0e4736,sentry-sample_rate=0.25"),
    ///     ]));
    ///     let tx = scopeline::start_transaction(TransactionContext::new("job", "task"));
    ///     assert!(tx.is_sampled());
    /// });
    /// ```
    pub fn parent_sample_rate(&self) -> Option<f64> {
        self.parent_sample_rate
    }
}

/// A span or a transaction (the root span of a local trace). Cheap to clone; clones are
/// the same span.
///
/// Child spans finished before their transaction are sent with it when it finishes, as one
/// `transaction` envelope item. A span that is never finished is never sent. Below an
/// unsampled transaction, `start_child` allocates nothing and every method does nothing.
///
/// # Examples
///
/// ```
/// use scopeline::{SpanStatus, TransactionContext};
///
/// // Forced sampling, so the example needs no client.
/// let tx = scopeline::start_transaction(
///     TransactionContext::new("nightly-report", "task").with_sampled(true),
/// );
/// let child = tx.start_child("db.query", "SELECT 1");
/// assert_eq!(child.parent_span_id(), Some(tx.span_id()));
/// child.finish();
/// tx.finish_with_status(SpanStatus::Ok);
/// assert!(tx.is_finished());
/// ```
#[derive(Clone)]
pub struct Span {
    inner: Arc<SpanInner>,
    /// `None` for a live span. `Some` for stand-ins: the children of an unsampled span, of a
    /// transaction that holds its 1,000 spans or has finished, and theirs. They share their
    /// parent's ids and do nothing, but each has an identity of its own (a random number), so
    /// that a trace boundary (see [`Span::is_foreign_to`]) tells one stand-in from another.
    stand_in: Option<NonZeroU64>,
}

struct SpanInner {
    trace_id: TraceId,
    span_id: SpanId,
    parent_span_id: Option<SpanId>,
    /// The transaction itself, not a child.
    root: bool,
    start: SystemTime,
    tx: Arc<Tx>,
    state: Mutex<SpanState>,
}

#[derive(Default)]
struct SpanState {
    op: Option<Cow<'static, str>>,
    description: Option<Cow<'static, str>>,
    status: Option<SpanStatus>,
    tags: BTreeMap<String, String>,
    data: SpanData,
    origin: Option<Cow<'static, str>>,
    /// The module that opened the span (`code.namespace` in its data), when the tracing
    /// layer made it.
    namespace: Option<&'static str>,
    finished: bool,
}

struct Tx {
    sampled: bool,
    /// The decision outgoing headers carry: `sampled` when this SDK decided it, else
    /// upstream's, if any (deferred).
    propagated: Option<bool>,
    client: Option<Arc<ClientInner>>,
    /// The isolation scope the transaction started in: its tags, user and contexts go on
    /// the transaction, whichever thread finishes it, even after the request's tasks have
    /// ended (a request dropped unanswered finishes its transaction last).
    isolation: Mutex<Home>,
    name: Mutex<(String, Cow<'static, str>)>,
    /// Set, under the `name` lock, when the root span finishes: a rename after that is
    /// ignored (the pipeline thread reads the name later, when it builds the event).
    finished: AtomicBool,
    /// Children started so far: the first [`MAX_SPANS`] are recorded, later ones are
    /// stand-ins from the start (so a parent is never dropped while its children are kept,
    /// and the spans of a long-lived root cost nothing once it is full).
    started: AtomicUsize,
    /// Finished children, in blocks of [`SPANS_PER_BLOCK`]: no block is moved or copied as
    /// more spans finish, and none is large enough to be mapped and unmapped on its own.
    spans: Mutex<Vec<Vec<Finished>>>,
    /// Made from `seed` at first use (outgoing headers or the transaction's envelope) and
    /// frozen from then on (protocol sheet §5).
    dsc: OnceLock<Arc<Dsc>>,
    seed: DscSeed,
}

/// How a transaction holds the isolation scope it started in: strongly, until it finishes
/// or that scope comes to hold it in its span slot (`scope.set_span(Some(tx))`, the Python
/// SDK's habit), when holding it would make a cycle that keeps both alive for good.
enum Home {
    Held(Scope),
    Weak(WeakScope),
}

impl Tx {
    fn isolation(&self) -> Option<Scope> {
        match &*lock(&self.isolation) {
            Home::Held(scope) => Some(scope.clone()),
            Home::Weak(scope) => scope.upgrade(),
        }
    }

    /// Lets go of the isolation scope, keeping a weak handle; `only_if` limits it to when
    /// the scope held is that one.
    fn let_go_of_isolation(&self, only_if: Option<&Scope>) {
        let mut home = lock(&self.isolation);
        if let Home::Held(scope) = &*home {
            if only_if.is_none_or(|s| s.ptr_eq(scope)) {
                *home = Home::Weak(scope.downgrade());
            }
        }
    }
}

/// What a transaction's DSC is made of.
struct DscSeed {
    /// For a continued trace, upstream's DSC, passed on as received: an upstream that sent
    /// a trace without one (an older SDK) leaves it frozen and empty (protocol sheet §5.3).
    incoming: Option<Option<Arc<Dsc>>>,
    trace_id: TraceId,
    rate: f64,
    sample_rand: f64,
}

impl Tx {
    fn dsc(&self) -> &Arc<Dsc> {
        self.dsc.get_or_init(|| {
            let seed = &self.seed;
            if let Some(incoming) = &seed.incoming {
                return incoming.clone().unwrap_or_default();
            }
            // Not continued, so no upstream decision: no decision to pass on means this SDK
            // made none. Deferred, as for a trace no transaction decided: no rate, no
            // `sampled`.
            if self.propagated.is_none() {
                let client = self.client.as_deref();
                let dsc = client.map(|c| c.propagation_dsc(seed.trace_id, seed.sample_rand));
                return Arc::new(dsc.unwrap_or_default());
            }
            let mut dsc = self
                .client
                .as_deref()
                .map(|c| c.base_dsc(seed.trace_id))
                .unwrap_or_default();
            let (name, source) = lock(&self.name).clone();
            if source != "url" {
                dsc.set("transaction", name);
            }
            dsc.set("sample_rate", format_rate(seed.rate));
            dsc.set("sample_rand", format_rand(seed.sample_rand));
            dsc.set("sampled", if self.sampled { "true" } else { "false" });
            Arc::new(dsc)
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Span")
            .field("trace_id", &self.inner.trace_id)
            .field("span_id", &self.inner.span_id)
            .field("sampled", &self.is_sampled())
            .finish_non_exhaustive()
    }
}

/// Starts a transaction in the running task's trace: it continues what [`continue_trace`]
/// stored on the isolation scope, or the isolation scope's own fresh trace. Outside every
/// isolation scope, each transaction starts a trace of its own (so that jobs of a worker
/// loop are separate traces, each sampled on its own). Sampling is decided here, once, and
/// inherited by every child.
///
/// The transaction is not made the scope's active span; use [`Scope::set_span`] for that.
///
/// [`continue_trace`]: crate::continue_trace
///
/// ```
/// let tx = scopeline::start_transaction(scopeline::TransactionContext::new("job", "task"));
/// // No client bound: the transaction exists, unsampled, and sends nothing.
/// assert!(!tx.is_sampled());
/// tx.finish();
/// ```
pub fn start_transaction(ctx: TransactionContext) -> Span {
    let (isolation, client) = crate::scope::with_pair(|p| {
        (
            p.isolation.clone(),
            crate::client::resolve_client(&p.current, &p.isolation),
        )
    });
    Span::new_transaction(ctx, isolation, client)
}

impl Span {
    pub(crate) fn new_transaction(
        ctx: TransactionContext,
        isolation: Scope,
        client: Option<Arc<ClientInner>>,
    ) -> Span {
        let propagation = isolation.read(crate::scope::ScopeData::propagation);
        Span::new_transaction_in(ctx, isolation, client, &propagation)
    }

    /// Starts a transaction in the trace of `propagation`, which need not be the isolation
    /// scope's own (the tracing layer continues traces named by span fields).
    pub(crate) fn new_transaction_in(
        ctx: TransactionContext,
        isolation: Scope,
        client: Option<Arc<ClientInner>>,
        propagation: &PropagationContext,
    ) -> Span {
        let incoming_dsc = propagation.incoming().and_then(Incoming::frozen_dsc);
        let parent_rate = incoming_dsc
            .as_ref()
            .and_then(Option::as_deref)
            .and_then(|d| d.get("sample_rate"))
            .and_then(|r| r.parse::<f64>().ok());
        let parent_sampled = propagation.sampled();
        // Whether this SDK decides the trace's sampling: tracing is on, or the caller forced a
        // decision. When not, the decision is deferred (protocol sheet §5.3): outgoing
        // headers carry upstream's decision if there was one, else none.
        let decides =
            ctx.sampled.is_some() || client.as_deref().is_some_and(ClientInner::tracing_enabled);
        let (sampled, rate) = match (&client, ctx.sampled) {
            (_, Some(forced)) => (forced, if forced { 1.0 } else { 0.0 }),
            (None, None) => (false, 0.0),
            (Some(client), None) => {
                let options = client.options();
                let inherited = || match parent_sampled {
                    Some(parent) => Some(parent_rate.unwrap_or(if parent { 1.0 } else { 0.0 })),
                    None => options.traces_sample_rate,
                };
                // Whether a sampler decided; a sampler that panicked decides nothing, and
                // the trace goes on as if there were none (upstream's decision stands).
                let (rate, by_sampler) = if !client.tracing_enabled() {
                    // Tracing off: an upstream decision does not turn it on.
                    (None, false)
                } else if let Some(sampler) = &options.traces_sampler {
                    let sampling = SamplingContext {
                        name: &ctx.name,
                        op: &ctx.op,
                        parent_sampled,
                        parent_sample_rate: parent_rate,
                    };
                    match guarded("traces_sampler", || sampler(&sampling)) {
                        Some(rate) => (Some(rate), true),
                        None => (inherited(), false),
                    }
                } else {
                    (inherited(), false)
                };
                match rate {
                    None => (false, 0.0),
                    Some(rate) => {
                        // Decided on the grid the baggage is written on, so that its
                        // `sample_rand` is below its `sample_rate` exactly when sampled.
                        let rate = if rate.is_finite() {
                            rate_on_grid(rate)
                        } else {
                            0.0
                        };
                        let sampled = match (by_sampler, parent_sampled) {
                            // Upstream decisions win unless a sampler decides.
                            (false, Some(parent)) => parent,
                            _ => propagation.sample_rand() < rate,
                        };
                        (sampled, rate)
                    }
                }
            }
        };
        let trace_id = propagation.trace_id();
        let sample_rand = propagation.sample_rand();
        let tx = Arc::new(Tx {
            sampled,
            propagated: if decides {
                Some(sampled)
            } else {
                parent_sampled
            },
            client,
            isolation: Mutex::new(Home::Held(isolation)),
            name: Mutex::new((ctx.name, ctx.source)),
            finished: AtomicBool::new(false),
            started: AtomicUsize::new(0),
            spans: Mutex::new(Vec::new()),
            dsc: OnceLock::new(),
            seed: DscSeed {
                incoming: incoming_dsc,
                trace_id,
                rate,
                sample_rand,
            },
        });
        Span {
            inner: Arc::new(SpanInner {
                trace_id,
                span_id: SpanId::random(),
                parent_span_id: propagation.parent_span_id(),
                root: true,
                start: SystemTime::now(),
                tx,
                state: Mutex::new(SpanState {
                    op: Some(ctx.op),
                    origin: Some(ctx.origin),
                    ..SpanState::default()
                }),
            }),
            stand_in: None,
        }
    }

    /// Starts a child span. Below an unsampled span this allocates nothing.
    ///
    /// ```
    /// let tx = scopeline::start_transaction(scopeline::TransactionContext::new("job", "task"));
    /// let child = tx.start_child("http.client", "GET https://example.com");
    /// assert_eq!(child.trace_id(), tx.trace_id());
    /// ```
    pub fn start_child(
        &self,
        op: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
    ) -> Span {
        self.start_child_at(op, description, SystemTime::now())
    }

    /// [`Span::start_child`] with a start time the caller already read.
    /// Told when `scope` comes to hold this span in its span slot: if `scope` is the
    /// isolation scope its transaction holds, the transaction lets go of it (keeping a weak
    /// handle), or each would keep the other alive for good.
    pub(crate) fn stored_in(&self, scope: &Scope) {
        self.inner.tx.let_go_of_isolation(Some(scope));
    }

    pub(crate) fn start_child_at(
        &self,
        op: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
        start: SystemTime,
    ) -> Span {
        let stand_in = || Span {
            inner: self.inner.clone(),
            stand_in: NonZeroU64::new(fastrand::u64(1..)),
        };
        let tx = &self.inner.tx;
        // Under a transaction that went out, a child has nothing to be sent with.
        if !tx.sampled || tx.finished.load(Ordering::Relaxed) {
            return stand_in();
        }
        // Past the cap, or below a span that was (a stand-in of a full transaction):
        // dropped, and counted as such. A stand-in takes no place under the cap.
        if !self.is_live() || tx.started.fetch_add(1, Ordering::Relaxed) >= MAX_SPANS {
            if let Some(client) = &tx.client {
                client.record_discard(crate::client::reason::BUFFER_OVERFLOW, "span", 1);
            }
            return stand_in();
        }
        Span {
            inner: Arc::new(SpanInner {
                trace_id: self.inner.trace_id,
                span_id: SpanId::random(),
                parent_span_id: Some(self.inner.span_id),
                root: false,
                start,
                tx: self.inner.tx.clone(),
                state: Mutex::new(SpanState {
                    op: Some(op.into()),
                    description: Some(description.into()),
                    ..SpanState::default()
                }),
            }),
            stand_in: None,
        }
    }

    /// The trace this span belongs to.
    ///
    /// ```
    /// use scopeline::TransactionContext;
    ///
    /// scopeline::with_isolation_scope(|_| {
    ///     let header = "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7";
    ///     assert!(scopeline::continue_trace([("sentry-trace", header)]));
    ///     let tx = scopeline::start_transaction(TransactionContext::new("job", "task"));
    ///     // The continued trace's id.
    ///     assert_eq!(tx.trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
    /// });
    /// ```
    pub fn trace_id(&self) -> TraceId {
        self.inner.trace_id
    }

    /// The span's id (for a stand-in below an unsampled span, its parent's).
    ///
    /// ```
    /// use scopeline::TransactionContext;
    ///
    /// let tx = scopeline::start_transaction(TransactionContext::new("job", "task").with_sampled(true));
    /// assert_ne!(tx.start_child("db.query", "SELECT 1").span_id(), tx.span_id());
    /// // No client: unsampled, and its children are stand-ins with its id.
    /// let unsampled = scopeline::start_transaction(TransactionContext::new("job", "task"));
    /// assert_eq!(unsampled.start_child("db.query", "SELECT 1").span_id(), unsampled.span_id());
    /// ```
    pub fn span_id(&self) -> SpanId {
        self.inner.span_id
    }

    /// The span this one is a child of, local or upstream.
    ///
    /// ```
    /// use scopeline::TransactionContext;
    ///
    /// scopeline::with_isolation_scope(|_| {
    ///     let header = "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1";
    ///     assert!(scopeline::continue_trace([("sentry-trace", header)]));
    ///     let tx = scopeline::start_transaction(TransactionContext::new("job", "task"));
    ///     // The upstream span.
    ///     assert_eq!(tx.parent_span_id().unwrap().to_string(), "00f067aa0ba902b7");
    /// });
    /// ```
    pub fn parent_span_id(&self) -> Option<SpanId> {
        self.inner.parent_span_id
    }

    /// Whether the transaction was sampled: only sampled ones are sent.
    ///
    /// ```
    /// use scopeline::TransactionContext;
    ///
    /// let tx = scopeline::start_transaction(TransactionContext::new("job", "task").with_sampled(true));
    /// // Children inherit the decision (past the transaction's 1,000th child, or once it
    /// // finished, they are stand-ins that record nothing: not sampled).
    /// assert!(tx.start_child("db.query", "SELECT 1").is_sampled());
    /// // No client bound: unsampled.
    /// assert!(!scopeline::start_transaction(TransactionContext::new("job", "task")).is_sampled());
    /// ```
    pub fn is_sampled(&self) -> bool {
        self.is_live() && self.inner.tx.sampled
    }

    /// Whether this is the transaction itself, not a child span.
    ///
    /// ```
    /// use scopeline::TransactionContext;
    ///
    /// let tx = scopeline::start_transaction(TransactionContext::new("job", "task").with_sampled(true));
    /// assert!(tx.is_transaction());
    /// assert!(!tx.start_child("db.query", "SELECT 1").is_transaction());
    /// ```
    pub fn is_transaction(&self) -> bool {
        self.is_live() && self.inner.root
    }

    /// Sets how the span ended.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use scopeline::{protocol::{Envelope, Event}, transport::{SendError, Transport}};
    /// # #[derive(Debug, Default, Clone)] struct Memory(Arc<Mutex<Vec<Envelope>>>);
    /// # impl Transport for Memory {
    /// #     fn send_envelope(&self, e: Envelope) -> Result<(), SendError> { self.0.lock().unwrap().push(e); Ok(()) }
    /// # }
    /// # let memory = Memory::default();
    /// # let client = scopeline::Client::new(scopeline::ClientOptions::new().transport(memory.clone()));
    /// # scopeline::get_isolation_scope().bind_client(Some(client.clone()));
    /// # let delivered = || -> Event {
    /// #     client.flush(std::time::Duration::from_secs(5)).unwrap();
    /// #     memory.0.lock().unwrap().iter().find_map(|e| e.transaction().cloned()).unwrap()
    /// # };
    /// use scopeline::{SpanStatus, TransactionContext};
    ///
    /// let tx = scopeline::start_transaction(TransactionContext::new("job", "task").with_sampled(true));
    /// let lookup = tx.start_child("cache.get", "user:42");
    /// lookup.set_status(SpanStatus::NotFound);
    /// lookup.finish();
    /// tx.finish();
    /// // `delivered()` (setup hidden) flushes the bound client and returns the transaction it sent.
    /// assert_eq!(delivered().spans[0].status.as_deref(), Some("not_found"));
    /// ```
    pub fn set_status(&self, status: SpanStatus) {
        if self.is_live() {
            lock(&self.inner.state).status = Some(status);
        }
    }

    /// Sets a data value.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use scopeline::{protocol::{Envelope, Event}, transport::{SendError, Transport}};
    /// # #[derive(Debug, Default, Clone)] struct Memory(Arc<Mutex<Vec<Envelope>>>);
    /// # impl Transport for Memory {
    /// #     fn send_envelope(&self, e: Envelope) -> Result<(), SendError> { self.0.lock().unwrap().push(e); Ok(()) }
    /// # }
    /// # let memory = Memory::default();
    /// # let client = scopeline::Client::new(scopeline::ClientOptions::new().transport(memory.clone()));
    /// # scopeline::get_isolation_scope().bind_client(Some(client.clone()));
    /// # let delivered = || -> Event {
    /// #     client.flush(std::time::Duration::from_secs(5)).unwrap();
    /// #     memory.0.lock().unwrap().iter().find_map(|e| e.transaction().cloned()).unwrap()
    /// # };
    /// use scopeline::TransactionContext;
    ///
    /// let tx = scopeline::start_transaction(TransactionContext::new("job", "task").with_sampled(true));
    /// let query = tx.start_child("db.query", "SELECT * FROM orders");
    /// query.set_data("rows", 3);
    /// query.finish();
    /// tx.finish();
    /// // `delivered()` (setup hidden) flushes the bound client and returns the transaction it sent.
    /// assert_eq!(delivered().spans[0].data["rows"], 3);
    /// ```
    pub fn set_data(&self, key: impl Into<String>, value: impl Into<Value>) {
        self.put_data(Cow::Owned(key.into()), value.into());
    }

    /// [`Span::set_data`] for a key that needs no copy, such as a `tracing` field name.
    #[cfg_attr(not(any(feature = "tracing", feature = "tower")), allow(dead_code))]
    pub(crate) fn set_static_data(&self, key: &'static str, value: Value) {
        self.put_data(Cow::Borrowed(key), value);
    }

    fn put_data(&self, key: Cow<'static, str>, value: Value) {
        if self.is_sampled() {
            put_field(&mut lock(&self.inner.state).data, key, value);
        }
    }

    /// The fields of the `tracing` span this span stands for, the module that opened it and
    /// the origin that says the tracing layer made it, under one lock.
    #[cfg(feature = "tracing")]
    pub(crate) fn set_fields(&self, fields: &[(&'static str, Value)], namespace: &'static str) {
        if self.is_sampled() {
            let mut state = lock(&self.inner.state);
            state.data.reserve(fields.len());
            for (k, v) in fields {
                put_field(&mut state.data, Cow::Borrowed(*k), v.clone());
            }
            state.namespace = Some(namespace);
            state.origin = Some(Cow::Borrowed("auto.tracing"));
        }
    }

    /// Sets a tag.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use scopeline::{protocol::{Envelope, Event}, transport::{SendError, Transport}};
    /// # #[derive(Debug, Default, Clone)] struct Memory(Arc<Mutex<Vec<Envelope>>>);
    /// # impl Transport for Memory {
    /// #     fn send_envelope(&self, e: Envelope) -> Result<(), SendError> { self.0.lock().unwrap().push(e); Ok(()) }
    /// # }
    /// # let memory = Memory::default();
    /// # let client = scopeline::Client::new(scopeline::ClientOptions::new().transport(memory.clone()));
    /// # scopeline::get_isolation_scope().bind_client(Some(client.clone()));
    /// # let delivered = || -> Event {
    /// #     client.flush(std::time::Duration::from_secs(5)).unwrap();
    /// #     memory.0.lock().unwrap().iter().find_map(|e| e.transaction().cloned()).unwrap()
    /// # };
    /// use scopeline::TransactionContext;
    ///
    /// let tx = scopeline::start_transaction(TransactionContext::new("job", "task").with_sampled(true));
    /// let query = tx.start_child("db.query", "SELECT 1");
    /// query.set_tag("db.system", "postgresql");
    /// query.finish();
    /// tx.set_tag("tenant", "acme");
    /// tx.finish();
    /// // `delivered()` (setup hidden) flushes the bound client and returns the transaction it sent.
    /// let sent = delivered();
    /// assert_eq!(sent.tags["tenant"], "acme");
    /// assert_eq!(sent.spans[0].tags["db.system"], "postgresql");
    /// ```
    pub fn set_tag(&self, key: impl Into<String>, value: impl Into<String>) {
        if self.is_sampled() {
            lock(&self.inner.state)
                .tags
                .insert(key.into(), value.into());
        }
    }

    /// Sets the op.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use scopeline::{protocol::{Envelope, Event}, transport::{SendError, Transport}};
    /// # #[derive(Debug, Default, Clone)] struct Memory(Arc<Mutex<Vec<Envelope>>>);
    /// # impl Transport for Memory {
    /// #     fn send_envelope(&self, e: Envelope) -> Result<(), SendError> { self.0.lock().unwrap().push(e); Ok(()) }
    /// # }
    /// # let memory = Memory::default();
    /// # let client = scopeline::Client::new(scopeline::ClientOptions::new().transport(memory.clone()));
    /// # scopeline::get_isolation_scope().bind_client(Some(client.clone()));
    /// # let delivered = || -> Event {
    /// #     client.flush(std::time::Duration::from_secs(5)).unwrap();
    /// #     memory.0.lock().unwrap().iter().find_map(|e| e.transaction().cloned()).unwrap()
    /// # };
    /// use scopeline::TransactionContext;
    ///
    /// let tx = scopeline::start_transaction(TransactionContext::new("job", "task").with_sampled(true));
    /// let span = tx.start_child("db", "SELECT 1");
    /// span.set_op("db.query");
    /// span.finish();
    /// tx.finish();
    /// // `delivered()` (setup hidden) flushes the bound client and returns the transaction it sent.
    /// assert_eq!(delivered().spans[0].op.as_deref(), Some("db.query"));
    /// ```
    pub fn set_op(&self, op: impl Into<Cow<'static, str>>) {
        if self.is_sampled() {
            lock(&self.inner.state).op = Some(op.into());
        }
    }

    /// Sets the description.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use scopeline::{protocol::{Envelope, Event}, transport::{SendError, Transport}};
    /// # #[derive(Debug, Default, Clone)] struct Memory(Arc<Mutex<Vec<Envelope>>>);
    /// # impl Transport for Memory {
    /// #     fn send_envelope(&self, e: Envelope) -> Result<(), SendError> { self.0.lock().unwrap().push(e); Ok(()) }
    /// # }
    /// # let memory = Memory::default();
    /// # let client = scopeline::Client::new(scopeline::ClientOptions::new().transport(memory.clone()));
    /// # scopeline::get_isolation_scope().bind_client(Some(client.clone()));
    /// # let delivered = || -> Event {
    /// #     client.flush(std::time::Duration::from_secs(5)).unwrap();
    /// #     memory.0.lock().unwrap().iter().find_map(|e| e.transaction().cloned()).unwrap()
    /// # };
    /// use scopeline::TransactionContext;
    ///
    /// let tx = scopeline::start_transaction(TransactionContext::new("job", "task").with_sampled(true));
    /// let call = tx.start_child("http.client", "GET");
    /// call.set_description("GET https://example.com/items");
    /// call.finish();
    /// tx.finish();
    /// // `delivered()` (setup hidden) flushes the bound client and returns the transaction it sent.
    /// assert_eq!(delivered().spans[0].description.as_deref(), Some("GET https://example.com/items"));
    /// ```
    pub fn set_description(&self, description: impl Into<Cow<'static, str>>) {
        if self.is_sampled() {
            lock(&self.inner.state).description = Some(description.into());
        }
    }

    /// Renames the transaction this span belongs to, with where the name came from. Has no
    /// effect once the transaction has finished.
    ///
    /// ```
    /// use scopeline::TransactionContext;
    ///
    /// let tx = scopeline::start_transaction(TransactionContext::new("GET /items/7", "http.server"));
    /// tx.set_transaction_name("GET /items/{id}", "route");
    /// assert_eq!(tx.transaction_name(), "GET /items/{id}");
    /// tx.finish();
    /// tx.set_transaction_name("too late", "custom");
    /// assert_eq!(tx.transaction_name(), "GET /items/{id}");
    /// ```
    pub fn set_transaction_name(
        &self,
        name: impl Into<String>,
        source: impl Into<Cow<'static, str>>,
    ) {
        if self.is_live() {
            let tx = &self.inner.tx;
            let mut current = lock(&tx.name);
            if !tx.finished.load(Ordering::Relaxed) {
                *current = (name.into(), source.into());
            }
        }
    }

    /// The name of the transaction this span belongs to.
    ///
    /// ```
    /// use scopeline::TransactionContext;
    ///
    /// let tx = scopeline::start_transaction(TransactionContext::new("nightly-report", "task"));
    /// let child = tx.start_child("db.query", "SELECT 1");
    /// assert_eq!(child.transaction_name(), "nightly-report");
    /// ```
    pub fn transaction_name(&self) -> String {
        lock(&self.inner.tx.name).0.clone()
    }

    /// Whether the span was finished.
    ///
    /// ```
    /// let tx = scopeline::start_transaction(scopeline::TransactionContext::new("job", "task"));
    /// assert!(!tx.is_finished());
    /// tx.finish();
    /// assert!(tx.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        lock(&self.inner.state).finished
    }

    /// The status set so far, if any.
    #[cfg(feature = "tower")]
    pub(crate) fn status(&self) -> Option<SpanStatus> {
        lock(&self.inner.state).status
    }

    /// Finishes the span with a status.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use scopeline::{protocol::{Envelope, Event}, transport::{SendError, Transport}};
    /// # #[derive(Debug, Default, Clone)] struct Memory(Arc<Mutex<Vec<Envelope>>>);
    /// # impl Transport for Memory {
    /// #     fn send_envelope(&self, e: Envelope) -> Result<(), SendError> { self.0.lock().unwrap().push(e); Ok(()) }
    /// # }
    /// # let memory = Memory::default();
    /// # let client = scopeline::Client::new(scopeline::ClientOptions::new().transport(memory.clone()));
    /// # scopeline::get_isolation_scope().bind_client(Some(client.clone()));
    /// # let delivered = || -> Event {
    /// #     client.flush(std::time::Duration::from_secs(5)).unwrap();
    /// #     memory.0.lock().unwrap().iter().find_map(|e| e.transaction().cloned()).unwrap()
    /// # };
    /// use scopeline::{SpanStatus, TransactionContext};
    ///
    /// let tx = scopeline::start_transaction(TransactionContext::new("job", "task").with_sampled(true));
    /// tx.finish_with_status(SpanStatus::DeadlineExceeded);
    /// assert!(tx.is_finished());
    /// // `delivered()` (setup hidden) flushes the bound client and returns the transaction it sent.
    /// assert_eq!(delivered().contexts["trace"]["status"], "deadline_exceeded");
    /// ```
    pub fn finish_with_status(&self, status: SpanStatus) {
        self.set_status(status);
        self.finish();
    }

    /// Finishes the span: a child is recorded in its transaction, a transaction is sent
    /// with its finished children. Only the first call counts.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use scopeline::{protocol::{Envelope, Event}, transport::{SendError, Transport}};
    /// # #[derive(Debug, Default, Clone)] struct Memory(Arc<Mutex<Vec<Envelope>>>);
    /// # impl Transport for Memory {
    /// #     fn send_envelope(&self, e: Envelope) -> Result<(), SendError> { self.0.lock().unwrap().push(e); Ok(()) }
    /// # }
    /// # let memory = Memory::default();
    /// # let client = scopeline::Client::new(scopeline::ClientOptions::new().transport(memory.clone()));
    /// # scopeline::get_isolation_scope().bind_client(Some(client.clone()));
    /// # let delivered = || -> Event {
    /// #     client.flush(std::time::Duration::from_secs(5)).unwrap();
    /// #     memory.0.lock().unwrap().iter().find_map(|e| e.transaction().cloned()).unwrap()
    /// # };
    /// use scopeline::TransactionContext;
    ///
    /// let tx = scopeline::start_transaction(TransactionContext::new("nightly-report", "task").with_sampled(true));
    /// tx.start_child("load", "orders").finish();
    /// let _never_finished = tx.start_child("load", "refunds");
    /// tx.finish();
    /// tx.finish(); // does nothing
    /// // `delivered()` (setup hidden) flushes the bound client and returns the transaction it sent.
    /// let sent = delivered();
    /// assert_eq!(sent.transaction.as_deref(), Some("nightly-report"));
    /// assert_eq!(sent.spans.len(), 1, "only the finished child is sent");
    /// ```
    pub fn finish(&self) {
        self.finish_at(SystemTime::now());
    }

    /// [`Span::finish`] with an end time the caller already read.
    pub(crate) fn finish_at(&self, end: SystemTime) {
        if !self.is_live() {
            return;
        }
        if self.inner.root {
            let tx = &self.inner.tx;
            let _name = lock(&tx.name);
            tx.finished.store(true, Ordering::Relaxed);
        }
        let record = {
            let mut state = lock(&self.inner.state);
            if state.finished {
                return;
            }
            state.finished = true;
            if !self.inner.tx.sampled {
                drop(state);
                if self.inner.root {
                    // Finished: nothing more is read from the isolation scope.
                    self.inner.tx.let_go_of_isolation(None);
                    if let Some(client) = &self.inner.tx.client {
                        if client.tracing_enabled() {
                            // The transaction and its root span (an unsampled transaction
                            // records no children), as the protocol's client reports count.
                            for category in ["transaction", "span"] {
                                client.record_discard(
                                    crate::client::reason::SAMPLE_RATE,
                                    category,
                                    1,
                                );
                            }
                        }
                    }
                }
                return;
            }
            // Moved as it is: the record the protocol wants (owned keys in a map) is made on
            // the pipeline thread, which then frees only what it allocated itself.
            Finished {
                span_id: self.inner.span_id,
                parent_span_id: self.inner.parent_span_id,
                op: state.op.clone(),
                description: state.description.take(),
                status: state.status.unwrap_or(SpanStatus::Ok),
                start: self.inner.start,
                // Never before the start (the wall clock may step back while the span is
                // open): Relay rejects a transaction with any span that ends before it starts.
                end: end.max(self.inner.start),
                tags: std::mem::take(&mut state.tags),
                data: std::mem::take(&mut state.data),
                namespace: state.namespace,
                origin: state.origin.clone(),
            }
        };
        if self.inner.root {
            self.send_transaction(record);
            // Finished: nothing more is read from the isolation scope.
            self.inner.tx.let_go_of_isolation(None);
        } else {
            let mut spans = lock(&self.inner.tx.spans);
            // Its transaction went out before it finished (a task spawned from a request
            // that outlives it): there is nothing left to send it with, and a long-lived
            // task's late spans would otherwise pile up here. The root sets `finished`
            // before it takes the spans under this lock, so none is pushed after the take.
            if self.inner.tx.finished.load(Ordering::Relaxed) {
                return;
            }
            // At most `MAX_SPANS`: only that many children were started live.
            match spans
                .last_mut()
                .filter(|block| block.len() < SPANS_PER_BLOCK)
            {
                Some(block) => block.push(record),
                None => spans.push({
                    let mut block = Vec::with_capacity(SPANS_PER_BLOCK);
                    block.push(record);
                    block
                }),
            }
        }
    }

    /// Hands the finished transaction to its client. Only what must be read now is taken
    /// here; the event is built on the pipeline thread (see [`TransactionDraft`]).
    fn send_transaction(&self, root: Finished) {
        let tx = &self.inner.tx;
        let Some(client) = &tx.client else { return };
        let spans = std::mem::take(&mut *lock(&tx.spans));
        let draft = TransactionDraft {
            root,
            spans,
            tx: tx.clone(),
        };
        // Gone only when the scope held this transaction and then ended: the transaction
        // goes out with no scope data rather than not at all.
        let isolation = tx.isolation().unwrap_or_default();
        client.capture_transaction(Box::new(draft), &isolation);
    }

    /// Whether this is the span entered *around* the work `isolation` was opened for (a
    /// worker loop's span around each job's `isolation_scope`, a server's span around its
    /// request handler, recorded when the scope was opened or first polled): its trace does
    /// not reach into that isolation scope. A span entered inside it (the work's own
    /// `#[instrument]` span, even if made before the scope) is followed as usual, and so is
    /// every span outside every wrapper (a plain `tokio::spawn`), where no boundary is kept.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))] // used by the tracing layer
    pub(crate) fn is_foreign_to(&self, isolation: &Scope) -> bool {
        isolation.boundary() == Some(self.identity())
    }

    /// Whether the transaction this span belongs to has finished (been sent or dropped).
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))] // used by the tracing layer
    pub(crate) fn transaction_finished(&self) -> bool {
        self.inner.tx.finished.load(Ordering::Relaxed)
    }

    /// Whether this span is recorded (sampled or not), rather than a stand-in.
    fn is_live(&self) -> bool {
        self.stand_in.is_none()
    }

    /// What tells this span from every other: its span id, or a stand-in's own number
    /// (a stand-in shares its parent's span id).
    pub(crate) fn identity(&self) -> u64 {
        match self.stand_in {
            Some(own) => own.get(),
            None => u64::from_le_bytes(self.inner.span_id.to_bytes()),
        }
    }

    /// The `contexts.trace` of events captured while this span is active.
    pub(crate) fn trace_context(&self) -> Map<String, Value> {
        let state = lock(&self.inner.state);
        let mut ctx = Map::new();
        ctx.insert("type".into(), "trace".into());
        ctx.insert("trace_id".into(), self.inner.trace_id.to_string().into());
        ctx.insert("span_id".into(), self.inner.span_id.to_string().into());
        if let Some(parent) = self.inner.parent_span_id {
            ctx.insert("parent_span_id".into(), parent.to_string().into());
        }
        if let Some(op) = &state.op {
            ctx.insert("op".into(), op.as_ref().into());
        }
        if let Some(status) = state.status {
            ctx.insert("status".into(), status.as_str().into());
        }
        ctx
    }

    pub(crate) fn dsc(&self) -> Arc<Dsc> {
        self.inner.tx.dsc().clone()
    }

    /// The headers that carry this span's trace to a downstream service.
    ///
    /// ```
    /// let tx = scopeline::start_transaction(scopeline::TransactionContext::new("job", "task"));
    /// let headers = tx.trace_headers();
    /// assert!(headers.sentry_trace().starts_with(&tx.trace_id().to_string()));
    /// ```
    pub fn trace_headers(&self) -> TraceHeaders {
        TraceHeaders::new(
            self.inner.trace_id,
            self.inner.span_id,
            self.inner.tx.propagated,
            Some(self.inner.tx.dsc()),
        )
    }
}

/// A finished transaction on its way to the pipeline: its root span's record, its finished
/// children, and the transaction itself for its name and sampling context. The event is built
/// from it on the pipeline thread, so that the task that finished the transaction neither
/// allocates the event's maps nor leaves them to be freed by another thread.
pub(crate) struct TransactionDraft {
    root: Finished,
    spans: Vec<Vec<Finished>>,
    tx: Arc<Tx>,
}

/// A finished span as its task left it; it becomes a [`SpanRecord`] on the pipeline thread.
struct Finished {
    span_id: SpanId,
    parent_span_id: Option<SpanId>,
    op: Option<Cow<'static, str>>,
    description: Option<Cow<'static, str>>,
    status: SpanStatus,
    start: SystemTime,
    end: SystemTime,
    tags: BTreeMap<String, String>,
    data: SpanData,
    namespace: Option<&'static str>,
    origin: Option<Cow<'static, str>>,
}

impl Finished {
    fn into_record(self, trace_id: TraceId) -> SpanRecord {
        let namespace = self
            .namespace
            .map(|n| ("code.namespace".to_owned(), n.into()));
        SpanRecord {
            trace_id,
            span_id: self.span_id,
            parent_span_id: self.parent_span_id,
            op: self.op,
            description: self.description,
            status: Some(Cow::Borrowed(self.status.as_str())),
            start_timestamp: self.start,
            timestamp: self.end,
            tags: self.tags,
            data: (self.data.into_iter())
                .map(|(k, v)| (k.into_owned(), v))
                .chain(namespace)
                .collect(),
            origin: self.origin,
        }
    }
}

impl TransactionDraft {
    /// How many finished child spans it carries.
    pub(crate) fn children(&self) -> usize {
        self.spans.iter().map(Vec::len).sum()
    }

    /// The transaction event, and the trace's sampling context for its envelope (made and
    /// frozen here if nothing needed it before).
    pub(crate) fn into_event(self) -> (Event, Arc<Dsc>) {
        let TransactionDraft { root, spans, tx } = self;
        let trace_id = tx.seed.trace_id;
        let mut root = root.into_record(trace_id);
        let (name, source) = lock(&tx.name).clone();
        let mut event = Event::new();
        event.ty = Some(Cow::Borrowed("transaction"));
        event.level = crate::Level::Info;
        event.transaction = Some(name);
        event.transaction_info = Some(TransactionInfo::new(source));
        event.start_timestamp = Some(root.start_timestamp);
        event.timestamp = root.timestamp;
        event.spans = (spans.into_iter().flatten())
            .map(|span| span.into_record(trace_id))
            .collect();
        let dsc = tx.dsc().clone();
        event.tags = std::mem::take(&mut root.tags);
        event.contexts.insert("trace".into(), trace_context(root));
        (event, dsc)
    }
}

/// The transaction's `contexts.trace`, made from its root span's record (whose data it takes).
fn trace_context(root: SpanRecord) -> Map<String, Value> {
    let mut ctx = match json!({
        "type": "trace",
        "trace_id": root.trace_id,
        "span_id": root.span_id,
        "op": root.op,
        "status": root.status,
    }) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    if let Some(parent) = root.parent_span_id {
        ctx.insert("parent_span_id".into(), parent.to_string().into());
    }
    if let Some(origin) = &root.origin {
        ctx.insert("origin".into(), origin.as_ref().into());
    }
    if !root.data.is_empty() {
        ctx.insert(
            "data".into(),
            Value::Object(root.data.into_iter().collect()),
        );
    }
    ctx
}

/// The headers that carry a trace to a downstream service: `sentry-trace`, `baggage` and
/// W3C `traceparent`.
///
/// ```
/// let headers = scopeline::trace_headers();
/// let names: Vec<&str> = headers.iter().map(|(name, _)| name).collect();
/// assert!(names.contains(&"sentry-trace"));
/// assert!(names.contains(&"traceparent"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceHeaders {
    sentry_trace: String,
    baggage: Option<String>,
    traceparent: String,
}

impl TraceHeaders {
    pub(crate) fn new(
        trace_id: TraceId,
        span_id: SpanId,
        sampled: Option<bool>,
        dsc: Option<&Dsc>,
    ) -> Self {
        let flag = match sampled {
            Some(true) => "-1",
            Some(false) => "-0",
            None => "",
        };
        TraceHeaders {
            sentry_trace: format!("{trace_id}-{span_id}{flag}"),
            baggage: dsc.filter(|d| !d.is_empty()).map(Dsc::to_baggage),
            traceparent: format!(
                "00-{trace_id}-{span_id}-{}",
                if sampled == Some(true) { "01" } else { "00" }
            ),
        }
    }

    /// The `sentry-trace` value.
    ///
    /// ```
    /// use scopeline::TransactionContext;
    ///
    /// let tx = scopeline::start_transaction(TransactionContext::new("job", "task").with_sampled(true));
    /// let expected = format!("{}-{}-1", tx.trace_id(), tx.span_id());
    /// assert_eq!(tx.trace_headers().sentry_trace(), expected);
    /// ```
    pub fn sentry_trace(&self) -> &str {
        &self.sentry_trace
    }

    /// The `sentry-*` members of `baggage`, when the trace has a sampling context.
    ///
    /// ```
    /// use scopeline::TransactionContext;
    ///
    /// let tx = scopeline::start_transaction(TransactionContext::new("job", "task").with_sampled(true));
    /// let headers = tx.trace_headers();
    /// assert!(headers.baggage().unwrap().split(',').any(|member| member == "sentry-sampled=true"));
    /// // No client and no upstream: no sampling context to pass on.
    /// assert_eq!(scopeline::trace_headers().baggage(), None);
    /// ```
    pub fn baggage(&self) -> Option<&str> {
        self.baggage.as_deref()
    }

    /// The W3C `traceparent` value.
    ///
    /// ```
    /// use scopeline::TransactionContext;
    ///
    /// let tx = scopeline::start_transaction(TransactionContext::new("job", "task").with_sampled(true));
    /// let expected = format!("00-{}-{}-01", tx.trace_id(), tx.span_id());
    /// assert_eq!(tx.trace_headers().traceparent(), expected);
    /// ```
    pub fn traceparent(&self) -> &str {
        &self.traceparent
    }

    /// Name and value of each header to send.
    ///
    /// ```
    /// use scopeline::TransactionContext;
    ///
    /// let tx = scopeline::start_transaction(TransactionContext::new("job", "task").with_sampled(true));
    /// let headers = tx.trace_headers();
    /// let names: Vec<&str> = headers.iter().map(|(name, _)| name).collect();
    /// assert_eq!(names, ["sentry-trace", "baggage", "traceparent"]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            Some(("sentry-trace", self.sentry_trace.as_str())),
            self.baggage.as_deref().map(|b| ("baggage", b)),
            Some(("traceparent", self.traceparent.as_str())),
        ]
        .into_iter()
        .flatten()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::protocol::Envelope;
    use crate::transport::{SendError, Transport};

    #[derive(Debug, Default, Clone)]
    struct Kept(Arc<Mutex<Vec<Envelope>>>);

    impl Transport for Kept {
        fn send_envelope(&self, envelope: Envelope) -> Result<(), SendError> {
            lock(&self.0).push(envelope);
            Ok(())
        }
    }

    #[test]
    fn spans_never_end_before_they_start_when_the_clock_steps_back() {
        let kept = Kept::default();
        let options = crate::ClientOptions::new().traces_sample_rate(1.0);
        let client = crate::Client::new(options.transport(kept.clone()));
        let scope = Scope::new();
        scope.bind_client(Some(client.clone()));
        let tx = Span::new_transaction(
            TransactionContext::new("job", "task"),
            scope,
            Some(client.shared().clone()),
        );
        let child = tx.start_child("db.query", "SELECT 1");
        // The wall clock stepped back a minute while both were open.
        let stepped_back = SystemTime::now() - Duration::from_secs(60);
        child.finish_at(stepped_back);
        tx.finish_at(stepped_back);
        client.flush(Duration::from_secs(5)).unwrap();

        let envelopes = lock(&kept.0);
        let sent = envelopes[0]
            .transaction()
            .expect("the transaction was sent");
        let start = sent.start_timestamp.unwrap();
        assert!(sent.timestamp >= start);
        assert!(sent.spans[0].timestamp >= sent.spans[0].start_timestamp);
    }
}
