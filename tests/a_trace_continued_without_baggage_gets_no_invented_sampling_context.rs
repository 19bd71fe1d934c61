//! A trace continued from a `sentry-trace` header with no `sentry-*` baggage (an older SDK
//! upstream) keeps an empty, frozen sampling context: outgoing calls carry no `baggage` and
//! the transaction's envelope no `trace` header, with tracing on or off (protocol sheet §5.3).
mod common;

use scopeline::{ClientOptions, TransactionContext};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN: &str = "00f067aa0ba902b7";

#[test]
fn with_tracing_on_the_transaction_invents_no_sampling_context() {
    scopeline::with_isolation_scope(|_| {
        let (_client, memory) = common::bind(
            ClientOptions::new()
                .dsn("https://public@example.com/1")
                .release("down@2")
                .traces_sample_rate(1.0),
        );
        assert!(scopeline::continue_trace([(
            "sentry-trace",
            format!("{TRACE}-{SPAN}-1")
        )]));
        let tx = scopeline::start_transaction(TransactionContext::new("work", "task"));
        assert!(tx.is_sampled());
        let headers = tx.trace_headers();
        assert!(headers.sentry_trace().starts_with(TRACE));
        assert_eq!(headers.baggage(), None, "no DSC is made up downstream");
        tx.finish();

        let sent = memory.transaction_envelope();
        assert!(sent.trace.is_none(), "{:?}", sent.trace);
    });
}

#[test]
fn with_tracing_off_the_trace_headers_carry_no_baggage_either() {
    scopeline::with_isolation_scope(|_| {
        let _ = common::bind(ClientOptions::new().dsn("https://public@example.com/1"));
        assert!(scopeline::continue_trace([(
            "sentry-trace",
            format!("{TRACE}-{SPAN}-1")
        )]));
        let headers = scopeline::trace_headers();
        assert!(headers.sentry_trace().starts_with(TRACE));
        assert_eq!(headers.baggage(), None);
    });
}

#[test]
fn a_new_trace_still_gets_its_own_sampling_context() {
    // The control: with nothing continued, the transaction's DSC is made here.
    scopeline::with_isolation_scope(|_| {
        let (_client, memory) = common::bind(
            ClientOptions::new()
                .dsn("https://public@example.com/1")
                .traces_sample_rate(1.0),
        );
        let tx = scopeline::start_transaction(TransactionContext::new("work", "task"));
        let baggage = tx.trace_headers().baggage().map(str::to_owned).unwrap();
        assert!(baggage.contains("sentry-public_key=public"), "{baggage}");
        tx.finish();
        let sent = memory.transaction_envelope();
        assert_eq!(sent.trace.as_ref().unwrap().get("sampled"), Some("true"));
    });
}
