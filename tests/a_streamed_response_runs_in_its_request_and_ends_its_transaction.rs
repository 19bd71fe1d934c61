//! A response whose body is streamed after the handler returns (server-sent events, a
//! download) is still part of its request: what the stream captures carries the request's
//! tags, request data and trace, and the request's transaction lasts until the body ends,
//! ending `ok` however the body says it is done (its last frame, its trailers, or as many
//! bytes as its `Content-Length`, after which hyper drops it unpolled).
#![cfg(all(feature = "axum", feature = "tracing"))]
mod common;

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::routing::get;
use futures::StreamExt;
use scopeline::{ClientOptions, Level, ScopeLayer};

/// How long the stream waits between its two chunks.
const PAUSE: Duration = Duration::from_millis(150);

async fn streamed() -> Body {
    scopeline::set_tag("handler", "streamed");
    let chunks = futures::stream::iter([0, 1]).then(|i| async move {
        if i == 1 {
            tokio::time::sleep(PAUSE).await;
            scopeline::capture_message("half way through the download", Level::Warning);
        }
        Ok::<_, Infallible>(Bytes::from(format!("chunk {i};")))
    });
    Body::from_stream(chunks)
}

/// A download of stated length whose stream never says it has ended.
async fn sized() -> impl axum::response::IntoResponse {
    let chunks = futures::stream::iter(["first;", "second;"])
        .map(|chunk| Ok::<_, Infallible>(Bytes::from_static(chunk.as_bytes())));
    (
        [(http::header::CONTENT_LENGTH, "13")],
        Body::from_stream(chunks),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_body_captures_in_its_request_and_its_transaction_waits_for_it() {
    let (_client, memory) = common::bind_global(ClientOptions::new().traces_sample_rate(1.0));
    let app = Router::new()
        .route("/download", get(streamed))
        .route("/sized", get(sized))
        .route(
            "/trailed",
            get(|| async {
                Body::new(common::web::Trailed::new(b"body;", &[("x-checksum", "7")]))
            }),
        )
        .layer(ScopeLayer::new());
    let addr = common::web::serve(app).await;

    let body = reqwest::get(format!("http://{addr}/download?part=2"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, "chunk 0;chunk 1;");
    let http = reqwest::Client::new();
    for (path, expected) in [("/sized", "first;second;"), ("/trailed", "body;")] {
        let response = (http.get(format!("http://{addr}{path}")))
            .header("te", "trailers")
            .send()
            .await
            .unwrap();
        assert_eq!(response.text().await.unwrap(), expected);
    }

    let events = memory.events();
    let event = (events.iter())
        .find(|e| e.message.as_deref() == Some("half way through the download"))
        .unwrap_or_else(|| panic!("the stream's event was captured: {events:#?}"));
    assert_eq!(event.tags["handler"], "streamed", "the request's tags");
    let request = event.request.as_ref().expect("the request's data");
    assert_eq!(request.query_string.as_deref(), Some("part=2"));

    let transactions = memory.transactions();
    let tx = (transactions.iter())
        .find(|t| t.transaction.as_deref() == Some("GET /download"))
        .expect("the request's transaction");
    assert_eq!(tx.contexts["trace"]["status"], "ok");
    assert_eq!(
        event.contexts["trace"]["trace_id"], tx.contexts["trace"]["trace_id"],
        "the stream's event is in the request's trace"
    );
    for name in ["GET /sized", "GET /trailed"] {
        let tx = memory.transaction_named(name).await;
        assert_eq!(tx.contexts["trace"]["status"], "ok", "{name}");
    }
    let lasted = tx
        .timestamp
        .duration_since(tx.start_timestamp.unwrap())
        .unwrap();
    assert!(
        lasted >= PAUSE,
        "the transaction lasts until the body ends, not until the handler returns: {lasted:?}"
    );
}
