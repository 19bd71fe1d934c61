//! A value recorded on a span later (`span.record`) whose `Debug` logs an error: the layer
//! records the value before it locks the span's state, so the error, captured as an event of
//! that very span, finds the span unlocked. Run on a thread of its own, so that a deadlock
//! fails the test instead of hanging it.
#![cfg(feature = "tracing")]
mod common;

use std::fmt;
use std::sync::mpsc;
use std::time::Duration;

use scopeline::ClientOptions;

/// Logs an error while it is formatted.
struct Logs;

impl fmt::Debug for Logs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        tracing::error!("logged while formatting");
        f.write_str("logs")
    }
}

#[test]
fn a_recorded_value_whose_debug_logs_does_not_deadlock_the_layer() {
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let outcome = common::traced(ClientOptions::new().traces_sample_rate(1.0), |memory| {
            let span = tracing::info_span!("request", detail = tracing::field::Empty);
            {
                let _entered = span.enter();
                span.record("detail", tracing::field::debug(Logs));
            }
            drop(span);
            (memory.events(), memory.transactions())
        });
        let _ = done.send(outcome);
    });
    let (events, transactions) = finished
        .recv_timeout(Duration::from_secs(30))
        .expect("recording a value whose Debug logs finishes (no deadlock)");

    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].message.as_deref(),
        Some("logged while formatting")
    );
    // The error is the span's: it carries the span's trace, which its transaction has.
    assert_eq!(transactions.len(), 1);
    let trace = |e: &scopeline::protocol::Event| e.contexts["trace"]["trace_id"].clone();
    assert_eq!(trace(&events[0]), trace(&transactions[0]));
    assert_eq!(transactions[0].contexts["trace"]["data"]["detail"], "logs");
}
