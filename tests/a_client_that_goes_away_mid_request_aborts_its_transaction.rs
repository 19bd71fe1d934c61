//! A client that disconnects while its request is being handled: the server drops the
//! handler, and the request's transaction is sent with status `aborted` and the request's
//! context, while requests that completed end `ok`.
#![cfg(all(feature = "axum", feature = "tracing"))]
mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use scopeline::{ClientOptions, ScopeLayer};
use tokio::io::AsyncWriteExt;
use tokio::sync::oneshot;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_goes_away_mid_request_aborts_its_transaction() {
    let (_client, memory) = common::bind_global(ClientOptions::new().traces_sample_rate(1.0));
    let (started_tx, started) = oneshot::channel::<()>();
    let started_tx = Arc::new(Mutex::new(Some(started_tx)));
    let app = Router::new()
        .route(
            "/slow",
            get(move || {
                let started = started_tx.lock().unwrap().take();
                async move {
                    scopeline::set_tag("handler", "slow");
                    if let Some(started) = started {
                        let _ = started.send(());
                    }
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    "too late"
                }
            }),
        )
        .route("/fast", get(|| async { "ok" }))
        .layer(ScopeLayer::new());
    let addr = common::web::serve(app).await;

    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    socket
        .write_all(b"GET /slow HTTP/1.1\r\nhost: test\r\n\r\n")
        .await
        .unwrap();
    started.await.expect("the handler starts");
    drop(socket);

    let fast = reqwest::get(format!("http://{addr}/fast")).await.unwrap();
    assert_eq!(fast.status(), 200);

    let aborted = memory.transaction_named("GET /slow").await;
    assert_eq!(aborted.contexts["trace"]["status"], "aborted");
    assert_eq!(aborted.tags["handler"], "slow");
    let url = aborted.request.as_ref().unwrap().url.clone().unwrap();
    assert_eq!(url, "http://test/slow");

    let fast = memory
        .transactions()
        .into_iter()
        .find(|t| t.transaction.as_deref() == Some("GET /fast"))
        .unwrap();
    assert_eq!(fast.contexts["trace"]["status"], "ok");
}
