//! A service that binds no client (scopeline's `init` not called, or the SDK off in this
//! environment) still continues its caller's trace in `ScopeLayer`: the calls its handlers
//! make carry the caller's trace id on, so the services around it stay in one trace.
#![cfg(feature = "axum")]
mod common;

use axum::Router;
use axum::routing::get;
use scopeline::ScopeLayer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outgoing_headers_carry_the_incoming_trace() {
    let app = Router::new()
        .route(
            "/",
            get(|| async { scopeline::trace_headers().sentry_trace().to_owned() }),
        )
        .layer(ScopeLayer::new());
    let addr = common::web::serve(app).await;
    let incoming = "0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1";
    let sent_on = reqwest::Client::new()
        .get(format!("http://{addr}/"))
        .header("sentry-trace", incoming)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        sent_on.starts_with("0af7651916cd43dd8448eb211c80319c-"),
        "{sent_on}"
    );
    assert!(
        sent_on.ends_with("-1"),
        "the caller's decision goes on: {sent_on}"
    );
}
