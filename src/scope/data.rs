//! What a scope holds. Every field is cheap to clone: forking a scope clones this struct,
//! which is a handful of reference-count increments whatever the scope holds.

use std::any::Any;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

use super::cow::{CowMap, CrumbBuf, SharedList};
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
    fn request(&self) -> &Request;
}

impl RequestSource for Request {
    fn request(&self) -> &Request {
        self
    }
}

#[derive(Clone, Default)]
pub(crate) struct ScopeData {
    pub(crate) level: Option<Level>,
    pub(crate) user: Option<Arc<User>>,
    pub(crate) transaction: Option<Arc<str>>,
    pub(crate) fingerprint: Option<Arc<[String]>>,
    pub(crate) request: Option<Arc<dyn RequestSource>>,
    pub(crate) tags: CowMap<crate::scope::cow::Key>,
    pub(crate) extra: CowMap<Value>,
    pub(crate) contexts: CowMap<Context>,
    pub(crate) breadcrumbs: CrumbBuf,
    pub(crate) processors: SharedList<EventProcessor>,
    pub(crate) attachments: SharedList<Attachment>,
    pub(crate) client: Option<BoundClient>,
    pub(crate) propagation: Arc<PropagationContext>,
    /// The active span, when one was set on this scope.
    pub(crate) span: Option<crate::trace::Span>,
    pub(crate) last_event_id: Option<EventId>,
}

impl ScopeData {
    /// Nothing but the event processors and bound client of `self`, and a fresh trace.
    pub(crate) fn emptied(&self) -> ScopeData {
        self.emptied_with(Arc::default())
    }

    /// The same, with `propagation` as its trace (no fresh one is made and thrown away).
    pub(crate) fn emptied_with(&self, propagation: Arc<PropagationContext>) -> ScopeData {
        ScopeData {
            level: None,
            user: None,
            transaction: None,
            fingerprint: None,
            request: None,
            tags: CowMap::default(),
            extra: CowMap::default(),
            contexts: CowMap::default(),
            breadcrumbs: CrumbBuf::default(),
            processors: self.processors.clone(),
            attachments: SharedList::default(),
            client: self.client.clone(),
            propagation,
            span: None,
            last_event_id: None,
        }
    }
}

impl fmt::Debug for ScopeData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopeData")
            .field("level", &self.level)
            .field("user", &self.user)
            .field("transaction", &self.transaction)
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
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a value.
    pub fn with<T: Any + Send + Sync>(mut self, value: T) -> Self {
        self.items.push(Box::new(value));
        self
    }

    /// The first value of type `T`, if any.
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
