//! A finished transaction no longer holds the isolation scope it started in, sampled or not:
//! a handle kept after the request (in a cache, a long-lived task) does not keep the
//! request's scope data (its request, breadcrumbs, processors) alive.
mod common;

use std::sync::Arc;

use scopeline::{ClientOptions, TransactionContext};

#[test]
fn the_scope_is_freed_while_the_handle_lives() {
    for rate in [1.0, 0.0] {
        let held = Arc::new(());
        let (client, _memory) = common::client(ClientOptions::new().traces_sample_rate(rate));
        let tx = scopeline::with_isolation_scope(|scope| {
            scope.bind_client(Some(client.clone()));
            let marker = held.clone();
            scope.add_event_processor(move |event| {
                let _ = &marker;
                Some(event)
            });
            let tx = scopeline::start_transaction(TransactionContext::new("request", "http"));
            assert_eq!(tx.is_sampled(), rate == 1.0);
            tx.finish();
            tx
        });
        client.flush(std::time::Duration::from_secs(10)).unwrap();
        assert_eq!(
            Arc::strong_count(&held),
            1,
            "traces_sample_rate {rate}: the scope was freed"
        );
        drop(tx);
    }
}
