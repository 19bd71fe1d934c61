//! A transaction that an event processor or `before_send_transaction` drops, or that finds
//! the pipeline's queue full, is counted as one transaction and as all of its spans (its own
//! included), as the protocol's client reports ask; an error dropped the same way counts no
//! spans. A transaction sampled out records no children, so it counts as one transaction
//! and one span. Spans such a callback removes from a transaction it keeps are counted
//! too.
mod common;

use std::time::Duration;

use scopeline::{ClientOptions, TransactionContext};

/// The dropped counts of `client` for `reason`, as (category, quantity), sorted.
fn dropped(client: &scopeline::Client, reason: &str) -> Vec<(String, u64)> {
    let mut counts: Vec<_> = client
        .discarded_events()
        .into_iter()
        .filter(|d| d.reason == reason)
        .map(|d| (d.category.into_owned(), d.quantity))
        .collect();
    counts.sort();
    counts
}

/// Finishes a transaction with two child spans, one below the other.
fn send_transaction() {
    let tx = scopeline::start_transaction(TransactionContext::new("checkout", "http.server"));
    let db = tx.start_child("db.query", "SELECT 1");
    db.start_child("cache.get", "k").finish();
    db.finish();
    tx.finish();
}

#[test]
fn sampled_out_transactions_count_their_root_span() {
    scopeline::with_isolation_scope(|_| {
        let (client, _memory) = common::bind(ClientOptions::new().traces_sample_rate(0.0));
        send_transaction();
        send_transaction();
        assert_eq!(
            dropped(&client, "sample_rate"),
            [("span".into(), 2), ("transaction".into(), 2)]
        );
    });
}

#[test]
fn before_send_transaction_drops_are_counted_with_their_spans() {
    scopeline::with_isolation_scope(|_| {
        let (client, memory) = common::bind(
            ClientOptions::new()
                .traces_sample_rate(1.0)
                .before_send_transaction(|_| None),
        );
        send_transaction();
        assert!(memory.transactions().is_empty());
        assert_eq!(
            dropped(&client, "before_send"),
            [("span".into(), 3), ("transaction".into(), 1)]
        );
    });
}

#[test]
fn event_processor_drops_are_counted_with_their_spans() {
    scopeline::with_isolation_scope(|scope| {
        let (client, memory) = common::bind(ClientOptions::new().traces_sample_rate(1.0));
        scope.add_event_processor(|_| None);
        send_transaction();
        scopeline::capture_message("also dropped", scopeline::Level::Error);
        assert!(memory.transactions().is_empty());
        assert!(memory.events().is_empty());
        assert_eq!(
            dropped(&client, "event_processor"),
            [
                ("error".into(), 1),
                ("span".into(), 3),
                ("transaction".into(), 1)
            ]
        );
    });
}

#[test]
fn a_transaction_that_finds_the_queue_full_is_counted_with_its_spans() {
    // The pipeline is held in `before_send` by the first event, which fills a queue of one.
    let gate = common::Gate::closed();
    scopeline::with_isolation_scope(|_| {
        let options = ClientOptions::new().traces_sample_rate(1.0).queue_size(1);
        let (client, memory) = common::bind(gate.holding_the_pipeline(options));
        scopeline::capture_message("holds the pipeline", scopeline::Level::Info);
        send_transaction();

        gate.set(true);
        client.flush(Duration::from_secs(10)).unwrap();
        assert_eq!(memory.events().len(), 1);
        assert!(memory.transactions().is_empty());
        assert_eq!(
            dropped(&client, "queue_overflow"),
            [("span".into(), 3), ("transaction".into(), 1)]
        );
    });
}

#[test]
fn spans_a_callback_removes_from_a_kept_transaction_are_counted() {
    scopeline::with_isolation_scope(|scope| {
        let (client, memory) = common::bind(
            ClientOptions::new()
                .traces_sample_rate(1.0)
                .before_send_transaction(|mut tx| {
                    tx.spans.retain(|s| s.op.as_deref() != Some("cache.get"));
                    Some(tx)
                }),
        );
        scope.add_event_processor(|mut tx| {
            if tx.ty.as_deref() == Some("transaction") {
                tx.spans.retain(|s| s.op.as_deref() != Some("db.query"));
            }
            Some(tx)
        });
        send_transaction();
        client.flush(Duration::from_secs(5)).unwrap();
        let sent = memory.transactions();
        assert_eq!(sent.len(), 1);
        assert!(sent[0].spans.is_empty(), "{:?}", sent[0].spans);
        assert_eq!(dropped(&client, "event_processor"), [("span".into(), 1)]);
        assert_eq!(dropped(&client, "before_send"), [("span".into(), 1)]);
    });
}
