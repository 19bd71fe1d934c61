//! A request that arrives with trace headers is continued: its transaction and its errors
//! belong to the caller's trace, and the headers it sends to a second service (with
//! `inject_trace_headers`, through reqwest) carry that trace on, with the request's
//! transaction as the parent. `traceparent` alone works too; garbage starts a new trace.
#![cfg(all(feature = "axum", feature = "tracing"))]
mod common;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use scopeline::{ClientOptions, Level, ScopeLayer};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";

/// The second service: echoes the trace headers it received.
async fn echo(headers: HeaderMap) -> String {
    let get = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    format!(
        "{}\n{}\n{}",
        get("sentry-trace"),
        get("traceparent"),
        get("baggage")
    )
}

/// The first service: fails, then calls the second one.
async fn front(State(downstream): State<SocketAddr>) -> String {
    scopeline::capture_message("checkout failed", Level::Error);
    let http = reqwest::Client::new();
    let mut request = http
        .get(format!("http://{downstream}/echo"))
        .header("baggage", "vendor=acme")
        .build()
        .unwrap();
    scopeline::inject_trace_headers(request.headers_mut());
    http.execute(request).await.unwrap().text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incoming_traces_are_continued_and_passed_on_to_the_next_service() {
    let (_client, memory) = common::bind_global(ClientOptions::new().traces_sample_rate(1.0));
    let downstream = common::web::serve(Router::new().route("/echo", get(echo))).await;
    let app = Router::new()
        .route("/checkout", get(front))
        .with_state(downstream)
        .layer(ScopeLayer::new());
    let addr = common::web::serve(app).await;
    let http = reqwest::Client::new();
    let call = |headers: Vec<(&'static str, String)>| {
        let http = http.clone();
        async move {
            let mut request = http.get(format!("http://{addr}/checkout"));
            for (name, value) in headers {
                request = request.header(name, value);
            }
            let body = request.send().await.unwrap().text().await.unwrap();
            let lines: Vec<String> = body.lines().map(str::to_owned).collect();
            lines
        }
    };

    // sentry-trace and baggage.
    let echoed = call(vec![
        ("sentry-trace", format!("{TRACE}-{PARENT}-1")),
        (
            "baggage",
            format!(
                "sentry-trace_id={TRACE},sentry-sample_rate=1,sentry-release=upstream@2,other=x"
            ),
        ),
    ])
    .await;
    let envelopes = memory.envelopes();
    let tx = envelopes.iter().find_map(|e| e.transaction()).unwrap();
    let event = envelopes.iter().find_map(|e| e.event()).unwrap();
    let tx_trace = &tx.contexts["trace"];
    assert_eq!(tx_trace["trace_id"], TRACE);
    assert_eq!(tx_trace["parent_span_id"], PARENT);
    assert_eq!(event.contexts["trace"]["trace_id"], TRACE);
    assert_eq!(event.contexts["trace"]["span_id"], tx_trace["span_id"]);
    let span_id = tx_trace["span_id"].as_str().unwrap();
    assert_eq!(echoed[0], format!("{TRACE}-{span_id}-1"));
    assert_eq!(echoed[1], format!("00-{TRACE}-{span_id}-01"));
    // The upstream DSC is passed on frozen, the outgoing call's own vendor entry kept,
    // and the incoming third-party entry not copied.
    assert!(echoed[2].starts_with("vendor=acme,"), "{}", echoed[2]);
    assert!(
        echoed[2].contains("sentry-release=upstream%402"),
        "{}",
        echoed[2]
    );
    assert!(!echoed[2].contains("other=x"), "{}", echoed[2]);
    // The transaction envelope carries the upstream DSC too.
    let header = envelopes
        .iter()
        .find(|e| e.transaction().is_some())
        .unwrap()
        .to_json()
        .unwrap();
    let dsc = &header["header"]["trace"];
    assert_eq!(dsc["trace_id"], TRACE, "{header}");
    assert_eq!(dsc["release"], "upstream@2", "{header}");

    // traceparent alone.
    let (_client, memory) = common::bind_global(ClientOptions::new().traces_sample_rate(1.0));
    let other = "0af7651916cd43dd8448eb211c80319c";
    let echoed = call(vec![(
        "traceparent",
        format!("00-{other}-b7ad6b7169203331-01"),
    )])
    .await;
    let tx = memory.transactions().pop().unwrap();
    assert_eq!(tx.contexts["trace"]["trace_id"], other);
    assert_eq!(tx.contexts["trace"]["parent_span_id"], "b7ad6b7169203331");
    assert!(echoed[0].starts_with(other));

    // Garbage: a fresh trace of its own, and no panic.
    let (_client, memory) = common::bind_global(ClientOptions::new().traces_sample_rate(1.0));
    let echoed = call(vec![
        ("sentry-trace", "not-a-trace".into()),
        ("traceparent", "zz-zz".into()),
        ("baggage", ",,=,sentry-".into()),
    ])
    .await;
    let tx = memory.transactions().pop().unwrap();
    let fresh = tx.contexts["trace"]["trace_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(fresh, TRACE);
    assert_ne!(fresh, other);
    assert!(tx.contexts["trace"].get("parent_span_id").is_none());
    assert!(echoed[0].starts_with(&fresh));
}
