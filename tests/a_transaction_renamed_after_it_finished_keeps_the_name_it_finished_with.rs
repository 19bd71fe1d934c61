//! A transaction keeps the name it had when it finished: a rename after `finish` is
//! ignored, even while the pipeline thread has not yet built its event (which it now builds
//! off the finishing task), the trace's sampling context names it the same, and a
//! transaction that is not sent (sampled out, no client) keeps its name as well.
mod common;

use std::time::Duration;

use scopeline::{ClientOptions, Level, TransactionContext};

#[test]
fn a_rename_after_finish_is_ignored() {
    // The first event holds the pipeline thread in `before_send` until the gate opens, so the
    // transaction waits in the queue while it is renamed.
    let gate = common::Gate::closed();
    scopeline::with_isolation_scope(|_| {
        let options = ClientOptions::new().traces_sample_rate(1.0);
        let (client, memory) = common::bind(gate.holding_the_pipeline(options));
        scopeline::capture_message("hold the pipeline", Level::Info);

        let tx =
            scopeline::start_transaction(TransactionContext::new("GET /orders", "http.server"));
        tx.set_transaction_name("GET /orders/{id}", "route");
        tx.finish();
        tx.set_transaction_name("renamed too late", "custom");
        assert_eq!(tx.transaction_name(), "GET /orders/{id}");

        gate.set(true);
        client.flush(Duration::from_secs(10)).unwrap();

        let sent = memory.transaction_envelope();
        let event = sent.transaction().unwrap();
        assert_eq!(event.transaction.as_deref(), Some("GET /orders/{id}"));
        assert_eq!(
            sent.trace.as_ref().and_then(|dsc| dsc.get("transaction")),
            Some("GET /orders/{id}")
        );
    });
}

#[test]
fn a_rename_after_finish_is_ignored_when_nothing_is_sent_too() {
    // Sampled out, and with no client at all: nothing is sent, the name still stays.
    scopeline::with_isolation_scope(|_| {
        let _ = common::bind(ClientOptions::new().traces_sample_rate(0.0));
        let tx = scopeline::start_transaction(TransactionContext::new("sampled out", "task"));
        assert!(!tx.is_sampled());
        tx.finish();
        tx.set_transaction_name("later", "custom");
        assert_eq!(tx.transaction_name(), "sampled out");
    });
    scopeline::with_isolation_scope(|_| {
        let tx = scopeline::start_transaction(TransactionContext::new("no client", "task"));
        tx.finish();
        tx.set_transaction_name("later", "custom");
        assert_eq!(tx.transaction_name(), "no client");
    });
}
