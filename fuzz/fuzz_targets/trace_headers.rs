//! Any incoming `sentry-trace`, `traceparent` and `baggage` values are continued or ignored,
//! never a panic; the headers we then send out continue the same trace downstream.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Incoming {
    sentry_trace: Option<String>,
    traceparent: Option<String>,
    baggage: Vec<String>,
}

fuzz_target!(|input: Incoming| {
    let mut headers: Vec<(&str, &str)> = Vec::new();
    if let Some(v) = &input.sentry_trace {
        headers.push(("sentry-trace", v));
    }
    if let Some(v) = &input.traceparent {
        headers.push(("traceparent", v));
    }
    for v in &input.baggage {
        headers.push(("baggage", v));
    }
    let (continued, out) = scopeline::with_isolation_scope(|_| {
        (
            scopeline::continue_trace(headers),
            scopeline::trace_headers(),
        )
    });
    let trace_id = |h: &str| h.split('-').next().unwrap_or_default().to_owned();
    let ours = trace_id(out.sentry_trace());
    assert_eq!(ours.len(), 32, "{out:?}");
    assert_eq!(out.traceparent().split('-').nth(1), Some(ours.as_str()));
    if continued {
        // The trace continued is one that came in.
        let came_in = [&input.sentry_trace, &input.traceparent]
            .into_iter()
            .flatten()
            .any(|h| h.to_ascii_lowercase().contains(&ours));
        assert!(came_in, "{ours} is not among {input:?}");
    }
    // Downstream, our own headers always continue, and keep the trace id.
    let again = scopeline::with_isolation_scope(|_| {
        assert!(
            scopeline::continue_trace(out.iter()),
            "our headers {out:?} are not accepted"
        );
        scopeline::trace_headers()
    });
    assert_eq!(trace_id(again.sentry_trace()), trace_id(out.sentry_trace()));
    assert_eq!(again.baggage(), out.baggage());
});
