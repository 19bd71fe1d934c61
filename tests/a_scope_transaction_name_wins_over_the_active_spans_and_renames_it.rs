//! A transaction name set on a scope names the events captured there even while a span is
//! active, and setting it on the scope that holds the span renames that span's transaction;
//! with no name set, events take the active span's transaction name.
mod common;

use scopeline::{ClientOptions, Level, TransactionContext};

#[test]
fn the_scope_name_wins_and_renames_the_held_transaction() {
    scopeline::with_isolation_scope(|isolation| {
        let (_client, memory) = common::bind(ClientOptions::new().traces_sample_rate(1.0));
        let tx =
            scopeline::start_transaction(TransactionContext::new("GET /cart/42", "http.server"));
        let current = scopeline::get_current_scope();
        current.set_span(Some(tx.clone()));

        scopeline::capture_message("named after the span", Level::Error);
        current.set_transaction(Some("checkout"));
        scopeline::capture_message("named by the scope", Level::Error);
        isolation.set_transaction(Some("lower layer"));
        scopeline::capture_message("the current scope still wins", Level::Error);
        tx.finish();

        let names: Vec<_> = memory
            .events()
            .iter()
            .map(|e| e.transaction.clone().unwrap())
            .collect();
        assert_eq!(names, ["GET /cart/42", "checkout", "checkout"]);
        let transactions = memory.transactions();
        assert_eq!(transactions[0].transaction.as_deref(), Some("checkout"));
        assert_eq!(
            transactions[0].transaction_info.as_ref().unwrap().source,
            "custom"
        );
    });
}

#[test]
fn a_name_on_a_scope_without_the_span_leaves_the_transaction_alone() {
    scopeline::with_isolation_scope(|isolation| {
        let (_client, memory) = common::bind(ClientOptions::new().traces_sample_rate(1.0));
        let tx = scopeline::start_transaction(TransactionContext::new("job", "task"));
        scopeline::get_current_scope().set_span(Some(tx.clone()));
        isolation.set_transaction(Some("nightly"));
        scopeline::capture_message("boom", Level::Error);
        tx.finish();
        assert_eq!(memory.events()[0].transaction.as_deref(), Some("nightly"));
        assert_eq!(memory.transactions()[0].transaction.as_deref(), Some("job"));
    });
}

/// The same for events the tracing layer captures inside a tracing span.
#[cfg(feature = "tracing")]
#[test]
fn a_scope_name_also_wins_over_a_tracing_spans_transaction() {
    use tracing_subscriber::prelude::*;

    let subscriber = tracing_subscriber::registry().with(scopeline::TracingLayer::new());
    tracing::subscriber::with_default(subscriber, || {
        scopeline::with_isolation_scope(|isolation| {
            let (_client, memory) = common::bind(ClientOptions::new().traces_sample_rate(1.0));
            let span = tracing::info_span!("GET /cart/{id}");
            span.in_scope(|| {
                tracing::error!("named after the span");
                isolation.set_transaction(Some("checkout"));
                tracing::error!("named by the scope");
            });
            drop(span);

            let events = memory.events();
            let names: Vec<_> = events.iter().map(|e| e.transaction.as_deref()).collect();
            assert_eq!(names, [Some("GET /cart/{id}"), Some("checkout")]);
            // Both still hang under the span, the transaction's root.
            let transactions = memory.transactions();
            let root = &transactions[0].contexts["trace"];
            for event in &events {
                assert_eq!(event.contexts["trace"]["span_id"], root["span_id"]);
                assert_eq!(event.contexts["trace"]["trace_id"], root["trace_id"]);
            }
        });
    });
}
