//! A client that disconnects while its response's body is still streaming (a long download
//! it stops reading): the server drops the body, and the request's transaction
//! is sent with status `aborted` and the request's context. A `HEAD` request, whose answer's
//! body the server never sends, still ends `ok`.
#![cfg(all(feature = "axum", feature = "tracing"))]
mod common;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::routing::get;
use futures::StreamExt;
use scopeline::{ClientOptions, ScopeLayer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_goes_away_mid_body_aborts_its_transaction() {
    let (_client, memory) = common::bind_global(ClientOptions::new().traces_sample_rate(1.0));
    let app = Router::new()
        .route(
            "/feed",
            get(|| async {
                scopeline::set_tag("handler", "feed");
                // One event, then nothing more for as long as the client listens.
                let first = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from(
                    "data: first\n\n",
                ))]);
                Body::from_stream(first.chain(futures::stream::pending()))
            }),
        )
        .route("/fast", get(|| async { "ok" }))
        .layer(ScopeLayer::new());
    let addr = common::web::serve(app).await;

    // The head and the first chunk arrive; then the client goes away.
    common::web::listen_then_leave(addr, "/feed", "data: first").await;

    // A `HEAD` request's answer has a body the server never sends: not an abort.
    let http = reqwest::Client::new();
    let head = http
        .head(format!("http://{addr}/fast"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);

    let aborted = memory.transaction_named("GET /feed").await;
    assert_eq!(aborted.contexts["trace"]["status"], "aborted");
    assert_eq!(aborted.tags["handler"], "feed");
    assert_eq!(aborted.tags["http.status_code"], "200");
    let head = memory.transaction_named("HEAD /fast").await;
    assert_eq!(head.contexts["trace"]["status"], "ok");
}
