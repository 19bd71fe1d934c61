//! `ScopeLayer` on a router nested in another (`Router::nest`) sees the request's path
//! without the prefix it is nested at. Events still report the URL the client asked for,
//! prefix included, and the transaction is named by the whole route.
#![cfg(all(feature = "axum", feature = "tracing"))]
mod common;

use axum::Router;
use axum::routing::get;
use scopeline::{ClientOptions, ScopeLayer};

async fn report() -> &'static str {
    scopeline::capture_message("handled", scopeline::Level::Info);
    "ok"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_carry_the_whole_url() {
    let (_client, memory) = common::bind_global(ClientOptions::new().traces_sample_rate(1.0));
    let api = Router::new()
        .route("/users/{id}", get(report))
        .layer(ScopeLayer::new());
    let app = Router::new().nest("/api", api);
    let addr = common::web::serve(app).await;
    let response = reqwest::get(format!("http://{addr}/api/users/7?page=2"))
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());

    let events = memory.events();
    assert_eq!(events.len(), 1);
    let request = events[0].request.as_ref().expect("the request's data");
    assert_eq!(
        request.url.as_deref(),
        Some(format!("http://{addr}/api/users/7").as_str())
    );
    assert_eq!(request.query_string.as_deref(), Some("page=2"));
    let transaction = memory.transaction_named("GET /api/users/{id}").await;
    assert_eq!(
        transaction.request.and_then(|r| r.url),
        Some(format!("http://{addr}/api/users/7"))
    );
}
