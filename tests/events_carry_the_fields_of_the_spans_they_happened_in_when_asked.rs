//! With `enable_span_attributes`, an event captured inside instrumented code carries the
//! fields of every enclosing span the layer keeps, as `span_name:field` in `extra`, across
//! `.await`s, filtered for personal data like the spans' own; spans the filter leaves out
//! add nothing. Without it, an event carries its own fields only.
#![cfg(feature = "tracing")]
mod common;

use scopeline::{ClientOptions, TracingLayer};
use tracing::instrument;
use tracing_subscriber::prelude::*;

#[instrument(fields(tenant = "acme", password = "hunter2"))]
async fn handle(order_id: u32) {
    tokio::task::yield_now().await;
    charge(2).await;
}

#[instrument]
async fn charge(attempt: u32) {
    tokio::task::yield_now().await;
    let _quiet = tracing::debug_span!("retry_loop", backoff_ms = 50).entered();
    tracing::error!(gateway = "stripe", "payment declined");
}

async fn run(layer: TracingLayer) -> scopeline::protocol::Event {
    let subscriber = tracing_subscriber::registry().with(layer);
    let _default = tracing::subscriber::set_default(subscriber);
    let (client, memory) = common::client(ClientOptions::new());
    scopeline::isolation_scope(async move {
        scopeline::get_isolation_scope().bind_client(Some(client));
        handle(7).await;
    })
    .await;
    memory.events().remove(0)
}

#[tokio::test(flavor = "current_thread")]
async fn span_fields_ride_with_the_event_only_when_asked() {
    let event = run(TracingLayer::new().enable_span_attributes()).await;
    assert_eq!(event.extra["gateway"], "stripe");
    assert_eq!(event.extra["charge:attempt"], 2);
    assert_eq!(event.extra["handle:order_id"], 7);
    assert_eq!(event.extra["handle:tenant"], "acme");
    assert_eq!(event.extra["handle:password"], "[Filtered]");
    assert!(
        !event.extra.keys().any(|k| k.starts_with("retry_loop:")),
        "a DEBUG span the filter leaves out adds nothing: {:?}",
        event.extra
    );

    let plain = run(TracingLayer::new()).await;
    let keys: Vec<_> = plain.extra.keys().collect();
    assert_eq!(keys, ["gateway"]);
}
