//! With tracing off (no `traces_sample_rate`, no `traces_sampler`), a transaction in a trace
//! that upstream sampled is not sampled and nothing is sent; with tracing on, upstream's
//! decision wins over the local rate.
mod common;

use scopeline::{ClientOptions, Level, TransactionContext};

const SAMPLED_UPSTREAM: &str = "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1";

#[test]
fn tracing_off_sends_no_transaction_even_when_upstream_sampled() {
    scopeline::with_isolation_scope(|_| {
        let (_client, memory) = common::bind(ClientOptions::new());
        assert!(scopeline::continue_trace([(
            "sentry-trace",
            SAMPLED_UPSTREAM
        )]));
        let tx = scopeline::start_transaction(TransactionContext::new("work", "task"));
        assert!(!tx.is_sampled());
        tx.finish();
        // An error still goes out, in upstream's trace.
        scopeline::capture_message("still reported", Level::Error);
        let envelopes = memory.envelopes();
        assert!(envelopes.iter().all(|e| e.transaction().is_none()));
        let events = memory.events();
        assert_eq!(events.len(), 1);
        assert_eq!(
            events[0].contexts["trace"]["trace_id"],
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
    });
}

#[test]
fn tracing_on_follows_upstream_over_the_local_rate() {
    scopeline::with_isolation_scope(|_| {
        let (_client, memory) = common::bind(ClientOptions::new().traces_sample_rate(0.0));
        assert!(scopeline::continue_trace([(
            "sentry-trace",
            SAMPLED_UPSTREAM
        )]));
        let tx = scopeline::start_transaction(TransactionContext::new("work", "task"));
        assert!(tx.is_sampled());
        tx.finish();
        assert_eq!(memory.transactions().len(), 1);
    });
}
