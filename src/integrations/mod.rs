//! Integrations with other crates, each behind its own cargo feature.

#[cfg(feature = "tracing")]
pub(crate) mod tracing_layer;

#[cfg(feature = "tower")]
pub(crate) mod tower;
