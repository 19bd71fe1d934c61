//! A task spawned with `scopeline::spawn` inside a request's span starts under that span. When
//! the task outlives the request (a pool's reaper, a cache refresher), the spans it opens
//! after the request's transaction went out start transactions of their own, in the same
//! trace, rather than being children that nothing would ever send.
#![cfg(feature = "tracing")]
mod common;

use scopeline::ClientOptions;
use tracing::Instrument;

#[test]
fn its_later_spans_are_sent_in_new_transactions_of_the_same_trace() {
    common::traced(ClientOptions::new().traces_sample_rate(1.0), |memory| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (go, wait) = tokio::sync::oneshot::channel::<()>();
        let (warmed, warm) = tokio::sync::oneshot::channel::<()>();
        let mut background = None;
        rt.block_on(
            async {
                background = Some(scopeline::spawn(async move {
                    // While the request is on: a child of its span.
                    tracing::info_span!("warm").in_scope(|| {});
                    warmed.send(()).unwrap();
                    let _ = wait.await;
                    tracing::info_span!("reap").in_scope(|| {});
                }));
                warm.await.unwrap();
            }
            .instrument(tracing::info_span!("request")),
        );
        // The request's span has closed: its transaction went out.
        go.send(()).unwrap();
        rt.block_on(background.unwrap()).unwrap();

        let transactions = memory.transactions();
        let names: Vec<&str> = (transactions.iter())
            .filter_map(|t| t.transaction.as_deref())
            .collect();
        assert_eq!(names, ["request", "reap"], "{transactions:#?}");
        let ops: Vec<_> = (transactions[0].spans.iter())
            .filter_map(|s| s.op.as_deref())
            .collect();
        assert_eq!(ops, ["warm"]);
        let trace = |n: usize| transactions[n].contexts["trace"]["trace_id"].clone();
        assert_eq!(trace(1), trace(0));
    });
}
