//! With scopeline's panic hook installed, a panic a handler catches itself is captured by
//! the hook; if the hook is later replaced, the next handler panic is still captured by
//! `ScopeLayer` (the mark the hook left behind is not taken for this panic's).
#![cfg(feature = "axum")]
mod common;

use axum::Router;
use axum::routing::get;
use scopeline::{ClientOptions, ScopeLayer};

async fn caught() -> &'static str {
    let _ = std::panic::catch_unwind(|| panic!("recovered inside the handler"));
    "recovered"
}

async fn boom() -> &'static str {
    tokio::task::yield_now().await;
    panic!("the order is corrupt");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_panic_a_handler_catches_itself_does_not_hide_the_next_one() {
    let (client, memory) = common::bind_global(ClientOptions::new());
    let app = Router::new()
        .route("/caught", get(caught))
        .route("/boom", get(boom))
        .layer(ScopeLayer::new());
    let addr = common::web::serve(app).await;
    let http = reqwest::Client::new();

    scopeline::install_panic_hook();
    let response = http.get(format!("http://{addr}/caught")).send().await;
    assert_eq!(response.unwrap().text().await.unwrap(), "recovered");
    // Another library takes over the panic hook; scopeline's no longer runs.
    std::panic::set_hook(Box::new(|_| {}));
    let response = http.get(format!("http://{addr}/boom")).send().await;
    assert_eq!(response.unwrap().status(), 500);
    client.flush(std::time::Duration::from_secs(5)).unwrap();

    let values: Vec<_> = (memory.events().iter())
        .map(|e| e.exceptions[0].value.clone().unwrap_or_default())
        .collect();
    assert_eq!(values.len(), 2, "{values:?}");
    assert!(
        values[0].contains("recovered inside the handler"),
        "{values:?}"
    );
    assert!(values[1].contains("the order is corrupt"), "{values:?}");
}
