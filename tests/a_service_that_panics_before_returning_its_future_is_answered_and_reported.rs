//! A service whose `call` panics before it returns a future (here, a `service_fn` that
//! parses the request eagerly, served by hyper with no router in between) is answered with
//! a 500 like a handler whose future panics: the panic is captured once with the request's
//! context (with and without scopeline's panic hook), its transaction ends as
//! `internal_error`, and the server keeps answering.
#![cfg(feature = "axum")]
mod common;

use std::convert::Infallible;
use std::future::{Ready, ready};

use axum::ServiceExt;
use axum::body::Body;
use http::{Request, Response};
use scopeline::{ClientOptions, Level, ScopeLayer};

/// Reads the order id from the query string before any future exists.
fn eager(request: Request<Body>) -> Ready<Result<Response<Body>, Infallible>> {
    let id: u32 = (request.uri().query())
        .and_then(|q| q.strip_prefix("id="))
        .and_then(|id| id.parse().ok())
        .expect("the request names an order");
    ready(Ok(Response::new(Body::from(id.to_string()))))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_that_panics_in_call_is_answered_and_reported() {
    let (client, memory) = common::bind_global(ClientOptions::new().traces_sample_rate(1.0));
    // axum's `serve` takes services that answer with its own body: the layer's is turned
    // into one, as `Router::layer` does.
    let service = tower::ServiceBuilder::new()
        .map_response(axum::response::IntoResponse::into_response)
        .layer(ScopeLayer::new())
        .service_fn(eager);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let make = ServiceExt::<Request<Body>>::into_make_service(service);
        axum::serve(listener, make).await.unwrap();
    });
    let http = reqwest::Client::new();

    for hook in [false, true] {
        if hook {
            scopeline::install_panic_hook();
        }
        let response = http.get(format!("http://{addr}/orders?id=5")).send().await;
        assert_eq!(response.unwrap().text().await.unwrap(), "5");
        let response = (http.get(format!("http://{addr}/orders?hook={hook}")).send()).await;
        assert_eq!(response.unwrap().status(), 500, "hook {hook}");
        let response = http.get(format!("http://{addr}/orders?id=6")).send().await;
        assert_eq!(response.unwrap().text().await.unwrap(), "6", "hook {hook}");
    }
    client.flush(std::time::Duration::from_secs(5)).unwrap();

    let events = memory.events();
    for hook in [false, true] {
        let query = format!("hook={hook}");
        let mine: Vec<_> = (events.iter())
            .filter(|e| e.request.as_ref().and_then(|r| r.query_string.as_deref()) == Some(&query))
            .collect();
        assert_eq!(mine.len(), 1, "hook {hook}: captured once: {events:#?}");
        let event = mine[0];
        assert_eq!(event.level, Level::Error);
        let exception = &event.exceptions[0];
        assert_eq!(exception.ty, "panic");
        let message = exception.value.as_deref().unwrap();
        assert!(message.contains("the request names an order"), "{message}");
        assert_eq!(event.transaction.as_deref(), Some("GET /orders"));

        let tx = (memory.transactions().into_iter())
            .find(|t| t.contexts["trace"]["trace_id"] == event.contexts["trace"]["trace_id"])
            .expect("the panicking request's transaction");
        assert_eq!(tx.contexts["trace"]["status"], "internal_error");
    }
}
