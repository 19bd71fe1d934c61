//! Behind a per-layer level filter, what no layer wants is disabled.
//!
//! On its own in this binary: callsite interest is process-wide, and a subscriber that wants
//! everything, alive on another test's thread, would make these callsites always enabled.
#![cfg(feature = "tracing")]

use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::prelude::*;

#[test]
fn behind_a_level_filter_what_no_layer_wants_is_disabled() {
    let layer = scopeline::TracingLayer::new().with_filter(LevelFilter::INFO);
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        assert!(!tracing::enabled!(tracing::Level::DEBUG));
        assert!(!tracing::enabled!(tracing::Level::TRACE));
        assert!(tracing::enabled!(tracing::Level::INFO));
        assert!(tracing::enabled!(tracing::Level::ERROR));
    });
}
