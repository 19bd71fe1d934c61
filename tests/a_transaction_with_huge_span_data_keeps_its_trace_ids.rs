//! Trimming a transaction's `contexts.trace` to Relay's 8 KiB keeps its ids, op and status:
//! the root span's data, however big, is what gets cut, so the server still has the trace
//! context a transaction needs.
mod common;

use scopeline::{ClientOptions, SpanStatus, TransactionContext};

#[test]
fn the_ids_survive_and_the_data_is_cut() {
    scopeline::with_isolation_scope(|_| {
        let (_client, memory) = common::bind(ClientOptions::new().traces_sample_rate(1.0));
        let tx = scopeline::start_transaction(TransactionContext::new("upload", "http.server"));
        tx.set_data("body", "x".repeat(20_000));
        tx.set_data("attempt", 1);
        tx.finish_with_status(SpanStatus::Ok);

        let transactions = memory.transactions();
        let trace = &transactions[0].contexts["trace"];
        assert_eq!(trace["trace_id"], tx.trace_id().to_string());
        assert_eq!(trace["span_id"], tx.span_id().to_string());
        assert_eq!(trace["op"], "http.server");
        assert_eq!(trace["status"], "ok");
        let body = trace["data"]["body"].as_str().unwrap_or_default();
        assert!(
            body.len() < 8 * 1024,
            "cut to the context's budget: {}",
            body.len()
        );
        let whole = serde_json::to_string(trace).unwrap();
        assert!(whole.len() <= 8 * 1024 + 64, "{}", whole.len());
    });
}

#[test]
fn an_error_under_a_span_with_a_huge_op_keeps_the_spans_ids() {
    scopeline::with_isolation_scope(|_| {
        let (_client, memory) = common::bind(ClientOptions::new().traces_sample_rate(1.0));
        let tx = scopeline::start_transaction(TransactionContext::new("import", "task"));
        // `op` sorts before `parent_span_id`, `span_id` and `trace_id`, and this one is far
        // over the context's budget.
        let child = tx.start_child("o".repeat(20_000), "select");
        scopeline::get_current_scope().set_span(Some(child.clone()));
        scopeline::capture_message("row rejected", scopeline::Level::Error);

        let events = memory.events();
        let trace = &events[0].contexts["trace"];
        assert_eq!(trace["span_id"], child.span_id().to_string());
        assert_eq!(trace["trace_id"], child.trace_id().to_string());
        assert_eq!(trace["parent_span_id"], tx.span_id().to_string());
        let whole = serde_json::to_string(trace).unwrap();
        assert!(whole.len() <= 8 * 1024 + 64, "{}", whole.len());
    });
}
