use std::borrow::Cow;
use std::collections::BTreeMap;
use std::error::Error;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

use arc_swap::ArcSwap;
use serde_json::Value;

use super::data::{BoundClient, EventProcessor, Hint, RequestSource, ScopeData};
use crate::client::{Client, ClientInner, CrumbRoute};
use crate::protocol::{
    Attachment, Breadcrumb, Context, Event, EventId, IntoBreadcrumbs, Level, Request, User,
};
use crate::trace::Span;

/// A handle to one scope: cheap to clone, shared between threads, changed through `&self`.
///
/// Clones of a `Scope` are the *same* scope: a tag set through one is seen through the other.
/// [`Scope::fork`] makes a *new* scope that starts with a copy of this one's data; after that
/// neither sees the other's writes. Forking is O(1) whatever the scope holds.
///
/// # Examples
///
/// ```
/// use scopeline::{Scope, User};
///
/// let scope = Scope::new();
/// scope.set_tag("region", "eu-west-1");
/// scope.set_user(Some(User::with_id("42")));
///
/// let child = scope.fork();
/// child.set_tag("region", "us-east-1");
/// assert_eq!(scope.tag("region").as_deref(), Some("eu-west-1"));
/// assert_eq!(child.tag("region").as_deref(), Some("us-east-1"));
/// assert_eq!(child.user().unwrap().id.as_deref(), Some("42"));
/// ```
#[derive(Clone)]
pub struct Scope {
    inner: Arc<Storage>,
}

/// A [`Scope`] handle that does not keep the scope alive.
#[derive(Clone)]
pub(crate) struct WeakScope(Weak<Storage>);

impl WeakScope {
    /// The scope, while any [`Scope`] handle to it is alive.
    pub(crate) fn upgrade(&self) -> Option<Scope> {
        self.0.upgrade().map(|inner| Scope { inner })
    }
}

enum Storage {
    /// Isolation and current scopes: written often, read at capture. `client_bound` mirrors
    /// `data.client.is_some()` (stored under the lock by every write), so resolving a
    /// task's client skips the lock of a scope that has none, which is most of them.
    Local {
        data: Mutex<ScopeData>,
        client_bound: AtomicBool,
        /// For an isolation scope, the identity of the Sentry span of the `tracing` span
        /// entered around the work it was opened for, if any (see [`Span::is_foreign_to`]).
        boundary: OnceLock<u64>,
    },
    /// The global scope: read by every capture on every thread, written rarely.
    Global {
        data: ArcSwap<ScopeData>,
        write: Mutex<()>,
    },
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // No user code ever runs under a scope lock, so poison can only come from a bug of ours
    // in a tiny critical section; the data is still consistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Default for Scope {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &*self.inner {
            Storage::Local { .. } => "Scope",
            Storage::Global { .. } => "GlobalScope",
        };
        self.read(|d| f.debug_tuple(kind).field(d).finish())
    }
}

impl Scope {
    /// A new, empty scope, attached to nothing.
    ///
    /// Use it with [`Scope::update_from_scope`], or bind it yourself; most code uses the scopes
    /// returned by [`get_current_scope`](crate::get_current_scope) and friends instead.
    ///
    /// ```
    /// let scope = scopeline::Scope::new();
    /// assert!(scope.tags().is_empty());
    /// assert!(scope.user().is_none());
    /// assert!(scope.client().is_none());
    /// ```
    pub fn new() -> Self {
        Self::from_data(ScopeData::default())
    }

    pub(crate) fn from_data(data: ScopeData) -> Self {
        Scope {
            inner: Arc::new(Storage::Local {
                client_bound: AtomicBool::new(data.client.is_some()),
                data: Mutex::new(data),
                boundary: OnceLock::new(),
            }),
        }
    }

    pub(crate) fn new_global() -> Self {
        Scope {
            inner: Arc::new(Storage::Global {
                data: ArcSwap::from_pointee(ScopeData::default()),
                write: Mutex::new(()),
            }),
        }
    }

    /// A handle that does not keep the scope alive: for what the scope itself may hold (a
    /// transaction kept in its span slot refers back to the isolation scope it started in).
    pub(crate) fn downgrade(&self) -> WeakScope {
        WeakScope(Arc::downgrade(&self.inner))
    }

    pub(crate) fn is_global(&self) -> bool {
        matches!(&*self.inner, Storage::Global { .. })
    }

    /// Whether two handles point at the same scope.
    ///
    /// ```
    /// let a = scopeline::Scope::new();
    /// assert!(a.ptr_eq(&a.clone()));
    /// assert!(!a.ptr_eq(&a.fork()));
    /// ```
    pub fn ptr_eq(&self, other: &Scope) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Records, for an isolation scope, the identity ([`Span::identity`]) of the Sentry span
    /// of the `tracing` span entered around the work it was opened for; the first record
    /// stands.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) fn set_boundary(&self, span: u64) {
        if let Storage::Local { boundary, .. } = &*self.inner {
            let _ = boundary.set(span);
        }
    }

    /// The span [`Scope::set_boundary`] recorded.
    pub(crate) fn boundary(&self) -> Option<u64> {
        match &*self.inner {
            Storage::Local { boundary, .. } => boundary.get().copied(),
            Storage::Global { .. } => None,
        }
    }

    pub(crate) fn read<R>(&self, f: impl FnOnce(&ScopeData) -> R) -> R {
        match &*self.inner {
            Storage::Local { data, .. } => f(&lock(data)),
            Storage::Global { data, .. } => f(&data.load()),
        }
    }

    pub(crate) fn write<R>(&self, f: impl FnOnce(&mut ScopeData) -> R) -> R {
        match &*self.inner {
            Storage::Local {
                data, client_bound, ..
            } => {
                let mut data = lock(data);
                let out = f(&mut data);
                client_bound.store(data.client.is_some(), Ordering::Relaxed);
                out
            }
            Storage::Global { data, write } => {
                let _serialize_writers = lock(write);
                let mut next = ScopeData::clone(&data.load());
                let out = f(&mut next);
                data.store(Arc::new(next));
                out
            }
        }
    }

    /// The data as a shared value: the global scope hands out the `Arc` it already holds,
    /// other scopes a copy taken under the lock.
    pub(crate) fn shared_data(&self) -> Arc<ScopeData> {
        match &*self.inner {
            Storage::Local { data, .. } => Arc::new(lock(data).clone()),
            Storage::Global { data, .. } => data.load_full(),
        }
    }

    /// A copy of the data, taken under the lock and used after it is released.
    pub(crate) fn snapshot(&self) -> ScopeData {
        self.read(ScopeData::clone)
    }

    /// The data a fork starts from. A deep chain is flattened here, once, so that forks
    /// start shallow: were it left for the first write of each fork to flatten, every fork
    /// of a parent that stopped writing at that depth would copy the parent whole.
    fn fork_data(&self) -> ScopeData {
        match &*self.inner {
            Storage::Local { data, .. } => {
                let mut data = lock(data);
                data.compact();
                data.clone()
            }
            Storage::Global { .. } => self.snapshot_with_client(),
        }
    }

    /// [`Scope::snapshot`], with the bound client, which the global scope keeps apart from
    /// its data (see [`Scope::bind_client`]).
    fn snapshot_with_client(&self) -> ScopeData {
        let mut data = self.snapshot();
        if self.is_global() {
            data.client = self.client().map(BoundClient::new);
        }
        data
    }

    /// A new scope that starts with a copy of this one's data, bound client included.
    ///
    /// O(1) in the size of the scope (a scope whose data has grown eight layers deep, by
    /// eight writes while forks of it lived, is flattened once first). Parent and fork never
    /// see each other's later writes.
    ///
    /// # Examples
    ///
    /// ```
    /// let scope = scopeline::Scope::new();
    /// scope.set_tag("a", "1");
    /// let fork = scope.fork();
    /// fork.remove_tag("a");
    /// assert_eq!(scope.tag("a").as_deref(), Some("1"));
    /// assert_eq!(fork.tag("a"), None);
    /// ```
    pub fn fork(&self) -> Scope {
        Scope::from_data(self.fork_data())
    }

    /// Forks for a new isolation scope: same data, but a fresh trace.
    pub(crate) fn fork_isolation(&self) -> Scope {
        let mut data = self.fork_data();
        data.set_propagation(Arc::default());
        data.set_last_event_id(None);
        // A span kept on the isolation scope belongs to the old trace, not the new one.
        data.span = None;
        Scope::from_data(data)
    }

    /// Removes everything from the scope except its event processors and bound client.
    ///
    /// # Examples
    ///
    /// ```
    /// let scope = scopeline::Scope::new();
    /// scope.set_tag("a", "1");
    /// scope.clear();
    /// assert!(scope.tags().is_empty());
    /// ```
    pub fn clear(&self) {
        // What was set is let go after the lock: a span may hold the last handle to a
        // transaction, and so to a client and its transport (see `set_span`).
        let cleared = self.write(|d| {
            let empty = d.emptied();
            std::mem::replace(d, empty)
        });
        drop(cleared);
    }

    /// Copies everything `other` has set into this scope.
    ///
    /// Tags, extra and contexts are merged per key (`other` wins); breadcrumbs are merged by
    /// time and the newest `max_breadcrumbs` of the client this scope resolves to kept (100
    /// with none); attachments and event processors are appended; level, user, transaction,
    /// fingerprint, request, the active span and the bound client are replaced where `other`
    /// has them; and an isolation scope made by a wrapper
    /// ([`isolation_scope`](crate::isolation_scope) and the like, not the process default
    /// outside them) takes the trace of another such scope (one continued with
    /// [`continue_trace`](crate::continue_trace), say).
    ///
    /// # Examples
    ///
    /// ```
    /// let base = scopeline::Scope::new();
    /// base.set_tag("a", "1");
    /// let other = scopeline::Scope::new();
    /// other.set_tag("b", "2");
    /// base.update_from_scope(&other);
    /// assert_eq!(base.tags().len(), 2);
    /// ```
    pub fn update_from_scope(&self, other: &Scope) {
        if self.ptr_eq(other) {
            return;
        }
        let src = other.snapshot_with_client();
        if let Some(span) = &src.span {
            span.stored_in(self);
        }
        let cap = self.crumb_route().cap();
        let global = self.is_global();
        // What this replaces is let go after the lock (see `set_span` and `bind_client`).
        let replaced = self.write(|d| {
            let (client, span) = d.update_from(&src, cap);
            // The global scope's client lives apart from its data (see `bind_client`).
            let client = if global {
                std::mem::replace(&mut d.client, client)
            } else {
                client
            };
            (client, span)
        });
        drop(replaced);
        if global {
            if let Some(bound) = &src.client {
                self.bind_client(Some(bound.client().clone()));
            }
        }
    }

    /// Binds a client to this scope, or unbinds with `None`.
    ///
    /// Captures resolve their client from the current scope, then the isolation scope, then the
    /// global scope. Binding a client to an isolation scope lets tests run in parallel, each
    /// with its own client.
    ///
    /// # Examples
    ///
    /// ```
    /// use scopeline::{Client, ClientOptions, Scope};
    ///
    /// let scope = Scope::new();
    /// scope.bind_client(Some(Client::new(ClientOptions::new())));
    /// assert!(scope.client().is_some());
    /// ```
    pub fn bind_client(&self, client: Option<Client>) {
        if self.is_global() {
            super::storage::set_global_client(client);
        } else {
            // The client this replaces is let go after the lock: if it was its last
            // handle, dropping it drops the user's transport and callbacks.
            let replaced =
                self.write(|d| std::mem::replace(&mut d.client, client.map(BoundClient::new)));
            drop(replaced);
        }
    }

    /// The client bound to this scope itself, if any (not the one a capture would resolve).
    ///
    /// ```
    /// use scopeline::{Client, ClientOptions, Scope};
    ///
    /// let scope = Scope::new();
    /// assert!(scope.client().is_none());
    /// scope.bind_client(Some(Client::new(ClientOptions::new())));
    /// // A fork keeps the binding.
    /// assert!(scope.fork().client().is_some());
    /// ```
    pub fn client(&self) -> Option<Client> {
        self.with_bound_client(|c| Client::from_inner(c.clone()))
    }

    /// Runs `f` with the client bound to this scope itself, if any, without taking a
    /// reference to it (under this scope's lock, or the global scope's guard).
    pub(crate) fn with_bound_client<R>(&self, f: impl FnOnce(&Arc<ClientInner>) -> R) -> Option<R> {
        match &*self.inner {
            Storage::Global { .. } => super::storage::with_global_client(|c| c.map(f)),
            Storage::Local { client_bound, .. } if !client_bound.load(Ordering::Relaxed) => None,
            Storage::Local { data, .. } => {
                (lock(data).client.as_ref()).map(|c| f(c.client().shared()))
            }
        }
    }

    /// Sets or clears the user.
    ///
    /// # Examples
    ///
    /// ```
    /// let scope = scopeline::Scope::new();
    /// scope.set_user(Some(scopeline::User::with_id("7")));
    /// assert_eq!(scope.user().unwrap().id.as_deref(), Some("7"));
    /// scope.set_user(None);
    /// assert!(scope.user().is_none());
    /// ```
    pub fn set_user(&self, user: Option<User>) {
        let user = user.map(Arc::new);
        self.write(|d| d.user = user);
    }

    /// The user, if set.
    ///
    /// ```
    /// let scope = scopeline::Scope::new();
    /// assert!(scope.user().is_none());
    /// scope.set_user(Some(scopeline::User::with_id("42").email("ada@example.com")));
    /// assert_eq!(scope.user().unwrap().email.as_deref(), Some("ada@example.com"));
    /// ```
    pub fn user(&self) -> Option<User> {
        self.read(|d| d.user.as_deref().cloned())
    }

    /// Sets a tag. Keys and values longer than Sentry accepts are trimmed when an event is sent.
    ///
    /// # Examples
    ///
    /// ```
    /// let scope = scopeline::Scope::new();
    /// scope.set_tag("region", "eu");
    /// scope.set_tag("request_id", 17.to_string());
    /// assert_eq!(scope.tag("request_id").as_deref(), Some("17"));
    /// ```
    pub fn set_tag(&self, key: impl Into<Cow<'static, str>>, value: impl Into<Cow<'static, str>>) {
        let (key, value) = (key.into(), value.into());
        self.write(|d| d.tags.insert(key, value));
    }

    /// Sets several tags at once.
    ///
    /// ```
    /// let scope = scopeline::Scope::new();
    /// scope.set_tags([("a", "1"), ("b", "2")]);
    /// assert_eq!(scope.tags().len(), 2);
    /// ```
    pub fn set_tags<K, V>(&self, tags: impl IntoIterator<Item = (K, V)>)
    where
        K: Into<Cow<'static, str>>,
        V: Into<Cow<'static, str>>,
    {
        let tags: Vec<_> = tags
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self.write(|d| {
            for (k, v) in tags {
                d.tags.insert(k, v);
            }
        });
    }

    /// Removes a tag.
    ///
    /// ```
    /// let scope = scopeline::Scope::new();
    /// scope.set_tag("region", "eu");
    /// scope.remove_tag("region");
    /// assert_eq!(scope.tag("region"), None);
    /// ```
    pub fn remove_tag(&self, key: &str) {
        self.write(|d| d.tags.remove(key));
    }

    /// The value of one tag.
    ///
    /// ```
    /// let scope = scopeline::Scope::new();
    /// scope.set_tag("region", "eu");
    /// assert_eq!(scope.tag("region").as_deref(), Some("eu"));
    /// assert_eq!(scope.tag("zone"), None);
    /// ```
    pub fn tag(&self, key: &str) -> Option<String> {
        self.read(|d| d.tags.get(key).map(|v| v.to_string()))
    }

    /// All tags.
    ///
    /// ```
    /// let scope = scopeline::Scope::new();
    /// scope.set_tags([("b", "2"), ("a", "1")]);
    /// let tags = scope.tags();
    /// assert_eq!(tags["a"], "1");
    /// let keys: Vec<&str> = tags.keys().map(String::as_str).collect();
    /// assert_eq!(keys, ["a", "b"]);
    /// ```
    pub fn tags(&self) -> BTreeMap<String, String> {
        self.read(|d| {
            d.tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
    }

    /// Sets an extra value.
    ///
    /// ```
    /// let scope = scopeline::Scope::new();
    /// scope.set_extra("attempt", 3.into());
    /// assert_eq!(scope.extra("attempt"), Some(serde_json::json!(3)));
    /// ```
    pub fn set_extra(&self, key: impl Into<Cow<'static, str>>, value: Value) {
        let key = key.into();
        self.write(|d| d.extra.insert(key, value));
    }

    /// Removes an extra value.
    ///
    /// ```
    /// let scope = scopeline::Scope::new();
    /// scope.set_extra("attempt", 3.into());
    /// scope.remove_extra("attempt");
    /// assert_eq!(scope.extra("attempt"), None);
    /// ```
    pub fn remove_extra(&self, key: &str) {
        self.write(|d| d.extra.remove(key));
    }

    /// One extra value.
    ///
    /// ```
    /// let scope = scopeline::Scope::new();
    /// scope.set_extra("payload", serde_json::json!({"items": 2}));
    /// assert_eq!(scope.extra("payload").unwrap()["items"], 2);
    /// assert_eq!(scope.extra("missing"), None);
    /// ```
    pub fn extra(&self, key: &str) -> Option<Value> {
        self.read(|d| d.extra.get(key).cloned())
    }

    /// Sets a context, such as `{"name": "checkout", "version": 3}` under `"service"`.
    ///
    /// A context set under `"trace"` only adds the keys an event's trace context lacks: its
    /// trace id, span id, parent span id and `type` always come from the active span, else
    /// from the propagation context (see [`continue_trace`](crate::continue_trace) to
    /// continue a caller's trace).
    ///
    /// ```
    /// use serde_json::json;
    ///
    /// let scope = scopeline::Scope::new();
    /// let ctx = json!({"name": "checkout"}).as_object().unwrap().clone();
    /// scope.set_context("service", ctx);
    /// assert_eq!(scope.context("service").unwrap()["name"], "checkout");
    /// ```
    pub fn set_context(&self, key: impl Into<Cow<'static, str>>, context: Context) {
        let key = key.into();
        self.write(|d| d.contexts.insert(key, context));
    }

    /// Removes a context.
    ///
    /// ```
    /// use serde_json::json;
    ///
    /// let scope = scopeline::Scope::new();
    /// scope.set_context("service", json!({"name": "checkout"}).as_object().unwrap().clone());
    /// scope.remove_context("service");
    /// assert!(scope.context("service").is_none());
    /// ```
    pub fn remove_context(&self, key: &str) {
        self.write(|d| d.contexts.remove(key));
    }

    /// One context.
    ///
    /// ```
    /// use serde_json::json;
    ///
    /// let scope = scopeline::Scope::new();
    /// scope.set_context("service", json!({"version": 3}).as_object().unwrap().clone());
    /// assert_eq!(scope.context("service").unwrap()["version"], 3);
    /// assert!(scope.context("runtime").is_none());
    /// ```
    pub fn context(&self, key: &str) -> Option<Context> {
        self.read(|d| d.contexts.get(key).cloned())
    }

    /// Sets or clears the level that overrides the level of every event captured here.
    ///
    /// ```
    /// let scope = scopeline::Scope::new();
    /// scope.set_level(Some(scopeline::Level::Warning));
    /// assert_eq!(scope.level(), Some(scopeline::Level::Warning));
    /// ```
    pub fn set_level(&self, level: Option<Level>) {
        self.write(|d| d.set_rare(level, |r| &mut r.level));
    }

    /// The level override, if set.
    ///
    /// ```
    /// let scope = scopeline::Scope::new();
    /// assert_eq!(scope.level(), None);
    /// scope.set_level(Some(scopeline::Level::Fatal));
    /// assert_eq!(scope.level(), Some(scopeline::Level::Fatal));
    /// ```
    pub fn level(&self) -> Option<Level> {
        self.read(|d| d.rare().level)
    }

    /// Sets or clears the transaction name (a route, a job name) of the events captured
    /// here; it wins over the name of the active span's transaction. A name set while this
    /// scope holds a [span](Scope::set_span) also renames that span's transaction (source
    /// `custom`), as `ScopeLayer`'s request transactions are held; so does a name set on a
    /// [`fork`](Scope::fork), which shares its span. A name set on the scope a `capture_*_with`
    /// closure gets names that one event only.
    ///
    /// ```
    /// use scopeline::{Scope, TransactionContext};
    ///
    /// let scope = Scope::new();
    /// scope.set_transaction(Some("GET /items/{id}"));
    /// assert_eq!(scope.transaction().as_deref(), Some("GET /items/{id}"));
    ///
    /// let tx = scopeline::start_transaction(TransactionContext::new("GET /items/42", "http.server"));
    /// scope.set_span(Some(tx.clone()));
    /// scope.set_transaction(Some("checkout"));
    /// assert_eq!(tx.transaction_name(), "checkout");
    /// ```
    pub fn set_transaction(&self, name: Option<&str>) {
        // Renamed under the scope's lock, so two renames land on the scope and on its span in
        // the same order (the transaction's name lock is taken under no other lock).
        self.write(|d| {
            if let (Some(name), Some(span), false) = (name, &d.span, d.rare().for_one_event) {
                span.set_transaction_name(name, "custom");
            }
            d.set_rare(name.map(Arc::<str>::from), |r| &mut r.transaction);
        });
    }

    /// The transaction name, if set.
    ///
    /// ```
    /// let scope = scopeline::Scope::new();
    /// assert_eq!(scope.transaction(), None);
    /// scope.set_transaction(Some("nightly-report"));
    /// assert_eq!(scope.transaction().as_deref(), Some("nightly-report"));
    /// scope.set_transaction(None);
    /// assert_eq!(scope.transaction(), None);
    /// ```
    pub fn transaction(&self) -> Option<String> {
        self.read(|d| d.rare().transaction.as_deref().map(str::to_owned))
    }

    /// Sets or clears the active span: events captured through this scope are tied to it
    /// (`contexts.trace`, the transaction name, the trace's sampling context), and
    /// [`trace_headers`](crate::trace_headers) propagate it. Spans of the tracing layer take
    /// precedence while one is entered.
    ///
    /// ```
    /// use scopeline::{Scope, TransactionContext};
    ///
    /// let scope = Scope::new();
    /// let tx = scopeline::start_transaction(TransactionContext::new("job", "task"));
    /// scope.set_span(Some(tx.clone()));
    /// assert_eq!(scope.span().unwrap().span_id(), tx.span_id());
    /// ```
    pub fn set_span(&self, span: Option<Span>) {
        if let Some(span) = &span {
            span.stored_in(self);
        }
        // The span replaced is let go after the lock: it may hold the last handle to a
        // transaction, and so to a client and its transport.
        let replaced = self.write(|d| std::mem::replace(&mut d.span, span));
        drop(replaced);
    }

    /// The active span set on this scope, if any.
    ///
    /// ```
    /// use scopeline::{Scope, TransactionContext};
    ///
    /// let scope = Scope::new();
    /// assert!(scope.span().is_none());
    /// let tx = scopeline::start_transaction(TransactionContext::new("reindex", "task"));
    /// scope.set_span(Some(tx.clone()));
    /// assert_eq!(scope.span().map(|span| span.span_id()), Some(tx.span_id()));
    /// ```
    pub fn span(&self) -> Option<Span> {
        self.read(|d| d.span.clone())
    }

    /// Sets or clears the fingerprint that decides how events are grouped.
    ///
    /// ```
    /// let scope = scopeline::Scope::new();
    /// scope.set_fingerprint(Some(vec!["{{ default }}".into(), "db".into()]));
    /// assert_eq!(scope.fingerprint().unwrap().len(), 2);
    /// ```
    pub fn set_fingerprint(&self, fingerprint: Option<Vec<String>>) {
        let fingerprint = fingerprint.map(Arc::from);
        self.write(|d| d.set_rare(fingerprint, |r| &mut r.fingerprint));
    }

    /// The fingerprint, if set.
    ///
    /// ```
    /// let scope = scopeline::Scope::new();
    /// assert_eq!(scope.fingerprint(), None);
    /// scope.set_fingerprint(Some(vec!["checkout-timeout".to_owned()]));
    /// assert_eq!(scope.fingerprint(), Some(vec!["checkout-timeout".to_owned()]));
    /// ```
    pub fn fingerprint(&self) -> Option<Vec<String>> {
        self.read(|d| d.rare().fingerprint.as_deref().map(<[String]>::to_vec))
    }

    /// Sets or clears the HTTP request events captured here happened in.
    ///
    /// ```
    /// let scope = scopeline::Scope::new();
    /// let mut req = scopeline::protocol::Request::default();
    /// req.method = Some("POST".into());
    /// scope.set_request(Some(req));
    /// assert_eq!(scope.request().unwrap().method.as_deref(), Some("POST"));
    /// ```
    pub fn set_request(&self, request: Option<Request>) {
        let request = request.map(|r| Arc::new(r) as Arc<dyn RequestSource>);
        self.write(|d| d.set_rare(request, |r| &mut r.request));
    }

    /// The request, if set.
    ///
    /// ```
    /// let scope = scopeline::Scope::new();
    /// assert!(scope.request().is_none());
    /// let mut req = scopeline::protocol::Request::default();
    /// req.url = Some("https://shop.example.com/cart".into());
    /// scope.set_request(Some(req));
    /// assert_eq!(scope.request().unwrap().url.as_deref(), Some("https://shop.example.com/cart"));
    /// ```
    pub fn request(&self) -> Option<Request> {
        self.read(|d| d.rare().request.as_ref().map(|r| r.to_request()))
    }

    /// Adds a function that sees, edits or drops (by returning `None`) every event captured
    /// through this scope. Processors run after the scopes are merged, global first, then
    /// isolation, then current. A panicking processor drops the event and is counted.
    /// Like `before_send`, they run on the client's pipeline thread, where the capturing
    /// task's own task-locals and thread-locals are not.
    ///
    /// ```
    /// let scope = scopeline::Scope::new();
    /// scope.add_event_processor(|mut event| {
    ///     event.tags.insert("processed".into(), "yes".into());
    ///     Some(event)
    /// });
    /// ```
    pub fn add_event_processor<F>(&self, processor: F)
    where
        F: Fn(Event) -> Option<Event> + Send + Sync + 'static,
    {
        let processor: EventProcessor = Arc::new(processor);
        self.write(|d| {
            d.rare_mut().processors.extend([processor]);
        });
    }

    /// Adds an attachment sent with every event captured through this scope.
    ///
    /// ```
    /// use scopeline::protocol::Attachment;
    ///
    /// let scope = scopeline::Scope::new();
    /// scope.add_attachment(Attachment::new("config.toml", b"debug = true".to_vec()));
    /// assert_eq!(scope.attachments().len(), 1);
    /// ```
    pub fn add_attachment(&self, attachment: Attachment) {
        self.write(|d| {
            d.rare_mut().attachments.extend([attachment]);
        });
    }

    /// The attachments.
    ///
    /// ```
    /// use scopeline::protocol::Attachment;
    ///
    /// let scope = scopeline::Scope::new();
    /// scope.add_attachment(Attachment::new("state.txt", b"ready".to_vec()));
    /// let attachments = scope.attachments();
    /// assert_eq!(attachments.len(), 1);
    /// assert_eq!(attachments[0].filename, "state.txt");
    /// ```
    pub fn attachments(&self) -> Vec<Attachment> {
        self.read(|d| d.rare().attachments.iter().cloned().collect())
    }

    /// Removes all attachments.
    ///
    /// ```
    /// use scopeline::protocol::Attachment;
    ///
    /// let scope = scopeline::Scope::new();
    /// scope.add_attachment(Attachment::new("state.txt", b"ready".to_vec()));
    /// scope.clear_attachments();
    /// assert!(scope.attachments().is_empty());
    /// ```
    pub fn clear_attachments(&self) {
        self.write(|d| {
            if !d.rare().attachments.is_empty() {
                d.rare_mut().attachments.clear();
            }
        });
    }

    /// Adds a breadcrumb to this scope.
    ///
    /// Like every SDK, scopeline keeps breadcrumbs only while a client is bound: with none,
    /// this does nothing. The client's `before_breadcrumb` may edit or drop it, and only the
    /// newest `max_breadcrumbs` are kept.
    ///
    /// ```
    /// use scopeline::{Breadcrumb, Client, ClientOptions, Scope};
    /// use scopeline::transport::JsonLinesTarget;
    ///
    /// let scope = Scope::new();
    /// scope.bind_client(Some(Client::new(ClientOptions::new().json_lines(JsonLinesTarget::Stderr))));
    /// scope.add_breadcrumb(Breadcrumb::new("cache miss"));
    /// assert_eq!(scope.breadcrumbs().len(), 1);
    /// ```
    ///
    /// Like [`add_breadcrumb`](crate::add_breadcrumb), it also takes an `Option`, a `Vec` or
    /// a closure (see [`IntoBreadcrumbs`]).
    pub fn add_breadcrumb(&self, crumbs: impl IntoBreadcrumbs) {
        self.add_breadcrumbs(crumbs, None);
    }

    /// Adds a breadcrumb with a hint for `before_breadcrumb`.
    ///
    /// ```
    /// use scopeline::{Breadcrumb, Hint, Scope};
    ///
    /// Scope::new().add_breadcrumb_with_hint(Breadcrumb::new("retry"), Some(Hint::new().with(3u32)));
    /// ```
    pub fn add_breadcrumb_with_hint(&self, crumb: Breadcrumb, hint: Option<Hint>) {
        self.add_breadcrumbs(crumb, hint.as_ref());
    }

    /// Through this scope's own client, else the one the task resolves to.
    fn add_breadcrumbs(&self, crumbs: impl IntoBreadcrumbs, hint: Option<&Hint>) {
        if !super::storage::any_client_bound() {
            return;
        }
        self.crumb_route().add(Some(self), crumbs, hint);
    }

    /// Where breadcrumbs added to this scope go: its own client's route, else the one the
    /// task resolves to.
    fn crumb_route(&self) -> CrumbRoute {
        CrumbRoute::bound_to(self).unwrap_or_else(CrumbRoute::ambient)
    }

    pub(crate) fn push_breadcrumb(&self, crumb: impl Into<super::Crumb>, cap: usize) -> usize {
        let crumb = crumb.into();
        self.write(|d| d.breadcrumbs.push(crumb, cap))
    }

    /// Removes all breadcrumbs.
    ///
    /// ```
    /// use scopeline::{Breadcrumb, Client, ClientOptions, Scope};
    /// use scopeline::transport::JsonLinesTarget;
    ///
    /// let scope = Scope::new();
    /// scope.bind_client(Some(Client::new(ClientOptions::new().json_lines(JsonLinesTarget::Stderr))));
    /// scope.add_breadcrumb(Breadcrumb::new("cache miss"));
    /// assert_eq!(scope.breadcrumbs().len(), 1);
    /// scope.clear_breadcrumbs();
    /// assert!(scope.breadcrumbs().is_empty());
    /// ```
    pub fn clear_breadcrumbs(&self) {
        self.write(|d| d.breadcrumbs.clear());
    }

    /// The breadcrumbs, oldest first.
    ///
    /// ```
    /// use scopeline::{Breadcrumb, Client, ClientOptions, Scope};
    /// use scopeline::transport::JsonLinesTarget;
    ///
    /// let scope = Scope::new();
    /// scope.bind_client(Some(Client::new(ClientOptions::new().json_lines(JsonLinesTarget::Stderr))));
    /// scope.add_breadcrumb(Breadcrumb::new("first"));
    /// scope.add_breadcrumb(Breadcrumb::new("second"));
    /// let messages: Vec<_> = scope.breadcrumbs().into_iter().map(|c| c.message.unwrap()).collect();
    /// assert_eq!(messages, ["first", "second"]);
    /// ```
    pub fn breadcrumbs(&self) -> Vec<Breadcrumb> {
        self.read(|d| {
            d.breadcrumbs
                .iter()
                .map(|c| c.breadcrumb().into_owned())
                .collect()
        })
    }

    /// Captures an error with this scope as the current scope.
    ///
    /// The event merges the global scope, the task's isolation scope and this scope. Called on
    /// the task's isolation scope or on the global scope, it captures through the task's own
    /// scopes, as [`capture_error`](crate::capture_error) does: each scope is merged once.
    ///
    /// ```
    /// let scope = scopeline::Scope::new();
    /// let err = std::io::Error::other("boom");
    /// // No client bound anywhere: nothing is sent.
    /// assert!(scope.capture_error(&err).is_none());
    /// ```
    pub fn capture_error<E: Error + ?Sized>(&self, error: &E) -> Option<EventId> {
        let error = crate::client::ErrorRef(error);
        crate::client::capture_on(self, crate::client::EventSource::Error(&error), None)
    }

    /// Captures a message with this scope as the current scope (see [`Scope::capture_error`]).
    ///
    /// ```
    /// use scopeline::{Client, ClientOptions, Level, Scope};
    /// use scopeline::transport::JsonLinesTarget;
    ///
    /// let scope = Scope::new();
    /// scope.bind_client(Some(Client::new(ClientOptions::new().json_lines(JsonLinesTarget::Stderr))));
    /// scope.set_tag("job", "reindex");
    /// assert!(scope.capture_message("reindex finished", Level::Info).is_some());
    /// ```
    pub fn capture_message(&self, message: &str, level: Level) -> Option<EventId> {
        crate::client::capture_on(
            self,
            crate::client::EventSource::message(message, level),
            None,
        )
    }

    /// Captures an event with this scope as the current scope (see [`Scope::capture_error`]).
    ///
    /// ```
    /// use scopeline::protocol::Event;
    /// use scopeline::transport::JsonLinesTarget;
    /// use scopeline::{Client, ClientOptions, Scope};
    ///
    /// let scope = Scope::new();
    /// scope.bind_client(Some(Client::new(ClientOptions::new().json_lines(JsonLinesTarget::Stderr))));
    /// let mut event = Event::new();
    /// event.message = Some("cache warmed".into());
    /// let id = event.event_id;
    /// assert_eq!(scope.capture_event(event), Some(id));
    /// ```
    pub fn capture_event(&self, event: Event) -> Option<EventId> {
        crate::client::capture_on(self, crate::client::EventSource::event(event), None)
    }
}
