//! A transaction kept in the span slot of the isolation scope it started in (the Python
//! SDK's habit: `scope.span = transaction`) does not keep that scope alive: when the scope
//! ends, everything it held is freed, finished transaction or not, and a finished one was
//! still sent with the scope's data.
mod common;

use std::sync::Arc;

use scopeline::{ClientOptions, TransactionContext};

#[test]
fn the_scope_and_what_it_holds_are_freed() {
    for finish in [true, false] {
        let held = Arc::new(());
        let (client, memory) = common::client(ClientOptions::new().traces_sample_rate(1.0));
        scopeline::with_isolation_scope(|scope| {
            scope.bind_client(Some(client.clone()));
            scope.set_tag("job", "nightly");
            let marker = held.clone();
            scope.add_event_processor(move |event| {
                let _ = &marker;
                Some(event)
            });
            let tx = scopeline::start_transaction(TransactionContext::new("nightly", "task"));
            scope.set_span(Some(tx.clone()));
            if finish {
                tx.finish();
            }
        });
        let transactions = memory.transactions();
        if finish {
            assert_eq!(transactions.len(), 1);
            assert_eq!(transactions[0].tags["job"], "nightly");
        } else {
            assert!(transactions.is_empty());
        }
        assert_eq!(
            Arc::strong_count(&held),
            1,
            "finish {finish}: the scope's processor was freed with it"
        );
    }
}
