//! A transaction keeps its first thousand child spans; the ones finished after that are
//! dropped and counted as `buffer_overflow` spans, and the transaction itself still arrives.
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
