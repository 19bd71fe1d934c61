//! A span made with an explicit `parent: None` starts a transaction of its own, in the same
//! trace, even while another span is entered on the thread (the global dispatcher is the one
//! services use); a contextual span there is a child of the entered one.
#![cfg(feature = "tracing")]
mod common;

use scopeline::ClientOptions;
use tracing_subscriber::prelude::*;

#[test]
fn parent_none_is_a_new_transaction_and_a_contextual_span_a_child() {
    tracing_subscriber::registry()
        .with(scopeline::TracingLayer::new())
        .init();
    scopeline::with_isolation_scope(|_| {
        let (_client, memory) = common::bind(ClientOptions::new().traces_sample_rate(1.0));
        {
            let _request = tracing::info_span!("request").entered();
            drop(tracing::info_span!(parent: None, "nightly_job"));
            drop(tracing::info_span!("lookup"));
        }
        let mut transactions = memory.transactions();
        transactions.sort_by(|a, b| a.transaction.cmp(&b.transaction));
        let names: Vec<_> = transactions
            .iter()
            .map(|t| t.transaction.as_deref().unwrap())
            .collect();
        assert_eq!(names, ["nightly_job", "request"]);
        let (job, request) = (&transactions[0], &transactions[1]);
        assert!(job.spans.is_empty());
        assert_eq!(request.spans.len(), 1);
        assert_eq!(request.spans[0].description.as_deref(), Some("lookup"));
        assert_eq!(
            job.contexts["trace"]["trace_id"],
            request.contexts["trace"]["trace_id"]
        );
    });
}
