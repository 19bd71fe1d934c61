//! With tracing off (no `traces_sample_rate`, no `traces_sampler`), a transaction decides
//! nothing for the services it calls (protocol sheet §5.3, "tracing without performance"):
//! its outgoing `sentry-trace` has no flag and its baggage no `sampled` nor `sample_rate`, so
//! a downstream service with tracing on samples the trace itself. A trace continued from
//! upstream passes upstream's decision on unchanged. `traces_sample_rate(0.0)` is tracing
//! on, and says no.
mod common;

use scopeline::{ClientOptions, TraceHeaders, TransactionContext};

const SAMPLED_UPSTREAM: &str = "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1";

/// The headers a transaction started under `options` sends, read through the scope that
/// holds it, as an HTTP client integration would; `upstream` is continued first.
fn outgoing(options: ClientOptions, upstream: &[(&str, &str)]) -> TraceHeaders {
    scopeline::with_isolation_scope(|scope| {
        let (_client, _memory) = common::bind(options);
        if !upstream.is_empty() {
            assert!(scopeline::continue_trace(upstream.iter().copied()));
        }
        let tx = scopeline::start_transaction(TransactionContext::new("work", "task"));
        scope.set_span(Some(tx.clone()));
        let headers = scopeline::trace_headers();
        assert_eq!(headers.sentry_trace(), tx.trace_headers().sentry_trace());
        tx.finish();
        headers
    })
}

fn baggage_keys(headers: &TraceHeaders) -> Vec<String> {
    let baggage = headers.baggage().unwrap_or_default();
    let mut keys: Vec<String> = (baggage.split(','))
        .filter_map(|entry| entry.split_once('=').map(|(k, _)| k.trim().to_owned()))
        .collect();
    keys.sort();
    keys
}

#[test]
fn a_fresh_trace_goes_out_undecided() {
    let headers = outgoing(
        ClientOptions::new().dsn("https://key@o1.ingest.sentry.io/2"),
        &[],
    );
    assert_eq!(headers.sentry_trace().split('-').count(), 2, "no flag");
    assert!(headers.traceparent().ends_with("-00"));
    let keys = baggage_keys(&headers);
    assert!(keys.contains(&"sentry-trace_id".to_owned()), "{keys:?}");
    assert!(keys.contains(&"sentry-sample_rand".to_owned()), "{keys:?}");
    assert!(!keys.contains(&"sentry-sampled".to_owned()), "{keys:?}");
    assert!(!keys.contains(&"sentry-sample_rate".to_owned()), "{keys:?}");
}

#[test]
fn a_continued_trace_passes_upstreams_decision_on() {
    let baggage = "sentry-trace_id=4bf92f3577b34da6a3ce929d0e0e4736,sentry-sampled=true";
    let headers = outgoing(
        ClientOptions::new(),
        &[("sentry-trace", SAMPLED_UPSTREAM), ("baggage", baggage)],
    );
    assert!(headers.sentry_trace().ends_with("-1"));
    assert!(headers.traceparent().ends_with("-01"));
    assert!(headers.baggage().unwrap().contains("sentry-sampled=true"));
}

#[test]
fn a_zero_rate_is_tracing_on_and_says_no() {
    let headers = outgoing(ClientOptions::new().traces_sample_rate(0.0), &[]);
    assert!(headers.sentry_trace().ends_with("-0"));
    assert!(headers.baggage().unwrap().contains("sentry-sampled=false"));
}
