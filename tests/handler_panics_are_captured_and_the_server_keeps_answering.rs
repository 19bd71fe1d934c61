//! A handler that panics is answered with a 500, the panic is captured once with the
//! request's scopes (with and without scopeline's panic hook installed), its transaction
//! ends as `internal_error`, and the server keeps answering.
#![cfg(all(feature = "axum", feature = "tracing"))]
mod common;

use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use scopeline::{ClientOptions, Level, ScopeLayer};

async fn boom(Path(id): Path<u32>) -> &'static str {
    scopeline::set_tag("order", id.to_string());
    tokio::task::yield_now().await;
    if id < 1_000_000 {
        panic!("order {id} is corrupt");
    }
    "unreachable"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handler_panics_are_captured_and_the_server_keeps_answering() {
    let (_client, memory) = common::bind_global(ClientOptions::new().traces_sample_rate(1.0));
    let app = Router::new()
        .route("/orders/{id}", get(boom))
        .route("/health", get(|| async { "ok" }))
        .layer(ScopeLayer::new());
    let addr = common::web::serve(app).await;
    let http = reqwest::Client::new();

    // First without scopeline's panic hook (the layer captures), then with it (the hook
    // captures, the layer does not capture again).
    for (round, hook) in [(0u32, false), (1, true)] {
        if hook {
            scopeline::install_panic_hook();
        }
        let id = 7 + round;
        let panicking = http.get(format!("http://{addr}/orders/{id}")).send();
        let healthy: Vec<_> = (0..20)
            .map(|_| http.get(format!("http://{addr}/health")).send())
            .collect();
        assert_eq!(panicking.await.unwrap().status(), 500);
        for response in futures::future::join_all(healthy).await {
            let response = response.unwrap();
            assert_eq!(response.status(), 200);
            assert_eq!(response.text().await.unwrap(), "ok");
        }

        let envelopes = memory.envelopes();
        let events: Vec<_> = envelopes
            .iter()
            .filter_map(|e| e.event())
            .filter(|e| e.tags.get("order") == Some(&id.to_string()))
            .collect();
        assert_eq!(events.len(), 1, "hook {hook}: captured once");
        let event = events[0];
        assert_eq!(event.level, Level::Error);
        let exception = &event.exceptions[0];
        assert_eq!(exception.ty, "panic");
        let message = exception.value.as_deref().unwrap();
        assert!(
            message.contains(&format!("order {id} is corrupt")),
            "{message}"
        );
        let mechanism = exception.mechanism.as_ref().unwrap();
        assert_eq!(mechanism.handled, Some(false));
        let url = event.request.as_ref().unwrap().url.clone().unwrap();
        assert!(url.ends_with(&format!("/orders/{id}")), "{url}");
        assert_eq!(event.transaction.as_deref(), Some("GET /orders/{id}"));

        let tx = envelopes
            .iter()
            .filter_map(|e| e.transaction())
            .find(|t| t.tags.get("order") == Some(&id.to_string()))
            .expect("the panicking request's transaction");
        assert_eq!(tx.contexts["trace"]["status"], "internal_error");
        assert_eq!(
            event.contexts["trace"]["trace_id"],
            tx.contexts["trace"]["trace_id"]
        );
    }
}
