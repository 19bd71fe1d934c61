//! Instrumented async fns become one transaction with nested spans: the tracing parent is the
//! Sentry parent across `.await` and scopeline's spawn, and an error event is tied to its span.
#![cfg(feature = "tracing")]
mod common;

use std::collections::HashMap;
use std::sync::Once;

use scopeline::ClientOptions;
use tracing::instrument;
use tracing_subscriber::prelude::*;

fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        tracing_subscriber::registry()
            .with(scopeline::TracingLayer::new())
            .init();
    });
}

#[instrument(fields(sentry.op = "http.server", sentry.name = "GET /orders/{id}"))]
async fn handle(order: u32) {
    load(order).await;
    scopeline::spawn(notify(order)).await.unwrap();
}

#[instrument(fields(sentry.op = "db.query", tags.db = "orders"))]
async fn load(order: u32) {
    tokio::task::yield_now().await;
    tracing::info!(order, "loaded");
}

#[instrument(fields(sentry.op = "queue.publish"))]
async fn notify(order: u32) {
    tokio::task::yield_now().await;
    let err = std::io::Error::other("broker down");
    tracing::error!(error = &err as &dyn std::error::Error, "notify failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn span_tree_and_error_share_one_trace() {
    install();
    let (client, memory) = common::client(ClientOptions::new().traces_sample_rate(1.0));
    scopeline::isolation_scope(async move {
        scopeline::get_isolation_scope().bind_client(Some(client));
        handle(7).await;
    })
    .await;

    let envelopes = memory.envelopes();
    let transactions: Vec<_> = envelopes.iter().filter_map(|e| e.transaction()).collect();
    assert_eq!(
        transactions.len(),
        1,
        "one root span, one transaction: {:#?}",
        transactions
            .iter()
            .map(|t| (&t.transaction, &t.contexts["trace"], t.spans.len()))
            .collect::<Vec<_>>()
    );
    let tx = transactions[0];
    assert_eq!(tx.transaction.as_deref(), Some("GET /orders/{id}"));
    let trace = &tx.contexts["trace"];
    assert_eq!(trace["op"], "http.server");
    let root_id = trace["span_id"].as_str().unwrap().to_owned();
    let trace_id = trace["trace_id"].as_str().unwrap().to_owned();

    let by_op: HashMap<_, _> = tx
        .spans
        .iter()
        .map(|s| (s.op.as_deref().unwrap().to_owned(), s))
        .collect();
    assert_eq!(tx.spans.len(), 2);
    for op in ["db.query", "queue.publish"] {
        let span = by_op[op];
        assert_eq!(span.parent_span_id.unwrap().to_string(), root_id, "{op}");
        assert_eq!(span.trace_id.to_string(), trace_id);
        assert!(span.start_timestamp <= span.timestamp);
        assert_eq!(span.origin.as_deref(), Some("auto.tracing"), "{op}");
        assert_eq!(
            span.data["order"], 7,
            "instrument arguments become span data"
        );
    }
    assert_eq!(
        by_op["db.query"].tags.get("db").map(String::as_str),
        Some("orders"),
        "`tags.*` span fields become span tags"
    );
    assert_eq!(
        by_op["queue.publish"].status.as_deref(),
        Some("internal_error")
    );

    let errors: Vec<_> = envelopes.iter().filter_map(|e| e.event()).collect();
    assert_eq!(errors.len(), 1);
    let error = errors[0];
    assert_eq!(
        error.exceptions.last().unwrap().value.as_deref(),
        Some("broker down")
    );
    assert_eq!(error.exceptions.last().unwrap().ty, "std::io::Error");
    // Captured by the layer, not by the user: an `auto.` mechanism (protocol: never generic).
    let mechanism = error.exceptions.last().unwrap().mechanism.as_ref().unwrap();
    assert_eq!(mechanism.ty, "auto.tracing");
    assert_eq!(error.contexts["trace"]["trace_id"], trace_id.as_str());
    assert_eq!(
        error.contexts["trace"]["span_id"],
        by_op["queue.publish"].span_id.to_string().as_str()
    );
    assert_eq!(error.transaction.as_deref(), Some("GET /orders/{id}"));
    // The INFO event inside `load` and the closed `load` span are breadcrumbs of the request.
    let crumbs: Vec<_> = error
        .breadcrumbs
        .iter()
        .filter_map(|c| c.message.as_deref())
        .collect();
    assert!(crumbs.contains(&"loaded"), "{crumbs:?}");
    assert!(crumbs.contains(&"load"), "{crumbs:?}");
}

#[tokio::test]
async fn unsampled_roots_send_nothing_and_make_no_spans() {
    install();
    let (client, memory) = common::client(ClientOptions::new().traces_sample_rate(0.0));
    scopeline::isolation_scope(async move {
        scopeline::get_isolation_scope().bind_client(Some(client.clone()));
        handle(1).await;
        let drops = client.discarded_events();
        assert!(
            drops
                .iter()
                .any(|d| d.reason == "sample_rate" && d.category == "transaction")
        );
    })
    .await;
    let envelopes = memory.envelopes();
    assert!(envelopes.iter().all(|e| e.transaction().is_none()));
    // The error still carries the trace, with no sampled span behind it: its context and
    // its envelope's sampling context name the same trace, marked unsampled.
    let envelope = envelopes.iter().find(|e| e.event().is_some()).unwrap();
    let error = envelope.event().unwrap();
    let dsc = envelope.trace.as_ref().expect("a sampling context");
    assert_eq!(
        error.contexts["trace"]["trace_id"].as_str(),
        dsc.get("trace_id")
    );
    assert_eq!(dsc.get("sampled"), Some("false"));
}
