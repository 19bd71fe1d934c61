//! A gRPC call (`content-type: application/grpc`) through `ScopeLayer` is a `grpc.server`
//! transaction named by its method's path, even where one route serves a whole service (as
//! tonic's routes do in axum); a handler that panics is answered as gRPC answers a failed
//! call, `grpc-status: 13`, where a plain HTTP request gets a 500.
#![cfg(all(feature = "axum", feature = "tracing"))]
mod common;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use scopeline::{ClientOptions, ScopeLayer};

async fn service(uri: axum::http::Uri) -> impl IntoResponse {
    if uri.path().ends_with("/Crash") {
        panic!("the handler failed");
    }
    (
        StatusCode::OK,
        [("grpc-status", "0"), ("content-type", "application/grpc")],
        "",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn methods_name_transactions_and_panics_answer_grpc_internal() {
    scopeline::install_panic_hook();
    let (_client, memory) = common::bind_global(ClientOptions::new().traces_sample_rate(1.0));
    let app = Router::new()
        .route("/shop.Orders/{*method}", post(service))
        .layer(ScopeLayer::new());
    let addr = common::web::serve(app).await;
    let http = reqwest::Client::new();
    let call = |path: &str, grpc: bool| {
        let mut request = http.post(format!("http://{addr}{path}"));
        if grpc {
            request = request.header("content-type", "application/grpc+proto");
        }
        request.send()
    };

    let fine = call("/shop.Orders/Get", true).await.unwrap();
    assert_eq!(fine.status(), 200);
    let crashed = call("/shop.Orders/Crash", true).await.unwrap();
    assert_eq!(
        crashed.status(),
        200,
        "gRPC carries its errors in grpc-status"
    );
    assert_eq!(crashed.headers()["grpc-status"], "13");
    assert_eq!(crashed.headers()["content-type"], "application/grpc");
    let plain = call("/shop.Orders/Crash", false).await.unwrap();
    assert_eq!(plain.status(), 500);

    let mut seen: Vec<_> = (memory.transactions().iter())
        .map(|t| {
            let trace = &t.contexts["trace"];
            (
                t.transaction.clone().unwrap(),
                t.transaction_info.as_ref().unwrap().source.to_string(),
                trace["op"].as_str().unwrap().to_owned(),
                trace["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    seen.sort();
    let expected = [
        (
            "/shop.Orders/Crash",
            "route",
            "grpc.server",
            "internal_error",
        ),
        ("/shop.Orders/Get", "route", "grpc.server", "ok"),
        (
            "POST /shop.Orders/{*method}",
            "route",
            "http.server",
            "internal_error",
        ),
    ];
    let expected: Vec<_> = (expected.iter())
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
        .collect();
    assert_eq!(seen, expected);
    // Both panics were captured, once each, with their request.
    let panics = memory.events();
    assert_eq!(panics.len(), 2);
}
