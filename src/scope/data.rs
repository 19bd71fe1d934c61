//! What a scope holds. Every field is cheap to clone: forking a scope clones this struct,
//! which is a handful of reference-count increments whatever the scope holds.

use std::any::Any;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

use super::cow::{CowMap, CrumbBuf, SharedList};
use super::crumb::Crumb;
use crate::client::Client;
use crate::protocol::{Attachment, Context, Event, EventId, Level, Request, User};
pub(crate) use crate::trace::PropagationContext;

/// A function that can edit or drop every event captured through a scope.
pub(crate) type EventProcessor = Arc<dyn Fn(Event) -> Option<Event> + Send + Sync>;

/// Client bindings alive right now: one for the global client, one for each non-global scope
/// binding (however often that scope's data was forked). While it is zero, captures and
/// breadcrumbs return at once; while only the global one counts, client resolution skips the
/// scopes.
static BINDINGS: AtomicUsize = AtomicUsize::new(0);
static LOCAL_BINDINGS: AtomicUsize = AtomicUsize::new(0);

#[inline]
pub(crate) fn bindings() -> usize {
    BINDINGS.load(Ordering::Relaxed)
}

pub(crate) fn count_binding(delta: isize) {
    if delta > 0 {
        BINDINGS.fetch_add(1, Ordering::Relaxed);
    } else {
        BINDINGS.fetch_sub(1, Ordering::Relaxed);
    }
}

pub(crate) fn local_clients_bound() -> bool {
    LOCAL_BINDINGS.load(Ordering::Relaxed) != 0
}

/// One binding of a client to a non-global scope. Forks of the scope share the binding (an
/// `Arc` clone), so forking never touches the global counters.
pub(crate) struct Binding(pub(crate) Client);

impl Binding {
    fn new(client: Client) -> Self {
        LOCAL_BINDINGS.fetch_add(1, Ordering::Relaxed);
        count_binding(1);
        Binding(client)
    }
}

impl Drop for Binding {
    fn drop(&mut self) {
        LOCAL_BINDINGS.fetch_sub(1, Ordering::Relaxed);
        count_binding(-1);
    }
}

/// A client bound to a scope.
#[derive(Clone)]
pub(crate) struct BoundClient(Arc<Binding>);

impl BoundClient {
    pub(crate) fn new(client: Client) -> Self {
        BoundClient(Arc::new(Binding::new(client)))
    }

    pub(crate) fn client(&self) -> &Client {
        &self.0.0
    }
}

/// Where a scope's request comes from: set by the user, or kept raw by an integration and
/// turned into a [`Request`] only when an event needs it.
pub(crate) trait RequestSource: Send + Sync {
    /// The request data for one event.
    fn to_request(&self) -> Request;
}

impl RequestSource for Request {
    fn to_request(&self) -> Request {
        self.clone()
    }
}

/// The fields a scope rarely sets, behind one shared pointer: a fork copies [`ScopeData`]
/// by value, and keeping it small keeps that copy a few register moves.
#[derive(Clone, Default)]
pub(crate) struct Rare {
    pub(crate) level: Option<Level>,
    pub(crate) transaction: Option<Arc<str>>,
    pub(crate) fingerprint: Option<Arc<[String]>>,
    pub(crate) request: Option<Arc<dyn RequestSource>>,
    pub(crate) processors: SharedList<EventProcessor>,
    pub(crate) attachments: SharedList<Attachment>,
    /// Set on the fork a `capture_*_with` closure gets: a transaction name set there names
    /// that one event and leaves the shared span's transaction alone.
    pub(crate) for_one_event: bool,
}

static NOTHING_RARE: Rare = Rare {
    level: None,
    transaction: None,
    fingerprint: None,
    request: None,
    processors: SharedList::new(),
    attachments: SharedList::new(),
    for_one_event: false,
};

#[derive(Clone, Default)]
pub(crate) struct ScopeData {
    pub(crate) user: Option<Arc<User>>,
    pub(crate) tags: CowMap<crate::scope::cow::Key>,
    pub(crate) extra: CowMap<Value>,
    pub(crate) contexts: CowMap<Context>,
    pub(crate) breadcrumbs: CrumbBuf,
    rare: Option<Arc<Rare>>,
    pub(crate) client: Option<BoundClient>,
    /// The trace of an isolation scope. Only isolation scopes have one (a current scope's
    /// would never be read), which spares every fork of a current scope a reference count.
    propagation: Option<Arc<PropagationContext>>,
    /// The active span, when one was set on this scope.
    pub(crate) span: Option<crate::trace::Span>,
    /// The nil id while none was captured: an `Option` would cost a word more in every fork,
    /// and the SDK never makes a nil id.
    last_event_id: EventId,
}

impl ScopeData {
    /// The rarely set fields (all empty when none was ever set).
    pub(crate) fn rare(&self) -> &Rare {
        self.rare.as_deref().unwrap_or(&NOTHING_RARE)
    }

    /// The rarely set fields, to write; copied first when a fork shares them.
    pub(crate) fn rare_mut(&mut self) -> &mut Rare {
        Arc::make_mut(self.rare.get_or_insert_with(Arc::default))
    }

    /// Sets or clears one rarely set field; clearing one that is not set allocates nothing.
    pub(crate) fn set_rare<T>(
        &mut self,
        value: Option<T>,
        field: impl Fn(&mut Rare) -> &mut Option<T>,
    ) {
        if value.is_some() || self.rare.is_some() {
            *field(self.rare_mut()) = value;
        }
    }

    pub(crate) fn last_event_id(&self) -> Option<EventId> {
        (self.last_event_id != EventId::NIL).then_some(self.last_event_id)
    }

    pub(crate) fn set_last_event_id(&mut self, id: Option<EventId>) {
        self.last_event_id = id.unwrap_or(EventId::NIL);
    }

    /// An empty isolation scope's data: nothing but a fresh trace.
    pub(crate) fn isolation() -> ScopeData {
        ScopeData {
            propagation: Some(Arc::default()),
            ..ScopeData::default()
        }
    }

    /// The trace of this isolation scope. Every isolation scope has one; should a scope
    /// without one get here, it is given a fresh trace rather than a shared one.
    pub(crate) fn propagation(&self) -> Arc<PropagationContext> {
        self.propagation.clone().unwrap_or_default()
    }

    /// This data with a trace of its own if it had none (the process default isolation
    /// scope's), fixed here so that everything read from one snapshot (an event's trace
    /// context and its envelope's sampling context) names the same trace.
    pub(crate) fn with_trace(mut self) -> ScopeData {
        if self.propagation.is_none() {
            self.propagation = Some(Arc::default());
        }
        self
    }

    /// Copies what `src` has set into this data: tags, extra and contexts per key (`src`
    /// wins); breadcrumbs merged by time, the newest `cap` kept; attachments and event
    /// processors appended; level, user, transaction, fingerprint, request, the active span
    /// and the bound client replaced where `src` has them; and `src`'s trace, when both are
    /// isolation scopes. Returns what it replaced, for the caller to let go of outside any
    /// lock (a span or client may be the last handle to a transport).
    pub(crate) fn update_from(
        &mut self,
        src: &ScopeData,
        cap: usize,
    ) -> (Option<BoundClient>, Option<crate::trace::Span>) {
        let mut replaced = (None, None);
        if src.user.is_some() {
            self.user = src.user.clone();
        }
        if src.span.is_some() {
            replaced.1 = std::mem::replace(&mut self.span, src.span.clone());
        }
        if src.client.is_some() {
            replaced.0 = std::mem::replace(&mut self.client, src.client.clone());
        }
        if let (Some(_), Some(trace)) = (&self.propagation, &src.propagation) {
            self.propagation = Some(trace.clone());
        }
        let rare = src.rare();
        if rare.level.is_some() {
            self.rare_mut().level = rare.level;
        }
        if rare.transaction.is_some() {
            self.rare_mut().transaction = rare.transaction.clone();
        }
        if rare.fingerprint.is_some() {
            self.rare_mut().fingerprint = rare.fingerprint.clone();
        }
        if rare.request.is_some() {
            self.rare_mut().request = rare.request.clone();
        }
        if !rare.attachments.is_empty() {
            (self.rare_mut().attachments).extend(rare.attachments.iter().cloned());
        }
        if !rare.processors.is_empty() {
            (self.rare_mut().processors).extend(rare.processors.iter().cloned());
        }
        for (k, v) in src.tags.iter() {
            self.tags.insert(k.clone(), v.clone());
        }
        for (k, v) in src.extra.iter() {
            self.extra.insert(k.clone(), v.clone());
        }
        for (k, v) in src.contexts.iter() {
            self.contexts.insert(k.clone(), v.clone());
        }
        if !src.breadcrumbs.is_empty() {
            let mut crumbs: Vec<&Crumb> = self.breadcrumbs.iter().collect();
            crumbs.extend(src.breadcrumbs.iter());
            let mut merged = CrumbBuf::default();
            for crumb in super::crumb::newest(crumbs, cap) {
                merged.push(crumb.clone(), cap);
            }
            self.breadcrumbs = merged;
        }
        replaced
    }

    /// The layers merged into one, lowest first (see [`ScopeData::update_from`]).
    pub(crate) fn merged(layers: &[&ScopeData], cap: usize) -> ScopeData {
        let mut out = ScopeData::default();
        for layer in layers {
            drop(out.update_from(layer, cap));
        }
        out
    }

    /// Nothing but this isolation scope's trace.
    pub(crate) fn trace_only(&self) -> ScopeData {
        ScopeData {
            propagation: self.propagation.clone(),
            ..ScopeData::default()
        }
    }

    /// Flattens the chains that the first write of a fork would otherwise flatten (see
    /// [`CowMap::compact`]).
    pub(crate) fn compact(&mut self) {
        self.tags.compact();
        self.extra.compact();
        self.contexts.compact();
        self.breadcrumbs.compact();
    }

    pub(crate) fn set_propagation(&mut self, propagation: Arc<PropagationContext>) {
        self.propagation = Some(propagation);
    }

    /// Nothing but the event processors and bound client of `self`, and, for an isolation
    /// scope, a fresh trace.
    pub(crate) fn emptied(&self) -> ScopeData {
        self.emptied_with(self.propagation.as_ref().map(|_| Arc::default()))
    }

    /// The same, with `propagation` as its trace (no fresh one is made and thrown away).
    pub(crate) fn emptied_with(&self, propagation: Option<Arc<PropagationContext>>) -> ScopeData {
        let Rare {
            processors,
            for_one_event,
            ..
        } = self.rare();
        ScopeData {
            user: None,
            tags: CowMap::default(),
            extra: CowMap::default(),
            contexts: CowMap::default(),
            breadcrumbs: CrumbBuf::default(),
            rare: (!processors.is_empty() || *for_one_event).then(|| {
                Arc::new(Rare {
                    processors: processors.clone(),
                    for_one_event: *for_one_event,
                    ..Rare::default()
                })
            }),
            client: self.client.clone(),
            propagation,
            span: None,
            last_event_id: EventId::NIL,
        }
    }
}

impl fmt::Debug for ScopeData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopeData")
            .field("level", &self.rare().level)
            .field("user", &self.user)
            .field("transaction", &self.rare().transaction)
            .field("tags", &self.tags.iter().count())
            .field("breadcrumbs", &self.breadcrumbs.len())
            .field("has_client", &self.client.is_some())
            .finish_non_exhaustive()
    }
}

/// Extra information handed to `before_breadcrumb` along with a breadcrumb: any values,
/// looked up by type.
///
/// # Examples
///
/// ```
/// use scopeline::Hint;
///
/// struct StatusCode(u16);
/// let hint = Hint::new().with(StatusCode(503));
/// assert_eq!(hint.get::<StatusCode>().map(|s| s.0), Some(503));
/// assert!(hint.get::<String>().is_none());
/// ```
#[derive(Default)]
pub struct Hint {
    items: Vec<Box<dyn Any + Send + Sync>>,
}

impl Hint {
    /// An empty hint.
    ///
    /// ```
    /// let hint = scopeline::Hint::new();
    /// assert!(hint.get::<u32>().is_none());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a value.
    ///
    /// ```
    /// let hint = scopeline::Hint::new().with(3u32).with(String::from("retry"));
    /// assert_eq!(hint.get::<u32>(), Some(&3));
    /// assert_eq!(hint.get::<String>().map(String::as_str), Some("retry"));
    /// ```
    pub fn with<T: Any + Send + Sync>(mut self, value: T) -> Self {
        self.items.push(Box::new(value));
        self
    }

    /// The first value of type `T`, if any.
    ///
    /// ```
    /// let hint = scopeline::Hint::new().with(1u8).with(2u8);
    /// assert_eq!(hint.get::<u8>(), Some(&1));
    /// assert!(hint.get::<i64>().is_none());
    /// ```
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.items.iter().find_map(|item| item.downcast_ref::<T>())
    }
}

impl fmt::Debug for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hint")
            .field("items", &self.items.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_data_stays_small_enough_to_fork_by_register_moves() {
        // With its lock and the scope's storage tag, a fork's heap block stays within 128 bytes,
        // the largest copy the compiler inlines.
        assert!(std::mem::size_of::<ScopeData>() <= 96);
    }

    #[test]
    fn the_first_write_of_every_fork_shares_what_it_forked_however_deep_the_parent() {
        // A parent written while its forks live grows a layer per write; were a fork taken
        // at the depth limit, its first write would copy the whole parent (every fork of a
        // parent that then stops writing would).
        let parent = crate::Scope::new();
        let mut forks = Vec::new();
        for i in 0..40 {
            let fork = parent.fork();
            let base = parent.snapshot();
            fork.set_tag(format!("fork{i}"), "x");
            fork.add_breadcrumb(crate::Breadcrumb::new("fork"));
            let data = fork.snapshot();
            assert!(data.tags.builds_on(&base.tags), "tags copied at fork {i}");
            assert!(
                data.breadcrumbs.builds_on(&base.breadcrumbs),
                "breadcrumbs copied at fork {i}"
            );
            forks.push(fork);
            parent.set_tag(format!("parent{i}"), "y");
            parent.add_breadcrumb(crate::Breadcrumb::new("parent"));
        }
        assert_eq!(parent.tags().len(), 40);
        assert_eq!(forks[39].tags().len(), 40, "39 of the parent's and its own");
    }
}
