//! A child span that finishes after its transaction went out (work spawned from a request
//! that outlives it), or starts after that, has nothing left to be sent with: it is not kept
//! on the finished transaction, where a long-lived task's spans would pile up, nor counted
//! against the transaction's span cap.
mod common;

use std::time::Duration;

use scopeline::{ClientOptions, TransactionContext};

#[test]
fn late_children_are_let_go_and_not_counted_as_an_overflow() {
    scopeline::with_isolation_scope(|_| {
        let (client, memory) = common::bind(ClientOptions::new().traces_sample_rate(1.0));
        let tx = scopeline::start_transaction(TransactionContext::new("request", "http.server"));
        let on_time = tx.start_child("db.query", "SELECT 1");
        on_time.finish();
        // Started in time, finishing late.
        let late: Vec<_> = (0..998)
            .map(|i| tx.start_child("email.send", format!("message {i}")))
            .collect();
        tx.finish();
        for span in &late {
            span.finish();
        }
        // Started late: more than the transaction could ever hold.
        for i in 0..1_100 {
            let span = tx.start_child("email.send", format!("late message {i}"));
            assert!(!span.is_sampled(), "a stand-in");
            span.finish();
        }
        client.flush(Duration::from_secs(5)).unwrap();

        let sent = memory.transactions();
        assert_eq!(sent.len(), 1);
        let ops: Vec<_> = sent[0].spans.iter().map(|s| s.op.as_deref()).collect();
        assert_eq!(ops, [Some("db.query")]);
        let overflow = client
            .discarded_events()
            .into_iter()
            .filter(|d| d.reason == "buffer_overflow")
            .count();
        assert_eq!(overflow, 0, "{:?}", client.discarded_events());
    });
}
