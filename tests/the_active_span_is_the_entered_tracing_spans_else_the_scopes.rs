//! `active_span()` is the span that events captured at that point are tied to: inside an
//! `#[instrument]`ed async fn (across its `.await`s, on any worker thread) the Sentry span
//! the layer made for it, so status, data and manual children set through it arrive on that
//! span; outside every `tracing` span, the span set on the current scope, else the
//! isolation scope's; and none at all outside every span.
#![cfg(feature = "tracing")]
mod common;

use scopeline::{ClientOptions, Level, SpanStatus, TransactionContext};
use tracing::instrument;
use tracing_subscriber::prelude::*;

#[instrument(fields(sentry.op = "task"))]
async fn reindex() {
    tokio::task::yield_now().await;
    load().await;
}

#[instrument(fields(sentry.op = "db.query"))]
async fn load() {
    tokio::task::yield_now().await;
    let span = scopeline::active_span().expect("the instrumented fn's span");
    span.set_status(SpanStatus::ResourceExhausted);
    span.set_data("rows", 3);
    tokio::task::yield_now().await;
    // Another worker may run this part: the active span is still this fn's.
    let again = scopeline::active_span().unwrap();
    assert_eq!(again.span_id(), span.span_id());
    again.start_child("cache.get", "warm").finish();
    scopeline::capture_message("loaded", Level::Info);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_active_span_follows_tracing_then_the_scopes() {
    tracing_subscriber::registry()
        .with(scopeline::TracingLayer::new())
        .init();
    let (client, memory) = common::client(ClientOptions::new().traces_sample_rate(1.0));
    assert!(scopeline::active_span().is_none(), "outside every span");

    scopeline::isolation_scope(async move {
        scopeline::get_isolation_scope().bind_client(Some(client));
        reindex().await;

        // Outside every tracing span: the current scope's span, else the isolation scope's.
        assert!(scopeline::active_span().is_none());
        let job = scopeline::start_transaction(TransactionContext::new("job", "task"));
        scopeline::get_isolation_scope().set_span(Some(job.clone()));
        assert_eq!(scopeline::active_span().unwrap().span_id(), job.span_id());
        let step = job.start_child("step", "first");
        scopeline::new_scope(async {
            scopeline::get_current_scope().set_span(Some(step.clone()));
            assert_eq!(scopeline::active_span().unwrap().span_id(), step.span_id());
        })
        .await;
        assert_eq!(scopeline::active_span().unwrap().span_id(), job.span_id());
        step.finish();
        scopeline::get_isolation_scope().set_span(None);
        job.finish();
    })
    .await;

    let transactions = memory.transactions();
    let reindex = (transactions.iter())
        .find(|t| t.transaction.as_deref() == Some("reindex"))
        .expect("the instrumented transaction");
    let load = (reindex.spans.iter())
        .find(|s| s.description.as_deref() == Some("load"))
        .expect("load's span");
    assert_eq!(load.status.as_deref(), Some("resource_exhausted"));
    assert_eq!(load.data["rows"], 3);
    let child = (reindex.spans.iter())
        .find(|s| s.op.as_deref() == Some("cache.get"))
        .expect("the manual child");
    assert_eq!(child.parent_span_id, Some(load.span_id));
    let event = &memory.events()[0];
    assert_eq!(
        event.contexts["trace"]["span_id"],
        load.span_id.to_string(),
        "the event is tied to the same span"
    );
}
