//! A new isolation scope (`with_isolation_scope`, `isolation_scope`, `spawn_isolated`) starts
//! a trace of its own even while a transaction is active where it was made: its events do
//! not hang under that transaction (which may be sent before they happen), whether it was
//! set on the current scope or on the isolation scope.
#![cfg(feature = "test-util")]

use scopeline::{ClientOptions, Level, TransactionContext};

#[tokio::test]
async fn isolated_work_is_a_trace_of_its_own() {
    let options = ClientOptions::new().traces_sample_rate(1.0);
    let ((), events) = scopeline::testing::captured_events_options(options, async {
        let tx = scopeline::start_transaction(TransactionContext::new("GET /orders", "http"));
        scopeline::get_current_scope().set_span(Some(tx.clone()));
        scopeline::capture_message("in the request", Level::Error);
        scopeline::with_isolation_scope(|_| {
            scopeline::capture_message("isolated, sync", Level::Error);
        });
        scopeline::spawn_isolated(async {
            scopeline::capture_message("isolated, spawned", Level::Error);
        })
        .await
        .unwrap();
        // Kept on the isolation scope itself (the Python SDK's habit), likewise.
        scopeline::get_current_scope().set_span(None);
        scopeline::get_isolation_scope().set_span(Some(tx.clone()));
        scopeline::with_isolation_scope(|_| {
            scopeline::capture_message("isolated from the isolation scope's span", Level::Error);
        });
        tx.finish();
    })
    .await;
    let trace_of = |message: &str| {
        let event = (events.iter())
            .find(|e| e.message.as_deref() == Some(message))
            .unwrap();
        event.contexts["trace"]["trace_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let request = trace_of("in the request");
    let sync = trace_of("isolated, sync");
    let spawned = trace_of("isolated, spawned");
    assert_ne!(sync, request);
    assert_ne!(spawned, request);
    assert_ne!(sync, spawned);
    assert_ne!(
        trace_of("isolated from the isolation scope's span"),
        request
    );
}
