//! An event's `sdk.integrations` names the integrations the process has put to use so far:
//! none at first, then `panic` once the hook is installed, `tracing` once a `TracingLayer`
//! is attached to a subscriber, `tower` once a `ScopeLayer` wraps a service. One test, in a
//! binary of its own: what it checks is process-wide.
#![cfg(all(feature = "tracing", feature = "tower"))]
mod common;

use scopeline::{ClientOptions, Level};
use tracing_subscriber::prelude::*;

fn integrations_of_a_new_event() -> Vec<String> {
    scopeline::with_isolation_scope(|_| {
        let (_client, memory) = common::bind(ClientOptions::new());
        scopeline::capture_message("which integrations?", Level::Info);
        let events = memory.events();
        assert_eq!(events.len(), 1);
        let sdk = events[0]
            .sdk
            .clone()
            .expect("events carry the SDK's description");
        sdk.integrations.iter().map(|i| i.to_string()).collect()
    })
}

#[test]
fn events_name_the_integrations_in_use() {
    assert!(integrations_of_a_new_event().is_empty());

    scopeline::install_panic_hook();
    assert_eq!(integrations_of_a_new_event(), ["panic"]);

    // Made but not attached: not in use.
    let layer = scopeline::TracingLayer::new();
    assert_eq!(integrations_of_a_new_event(), ["panic"]);
    let _subscriber = tracing_subscriber::registry().with(layer);
    assert_eq!(integrations_of_a_new_event(), ["panic", "tracing"]);

    let scope_layer = scopeline::ScopeLayer::new();
    assert_eq!(integrations_of_a_new_event(), ["panic", "tracing"]);
    let _service = tower::Layer::layer(
        &scope_layer,
        tower::service_fn(|()| async { Ok::<_, std::convert::Infallible>(()) }),
    );
    assert_eq!(integrations_of_a_new_event(), ["panic", "tracing", "tower"]);
}
