//! Transaction envelopes parse with `sentry-types`: the transaction item, its spans, their ids,
//! ops, statuses, data and tags, and the isolation scope's tags and user.
mod common;

use scopeline::{ClientOptions, SpanStatus, TransactionContext, User};
use sentry_types::protocol::v7::{Context, Envelope as TheirEnvelope, EnvelopeItem as TheirItem};

#[test]
fn a_transaction_with_nested_spans_parses_as_sentry_types_sees_it() {
    scopeline::with_isolation_scope(|scope| {
        let (_c, memory) = common::bind(ClientOptions::new().traces_sample_rate(1.0));
        scope.set_tag("request_id", "r-9");
        scope.set_user(Some(User::with_id("42")));

        let tx = scopeline::start_transaction(
            TransactionContext::new("GET /orders/{id}", "http.server").with_source("route"),
        );
        let db = tx.start_child("db.query", "SELECT * FROM orders");
        db.set_data("rows", 3);
        db.set_tag("db.system", "postgresql");
        let cache = db.start_child("cache.get", "orders:7");
        cache.finish_with_status(SpanStatus::NotFound);
        db.finish();
        tx.finish_with_status(SpanStatus::Ok);

        let envelopes = memory.envelopes();
        assert_eq!(envelopes.len(), 1);
        let bytes = envelopes[0].to_vec().unwrap();
        let theirs = TheirEnvelope::from_slice(&bytes).expect("sentry-types parses our envelope");
        let items: Vec<_> = theirs.items().collect();
        let [TheirItem::Transaction(t)] = items.as_slice() else {
            panic!("one transaction item, got {items:?}");
        };

        assert_eq!(t.name.as_deref(), Some("GET /orders/{id}"));
        assert_eq!(t.tags["request_id"], "r-9");
        assert_eq!(t.user.as_ref().and_then(|u| u.id.as_deref()), Some("42"));
        let Some(Context::Trace(trace)) = t.contexts.get("trace") else {
            panic!("a trace context: {:?}", t.contexts);
        };
        assert_eq!(trace.trace_id.to_string(), tx.trace_id().to_string());
        assert_eq!(trace.span_id.to_string(), tx.span_id().to_string());
        assert_eq!(trace.op.as_deref(), Some("http.server"));
        assert!(t.timestamp.unwrap() >= t.start_timestamp);

        assert_eq!(t.spans.len(), 2, "{:?}", t.spans);
        let by_op = |op: &str| {
            t.spans
                .iter()
                .find(|s| s.op.as_deref() == Some(op))
                .unwrap()
        };
        let (their_db, their_cache) = (by_op("db.query"), by_op("cache.get"));
        assert_eq!(their_db.parent_span_id, Some(trace.span_id));
        assert_eq!(their_cache.parent_span_id, Some(their_db.span_id));
        assert_eq!(their_db.span_id.to_string(), db.span_id().to_string());
        for span in [their_db, their_cache] {
            assert_eq!(span.trace_id, trace.trace_id);
            assert!(span.timestamp.unwrap() >= span.start_timestamp);
        }
        assert_eq!(
            their_db.description.as_deref(),
            Some("SELECT * FROM orders")
        );
        assert_eq!(their_db.data["rows"], 3);
        assert_eq!(their_db.tags["db.system"], "postgresql");
        assert_eq!(
            their_cache.status.map(|s| s.to_string()).as_deref(),
            Some("not_found")
        );

        // Fields sentry-types does not model are still on the wire.
        let raw: serde_json::Value = serde_json::from_slice(
            bytes
                .split(|b| *b == b'\n')
                .nth(2)
                .expect("the item payload"),
        )
        .unwrap();
        assert_eq!(raw["type"], "transaction");
        assert_eq!(raw["transaction_info"]["source"], "route");
        assert_eq!(raw["contexts"]["trace"]["status"], "ok");
    });
}
