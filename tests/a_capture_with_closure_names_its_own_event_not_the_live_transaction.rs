//! A transaction name set in a `capture_*_with` closure names that one event: the live
//! transaction the scope holds (as `ScopeLayer` holds a request's) keeps its name, and so do
//! the events captured after it.
mod common;

use scopeline::{ClientOptions, Level, TransactionContext};

#[test]
fn a_closure_name_stays_with_its_event() {
    scopeline::with_isolation_scope(|_| {
        let (_client, memory) = common::bind(ClientOptions::new().traces_sample_rate(1.0));
        let tx =
            scopeline::start_transaction(TransactionContext::new("GET /cart/{id}", "http.server"));
        let current = scopeline::get_current_scope();
        current.set_span(Some(tx.clone()));

        scopeline::capture_message_with("payment failed", Level::Error, |scope| {
            scope.set_transaction(Some("payment-retry"));
        });
        assert_eq!(tx.transaction_name(), "GET /cart/{id}");
        scopeline::capture_message("after the closure", Level::Error);
        tx.finish();

        let events = memory.events();
        let names: Vec<_> = events.iter().map(|e| e.transaction.as_deref()).collect();
        assert_eq!(names, [Some("payment-retry"), Some("GET /cart/{id}")]);
        // The event still hangs under the live transaction.
        let tx_event = &memory.transactions()[0];
        assert_eq!(tx_event.transaction.as_deref(), Some("GET /cart/{id}"));
        assert_eq!(
            events[0].contexts["trace"]["span_id"],
            tx_event.contexts["trace"]["span_id"]
        );
    });
}

#[test]
fn a_plain_fork_still_renames_the_span_it_shares() {
    scopeline::with_isolation_scope(|_| {
        let (_client, memory) = common::bind(ClientOptions::new().traces_sample_rate(1.0));
        let tx = scopeline::start_transaction(TransactionContext::new("job", "task"));
        let current = scopeline::get_current_scope();
        current.set_span(Some(tx.clone()));
        current.fork().set_transaction(Some("nightly-report"));
        tx.finish();
        assert_eq!(
            memory.transactions()[0].transaction.as_deref(),
            Some("nightly-report")
        );
    });
}
