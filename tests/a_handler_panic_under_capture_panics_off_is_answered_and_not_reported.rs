//! Under a client made with `capture_panics(false)`, a handler that panics behind
//! `ScopeLayer` is still answered with a 500 and the server keeps answering, but no panic
//! event is sent (with or without scopeline's panic hook installed); errors the handlers
//! capture themselves still are.
#![cfg(feature = "axum")]
mod common;

use axum::Router;
use axum::routing::get;
use scopeline::{ClientOptions, Level, ScopeLayer};

async fn boom() -> &'static str {
    tokio::task::yield_now().await;
    panic!("the order is corrupt");
}

async fn reported() -> &'static str {
    scopeline::capture_message("handled by hand", Level::Warning);
    "ok"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_panic_is_answered_and_not_reported() {
    let (client, memory) = common::bind_global(ClientOptions::new().capture_panics(false));
    let app = Router::new()
        .route("/boom", get(boom))
        .route("/reported", get(reported))
        .layer(ScopeLayer::new());
    let addr = common::web::serve(app).await;
    let http = reqwest::Client::new();

    for hook in [false, true] {
        if hook {
            scopeline::install_panic_hook();
        }
        let response = http
            .get(format!("http://{addr}/boom"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 500, "hook {hook}");
        let response = http.get(format!("http://{addr}/reported")).send().await;
        assert_eq!(response.unwrap().status(), 200, "hook {hook}");
    }
    client.flush(std::time::Duration::from_secs(5)).unwrap();

    let events = memory.events();
    let messages: Vec<_> = events.iter().map(|e| e.message.as_deref()).collect();
    assert_eq!(
        messages,
        [Some("handled by hand"), Some("handled by hand")],
        "only the handled errors are sent"
    );
}
