//! A root span with a `sentry.trace` field continues that trace even when the client has
//! tracing off (no `traces_sample_rate`): the errors inside it, from `tracing` or from the
//! API, carry upstream's trace id, and no transaction is sent.
#![cfg(feature = "tracing")]
mod common;

use scopeline::{ClientOptions, Level};

#[test]
fn errors_inside_carry_the_continued_trace() {
    common::traced(ClientOptions::new(), |memory| {
        tracing::info_span!(
            "consume",
            sentry.trace = "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1"
        )
        .in_scope(|| {
            tracing::error!("the message could not be parsed");
            scopeline::capture_message("and reported by hand", Level::Error);
            assert!(
                scopeline::trace_headers()
                    .sentry_trace()
                    .starts_with("4bf92f3577b34da6a3ce929d0e0e4736-")
            );
        });
        let events = memory.events();
        assert_eq!(events.len(), 2);
        for event in &events {
            assert_eq!(
                event.contexts["trace"]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736",
                "{:?}",
                event.message
            );
        }
        assert!(memory.transactions().is_empty());
    });
}
