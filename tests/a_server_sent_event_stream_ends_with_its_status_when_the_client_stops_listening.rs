//! A stream of server-sent events has no end of its own: it lasts as long as its client
//! listens. So a client that stops listening ends the request's transaction with the
//! response's status, not `aborted`, and what the stream's drop captures still carries the
//! request. A client that leaves before the stream's first byte is still an abort, and a
//! stream that fails is still an error.
#![cfg(all(feature = "axum", feature = "tracing"))]
mod common;

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::response::sse::{Event, Sse};
use axum::routing::get;
use futures::StreamExt;
use scopeline::{ClientOptions, Level, ScopeLayer};

/// Reports its own drop: the stream is dropped when its client goes.
struct OnDrop;

impl Drop for OnDrop {
    fn drop(&mut self) {
        scopeline::capture_message("stream closed", Level::Info);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_stream_its_client_leaves_ends_with_the_responses_status() {
    let (_client, memory) = common::bind_global(ClientOptions::new().traces_sample_rate(1.0));
    let app = Router::new()
        .route(
            "/events",
            get(|| async {
                scopeline::set_tag("handler", "events");
                let guard = OnDrop;
                let first =
                    futures::stream::iter([Ok::<_, Infallible>(Event::default().data("first"))]);
                let rest = futures::stream::pending().map(move |e| {
                    let _keep = &guard;
                    e
                });
                Sse::new(first.chain(rest))
            }),
        )
        .route(
            "/late",
            get(|| async {
                // The client is gone before the first event is ready.
                let late = futures::stream::once(async {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    Ok::<_, Infallible>(Event::default().data("late"))
                });
                Sse::new(late)
            }),
        )
        .route(
            "/failing",
            get(|| async {
                let events = futures::stream::iter([
                    Ok(Event::default().data("first")),
                    Err(std::io::Error::other("the feed broke")),
                ]);
                Sse::new(events)
            }),
        )
        .layer(ScopeLayer::new());
    let addr = common::web::serve(app).await;

    common::web::listen_then_leave(addr, "/events", "data: first").await;
    let listened = memory.transaction_named("GET /events").await;
    assert_eq!(listened.contexts["trace"]["status"], "ok");
    assert_eq!(listened.tags["handler"], "events");
    let closed = memory.events();
    assert_eq!(closed.len(), 1, "{closed:?}");
    assert_eq!(closed[0].tags["handler"], "events");
    assert_eq!(
        closed[0].contexts["trace"]["trace_id"],
        listened.contexts["trace"]["trace_id"]
    );

    common::web::listen_then_leave(addr, "/late", "text/event-stream").await;
    let left = memory.transaction_named("GET /late").await;
    assert_eq!(left.contexts["trace"]["status"], "aborted");

    assert!(
        common::web::answer_breaks(format!("http://{addr}/failing")).await,
        "the body fails part-way"
    );
    let failed = memory.transaction_named("GET /failing").await;
    assert_eq!(failed.contexts["trace"]["status"], "internal_error");
}
