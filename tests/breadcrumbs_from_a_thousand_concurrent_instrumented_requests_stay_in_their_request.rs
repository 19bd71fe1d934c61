//! Breadcrumbs from spans and events land in the right request when 1,000 instrumented
//! requests run concurrently on a multi-thread runtime, and none leak into the scope that
//! spawned them.
#![cfg(feature = "tracing")]
mod common;

use std::collections::HashSet;

use scopeline::ClientOptions;
use tracing::instrument;
use tracing_subscriber::prelude::*;

const REQUESTS: usize = 1_000;

#[instrument(fields(request = id))]
async fn handle(id: usize) {
    tracing::info!(request = id, "received");
    tokio::task::yield_now().await;
    lookup(id).await;
    scopeline::set_tag("request", id.to_string());
    tokio::task::yield_now().await;
    tracing::error!(request = id, "failed");
}

#[instrument(fields(request = id))]
async fn lookup(id: usize) {
    tokio::task::yield_now().await;
    tracing::info!(request = id, "looked up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_event_carries_only_its_own_requests_breadcrumbs() {
    tracing_subscriber::registry()
        .with(scopeline::TracingLayer::new())
        .init();
    // A burst of 1,000 events and 1,000 transactions: a queue that holds them all (the default
    // 1,024 would drop and count the overflow).
    let (_client, memory) = common::bind(
        ClientOptions::new()
            .traces_sample_rate(1.0)
            .queue_size(4 * REQUESTS),
    );

    // `handle(id)` makes its span here, in the spawning task, before the request's isolation
    // scope exists: the span's breadcrumb must still go to the request that ran it.
    let tasks: Vec<_> = (0..REQUESTS)
        .map(|id| scopeline::spawn(scopeline::isolation_scope(handle(id))))
        .collect();
    for task in tasks {
        task.await.unwrap();
    }

    let events: Vec<_> = memory
        .events()
        .into_iter()
        .filter(|e| e.ty.is_none())
        .collect();
    assert_eq!(events.len(), REQUESTS);
    let mut seen = HashSet::new();
    let mut traces = HashSet::new();
    for event in &events {
        let id = &event.tags["request"];
        assert!(seen.insert(id.clone()), "request {id} reported twice");
        assert_eq!(event.extra["request"].to_string(), *id);
        let crumbs: Vec<_> = event
            .breadcrumbs
            .iter()
            .map(|c| {
                (
                    c.message.as_deref().unwrap_or(""),
                    c.data["request"].to_string(),
                )
            })
            .collect();
        assert_eq!(
            crumbs,
            // A span's breadcrumb is stamped when the span started.
            [
                ("received", id.clone()),
                ("lookup", id.clone()),
                ("looked up", id.clone()),
            ],
            "request {id}"
        );
        let trace = &event.contexts["trace"]["trace_id"];
        assert!(traces.insert(trace.to_string()), "trace {trace} shared");
    }
    assert!(
        scopeline::get_isolation_scope().breadcrumbs().is_empty(),
        "span breadcrumbs leaked into the spawning scope"
    );
}
