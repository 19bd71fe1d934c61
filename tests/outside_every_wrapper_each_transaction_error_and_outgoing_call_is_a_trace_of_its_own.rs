//! Outside every isolation scope (a worker loop under a plain `tokio::spawn`, a thread), each
//! root span or transaction starts a trace of its own, sampled on its own: jobs are not one
//! endless trace sent all or not at all. So does each error event (its trace context and its
//! envelope's sampling context naming the same trace) and each outgoing call's headers.
//! Inside an isolation scope they share its trace.
#![cfg(feature = "tracing")]
mod common;

use std::collections::HashSet;

use scopeline::{ClientOptions, TransactionContext};
use tracing_subscriber::prelude::*;

/// Both tests bind a client outside every wrapper (the global scope, the process default
/// current scope), where each would see the other's: they take turns.
static OUTSIDE: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn each_job_is_its_own_trace_and_sampled_on_its_own() {
    let _turn = OUTSIDE.lock().unwrap_or_else(|e| e.into_inner());
    let (_client, memory) = common::bind_global(ClientOptions::new().traces_sample_rate(0.5));
    let subscriber = tracing_subscriber::registry().with(scopeline::TracingLayer::new());
    tracing::subscriber::with_default(subscriber, || {
        for job in 0..100 {
            let _span = tracing::info_span!("job", job).entered();
        }
        for _ in 0..100 {
            scopeline::start_transaction(TransactionContext::new("task", "task")).finish();
        }
    });
    let transactions = memory.transactions();
    // 200 draws at 0.5: all or none sampled has a chance of 2^-199.
    assert!(
        (20..180).contains(&transactions.len()),
        "{} of 200 sampled",
        transactions.len()
    );
    let traces: HashSet<_> = (transactions.iter())
        .map(|t| t.contexts["trace"]["trace_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        traces.len(),
        transactions.len(),
        "one trace per transaction"
    );

    // Inside an isolation scope, transactions share its trace.
    scopeline::with_isolation_scope(|_| {
        let a =
            scopeline::start_transaction(TransactionContext::new("a", "task").with_sampled(true));
        let b =
            scopeline::start_transaction(TransactionContext::new("b", "task").with_sampled(true));
        assert_eq!(a.trace_id(), b.trace_id());
    });
    scopeline::get_global_scope().bind_client(None);
}

#[test]
fn each_error_and_outgoing_call_starts_a_trace_of_its_own() {
    let _turn = OUTSIDE.lock().unwrap_or_else(|e| e.into_inner());
    let (client, memory) = common::client(ClientOptions::new());
    // Bound to the process default scopes, as `init` binds to the global one.
    scopeline::get_current_scope().bind_client(Some(client.clone()));
    scopeline::capture_message("one", scopeline::Level::Error);
    scopeline::capture_message("two", scopeline::Level::Error);
    let first = scopeline::trace_headers();
    let second = scopeline::trace_headers();
    scopeline::get_current_scope().bind_client(None);

    assert_ne!(first.sentry_trace()[..32], second.sentry_trace()[..32]);
    let envelopes = memory.envelopes();
    let traces: Vec<_> = (envelopes.iter())
        .map(|e| {
            let event = e.event().unwrap();
            let trace = event.contexts["trace"]["trace_id"]
                .as_str()
                .unwrap()
                .to_owned();
            let dsc = e
                .trace
                .as_ref()
                .unwrap()
                .get("trace_id")
                .unwrap()
                .to_owned();
            assert_eq!(trace, dsc, "the event and its envelope name one trace");
            trace
        })
        .collect();
    assert_eq!(traces.len(), 2);
    assert_ne!(traces[0], traces[1]);
}
