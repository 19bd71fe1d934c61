//! Per-layer filters work: a `TracingLayer` behind `with_filter` sees only what its filter
//! lets through, other layers of the same subscriber are unaffected, and events inside a
//! filtered-out span attach to the nearest span the layer did see.
#![cfg(feature = "tracing")]
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use scopeline::ClientOptions;
use tracing::Subscriber;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

/// A second layer that counts every event it is given.
struct Count(Arc<AtomicUsize>);
impl<S: Subscriber> Layer<S> for Count {
    fn on_event(&self, _: &tracing::Event<'_>, _: Context<'_, S>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn the_filtered_layer_skips_what_its_filter_rejects() {
    let seen_by_other = Arc::new(AtomicUsize::new(0));
    let subscriber = tracing_subscriber::registry()
        .with(
            scopeline::TracingLayer::new()
                .with_filter(filter_fn(|meta| !meta.target().starts_with("noisy"))),
        )
        .with(Count(seen_by_other.clone()));

    tracing::subscriber::with_default(subscriber, || {
        scopeline::with_isolation_scope(|_| {
            let (_c, memory) = common::bind(
                ClientOptions::new()
                    .traces_sample_rate(1.0)
                    .max_breadcrumbs(50),
            );
            let root = tracing::info_span!("job").entered();
            tracing::info!(target: "noisy::pool", "connection recycled");
            let hidden = tracing::info_span!(target: "noisy::pool", "checkout").entered();
            tracing::info!("inside the hidden span");
            tracing::error!("failed inside the hidden span");
            drop(hidden);
            drop(root);

            let envelopes = memory.envelopes();
            let error = envelopes.iter().find_map(|e| e.event()).expect("the error");
            let crumbs: Vec<_> = error
                .breadcrumbs
                .iter()
                .filter_map(|c| c.message.as_deref())
                .collect();
            assert_eq!(crumbs, ["inside the hidden span"]);

            let tx = envelopes
                .iter()
                .find_map(|e| e.transaction())
                .expect("the job's transaction");
            assert!(tx.spans.is_empty(), "the filtered span made a Sentry span");
            assert_eq!(
                error.contexts["trace"]["span_id"], tx.contexts["trace"]["span_id"],
                "the error belongs to the nearest span the layer saw"
            );
        });
    });
    assert_eq!(
        seen_by_other.load(Ordering::Relaxed),
        3,
        "other layers see everything"
    );
}
