//! Integrations with other crates, each behind its own cargo feature, and the record of
//! which ones are in use, which every event's `sdk.integrations` lists.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU8, Ordering};

#[cfg(feature = "tracing")]
pub(crate) mod tracing_layer;

#[cfg(feature = "tower")]
pub(crate) mod tower;

/// An integration that can be put to use, by the name Sentry shows under the event's SDK.
#[derive(Clone, Copy)]
pub(crate) enum Integration {
    /// The panic hook is installed.
    Panic,
    /// A `TracingLayer` is attached to a subscriber.
    #[cfg(feature = "tracing")]
    Tracing,
    /// A `ScopeLayer` wraps a service.
    #[cfg(feature = "tower")]
    Tower,
}

impl Integration {
    /// Every integration, in the order events list them.
    const ALL: &[Integration] = &[
        Integration::Panic,
        #[cfg(feature = "tracing")]
        Integration::Tracing,
        #[cfg(feature = "tower")]
        Integration::Tower,
    ];

    fn name(self) -> &'static str {
        match self {
            Integration::Panic => "panic",
            #[cfg(feature = "tracing")]
            Integration::Tracing => "tracing",
            #[cfg(feature = "tower")]
            Integration::Tower => "tower",
        }
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// The integrations put to use so far in this process, one bit each.
static IN_USE: AtomicU8 = AtomicU8::new(0);

/// Records that `integration` is in use, from now on and for the whole process.
pub(crate) fn mark_in_use(integration: Integration) {
    // A load first: the layers call this for every service they wrap, and most find the bit
    // set already, so the cache line is not written again and again.
    if IN_USE.load(Ordering::Relaxed) & integration.bit() == 0 {
        IN_USE.fetch_or(integration.bit(), Ordering::Relaxed);
    }
}

/// The names of the integrations in use, for an event's `sdk.integrations`.
pub(crate) fn in_use() -> Vec<Cow<'static, str>> {
    let bits = IN_USE.load(Ordering::Relaxed);
    (Integration::ALL.iter())
        .filter(|i| bits & i.bit() != 0)
        .map(|i| Cow::Borrowed(i.name()))
        .collect()
}
