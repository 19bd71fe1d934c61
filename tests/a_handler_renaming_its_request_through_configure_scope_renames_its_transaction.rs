//! A handler that names its request the way sentry-tower users do,
//! `configure_scope(|scope| scope.set_transaction(..))` (the isolation scope), renames the
//! request's transaction as well as its events, with source `custom`; a request that names
//! nothing keeps its route's name.
#![cfg(all(feature = "axum", feature = "tracing"))]
mod common;

use axum::Router;
use axum::routing::get;
use scopeline::{ClientOptions, Level, ScopeLayer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configure_scope_renames_the_requests_transaction() {
    let (_client, memory) = common::bind_global(ClientOptions::new().traces_sample_rate(1.0));
    let app = Router::new()
        .route(
            "/orders/{id}",
            get(|| async {
                scopeline::configure_scope(|scope| scope.set_transaction(Some("checkout")));
                scopeline::capture_message("paid", Level::Info);
                "ok"
            }),
        )
        .route("/health", get(|| async { "ok" }))
        .layer(ScopeLayer::new());
    let addr = common::web::serve(app).await;
    let http = reqwest::Client::new();
    for path in ["/orders/7", "/health"] {
        let response = http.get(format!("http://{addr}{path}")).send().await;
        assert_eq!(response.unwrap().text().await.unwrap(), "ok");
    }

    let renamed = memory.transaction_named("checkout").await;
    assert_eq!(renamed.transaction_info.unwrap().source, "custom");
    assert_eq!(renamed.contexts["trace"]["op"], "http.server");
    let event = &memory.events()[0];
    assert_eq!(event.transaction.as_deref(), Some("checkout"));
    assert_eq!(
        event.contexts["trace"]["trace_id"],
        renamed.contexts["trace"]["trace_id"]
    );
    let kept = memory.transaction_named("GET /health").await;
    assert_eq!(kept.transaction_info.unwrap().source, "route");
    assert_eq!(memory.transactions().len(), 2);
}
