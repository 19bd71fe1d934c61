//! The tracing layer's special fields work when recorded after the span was made (declared
//! `Empty`, then `span.record(..)`): `sentry.name` renames the transaction, `sentry.op` sets
//! the op, `tags.*` become tags, and plain fields become span data.
#![cfg(feature = "tracing")]
mod common;

use scopeline::ClientOptions;
use tracing::field::Empty;

#[test]
fn late_fields_reach_the_transaction_and_its_child() {
    common::traced(ClientOptions::new().traces_sample_rate(1.0), |memory| {
        let root = tracing::info_span!(
            "request",
            sentry.name = Empty,
            sentry.op = Empty,
            tags.tier = Empty,
            route = Empty
        );
        root.in_scope(|| {
            let child = tracing::info_span!("query", sentry.op = Empty, tags.table = Empty);
            child.record("sentry.op", "db.query");
            child.record("tags.table", "orders");
            drop(child);
        });
        root.record("sentry.name", "GET /items/{id}");
        root.record("sentry.op", "http.server");
        root.record("tags.tier", "gold");
        root.record("route", "/items/{id}");
        drop(root);

        let transactions = memory.transactions();
        assert_eq!(transactions.len(), 1);
        let tx = &transactions[0];
        assert_eq!(tx.transaction.as_deref(), Some("GET /items/{id}"));
        assert_eq!(tx.transaction_info.as_ref().unwrap().source, "custom");
        assert_eq!(tx.contexts["trace"]["op"], "http.server");
        assert_eq!(tx.tags.get("tier").map(String::as_str), Some("gold"));
        assert_eq!(tx.contexts["trace"]["data"]["route"], "/items/{id}");
        let child = &tx.spans[0];
        assert_eq!(child.op.as_deref(), Some("db.query"));
        assert_eq!(child.tags.get("table").map(String::as_str), Some("orders"));
    });
}
