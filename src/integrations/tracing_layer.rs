//! The `tracing` layer: spans and events become breadcrumbs, Sentry spans and events.
//!
//! Nothing happens on span enter or exit (the layer does not implement those hooks): the
//! active span is looked up in the registry when an event is captured. The per-span state
//! lives in the registry's extensions.

use std::any::TypeId;
use std::borrow::Cow;
use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use serde_json::Value;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Dispatch, Event as TracingEvent, Level as TracingLevel, Metadata, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::{LookupSpan, SpanRef};

use crate::client::CrumbRoute;
use crate::protocol::{Event, Level};
use crate::scope::{Fields, TracedCrumb, put_field};
use crate::trace::{Span, SpanStatus, TransactionContext};

/// Set once a layer is attached to a subscriber, so captures without one skip the lookup.
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// What the layer does with a `tracing` event.
///
/// ```
/// use scopeline::{EventFilter, TracingLayer};
///
/// // Warnings and errors of the `payments` target become events, nothing else is kept.
/// let layer = TracingLayer::new().event_filter(|meta| {
///     if meta.target().starts_with("payments") && *meta.level() <= tracing::Level::WARN {
///         EventFilter::Event
///     } else {
///         EventFilter::Ignore
///     }
/// });
/// # let _ = layer;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventFilter {
    /// Dropped.
    Ignore,
    /// Added as a breadcrumb to the running task's isolation scope.
    Breadcrumb,
    /// Captured as an event (an exception event when it has an error field).
    Event,
}

type EventFilterFn = Arc<dyn Fn(&Metadata<'_>) -> EventFilter + Send + Sync>;
type SpanFilterFn = Arc<dyn Fn(&Metadata<'_>) -> bool + Send + Sync>;

/// A [`tracing_subscriber::Layer`] that turns spans and events into Sentry data:
///
/// - a closed span becomes a breadcrumb on the isolation scope of the task that ran (and so
///   closed) it, kept or not by the client the span was opened under
///   (category: the target; message: the span name; data: its fields and `duration_ms`);
/// - with tracing on (`traces_sample_rate` or `traces_sampler`), a span becomes a Sentry span
///   whose parent is its *tracing* parent (an explicit `parent:` is honoured); a span with no
///   parent becomes a child of the scope's active span, or else a transaction, and one made
///   with an explicit `parent: None` always a transaction. An isolation scope is a trace
///   boundary: a span entered *around* the future that opened one (a worker loop's span
///   around each job's `isolation_scope`, a server's span around the request handler) is
///   not the contextual parent of spans inside, nor the span of their events; an explicit
///   `parent:` still is. Outside every isolation scope (a plain `tokio::spawn`) the entered
///   span is followed wherever it started;
/// - events become breadcrumbs (INFO and WARN) or events (ERROR) by default; see
///   [`TracingLayer::event_filter`]. Fields named `tags.*` become tags (of the event, or of
///   the Sentry span), an error field (recorded with `&dyn Error`) becomes the exception with
///   its source chain, other fields become extra data. Events inside a span carry its trace.
///
/// scopeline's own log events (targets `scopeline` and `scopeline::…`, which carry transport
/// problems) are left to the user's other layers: they never become events or breadcrumbs.
///
/// Special span fields: `sentry.op` (the Sentry op; the span's name by default),
/// `sentry.name` (a root span's transaction name, a child span's description; the span's
/// name by default), `sentry.trace` and `sentry.baggage` (continue the trace of a
/// `sentry-trace`/`traceparent` and `baggage` header on a root span). The op, the name and
/// `tags.*` may also be recorded later (declared `tracing::field::Empty`, then
/// `span.record(..)`); a trace can only be continued when the span is made, since its ids
/// are fixed then. Values under secret keys (passwords, tokens…) are always replaced with
/// `[Filtered]`, values under personal ones (e-mail, IP address…) unless `send_default_pii`
/// is on (see [`docs::personal_data`](crate::docs::personal_data)).
///
/// # Filtering
///
/// The layer never disables a callsite: a layer that did (through `enabled` or
/// `register_callsite`) would hide it from every other layer too, a `fmt` layer at DEBUG
/// included. Its own filters ([`event_filter`](TracingLayer::event_filter),
/// [`span_filter`](TracingLayer::span_filter)) decide what it makes of what it is shown. To
/// keep it from being shown DEBUG and TRACE callsites at all, give it a per-layer filter:
/// `TracingLayer::new().with_filter(LevelFilter::INFO)`. A callsite that no layer wants is
/// then disabled once, when it is first hit, and costs nothing afterwards.
///
/// ```
/// use tracing_subscriber::filter::LevelFilter;
/// use tracing_subscriber::prelude::*;
///
/// let layer = scopeline::TracingLayer::new().with_filter(LevelFilter::INFO);
/// tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
///     assert!(!tracing::enabled!(tracing::Level::DEBUG));
///     assert!(tracing::enabled!(tracing::Level::INFO));
/// });
/// ```
///
/// # Examples
///
/// ```
/// use tracing_subscriber::prelude::*;
///
/// let subscriber = tracing_subscriber::registry().with(scopeline::TracingLayer::new());
/// tracing::subscriber::with_default(subscriber, || {
///     let ((), events) = futures::executor::block_on(scopeline::testing::captured_events(async {
///         tracing::info!(order = 7, "order received");
///         tracing::error!(order = 7, "payment failed");
///     }));
///     assert_eq!(events.len(), 1);
///     assert_eq!(events[0].breadcrumbs[0].message.as_deref(), Some("order received"));
/// });
/// ```
#[derive(Clone)]
pub struct TracingLayer {
    event_filter: EventFilterFn,
    span_filter: SpanFilterFn,
    lookup: Option<Lookup>,
    span_attributes: bool,
}

impl fmt::Debug for TracingLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TracingLayer").finish_non_exhaustive()
    }
}

impl Default for TracingLayer {
    fn default() -> Self {
        TracingLayer::new()
    }
}

/// The default event filter: ERROR → event, WARN and INFO → breadcrumb, the rest ignored.
///
/// ```
/// use scopeline::{EventFilter, default_event_filter};
///
/// // Under a subscriber that keeps them, spans carry the metadata of their callsite.
/// tracing::subscriber::with_default(tracing_subscriber::registry(), || {
///     let error = tracing::error_span!("failed");
///     let debug = tracing::debug_span!("detail");
///     assert_eq!(default_event_filter(error.metadata().unwrap()), EventFilter::Event);
///     assert_eq!(default_event_filter(debug.metadata().unwrap()), EventFilter::Ignore);
/// });
/// ```
pub fn default_event_filter(meta: &Metadata<'_>) -> EventFilter {
    match *meta.level() {
        TracingLevel::ERROR => EventFilter::Event,
        TracingLevel::WARN | TracingLevel::INFO => EventFilter::Breadcrumb,
        _ => EventFilter::Ignore,
    }
}

impl TracingLayer {
    /// A layer with the default filters: events as [`default_event_filter`] says, spans at
    /// INFO and above.
    ///
    /// ```
    /// use scopeline::transport::JsonLinesTarget;
    /// use scopeline::{Client, ClientOptions, TracingLayer};
    /// use tracing_subscriber::prelude::*;
    ///
    /// let client = Client::new(ClientOptions::new().json_lines(JsonLinesTarget::Stderr));
    /// let subscriber = tracing_subscriber::registry().with(TracingLayer::new());
    /// tracing::subscriber::with_default(subscriber, || {
    ///     scopeline::with_isolation_scope(|scope| {
    ///         scope.bind_client(Some(client));
    ///         tracing::info!("cache warmed");
    ///         assert_eq!(scope.breadcrumbs()[0].message.as_deref(), Some("cache warmed"));
    ///     });
    /// });
    /// ```
    pub fn new() -> Self {
        TracingLayer {
            event_filter: Arc::new(default_event_filter),
            span_filter: Arc::new(|meta| *meta.level() <= TracingLevel::INFO),
            lookup: None,
            span_attributes: false,
        }
    }

    /// Decides, per event, whether it is ignored, a breadcrumb or an event.
    ///
    /// ```
    /// use scopeline::transport::JsonLinesTarget;
    /// use scopeline::{Client, ClientOptions, EventFilter, TracingLayer};
    /// use tracing_subscriber::prelude::*;
    ///
    /// // Every event becomes a breadcrumb, errors included.
    /// let layer = TracingLayer::new().event_filter(|_| EventFilter::Breadcrumb);
    /// let client = Client::new(ClientOptions::new().json_lines(JsonLinesTarget::Stderr));
    /// tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
    ///     scopeline::with_isolation_scope(|scope| {
    ///         scope.bind_client(Some(client));
    ///         tracing::error!("payment failed");
    ///         assert_eq!(scope.breadcrumbs()[0].message.as_deref(), Some("payment failed"));
    ///     });
    /// });
    /// ```
    pub fn event_filter<F>(mut self, f: F) -> Self
    where
        F: Fn(&Metadata<'_>) -> EventFilter + Send + Sync + 'static,
    {
        self.event_filter = Arc::new(f);
        self
    }

    /// Decides, per span, whether it becomes a breadcrumb and a Sentry span (INFO and above
    /// by default). Spans left out cost nothing here; their children attach to the nearest
    /// ancestor that was kept.
    ///
    /// ```
    /// let layer = scopeline::TracingLayer::new().span_filter(|meta| meta.target() != "hyper");
    /// # let _ = layer;
    /// ```
    pub fn span_filter<F>(mut self, f: F) -> Self
    where
        F: Fn(&Metadata<'_>) -> bool + Send + Sync + 'static,
    {
        self.span_filter = Arc::new(f);
        self
    }

    /// Gives each captured event the fields of the spans it happened in, as
    /// sentry-tracing's `enable_span_attributes` does: every field of every enclosing span
    /// the layer keeps goes into the event's `extra` as `span_name:field`
    /// (`#[instrument(fields(order_id))]` then `error!(..)` carries `handle:order_id`),
    /// filtered for personal data as the span's own fields are. Breadcrumbs keep their own
    /// fields only. Off by default.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    ///
    /// use scopeline::transport::JsonLinesTarget;
    /// use scopeline::{Client, ClientOptions, TracingLayer};
    /// use tracing_subscriber::prelude::*;
    ///
    /// let seen = Arc::new(Mutex::new(None));
    /// let keep = seen.clone();
    /// let client = Client::new(ClientOptions::new().json_lines(JsonLinesTarget::Stderr).before_send(
    ///     move |event| {
    ///         *keep.lock().unwrap() = event.extra.get("checkout:order_id").cloned();
    ///         Some(event)
    ///     },
    /// ));
    /// let layer = TracingLayer::new().enable_span_attributes();
    /// tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
    ///     scopeline::with_isolation_scope(|scope| {
    ///         scope.bind_client(Some(client.clone()));
    ///         let _order = tracing::info_span!("checkout", order_id = 42).entered();
    ///         tracing::error!("payment declined");
    ///     });
    /// });
    /// client.flush(Duration::from_secs(5)).unwrap();
    /// assert_eq!(*seen.lock().unwrap(), Some(42.into()));
    /// ```
    pub fn enable_span_attributes(mut self) -> Self {
        self.span_attributes = true;
        self
    }
}

/// The fields of the spans (kept by the layer) an event happened in, innermost first, keyed
/// `span_name:field`; an inner span's field wins over an outer one's of the same key.
fn span_attributes<S>(ctx: &Context<'_, S>, event: &TracingEvent<'_>) -> Vec<(String, Value)>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let mut out: Vec<(String, Value)> = Vec::new();
    for span in ctx.event_scope(event).into_iter().flatten() {
        let extensions = span.extensions();
        let Some(state) = extensions.get::<SpanState>() else {
            continue;
        };
        for (field, value) in &state.fields {
            let key = format!("{}:{field}", span.name());
            if !out.iter().any(|(k, _)| *k == key) {
                out.push((key, value.clone()));
            }
        }
    }
    out
}

/// Finds the Sentry span of a tracing span, given the dispatcher it lives in. Made in
/// `on_layer`, where the subscriber type is known; found through `downcast_raw`.
#[derive(Clone, Copy)]
struct Lookup(fn(&Dispatch, &Id) -> Option<Span>);

fn lookup<S>(dispatch: &Dispatch, id: &Id) -> Option<Span>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let subscriber = dispatch.downcast_ref::<S>()?;
    nearest_kept(subscriber.span(id)?).flatten()
}

/// The Sentry span of the nearest span this layer kept, looking from `span` up: `None` when
/// no ancestor was kept, `Some(None)` when the nearest kept one has no Sentry span (then none
/// of its ancestors has one either).
fn nearest_kept<'a, R: LookupSpan<'a>>(span: SpanRef<'a, R>) -> Option<Option<Span>> {
    let kept =
        |s: &SpanRef<'a, R>| (s.extensions().get::<SpanState>()).map(|state| state.sentry.clone());
    // The span itself first: `scope()` would look it up in the registry a second time.
    kept(&span).or_else(|| span.parent()?.scope().find_map(|s| kept(&s)))
}

/// The tracing parent of a new span or an event: the explicit one, else the entered one.
fn parent_of<'a, S>(
    ctx: &'a Context<'_, S>,
    explicit: Option<&Id>,
    contextual: bool,
) -> Option<SpanRef<'a, S>>
where
    S: Subscriber + for<'l> LookupSpan<'l>,
{
    match explicit {
        Some(parent) => ctx.span(parent),
        None if contextual => ctx.lookup_current(),
        None => None,
    }
}

/// Whether `span` belongs to another isolation scope than the running task's (see
/// [`Span::is_foreign_to`]).
fn foreign(span: &Span) -> bool {
    crate::scope::with_pair(|p| span.is_foreign_to(&p.isolation))
}

/// The Sentry span of the innermost entered tracing span, if the layer is installed.
pub(crate) fn current_sentry_span() -> Option<Span> {
    if !INSTALLED.load(Ordering::Relaxed) {
        return None;
    }
    tracing::dispatcher::get_default(|dispatch| {
        let lookup = dispatch.downcast_ref::<Lookup>()?;
        let current = dispatch.current_span();
        (lookup.0)(dispatch, current.id()?)
    })
}

/// What the layer keeps per span.
struct SpanState {
    fields: Fields,
    sentry: Option<Span>,
    /// Where the client the span was opened under sends its breadcrumb at close.
    route: CrumbRoute,
    /// That client's `send_default_pii`, for fields recorded later.
    pii: bool,
    start: SystemTime,
    name: &'static str,
    target: &'static str,
}

impl<S> tracing_subscriber::Layer<S> for TracingLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_layer(&mut self, _subscriber: &mut S) {
        self.lookup = Some(Lookup(lookup::<S>));
        INSTALLED.store(true, Ordering::Relaxed);
        super::mark_in_use(super::Integration::Tracing);
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let meta = attrs.metadata();
        // A filter that panics is contained, and the span is left out.
        if !crate::client::guarded("span_filter", || (self.span_filter)(meta)).unwrap_or(false) {
            return;
        }
        // Most spans are children, which need the client's settings but not the client.
        let Some((pii, route)) =
            crate::client::with_current_client(|c| (c.options().send_default_pii, c.crumb_route()))
        else {
            return;
        };
        let Some(this) = ctx.span(id) else { return };
        let mut visitor = FieldVisitor::new(pii);
        attrs.record(&mut visitor);

        // The registry already knows the parent (explicit, contextual or none). An entered
        // span of another isolation scope's transaction is not followed, an explicit parent
        // always is (see `Span::is_foreign_to`).
        let parent_sentry = match this.parent().and_then(nearest_kept) {
            Some(Some(parent)) if attrs.is_contextual() && foreign(&parent) => None,
            kept => kept,
        };
        let op = visitor.op.take();
        let start = SystemTime::now();
        let sentry = match parent_sentry {
            // The tracing parent is kept by this layer: follow it, sampled or not.
            Some(Some(parent)) => Some(child(
                &parent,
                (op, visitor.name.take()),
                meta,
                &visitor.fields,
                start,
            )),
            Some(None) => None,
            // A root span: below the scope's active span, or a new transaction, which an
            // explicit `parent: None` always asks for, and so does an active span whose
            // transaction went out (a task that outlived the request it was spawned in):
            // a child there would be kept by nothing.
            None => match crate::scope::with_pair(|p| {
                let active = if attrs.is_root() {
                    None
                } else {
                    crate::client::active_span(&p.current, &p.isolation)
                        .filter(|span| !span.transaction_finished())
                };
                active.ok_or_else(|| {
                    (
                        p.isolation.clone(),
                        crate::client::resolve_client(&p.current, &p.isolation),
                    )
                })
            }) {
                Ok(parent) => Some(child(
                    &parent,
                    (op, visitor.name.take()),
                    meta,
                    &visitor.fields,
                    start,
                )),
                // With tracing off, a root span that continues a trace (`sentry.trace`) is
                // still an unsampled transaction: its errors and outgoing calls carry on
                // upstream's trace, and nothing is sent for it.
                Err((isolation, Some(client)))
                    if client.tracing_enabled() || visitor.trace.is_some() =>
                {
                    let name = visitor
                        .name
                        .take()
                        .unwrap_or_else(|| meta.name().to_owned());
                    let ctx =
                        TransactionContext::new(name, op.unwrap_or(Cow::Borrowed(meta.name())))
                            .with_source(if visitor.named { "custom" } else { "task" })
                            .with_origin("auto.tracing");
                    let continued = visitor.trace.as_deref().and_then(|t| {
                        crate::trace::continued_context(
                            crate::trace::parse_trace_header(t),
                            visitor.baggage.as_deref(),
                            Some(&client),
                        )
                    });
                    let span = match continued {
                        Some(propagation) => Span::new_transaction_in(
                            ctx,
                            isolation.clone(),
                            Some(client.clone()),
                            &propagation,
                        ),
                        None => Span::new_transaction(ctx, isolation.clone(), Some(client.clone())),
                    };
                    for (k, v) in &visitor.fields {
                        span.set_static_data(k, v.clone());
                    }
                    Some(span)
                }
                Err(_) => None,
            },
        };
        if let Some(span) = sentry.as_ref().filter(|s| s.is_sampled()) {
            set_tags(span, visitor.tags);
        }
        let state = SpanState {
            fields: visitor.fields,
            sentry,
            route,
            pii,
            start,
            name: meta.name(),
            target: meta.target(),
        };
        this.extensions_mut().insert(state);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        // Scrubbed as the client the span was opened under says, whichever task records.
        let Some(pii) = span.extensions().get::<SpanState>().map(|s| s.pii) else {
            return;
        };
        let mut visitor = FieldVisitor::new(pii);
        // Recorded before the span's extensions are locked: a value's `Debug` may log, and
        // the layer then reads this very span's extensions on this thread (the parent of
        // the event), which would deadlock under the write lock.
        values.record(&mut visitor);
        let mut extensions = span.extensions_mut();
        let Some(state) = extensions.get_mut::<SpanState>() else {
            return;
        };
        if let Some(sentry) = &state.sentry {
            if sentry.is_sampled() {
                for (k, v) in &visitor.fields {
                    sentry.set_static_data(k, v.clone());
                }
                set_tags(sentry, visitor.tags);
                if let Some(op) = visitor.op {
                    sentry.set_op(op);
                }
            }
            // An unsampled transaction's name still names its errors and outgoing baggage.
            match visitor.name {
                Some(name) if sentry.is_transaction() => {
                    sentry.set_transaction_name(name, "custom");
                }
                Some(name) => sentry.set_description(name),
                None => {}
            }
        }
        for (k, v) in visitor.fields {
            put_field(&mut state.fields, k, v);
        }
    }

    fn on_event(&self, event: &TracingEvent<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        if is_own_target(meta.target()) {
            return;
        }
        let filter = crate::client::guarded("event_filter", || (self.event_filter)(meta))
            .unwrap_or(EventFilter::Ignore);
        if filter == EventFilter::Ignore {
            return;
        }
        let Some((pii, route)) =
            crate::client::with_current_client(|c| (c.options().send_default_pii, c.crumb_route()))
        else {
            return;
        };
        let level = level_of(meta.level());
        match filter {
            EventFilter::Breadcrumb => {
                let mut visitor = FieldVisitor::new(pii);
                event.record(&mut visitor);
                let message = visitor.take_message().unwrap_or_default();
                let mut fields = visitor.fields;
                fields.extend(visitor.tags.into_iter().map(|(k, v)| (k, Value::String(v))));
                // The route is the one just resolved: no second look-up through the scopes.
                route.add_traced(TracedCrumb {
                    timestamp: SystemTime::now(),
                    category: meta.target(),
                    level,
                    message: Cow::Owned(message),
                    fields,
                    duration_ms: None,
                });
            }
            EventFilter::Event => {
                // An explicit parent ties the event to that span, not to the entered one.
                let sentry = parent_of(&ctx, event.parent(), event.is_contextual())
                    .and_then(nearest_kept)
                    .flatten()
                    .filter(|s| !(event.is_contextual() && foreign(s)));
                if let Some(span) = sentry.as_ref().filter(|_| level >= Level::Error) {
                    span.set_status(SpanStatus::InternalError);
                }
                // The fields are recorded only for an event the client's sample rate keeps.
                let source = crate::client::EventSource::lazy(|| {
                    let mut out = event_of(event, pii, level);
                    if self.span_attributes {
                        for (key, value) in span_attributes(&ctx, event) {
                            out.extra.entry(key).or_insert(value);
                        }
                    }
                    out
                });
                match sentry {
                    Some(span) => {
                        // Captured as the span's event: its trace context and sampling
                        // context, and its transaction's name unless a scope names one.
                        let tie = crate::client::PerEvent::Span(span);
                        crate::client::capture_ambient(source, Some(tie));
                    }
                    None => {
                        crate::client::capture_ambient(source, None);
                    }
                }
            }
            EventFilter::Ignore => {}
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(state) = span.extensions_mut().remove::<SpanState>() else {
            return;
        };
        let end = SystemTime::now();
        if let Some(sentry) = &state.sentry {
            sentry.finish_at(end);
        }
        // The breadcrumb is kept as recorded: the fields move, nothing is copied.
        let crumb = TracedCrumb {
            timestamp: state.start,
            category: state.target,
            level: Level::Info,
            message: Cow::Borrowed(state.name),
            fields: state.fields,
            duration_ms: (end.duration_since(state.start).ok()).map(|d| d.as_secs_f64() * 1e3),
        };
        // The task that closes a span is the one that ran it (an instrumented future closes its
        // span when dropped, inside the isolation scope that wrapped it), even when the span
        // was created before the future was wrapped: the breadcrumb goes to that task's
        // isolation scope, the way the client the span was opened under chose then.
        state.route.add_traced(crumb);
    }

    // SAFETY: each pointer is to a value of exactly the type whose `TypeId` was asked for,
    // borrowed from `self`, which is what `downcast_raw`'s contract requires. This is the
    // one `unsafe` item of the crate: `tracing` offers no safe way to expose `Lookup`.
    #[allow(unsafe_code)]
    unsafe fn downcast_raw(&self, id: TypeId) -> Option<*const ()> {
        if id == TypeId::of::<Self>() {
            Some(self as *const Self as *const ())
        } else if id == TypeId::of::<Lookup>() {
            self.lookup
                .as_ref()
                .map(|l| l as *const Lookup as *const ())
        } else {
            None
        }
    }
}

/// A child Sentry span: its op is `sentry.op` or the span's name, its description
/// `sentry.name` or the span's name.
fn child(
    parent: &Span,
    (op, name): (Option<Cow<'static, str>>, Option<String>),
    meta: &'static Metadata<'static>,
    fields: &Fields,
    start: SystemTime,
) -> Span {
    let description = name.map_or(Cow::Borrowed(meta.name()), Cow::Owned);
    let span = parent.start_child_at(op.unwrap_or(Cow::Borrowed(meta.name())), description, start);
    span.set_fields(fields, meta.target());
    span
}

/// The Sentry event for a tracing event the event filter sends as one.
fn event_of(event: &TracingEvent<'_>, pii: bool, level: Level) -> Event {
    let meta = event.metadata();
    let mut visitor = FieldVisitor::new(pii);
    event.record(&mut visitor);
    let mut out = Event::new();
    out.level = level;
    out.logger = Some(meta.target().to_owned());
    // With an exception, the event's title is the error; a message written beside it stays
    // the message. Without one, the message is the written one or, failing that, the `error`
    // field.
    match visitor.exceptions.take() {
        Some(exceptions) => {
            out.exceptions = exceptions;
            out.message = visitor.message.take();
        }
        None => out.message = visitor.take_message(),
    }
    out.tags = (visitor.tags.into_iter())
        .map(|(k, v)| (untagged(k).to_owned(), v))
        .collect();
    // Where it was logged: without a stack trace (off by default), nothing else says. Under
    // the context name sentry-tracing uses.
    let location = [
        ("module_path", meta.module_path().map(Value::from)),
        ("file", meta.file().map(Value::from)),
        ("line", meta.line().map(Value::from)),
    ];
    let location: serde_json::Map<String, Value> = (location.into_iter())
        .filter_map(|(k, v)| Some((k.to_owned(), v?)))
        .collect();
    if !location.is_empty() {
        out.contexts
            .insert("Rust Tracing Location".into(), location);
    }
    out.extra = (visitor.fields.into_iter())
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    out
}

/// Whether an event comes from scopeline itself (its transport and pipeline log under
/// `scopeline` and `scopeline::…`): the layer leaves those to the user's other layers, or an
/// envelope the server refuses would report itself, and that report would be refused too.
fn is_own_target(target: &str) -> bool {
    target
        .strip_prefix("scopeline")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
}

/// Fields named `tags.…` become tags.
const TAG_PREFIX: &str = "tags.";

/// Tags a Sentry span with the `tags.`-prefixed fields a visitor collected.
fn set_tags(span: &Span, tags: Vec<(&'static str, String)>) {
    for (k, v) in tags {
        span.set_tag(untagged(k), v);
    }
}

/// A `tags.`-prefixed field name without its prefix.
fn untagged(name: &str) -> &str {
    name.strip_prefix(TAG_PREFIX).unwrap_or(name)
}

fn level_of(level: &TracingLevel) -> Level {
    match *level {
        TracingLevel::ERROR => Level::Error,
        TracingLevel::WARN => Level::Warning,
        TracingLevel::INFO => Level::Info,
        _ => Level::Debug,
    }
}

/// Collects the fields of a span or event.
struct FieldVisitor {
    send_default_pii: bool,
    /// Plain fields: span data, breadcrumb data, an event's extra.
    fields: Fields,
    /// `tags.`-prefixed fields under their full names, as text.
    tags: Vec<(&'static str, String)>,
    message: Option<String>,
    exceptions: Option<Vec<crate::protocol::Exception>>,
    op: Option<Cow<'static, str>>,
    name: Option<String>,
    named: bool,
    trace: Option<String>,
    baggage: Option<String>,
}

impl FieldVisitor {
    /// The event's message or, when it has none, its `error` field taken out of the fields:
    /// `#[instrument(err)]` and `error!(error = %e)` record nothing else, and an event
    /// without a message would reach Sentry without a title.
    fn take_message(&mut self) -> Option<String> {
        if let Some(message) = self.message.take() {
            return Some(message);
        }
        let at = (self.fields.iter()).position(|(k, v)| *k == "error" && v.is_string())?;
        match self.fields.remove(at).1 {
            Value::String(error) => Some(error),
            _ => None,
        }
    }

    fn new(send_default_pii: bool) -> Self {
        FieldVisitor {
            send_default_pii,
            fields: Fields::new(),
            tags: Vec::new(),
            message: None,
            exceptions: None,
            op: None,
            name: None,
            named: false,
            trace: None,
            baggage: None,
        }
    }

    fn put(&mut self, field: &Field, value: Value) {
        let name = field.name();
        // An event's message is what the code says happened, never a keyed value to scrub.
        let scrub =
            name != "message" && crate::pii::is_sensitive_field(name, self.send_default_pii);
        let value = match value {
            _ if scrub => Value::String(crate::pii::FILTERED.to_owned()),
            // A URL (tower-http's `uri`, a client's `url`) as a request's is reported: no
            // credentials, no secrets in its query, whatever `send_default_pii` says.
            Value::String(text) if crate::pii::is_url_field(name) => {
                Value::String(if name == "url.query" {
                    crate::pii::filter_query(&text, self.send_default_pii)
                } else {
                    match crate::pii::filter_url_text(&text, self.send_default_pii) {
                        Cow::Borrowed(_) => text,
                        Cow::Owned(filtered) => filtered,
                    }
                })
            }
            value => value,
        };
        match name {
            "message" => {
                self.message = Some(match value {
                    Value::String(s) => s,
                    other => other.to_string(),
                })
            }
            "sentry.op" => self.op = value.as_str().map(|s| Cow::Owned(s.to_owned())),
            "sentry.name" | "sentry.transaction" => {
                self.name = value.as_str().map(str::to_owned);
                self.named = self.name.is_some();
            }
            "sentry.trace" => self.trace = value.as_str().map(str::to_owned),
            "sentry.baggage" => self.baggage = value.as_str().map(str::to_owned),
            _ if name.starts_with(TAG_PREFIX) => {
                let text = match value {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                self.tags.push((name, text));
            }
            // A visitor sees each field once: no look-up for an earlier value.
            _ => self.fields.push((name, value)),
        }
    }
}

impl Visit for FieldVisitor {
    fn record_f64(&mut self, field: &Field, value: f64) {
        // NaN and infinities have no JSON form: keep them as text.
        let value = serde_json::Number::from_f64(value)
            .map_or_else(|| Value::String(value.to_string()), Value::Number);
        self.put(field, value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let mut text = Capped::default();
        let _ = fmt::Write::write_str(&mut text, value);
        self.put(field, Value::String(text.text));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn Error + 'static)) {
        let ty = crate::client::error_type_name(value);
        let text = crate::client::display_text(&value);
        let mut exceptions = crate::client::exceptions_from_error(ty, text, value.source());
        // Captured by the SDK, not by a user's call: an `auto.` mechanism, never `generic`.
        for mechanism in exceptions.iter_mut().filter_map(|e| e.mechanism.as_mut()) {
            if mechanism.ty == "generic" {
                mechanism.ty = "auto.tracing".into();
            }
        }
        if self.exceptions.is_none() {
            self.exceptions = Some(exceptions);
        }
        let mut text = Capped::default();
        let _ = fmt::write(&mut text, format_args!("{value}"));
        self.put(field, Value::String(text.text));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let mut text = Capped::default();
        let _ = fmt::write(&mut text, format_args!("{value:?}"));
        self.put(field, Value::String(text.text));
    }
}

/// The most of one field's value the layer keeps, in bytes: above every limit a value is
/// trimmed to on the way out (which then cuts it to its field's limit and marks the cut), so
/// a huge value (`body = ?request`) costs this much, not its whole size, in each breadcrumb
/// and span it lands in until then.
const MAX_FIELD_BYTES: usize = 32 * 1024;

/// Text that stops growing at [`MAX_FIELD_BYTES`] (at a character boundary). Writing past
/// it is not an error: a `Debug` impl that unwraps its writes must not panic in the caller.
struct Capped {
    text: String,
    full: bool,
}

impl Default for Capped {
    fn default() -> Self {
        // Room for a typical message up front, rather than growing a few bytes at a time.
        Capped {
            text: String::with_capacity(64),
            full: false,
        }
    }
}

impl fmt::Write for Capped {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.full {
            return Ok(());
        }
        let room = MAX_FIELD_BYTES - self.text.len();
        if s.len() <= room {
            self.text.push_str(s);
        } else {
            let end = (0..=room)
                .rev()
                .find(|&i| s.is_char_boundary(i))
                .unwrap_or(0);
            self.text.push_str(&s[..end]);
            self.full = true;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_field_value_is_kept_up_to_the_cap_at_a_character_boundary() {
        let mut text = Capped::default();
        let value = "é".repeat(MAX_FIELD_BYTES); // two bytes each
        fmt::write(&mut text, format_args!("xy{value:?}")).unwrap();
        assert_eq!(text.text.len(), MAX_FIELD_BYTES - 1, "no half character");
        assert!(text.text.starts_with("xy\"é"));
        // Nothing is appended once full, even what would fit.
        fmt::Write::write_str(&mut text, "y").unwrap();
        assert!(!text.text.ends_with('y'));
        let mut small = Capped::default();
        fmt::Write::write_str(&mut small, "short").unwrap();
        assert_eq!(small.text, "short");
    }
}
