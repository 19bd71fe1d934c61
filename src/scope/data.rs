//! What a scope holds. Every field is cheap to clone: forking a scope clones this struct,
//! which is a handful of reference-count increments whatever the scope holds.

use std::any::Any;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use super::cow::{CowMap, CrumbBuf};
use crate::client::Client;
use crate::protocol::{Attachment, Context, Event, EventId, Level, Request, SpanId, TraceId, User};

/// A function that can edit or drop every event captured through a scope.
pub(crate) type EventProcessor = Arc<dyn Fn(Event) -> Option<Event> + Send + Sync>;

/// How many clients are bound to non-global scopes right now. While it is zero, client
/// resolution skips straight to the global client without touching any scope.
static LOCAL_CLIENTS: AtomicUsize = AtomicUsize::new(0);

pub(crate) fn local_clients_bound() -> bool {
    LOCAL_CLIENTS.load(Ordering::Relaxed) != 0
}

/// A client bound to a scope; counts itself in [`LOCAL_CLIENTS`].
pub(crate) struct BoundClient(pub(crate) Client);

impl BoundClient {
    pub(crate) fn new(client: Client) -> Self {
        LOCAL_CLIENTS.fetch_add(1, Ordering::Relaxed);
        BoundClient(client)
    }
}

impl Clone for BoundClient {
    fn clone(&self) -> Self {
        BoundClient::new(self.0.clone())
    }
}

impl Drop for BoundClient {
    fn drop(&mut self) {
        LOCAL_CLIENTS.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The trace an isolation scope belongs to when no span is active. Ids are made on first use,
/// so an isolation scope that never captures anything never draws random numbers.
#[derive(Default)]
pub(crate) struct PropagationContext {
    ids: OnceLock<(TraceId, SpanId)>,
}

impl PropagationContext {
    pub(crate) fn ids(&self) -> (TraceId, SpanId) {
        *self
            .ids
            .get_or_init(|| (TraceId::random(), SpanId::random()))
    }
}

#[derive(Clone, Default)]
pub(crate) struct ScopeData {
    pub(crate) level: Option<Level>,
    pub(crate) user: Option<Arc<User>>,
    pub(crate) transaction: Option<Arc<str>>,
    pub(crate) fingerprint: Option<Arc<[String]>>,
    pub(crate) request: Option<Arc<Request>>,
    pub(crate) tags: CowMap<crate::scope::cow::Key>,
    pub(crate) extra: CowMap<Value>,
    pub(crate) contexts: CowMap<Context>,
    pub(crate) breadcrumbs: CrumbBuf,
    pub(crate) processors: Arc<[EventProcessor]>,
    pub(crate) attachments: Arc<[Attachment]>,
    pub(crate) client: Option<BoundClient>,
    pub(crate) propagation: Arc<PropagationContext>,
    pub(crate) last_event_id: Option<EventId>,
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
