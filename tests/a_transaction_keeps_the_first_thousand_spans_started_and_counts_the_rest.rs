//! A transaction keeps the first thousand child spans started; the ones started after that
//! record nothing and are counted as `buffer_overflow` spans, and the transaction itself
//! still arrives. Kept in start order, a parent (which finishes after its children) is kept
//! with the children that point at it.
mod common;

use scopeline::{ClientOptions, TransactionContext};

#[test]
fn spans_past_the_thousandth_are_counted_not_sent() {
    scopeline::with_isolation_scope(|_| {
        let (client, memory) = common::bind(ClientOptions::new().traces_sample_rate(1.0));
        let tx = scopeline::start_transaction(TransactionContext::new("import", "task"));
        for i in 0..1_005 {
            tx.start_child("db.query", format!("INSERT {i}")).finish();
        }
        tx.finish();
        let events = memory.transactions();
        assert_eq!(events.len(), 1, "the transaction arrives");
        let spans = &events[0].spans;
        assert_eq!(spans.len(), 1_000);
        assert_eq!(spans[0].description.as_deref(), Some("INSERT 0"));
        assert_eq!(spans[999].description.as_deref(), Some("INSERT 999"));
        let overflow = common::dropped(&client, "buffer_overflow", "span");
        assert_eq!(overflow, 5);
    });
}

#[test]
fn a_parent_finishing_after_a_thousand_children_is_kept_with_them() {
    scopeline::with_isolation_scope(|_| {
        let (client, memory) = common::bind(ClientOptions::new().traces_sample_rate(1.0));
        let tx = scopeline::start_transaction(TransactionContext::new("import", "task"));
        let handler = tx.start_child("handler", "handle the batch");
        for i in 0..1_500 {
            handler
                .start_child("db.query", format!("INSERT {i}"))
                .finish();
        }
        // Past the cap, a span's own children are dropped and counted too.
        let over = handler.start_child("http.client", "GET /stock");
        over.start_child("dns", "lookup").finish();
        over.finish();
        handler.finish();
        tx.finish();
        let events = memory.transactions();
        let spans = &events[0].spans;
        assert_eq!(spans.len(), 1_000);
        let handler = (spans.iter())
            .find(|s| s.op.as_deref() == Some("handler"))
            .expect("the parent is kept");
        for span in spans.iter().filter(|s| s.op.as_deref() == Some("db.query")) {
            assert_eq!(span.parent_span_id, Some(handler.span_id));
        }
        assert_eq!(common::dropped(&client, "buffer_overflow", "span"), 503);
    });
}
