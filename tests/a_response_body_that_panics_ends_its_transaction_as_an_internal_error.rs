//! A response body that panics while the server polls it (here a stream of server-sent
//! events, after its first event) ends the request's transaction `internal_error`, not as
//! a client that went away, and the panic is captured with the request's context.
#![cfg(all(feature = "axum", feature = "tracing"))]
mod common;

use std::convert::Infallible;

use axum::Router;
use axum::response::sse::{Event, Sse};
use axum::routing::get;
use futures::StreamExt;
use scopeline::{ClientOptions, ScopeLayer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_panic_is_an_internal_error() {
    scopeline::install_panic_hook();
    let (_client, memory) = common::bind_global(ClientOptions::new().traces_sample_rate(1.0));
    let app = Router::new()
        .route(
            "/events",
            get(|| async {
                scopeline::set_tag("handler", "events");
                let first =
                    futures::stream::iter([Ok::<_, Infallible>(Event::default().data("first"))]);
                let broken = futures::stream::once(async {
                    tokio::task::yield_now().await;
                    panic!("the feed broke");
                });
                Sse::new(first.chain(broken))
            }),
        )
        .layer(ScopeLayer::new());
    let addr = common::web::serve(app).await;

    assert!(
        common::web::answer_breaks(format!("http://{addr}/events")).await,
        "the connection closes part-way"
    );

    let tx = memory.transaction_named("GET /events").await;
    assert_eq!(tx.contexts["trace"]["status"], "internal_error");
    let panics = memory.events();
    assert_eq!(panics.len(), 1, "{panics:?}");
    assert_eq!(panics[0].tags["handler"], "events");
    assert_eq!(
        panics[0].contexts["trace"]["trace_id"],
        tx.contexts["trace"]["trace_id"]
    );
}
