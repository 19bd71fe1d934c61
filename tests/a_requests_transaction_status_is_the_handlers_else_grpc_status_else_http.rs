//! A request's transaction ends with the status its handler set, else the `grpc-status` a
//! gRPC service answered with (HTTP 200 carries gRPC errors), in the response's head or in
//! the trailers after a streamed body, else the HTTP status's.
#![cfg(all(feature = "axum", feature = "tracing"))]
mod common;

use axum::Router;
use axum::body::Body;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use scopeline::{ClientOptions, ScopeLayer, SpanStatus};

async fn grpc_not_found() -> impl IntoResponse {
    (
        StatusCode::OK,
        [("grpc-status", "5"), ("content-type", "application/grpc")],
        "",
    )
}

async fn grpc_ok() -> impl IntoResponse {
    (StatusCode::OK, [("grpc-status", "0")], "")
}

async fn grpc_stream_failed() -> impl IntoResponse {
    (
        [("content-type", "application/grpc")],
        // A message, then the failure in the trailers.
        Body::new(common::web::Trailed::new(
            b"message",
            &[("grpc-status", "14")],
        )),
    )
}

async fn marked_by_hand() -> impl IntoResponse {
    if let Some(span) = scopeline::get_current_scope().span() {
        span.set_status(SpanStatus::ResourceExhausted);
    }
    (StatusCode::OK, "degraded")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_come_from_the_handler_grpc_then_http() {
    let (_client, memory) = common::bind_global(ClientOptions::new().traces_sample_rate(1.0));
    let app = Router::new()
        .route("/grpc/missing", get(grpc_not_found))
        .route("/grpc/fine", get(grpc_ok))
        .route("/grpc/stream-failed", get(grpc_stream_failed))
        .route("/by-hand", get(marked_by_hand))
        .route("/teapot", get(|| async { StatusCode::IM_A_TEAPOT }))
        .layer(ScopeLayer::new());
    let addr = common::web::serve(app).await;
    let http = reqwest::Client::new();
    for path in [
        "/grpc/missing",
        "/grpc/fine",
        "/grpc/stream-failed",
        "/by-hand",
        "/teapot",
    ] {
        let url = format!("http://{addr}{path}");
        let response = http.get(url).header("te", "trailers").send().await.unwrap();
        // The body is read to its end, trailers and all.
        response.bytes().await.unwrap();
    }
    let mut statuses: Vec<_> = (memory.transactions().iter())
        .map(|t| {
            (
                t.transaction.clone().unwrap(),
                t.contexts["trace"]["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    statuses.sort();
    let expected = [
        ("GET /by-hand", "resource_exhausted"),
        ("GET /grpc/fine", "ok"),
        ("GET /grpc/missing", "not_found"),
        ("GET /grpc/stream-failed", "unavailable"),
        ("GET /teapot", "invalid_argument"),
    ];
    let expected: Vec<_> = (expected.iter())
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    assert_eq!(statuses, expected);
}
