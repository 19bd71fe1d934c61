//! Helpers for your own tests (feature `test-util`): capture events in memory.
//!
//! Each helper runs your code in a fresh isolation scope with its own capturing client bound,
//! so tests that use it run in parallel without seeing each other's events. Inside a scope
//! wrapper it forks the caller's scopes; outside every wrapper it starts empty (the process
//! default scopes are shared by every test of the binary).
//!
//! ```
//! use scopeline::testing::with_captured_events;
//!
//! let events = with_captured_events(|| {
//!     scopeline::set_tag("test", "yes");
//!     scopeline::capture_message("hello", scopeline::Level::Info);
//! });
//! assert_eq!(events.len(), 1);
//! assert_eq!(events[0].tags["test"], "yes");
//! ```

use std::future::Future;
use std::sync::{Arc, Mutex};

use crate::protocol::{Envelope, Event};
use crate::transport::{SendError, Transport};
use crate::{Client, ClientOptions};

/// A transport that keeps every envelope in memory.
///
/// The client finishes each event on its background thread, so flush the client before you
/// read (the `*captured_events*` helpers do it for you).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use scopeline::testing::CapturingTransport;
///
/// let transport = CapturingTransport::new();
/// let client = scopeline::Client::new(scopeline::ClientOptions::new().transport(transport.clone()));
/// let scope = scopeline::Scope::new();
/// scope.bind_client(Some(client.clone()));
/// scope.capture_message("kept", scopeline::Level::Info);
/// client.flush(Duration::from_secs(5)).unwrap();
/// assert_eq!(transport.events()[0].message.as_deref(), Some("kept"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct CapturingTransport {
    envelopes: Arc<Mutex<Vec<Envelope>>>,
}

impl CapturingTransport {
    /// An empty transport.
    ///
    /// ```
    /// let transport = scopeline::testing::CapturingTransport::new();
    /// assert!(transport.envelopes().is_empty());
    /// assert!(transport.events().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The envelopes taken so far.
    ///
    /// ```
    /// use scopeline::protocol::{Envelope, Event};
    /// use scopeline::testing::CapturingTransport;
    /// use scopeline::transport::Transport;
    ///
    /// let transport = CapturingTransport::new();
    /// let event = Event::new();
    /// let id = event.event_id;
    /// transport.send_envelope(Envelope::from_event(event)).unwrap();
    /// assert_eq!(transport.envelopes()[0].event_id, Some(id));
    /// ```
    pub fn envelopes(&self) -> Vec<Envelope> {
        self.envelopes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The events of the envelopes taken so far.
    ///
    /// ```
    /// use scopeline::protocol::{Envelope, Event};
    /// use scopeline::testing::CapturingTransport;
    /// use scopeline::transport::Transport;
    ///
    /// let transport = CapturingTransport::new();
    /// let mut event = Event::new();
    /// event.message = Some("hello".into());
    /// transport.send_envelope(Envelope::from_event(event)).unwrap();
    /// transport.send_envelope(Envelope::new()).unwrap(); // carries no event
    /// let events = transport.events();
    /// assert_eq!(events.len(), 1);
    /// assert_eq!(events[0].message.as_deref(), Some("hello"));
    /// ```
    pub fn events(&self) -> Vec<Event> {
        self.envelopes()
            .iter()
            .filter_map(|e| e.event().cloned())
            .collect()
    }

    /// Forgets everything taken so far.
    ///
    /// ```
    /// use scopeline::protocol::Envelope;
    /// use scopeline::testing::CapturingTransport;
    /// use scopeline::transport::Transport;
    ///
    /// let transport = CapturingTransport::new();
    /// transport.send_envelope(Envelope::new()).unwrap();
    /// transport.clear();
    /// assert!(transport.envelopes().is_empty());
    /// ```
    pub fn clear(&self) {
        self.envelopes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

impl Transport for CapturingTransport {
    fn send_envelope(&self, envelope: Envelope) -> Result<(), SendError> {
        self.envelopes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(envelope);
        Ok(())
    }
}

fn capturing_client(mut options: ClientOptions) -> (Client, CapturingTransport) {
    let transport = CapturingTransport::new();
    // A test that captures in a loop must not lose events to the pipeline's queue; one that
    // sets a queue size of its own (to see overflow) keeps it.
    if !options.queue_size_set {
        options.queue_size = usize::MAX;
    }
    let client = Client::new(options.transport(transport.clone()));
    (client, transport)
}

/// How long the helpers wait for the client's pipeline before they read what it delivered.
const DRAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

fn drained(client: &Client, transport: &CapturingTransport) -> Vec<Event> {
    // A timeout leaves the events delivered so far; the test's assertions say what is missing.
    let _ = client.flush(DRAIN_TIMEOUT);
    transport.events()
}

fn bind(client: &Client) {
    // Bound to both, so that a client bound to an outer current scope cannot win.
    crate::get_isolation_scope().bind_client(Some(client.clone()));
    crate::get_current_scope().bind_client(Some(client.clone()));
}

/// Runs `f` in a fresh isolation scope with a capturing client, and returns its events.
///
/// ```
/// let events = scopeline::testing::with_captured_events(|| {
///     scopeline::add_breadcrumb(scopeline::Breadcrumb::new("config loaded"));
///     scopeline::capture_message("started", scopeline::Level::Info);
/// });
/// assert_eq!(events.len(), 1);
/// assert_eq!(events[0].breadcrumbs[0].message.as_deref(), Some("config loaded"));
/// // Nothing leaked out of it.
/// assert_eq!(scopeline::capture_message("unseen", scopeline::Level::Info), None);
/// ```
pub fn with_captured_events(f: impl FnOnce()) -> Vec<Event> {
    with_captured_events_options(ClientOptions::new(), f)
}

/// Like [`with_captured_events`], with client options of your own (the transport is replaced).
///
/// Unless the options set a [`queue_size`](ClientOptions::queue_size), the helpers' client
/// queues without bound, so a test that captures in a tight loop keeps every event.
///
/// ```
/// let events = scopeline::testing::with_captured_events_options(
///     scopeline::ClientOptions::new().release("app@2.0.0"),
///     || { scopeline::capture_message("hi", scopeline::Level::Info); },
/// );
/// assert_eq!(events[0].release.as_deref(), Some("app@2.0.0"));
/// ```
pub fn with_captured_events_options(options: ClientOptions, f: impl FnOnce()) -> Vec<Event> {
    let (client, transport) = capturing_client(options);
    crate::scope::sync_scoped(crate::scope::ScopePair::for_test(), || {
        bind(&client);
        f();
    });
    drained(&client, &transport)
}

/// Runs a future in a fresh isolation scope with a capturing client, and returns its output
/// and its events. Tasks spawned with scopeline's helpers inside it report to the same client.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let ((), events) = scopeline::testing::captured_events(async {
///     scopeline::spawn(async {
///         scopeline::capture_message("from a child task", scopeline::Level::Info);
///     })
///     .await
///     .unwrap();
/// })
/// .await;
/// assert_eq!(events.len(), 1);
/// # }
/// ```
pub async fn captured_events<F: Future>(future: F) -> (F::Output, Vec<Event>) {
    captured_events_options(ClientOptions::new(), future).await
}

/// Like [`captured_events`], with client options of your own (the transport is replaced).
///
/// The future runs in the helper's scopes only where it has none of its own: one that was
/// already wrapped when it was made (`service.call(req)` on a `ScopeLayer` service,
/// `isolation_scope(..)`, `.in_current_scope()`) keeps the scopes it took then, and its
/// events do not reach the helper. Build it inside: `async { service.call(req).await }`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let (answer, events) = scopeline::testing::captured_events_options(
///     scopeline::ClientOptions::new().environment("staging"),
///     async {
///         scopeline::capture_message("hi", scopeline::Level::Info);
///         42
///     },
/// )
/// .await;
/// assert_eq!(answer, 42);
/// assert_eq!(events[0].environment.as_deref(), Some("staging"));
/// # }
/// ```
pub async fn captured_events_options<F: Future>(
    options: ClientOptions,
    future: F,
) -> (F::Output, Vec<Event>) {
    let (client, transport) = capturing_client(options);
    let out = crate::scope::scoped(crate::scope::ScopePair::for_test(), async {
        bind(&client);
        future.await
    })
    .await;
    (out, drained(&client, &transport))
}
