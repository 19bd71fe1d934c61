//! Sample rate drops the right share.
mod common;

use scopeline::{ClientOptions, Level};

fn run(rate: f64, n: usize) -> (usize, u64) {
    scopeline::with_isolation_scope(|_| {
        // A queue that holds every event, so only sampling drops any.
        let (client, memory) = common::bind(ClientOptions::new().sample_rate(rate).queue_size(n));
        for _ in 0..n {
            scopeline::capture_message("m", Level::Info);
        }
        let dropped = client
            .discarded_events()
            .iter()
            .filter(|d| d.reason == "sample_rate" && d.category == "error")
            .map(|d| d.quantity)
            .sum();
        (memory.events().len(), dropped)
    })
}

#[test]
fn rate_zero_sends_nothing_and_counts_every_drop() {
    assert_eq!(run(0.0, 1000), (0, 1000));
}

#[test]
fn rate_one_sends_everything() {
    assert_eq!(run(1.0, 1000), (1000, 0));
}

#[test]
fn rate_one_half_sends_about_half() {
    let (sent, dropped) = run(0.5, 10_000);
    assert_eq!(sent as u64 + dropped, 10_000);
    // 10 standard deviations of a fair binomial: fails with negligible probability.
    assert!((4_500..=5_500).contains(&sent), "sent {sent}");
}

#[test]
fn sampled_out_events_never_reach_processors_or_before_send() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let (processed, sent_on) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (p, b) = (processed.clone(), sent_on.clone());
    scopeline::with_isolation_scope(|isolation| {
        isolation.add_event_processor(move |e| {
            p.fetch_add(1, Ordering::SeqCst);
            Some(e)
        });
        let (_client, memory) =
            common::bind(ClientOptions::new().sample_rate(0.0).before_send(move |e| {
                b.fetch_add(1, Ordering::SeqCst);
                Some(e)
            }));
        scopeline::capture_message("sampled out", Level::Info);
        // Flushed: had the draw come after the pipeline's work, the counts would show it.
        assert!(memory.events().is_empty());
    });
    assert_eq!(processed.load(Ordering::SeqCst), 0);
    assert_eq!(sent_on.load(Ordering::SeqCst), 0);
}

#[test]
fn a_transaction_captured_by_hand_is_not_an_error_the_rate_drops() {
    scopeline::with_isolation_scope(|_| {
        let (client, memory) = common::bind(ClientOptions::new().sample_rate(0.0));
        let mut transaction = scopeline::protocol::Event::new();
        transaction.ty = Some("transaction".into());
        transaction.transaction = Some("nightly import".into());
        assert!(scopeline::capture_event(transaction).is_some());
        client.flush(std::time::Duration::from_secs(5)).unwrap();
        let sent = memory.envelopes();
        assert_eq!(sent.len(), 1);
        let sent = sent[0].transaction().expect("sent as a transaction");
        assert_eq!(sent.transaction.as_deref(), Some("nightly import"));
        assert!(client.discarded_events().is_empty());
    })
}
