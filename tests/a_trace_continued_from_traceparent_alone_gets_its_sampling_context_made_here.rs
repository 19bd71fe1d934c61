//! A trace continued from a W3C `traceparent` with no `sentry-*` baggage (OpenTelemetry or a
//! service mesh upstream) reaches its first Sentry SDK here: the transaction's envelope
//! carries a dynamic sampling context made here, in the upstream trace, and outgoing calls
//! pass it on in `baggage`. (An older Sentry SDK's bare `sentry-trace` keeps it empty: see
//! `a_trace_continued_without_baggage_gets_no_invented_sampling_context`.)
mod common;

use scopeline::{ClientOptions, TransactionContext};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN: &str = "00f067aa0ba902b7";

#[test]
fn the_transaction_and_outgoing_calls_carry_a_sampling_context_made_here() {
    scopeline::with_isolation_scope(|_| {
        let (_client, memory) = common::bind(
            ClientOptions::new()
                .dsn("https://public@example.com/1")
                .release("mesh@1")
                .traces_sample_rate(1.0),
        );
        assert!(scopeline::continue_trace([
            ("traceparent", format!("00-{TRACE}-{SPAN}-01")),
            ("baggage", "vendor=x".to_owned()),
        ]));
        let tx = scopeline::start_transaction(TransactionContext::new("work", "task"));
        assert!(tx.is_sampled());
        let headers = tx.trace_headers();
        assert!(headers.sentry_trace().starts_with(TRACE));
        let baggage = headers.baggage().map(str::to_owned).unwrap_or_default();
        assert!(
            baggage.contains(&format!("sentry-trace_id={TRACE}")),
            "{baggage}"
        );
        assert!(baggage.contains("sentry-public_key=public"), "{baggage}");
        tx.finish();

        let sent = memory.transaction_envelope();
        let dsc = sent.trace.as_ref().expect("a sampling context");
        assert_eq!(dsc.get("trace_id"), Some(TRACE));
        assert_eq!(dsc.get("release"), Some("mesh@1"));
        assert_eq!(dsc.get("sampled"), Some("true"));
        assert_eq!(dsc.get("sample_rate"), Some("1"));
        let rand: f64 = dsc.get("sample_rand").unwrap().parse().unwrap();
        assert!((0.0..1.0).contains(&rand));
    });
}

#[test]
fn errors_of_the_trace_carry_it_too() {
    scopeline::with_isolation_scope(|_| {
        let (_client, memory) = common::bind(
            ClientOptions::new()
                .dsn("https://public@example.com/1")
                .traces_sample_rate(1.0),
        );
        assert!(scopeline::continue_trace([(
            "traceparent",
            format!("00-{TRACE}-{SPAN}-01")
        )]));
        scopeline::capture_message("failed", scopeline::Level::Error);
        let sent = memory.envelopes();
        let dsc = sent[0].trace.as_ref().expect("a sampling context");
        assert_eq!(dsc.get("trace_id"), Some(TRACE));
        assert_eq!(
            sent[0].event().unwrap().contexts["trace"]["parent_span_id"],
            SPAN
        );
    });
}
