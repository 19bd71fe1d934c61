//! Performance monitoring and trace propagation: spans, transactions, and the headers that
//! carry a trace between services.

mod propagation;
mod span;

use std::sync::Arc;

use crate::client::ClientInner;

pub(crate) use propagation::{Dsc, PropagationContext, format_rand};
pub(crate) use span::TransactionDraft;
pub use span::{
    SamplingContext, Span, SpanStatus, TraceHeaders, TransactionContext, start_transaction,
};

use propagation::{Incoming, parse_sentry_trace, parse_traceparent};

/// Continues the trace of an incoming request or message in the running task's isolation
/// scope, from its `sentry-trace` (or W3C `traceparent`) and `baggage` headers. Header names
/// are matched case-insensitively; malformed values are ignored, never a panic. Starts no
/// span: transactions started afterwards, and errors captured in this isolation scope, belong
/// to the continued trace.
///
/// Call it inside a fresh isolation scope (one per request): it replaces that scope's trace.
/// Returns whether a trace was continued.
///
/// ```
/// # futures::executor::block_on(async {
/// scopeline::isolation_scope(async {
///     let continued = scopeline::continue_trace([
///         ("sentry-trace", "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1"),
///         ("baggage", "sentry-trace_id=4bf92f3577b34da6a3ce929d0e0e4736,sentry-sample_rate=1"),
///     ]);
///     assert!(continued);
///     let headers = scopeline::trace_headers();
///     assert!(headers.sentry_trace().starts_with("4bf92f3577b34da6a3ce929d0e0e4736-"));
///     assert!(!scopeline::continue_trace([("sentry-trace", "garbage")]));
/// })
/// .await;
/// # });
/// ```
pub fn continue_trace<K, V>(headers: impl IntoIterator<Item = (K, V)>) -> bool
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let client = crate::client::current_inner();
    let Some(context) = incoming_context(headers, client.as_deref()) else {
        return false;
    };
    crate::get_isolation_scope().write(|d| d.set_propagation(Arc::new(context)));
    true
}

/// The propagation context [`continue_trace`] would store for these headers, for a task
/// whose client is `client`.
pub(crate) fn incoming_context<K, V>(
    headers: impl IntoIterator<Item = (K, V)>,
    client: Option<&ClientInner>,
) -> Option<PropagationContext>
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut sentry_trace = None;
    let mut traceparent = None;
    let mut baggage = Vec::new();
    for (name, value) in headers {
        let (name, value) = (name.as_ref(), value.as_ref());
        if name.eq_ignore_ascii_case("sentry-trace") {
            sentry_trace = sentry_trace.or_else(|| parse_sentry_trace(value));
        } else if name.eq_ignore_ascii_case("traceparent") {
            traceparent = traceparent.or_else(|| parse_traceparent(value));
        } else if name.eq_ignore_ascii_case("baggage") {
            baggage.push(value.to_owned());
        }
    }
    let parent = (sentry_trace.map(|p| (p, true))).or_else(|| traceparent.map(|p| (p, false)));
    continued_context(parent, baggage.iter().map(String::as_str), client)
}

/// The propagation context of a continued trace, or `None` when there is no valid parent or
/// the trace belongs to another organization than `client`'s (protocol sheet §5.3). The
/// parent comes with whether a Sentry SDK sent it (`sentry-trace`, not `traceparent`).
pub(crate) fn continued_context<'a>(
    parent: Option<(propagation::TraceParent, bool)>,
    baggage: impl IntoIterator<Item = &'a str>,
    client: Option<&ClientInner>,
) -> Option<PropagationContext> {
    let (parent, sentry_trace) = parent?;
    let dsc = Dsc::from_baggage(baggage);
    // Another organization's trace is not continued (protocol sheet §5.3).
    let own_org = client.and_then(ClientInner::org_id);
    if let (Some(own), Some(theirs)) = (own_org, dsc.as_ref().and_then(|d| d.get("org_id"))) {
        if own != theirs {
            return None;
        }
    }
    Some(PropagationContext::continued(Incoming {
        parent,
        from_sentry: sentry_trace || dsc.is_some(),
        dsc: dsc.map(Arc::new),
    }))
}

/// Parses a `sentry-trace` value (`true` with it), or failing that a `traceparent` one.
#[cfg_attr(not(feature = "tracing"), allow(dead_code))] // the tracing layer's `sentry.trace` field
pub(crate) fn parse_trace_header(value: &str) -> Option<(propagation::TraceParent, bool)> {
    (parse_sentry_trace(value).map(|p| (p, true)))
        .or_else(|| parse_traceparent(value).map(|p| (p, false)))
}

/// The headers to send on an outgoing request so the downstream service continues this
/// trace: from the active span, else from the isolation scope's propagation context (with no
/// sampling flag when no transaction decided one).
///
/// ```
/// let headers = scopeline::trace_headers();
/// assert_eq!(headers.sentry_trace().len(), 32 + 1 + 16);
/// ```
pub fn trace_headers() -> TraceHeaders {
    crate::scope::with_pair(|pair| {
        if let Some(span) = crate::client::active_span(&pair.current, &pair.isolation) {
            return span.trace_headers();
        }
        let propagation = pair.isolation.read(crate::scope::ScopeData::propagation);
        let client = crate::client::resolve_client(&pair.current, &pair.isolation);
        // Without a client, only a DSC received from upstream is passed on.
        let dsc = match &client {
            Some(c) => propagation.dsc(|p| c.propagation_dsc(p.trace_id(), p.sample_rand())),
            None => propagation.incoming_dsc(),
        };
        let (trace_id, span_id) = propagation.ids();
        TraceHeaders::new(trace_id, span_id, propagation.sampled(), dsc.as_deref())
    })
}

/// The span the running code is in, as events captured here are tied to it: with
/// [`TracingLayer`](crate::TracingLayer) installed, the Sentry span of the innermost entered
/// `tracing` span (an `#[instrument]`ed function's); else the span set on the current scope,
/// else the one set on the isolation scope (as [`ScopeLayer`](crate::ScopeLayer) sets each
/// request's transaction). `None` outside every span.
///
/// Its handle sets the span's status, data and tags, and starts manual child spans.
///
/// ```
/// use scopeline::{SpanStatus, TransactionContext};
///
/// scopeline::with_isolation_scope(|scope| {
///     assert!(scopeline::active_span().is_none());
///     let tx = scopeline::start_transaction(TransactionContext::new("reindex", "task"));
///     scope.set_span(Some(tx.clone()));
///     let active = scopeline::active_span().expect("the transaction");
///     assert_eq!(active.span_id(), tx.span_id());
///     active.set_status(SpanStatus::ResourceExhausted);
///     active.start_child("db.query", "select").finish();
/// });
/// ```
pub fn active_span() -> Option<Span> {
    crate::scope::with_pair(|pair| crate::client::active_span(&pair.current, &pair.isolation))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Client, ClientOptions};

    #[test]
    fn another_organizations_trace_is_not_continued() {
        let trace = "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1";
        // Nothing is captured, so nothing is sent to the DSN.
        let client =
            Client::new(ClientOptions::new().dsn("https://key@o7.ingest.sentry.io/1")).into_inner();
        assert_eq!(client.org_id(), Some("7"));
        let continued = |org: &str, client: Option<&ClientInner>| {
            incoming_context(
                [
                    ("sentry-trace", trace),
                    ("baggage", &format!("sentry-org_id={org}")),
                ],
                client,
            )
            .is_some()
        };
        assert!(continued("7", Some(&client)));
        assert!(!continued("8", Some(&client)));
        assert!(
            continued("8", None),
            "without a client there is no own organization"
        );
    }
}
