//! Where scopes live: the global scope in an `ArcSwap`, isolation and current scope in one
//! `tokio::task_local!` slot, and a process-wide default pair for code outside any wrapper.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use arc_swap::ArcSwapOption;

use super::data::{PropagationContext, ScopeData};
use super::future::Scoped;
use super::handle::Scope;
use crate::client::{Client, ClientInner};

/// The isolation and current scope of a task. Installed as one task-local `Arc`, so entering
/// and leaving it on every poll moves one pointer and touches no reference count.
#[derive(Clone, Debug)]
pub(crate) struct ScopePair {
    pub(crate) isolation: Scope,
    pub(crate) current: Scope,
    installer: Installer,
}

/// What installed a pair. tokio holds a wrapped future's pair only while that future is
/// polled; a closure's pair stays on the thread for the closure's whole run, during which a
/// runtime the closure drives on this thread (a current-thread runtime's `block_on`, a
/// `LocalSet`) polls other tasks too. Those tasks are not the closure's code: each is told
/// apart by its tokio task id, and sees the default pair, as it would on another thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Installer {
    Future,
    /// The id of the task that ran the closure, `None` outside every task (on a thread,
    /// in a runtime's `block_on` future).
    Closure(Option<tokio::task::Id>),
}

tokio::task_local! {
    // One `Arc`, so that entering and leaving the scope on every poll moves one pointer.
    static SCOPES: Arc<ScopePair>;
}

fn default_pair() -> &'static ScopePair {
    static DEFAULT: OnceLock<ScopePair> = OnceLock::new();
    // The default isolation scope holds no trace of its own: code outside every wrapper (a
    // thread, a plain `tokio::spawn`) has no request to share one with, so each event,
    // transaction and outgoing call there starts a fresh trace, sampled on its own, rather
    // than all of them joining one endless trace (until `continue_trace` sets one).
    DEFAULT.get_or_init(|| ScopePair::new(Scope::from_data(ScopeData::default()), Scope::new()))
}

/// Records on a new isolation scope the Sentry span of the `tracing` span entered around
/// it, if any: the trace boundary of [`Span::is_foreign_to`](crate::Span).
pub(crate) fn record_boundary(isolation: &Scope) {
    #[cfg(feature = "tracing")]
    if let Some(span) = crate::integrations::tracing_layer::current_sentry_span() {
        isolation.set_boundary(span.identity());
    }
    #[cfg(not(feature = "tracing"))]
    let _ = isolation;
}

fn global_scope() -> &'static Scope {
    static GLOBAL: OnceLock<Scope> = OnceLock::new();
    GLOBAL.get_or_init(Scope::new_global)
}

static GLOBAL_CLIENT: ArcSwapOption<ClientInner> = ArcSwapOption::const_empty();
static GLOBAL_CLIENT_SET: AtomicBool = AtomicBool::new(false);

/// Serializes binds of the global client, so the flag and the slot always agree.
static GLOBAL_CLIENT_BIND: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub(crate) fn set_global_client(client: Option<Client>) {
    let bind = GLOBAL_CLIENT_BIND.lock().unwrap_or_else(|e| e.into_inner());
    let inner = client.map(Client::into_inner);
    let now_set = inner.is_some();
    let replaced = GLOBAL_CLIENT.swap(inner);
    if GLOBAL_CLIENT_SET.swap(now_set, Ordering::Relaxed) != now_set {
        if now_set {
            super::data::count_binding(1);
        } else {
            super::data::count_binding(-1);
        }
    }
    // The client replaced may be the last handle: its transport's and callbacks' `Drop`
    // run after the lock, free to bind a client themselves.
    drop(bind);
    drop(replaced);
}

/// Runs `f` with the client bound to the global scope, without taking a reference count. One
/// relaxed load when none is.
pub(crate) fn with_global_client<R>(f: impl FnOnce(Option<&Arc<ClientInner>>) -> R) -> R {
    if !GLOBAL_CLIENT_SET.load(Ordering::Relaxed) {
        return f(None);
    }
    f(GLOBAL_CLIENT.load().as_ref())
}

/// Whether any client is bound anywhere: one relaxed load, the whole cost of a capture or a
/// breadcrumb while none is.
#[inline]
pub(crate) fn any_client_bound() -> bool {
    super::data::bindings() != 0
}

/// The global scope's data, for merging into an event.
pub(crate) fn global_data() -> Arc<ScopeData> {
    global_scope().shared_data()
}

/// Runs `f` with the task's scope pair, or the process-wide default pair outside any wrapper.
pub(crate) fn with_pair<R>(f: impl FnOnce(&ScopePair) -> R) -> R {
    let mut f = Some(f);
    let ran =
        SCOPES.try_with(|pair| (pair.seen_here()).then(|| (f.take().expect("called once"))(pair)));
    match ran {
        Ok(Some(out)) => out,
        _ => (f.take().expect("not called yet"))(default_pair()),
    }
}

pub(crate) fn scoped<F: Future>(pair: impl Into<Arc<ScopePair>>, future: F) -> Scoped<F> {
    Scoped::new(SCOPES.scope(pair.into(), future), None)
}

/// [`scoped`] for a pair with a new isolation scope, whose trace boundary (see
/// [`record_boundary`]) the first poll records: the span entered around it then.
pub(crate) fn scoped_isolated<F: Future>(pair: impl Into<Arc<ScopePair>>, future: F) -> Scoped<F> {
    let pair = pair.into();
    // Without the tracing layer there is no span to record.
    let isolation = cfg!(feature = "tracing").then(|| pair.isolation.clone());
    Scoped::new(SCOPES.scope(pair, future), isolation)
}

pub(crate) fn sync_scoped<R>(pair: impl Into<Arc<ScopePair>>, f: impl FnOnce() -> R) -> R {
    let mut pair = pair.into();
    Arc::make_mut(&mut pair).installer = Installer::Closure(tokio::task::try_id());
    SCOPES.sync_scope(pair, f)
}

impl ScopePair {
    pub(crate) fn new(isolation: Scope, current: Scope) -> ScopePair {
        ScopePair {
            isolation,
            current,
            installer: Installer::Future,
        }
    }

    /// Whether the running code sees this pair (see [`Installer`]).
    #[inline]
    fn seen_here(&self) -> bool {
        match self.installer {
            Installer::Future => true,
            Installer::Closure(task) => task == tokio::task::try_id(),
        }
    }

    /// The pair a spawned task starts with: the same isolation scope, a fork of current.
    ///
    /// With the tracing layer installed, the Sentry span of the spawning code's tracing span
    /// becomes the child's active span: tracing's current span is per thread and does not
    /// follow a spawn, so without this the child's spans would start a new transaction.
    pub(crate) fn for_child() -> ScopePair {
        with_pair(|p| {
            let current = p.current.fork();
            #[cfg(feature = "tracing")]
            if let Some(span) = crate::client::entered_span(&p.isolation) {
                current.set_span(Some(span));
            }
            ScopePair::new(p.isolation.clone(), current)
        })
    }

    /// The pair of a request that must start empty (nothing leaks from the thread, the
    /// process default or an earlier request): both scopes keep only the event processors
    /// and bound client of the running task's, and the isolation scope starts a fresh trace
    /// (`continued`, when the request continues one).
    #[cfg_attr(not(feature = "tower"), allow(dead_code))]
    pub(crate) fn emptied(continued: Option<PropagationContext>) -> ScopePair {
        let propagation = Arc::new(continued.unwrap_or_default());
        with_pair(|p| {
            ScopePair::new(
                Scope::from_data(p.isolation.read(|d| d.emptied_with(Some(propagation)))),
                // Only an isolation scope's trace is ever read.
                Scope::from_data(p.current.read(|d| d.emptied_with(None))),
            )
        })
    }

    /// The pair of a new isolation scope: both forked, with a fresh trace. The spans set on
    /// the parent's scopes are not carried over: the new scope's errors, outgoing calls and
    /// root spans belong to its own trace, not to the parent's transaction (which may be
    /// sent before they finish). Nor is a `tracing` span entered around the work (see
    /// [`record_boundary`]).
    pub(crate) fn isolated() -> ScopePair {
        with_pair(|p| {
            let current = p.current.fork();
            if current.read(|d| d.span.is_some()) {
                current.set_span(None);
            }
            ScopePair::new(p.isolation.fork_isolation(), current)
        })
    }

    /// The pair of the test helpers: inside a wrapper, forked like [`ScopePair::isolated`];
    /// outside every wrapper, empty, since the process default it would fork is shared with
    /// every test running in parallel.
    #[cfg_attr(not(feature = "test-util"), allow(dead_code))]
    pub(crate) fn for_test() -> ScopePair {
        if SCOPES.try_with(|p| p.seen_here()).unwrap_or(false) {
            return ScopePair::isolated();
        }
        ScopePair::new(Scope::from_data(ScopeData::isolation()), Scope::new())
    }
}

/// The global scope: data here applies to every event of the process.
///
/// It is read at capture time, never copied into threads or tasks, so what you set here is
/// seen everywhere at once.
///
/// # Examples
///
/// ```
/// scopeline::get_global_scope().set_tag("service", "checkout");
/// assert_eq!(scopeline::get_global_scope().tag("service").as_deref(), Some("checkout"));
/// ```
pub fn get_global_scope() -> Scope {
    global_scope().clone()
}

/// The isolation scope of the running task: one per request, job or message.
///
/// Outside any [`isolation_scope`] (plain threads, code before the first wrapper) this is the
/// process-wide default isolation scope, shared by all such code.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// scopeline::isolation_scope(async {
///     scopeline::get_isolation_scope().set_tag("request_id", "r-1");
///     assert_eq!(scopeline::get_isolation_scope().tag("request_id").as_deref(), Some("r-1"));
/// })
/// .await;
/// # }
/// ```
pub fn get_isolation_scope() -> Scope {
    with_pair(|p| p.isolation.clone())
}

/// The current scope of the running task: one per [`new_scope`] block.
///
/// # Examples
///
/// ```
/// scopeline::with_new_scope(|scope| {
///     assert!(scope.ptr_eq(&scopeline::get_current_scope()));
/// });
/// ```
pub fn get_current_scope() -> Scope {
    with_pair(|p| p.current.clone())
}

/// Runs a future in a new isolation scope.
///
/// The isolation and the current scope are forked **when this function is called**, not when
/// the future is first polled. Inside, [`get_isolation_scope`] and [`get_current_scope`] return
/// the forks on every poll, on whatever thread; outside, nothing changes. The new isolation
/// scope starts a fresh trace. Use one per request, job or message.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let handled = scopeline::isolation_scope(async {
///     scopeline::set_tag("request_id", "r-1");
///     tokio::task::yield_now().await;
///     scopeline::get_isolation_scope().tag("request_id")
/// })
/// .await;
/// assert_eq!(handled.as_deref(), Some("r-1"));
/// assert_eq!(scopeline::get_isolation_scope().tag("request_id"), None);
/// # }
/// ```
pub fn isolation_scope<F: Future>(future: F) -> Scoped<F> {
    scoped_isolated(ScopePair::isolated(), future)
}

/// Runs a future in a new current scope that shares the isolation scope.
///
/// The current scope is forked when this function is called.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// scopeline::new_scope(async {
///     scopeline::get_current_scope().set_tag("step", "charge");
/// })
/// .await;
/// assert_eq!(scopeline::get_current_scope().tag("step"), None);
/// # }
/// ```
pub fn new_scope<F: Future>(future: F) -> Scoped<F> {
    scoped(
        with_pair(|p| ScopePair::new(p.isolation.clone(), p.current.fork())),
        future,
    )
}

/// Runs a closure in a new isolation scope and hands it that scope.
///
/// The synchronous twin of [`isolation_scope`].
///
/// # Examples
///
/// ```
/// scopeline::with_isolation_scope(|scope| {
///     scope.set_tag("job", "reindex");
///     assert_eq!(scopeline::get_isolation_scope().tag("job").as_deref(), Some("reindex"));
/// });
/// assert_eq!(scopeline::get_isolation_scope().tag("job"), None);
/// ```
pub fn with_isolation_scope<R>(f: impl FnOnce(&Scope) -> R) -> R {
    let pair = ScopePair::isolated();
    let scope = pair.isolation.clone();
    record_boundary(&scope);
    sync_scoped(pair, || f(&scope))
}

/// Runs a closure in a new current scope and hands it that scope.
///
/// The synchronous twin of [`new_scope`].
///
/// # Examples
///
/// ```
/// scopeline::with_new_scope(|scope| scope.set_level(Some(scopeline::Level::Warning)));
/// assert_eq!(scopeline::get_current_scope().level(), None);
/// ```
pub fn with_new_scope<R>(f: impl FnOnce(&Scope) -> R) -> R {
    let pair = with_pair(|p| ScopePair::new(p.isolation.clone(), p.current.fork()));
    let scope = pair.current.clone();
    sync_scoped(pair, || f(&scope))
}

/// Changes the isolation scope of the running task (or the default one outside any task).
///
/// The closure runs even when no client is bound, so data set before [`init`](crate::init)
/// is kept. A panic inside it is caught and logged (target `scopeline`, level warn); it never
/// unwinds into the caller and is not reported as a crash.
///
/// # Examples
///
/// ```
/// scopeline::configure_scope(|scope| scope.set_tag("tenant", "acme"));
/// assert_eq!(scopeline::get_isolation_scope().tag("tenant").as_deref(), Some("acme"));
/// # scopeline::get_isolation_scope().remove_tag("tenant");
/// ```
pub fn configure_scope(f: impl FnOnce(&Scope)) {
    let scope = get_isolation_scope();
    crate::client::guarded("configure_scope", || f(&scope));
}
