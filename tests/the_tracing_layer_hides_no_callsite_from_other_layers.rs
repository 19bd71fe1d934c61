//! The tracing layer never disables a callsite for the layers beside it: DEBUG and TRACE
//! events and spans it ignores still reach a layer that wants them, every time they are hit.
#![cfg(feature = "tracing")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tracing::Subscriber;
use tracing_subscriber::layer::Context;
use tracing_subscriber::prelude::*;

/// Counts the events and spans it is shown.
#[derive(Clone, Default)]
struct Seen(Arc<AtomicUsize>);

impl<S: Subscriber> tracing_subscriber::Layer<S> for Seen {
    fn on_event(&self, _: &tracing::Event<'_>, _: Context<'_, S>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
    fn on_new_span(
        &self,
        _: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: Context<'_, S>,
    ) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn events_and_spans_the_layer_ignores_still_reach_the_other_layers() {
    let seen = Seen::default();
    let subscriber = tracing_subscriber::registry()
        .with(scopeline::TracingLayer::new())
        .with(seen.clone());
    tracing::subscriber::with_default(subscriber, || {
        for _ in 0..3 {
            tracing::debug!("cache lookup");
            tracing::trace!("bytes read");
            let _span = tracing::trace_span!("parse").entered();
        }
    });
    assert_eq!(seen.0.load(Ordering::Relaxed), 9);
}
