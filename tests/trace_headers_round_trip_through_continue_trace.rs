//! Trace headers round-trip through `continue_trace`: each incoming header kind is continued,
//! garbage is ignored, and outgoing headers carry the same trace; `traceparent`'s flag is no
//! sampling decision.
mod common;

use scopeline::{ClientOptions, TransactionContext};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN: &str = "00f067aa0ba902b7";

#[tokio::test]
async fn sentry_trace_with_baggage_is_continued_and_the_dsc_forwarded() {
    scopeline::isolation_scope(async {
        let (_client, memory) = common::bind(ClientOptions::new().traces_sample_rate(0.0));
        assert!(scopeline::continue_trace([
            ("Sentry-Trace", format!("{TRACE}-{SPAN}-1")),
            (
                "baggage",
                format!("other=1,sentry-trace_id={TRACE},sentry-sample_rate=0.5,sentry-sample_rand=0.25,sentry-release=up%401"),
            ),
        ]));
        // Upstream sampled: that wins over our rate of 0.
        let tx = scopeline::start_transaction(TransactionContext::new("work", "task"));
        assert!(tx.is_sampled());
        assert_eq!(tx.trace_id().to_string(), TRACE);
        assert_eq!(tx.parent_span_id().unwrap().to_string(), SPAN);
        let headers = tx.trace_headers();
        assert_eq!(headers.sentry_trace(), format!("{TRACE}-{}-1", tx.span_id()));
        assert_eq!(headers.traceparent(), format!("00-{TRACE}-{}-01", tx.span_id()));
        let baggage = headers.baggage().unwrap();
        assert!(baggage.contains("sentry-release=up%401"), "{baggage}");
        assert!(!baggage.contains("other=1"), "third-party entries are not forwarded");
        tx.finish();
        let envelope = memory.transaction_envelope();
        assert_eq!(envelope.trace.as_ref().unwrap().get("release"), Some("up@1"));
    })
    .await;
}

/// `traceparent` alone gives the trace and the parent, not a sampling decision: its flag is
/// set by hops that know nothing of this service's sample rate (load balancers, meshes).
#[tokio::test]
async fn traceparent_alone_is_continued_and_its_flag_decides_nothing() {
    for (flags, rate) in [("00", 1.0), ("01", 0.0)] {
        scopeline::isolation_scope(async {
            let (_client, _memory) = common::bind(ClientOptions::new().traces_sample_rate(rate));
            assert!(scopeline::continue_trace([(
                "traceparent",
                format!("00-{TRACE}-{SPAN}-{flags}")
            )]));
            // Undecided until a transaction decides, by this service's rate.
            let headers = scopeline::trace_headers();
            assert!(headers.sentry_trace().starts_with(&format!("{TRACE}-")));
            assert_eq!(headers.sentry_trace().split('-').count(), 2, "no flag");
            let tx = scopeline::start_transaction(TransactionContext::new("work", "task"));
            assert_eq!(tx.is_sampled(), rate == 1.0, "traceparent flags {flags}");
            assert_eq!(tx.trace_id().to_string(), TRACE);
            tx.finish();
        })
        .await;
    }
}

#[tokio::test]
async fn garbage_is_ignored_and_keeps_the_scopes_own_trace() {
    scopeline::isolation_scope(async {
        let before = scopeline::trace_headers();
        for garbage in [
            "",
            "-",
            "zz",
            "\u{0}\u{1}",
            &"f".repeat(100_000),
            &format!("{TRACE}-{SPAN}-7"),
            &format!("{}-{SPAN}-1", "0".repeat(32)),
        ] {
            assert!(!scopeline::continue_trace([
                ("sentry-trace", garbage),
                ("traceparent", garbage),
                ("baggage", garbage),
            ]));
        }
        assert_eq!(scopeline::trace_headers(), before);
    })
    .await;
}

#[tokio::test]
async fn outgoing_headers_continue_into_a_downstream_isolation_scope() {
    let upstream = scopeline::isolation_scope(async {
        let _bound = common::bind(ClientOptions::new().traces_sample_rate(1.0));
        let tx = scopeline::start_transaction(TransactionContext::new("call", "http.client"));
        scopeline::get_current_scope().set_span(Some(tx.clone()));
        (tx.trace_id(), tx.span_id(), scopeline::trace_headers())
    })
    .await;
    let (trace_id, span_id, headers) = upstream;
    scopeline::isolation_scope(async move {
        // Downstream samples nothing itself: the upstream decision must win.
        let _bound = common::bind(ClientOptions::new().traces_sample_rate(0.0));
        assert!(scopeline::continue_trace(headers.iter()));
        let tx = scopeline::start_transaction(TransactionContext::new("serve", "http.server"));
        assert_eq!(tx.trace_id(), trace_id);
        assert_eq!(tx.parent_span_id(), Some(span_id));
        assert!(tx.is_sampled(), "the upstream decision is inherited");
    })
    .await;
}

#[tokio::test]
async fn two_isolation_scopes_never_share_a_trace() {
    let a = scopeline::isolation_scope(async { scopeline::trace_headers() }).await;
    let b = scopeline::isolation_scope(async { scopeline::trace_headers() }).await;
    assert_ne!(a.sentry_trace()[..32], b.sentry_trace()[..32]);
}
