//! The `sample_rate` draw comes before any work: a tracing error event the draw drops is
//! counted, and its fields are never recorded (a costly `Debug` never runs). One the draw
//! keeps is recorded once.
#![cfg(feature = "tracing")]
mod common;

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use scopeline::ClientOptions;
use tracing_subscriber::prelude::*;

/// Counts how often it is formatted.
struct Costly<'a>(&'a AtomicUsize);

impl fmt::Debug for Costly<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fetch_add(1, Ordering::SeqCst);
        f.write_str("costly")
    }
}

/// Logs one error with a `Costly` field under a client with `rate`; returns how often the
/// field was formatted, the events sent and the events dropped by the sample rate.
fn log_one_error(rate: f64) -> (usize, usize, u64) {
    let formatted = AtomicUsize::new(0);
    let subscriber = tracing_subscriber::registry().with(scopeline::TracingLayer::new());
    tracing::subscriber::with_default(subscriber, || {
        scopeline::with_isolation_scope(|_| {
            let (client, memory) = common::bind(ClientOptions::new().sample_rate(rate));
            tracing::error!(state = ?Costly(&formatted), "checkout failed");
            let sent = memory.events().len();
            let dropped = common::dropped(&client, "sample_rate", "error");
            (formatted.load(Ordering::SeqCst), sent, dropped)
        })
    })
}

#[test]
fn a_dropped_event_is_counted_and_not_formatted() {
    assert_eq!(log_one_error(0.0), (0, 0, 1));
}

#[test]
fn a_kept_event_is_formatted_once() {
    let (formatted, sent, dropped) = log_one_error(1.0);
    assert_eq!((formatted, sent, dropped), (1, 1, 0));
}
