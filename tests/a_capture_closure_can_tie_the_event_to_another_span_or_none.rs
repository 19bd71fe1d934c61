//! The `capture_*_with` closure is the highest layer, span included: a span it sets ties the
//! event to that span (trace context, transaction name, sampling context), clearing the span
//! detaches the event from the active one, and leaving it alone keeps the active span.
mod common;

use scopeline::{ClientOptions, Level, TransactionContext};

#[test]
fn the_closures_span_decides_the_events_trace() {
    scopeline::with_isolation_scope(|_| {
        let (_client, memory) = common::bind(ClientOptions::new().traces_sample_rate(1.0));
        let active = scopeline::start_transaction(TransactionContext::new("active", "task"));
        scopeline::get_current_scope().set_span(Some(active.clone()));
        let other = scopeline::start_transaction(TransactionContext::new("other", "task"));
        let child = other.start_child("db", "select");

        scopeline::capture_message_with("kept", Level::Error, |s| s.set_tag("k", "v"));
        scopeline::capture_message_with("moved", Level::Error, |s| s.set_span(Some(child.clone())));
        scopeline::capture_message_with("detached", Level::Error, |s| s.set_span(None));

        let events = memory.events();
        let by_message = |m: &str| {
            events
                .iter()
                .find(|e| e.message.as_deref() == Some(m))
                .unwrap()
                .clone()
        };
        let kept = by_message("kept");
        assert_eq!(
            kept.contexts["trace"]["span_id"],
            active.span_id().to_string()
        );
        assert_eq!(kept.transaction.as_deref(), Some("active"));

        let moved = by_message("moved");
        assert_eq!(
            moved.contexts["trace"]["span_id"],
            child.span_id().to_string()
        );
        assert_eq!(moved.transaction.as_deref(), Some("other"));

        let detached = by_message("detached");
        assert_ne!(
            detached.contexts["trace"]["span_id"],
            active.span_id().to_string()
        );
        assert_eq!(detached.transaction, None);
        // Both transactions share the isolation scope's trace; the detached error does too.
        assert_eq!(
            detached.contexts["trace"]["trace_id"],
            active.trace_id().to_string()
        );
    });
}
