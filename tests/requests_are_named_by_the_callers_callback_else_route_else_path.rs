//! A request's transaction, and every event captured while it is handled, is named by the
//! `ScopeLayer::transaction_name` callback where it gives a name (source `custom`), else by
//! axum's matched route (source `route`), else by the path (source `url`). A callback that
//! panics or answers `None` leaves the default name.
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
async fn names_come_from_the_callback_then_the_route_then_the_path() {
    let (_client, memory) = common::bind_global(ClientOptions::new().traces_sample_rate(1.0));
    let layer = ScopeLayer::new().transaction_name(|parts| {
        let path = parts.uri.path();
        if path.starts_with("/boom/") {
            panic!("a buggy naming callback");
        }
        path.starts_with("/api/")
            .then(|| format!("api {}", parts.method))
    });
    let app = Router::new()
        .route("/api/orders/{id}", get(report))
        .route("/users/{id}", get(report))
        .route("/boom/{id}", get(report))
        .fallback(report)
        .layer(layer);
    let addr = common::web::serve(app).await;
    for path in ["/api/orders/1", "/users/7", "/boom/3", "/no/such/page?q=1"] {
        let response = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
    }

    let mut names: Vec<_> = (memory.transactions().iter())
        .map(|t| {
            let source = t
                .transaction_info
                .as_ref()
                .expect("a transaction says its source");
            (t.transaction.clone().unwrap(), source.source.to_string())
        })
        .collect();
    names.sort();
    let expected = [
        ("GET /boom/{id}", "route"),
        ("GET /no/such/page", "url"),
        ("GET /users/{id}", "route"),
        ("api GET", "custom"),
    ];
    let expected: Vec<_> = (expected.iter())
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    assert_eq!(names, expected);

    // Each request's event carries its transaction's name.
    let mut event_names: Vec<_> = (memory.events().iter())
        .map(|e| {
            e.transaction
                .clone()
                .expect("an event in a request is named")
        })
        .collect();
    event_names.sort();
    let transaction_names: Vec<_> = expected.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(event_names, transaction_names);
}
