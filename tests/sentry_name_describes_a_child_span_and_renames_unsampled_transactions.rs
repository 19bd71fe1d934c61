//! `sentry.name` on a child span is its description (the span's name otherwise), at creation
//! or recorded later; recorded on an unsampled root span, it still renames the transaction,
//! so its error events carry the new name.
#![cfg(feature = "tracing")]
mod common;

use scopeline::ClientOptions;
use tracing::field::Empty;

#[test]
fn child_spans_are_described_by_sentry_name() {
    common::traced(ClientOptions::new().traces_sample_rate(1.0), |memory| {
        {
            let _request = tracing::info_span!("request").entered();
            drop(tracing::info_span!(
                "db",
                sentry.op = "db.query",
                sentry.name = "SELECT 1"
            ));
            let later = tracing::info_span!("db", sentry.name = Empty);
            later.record("sentry.name", "SELECT 2");
            drop(later);
            drop(tracing::info_span!("plain"));
        }
        let tx = &memory.transactions()[0];
        let described: Vec<_> = (tx.spans.iter())
            .map(|s| (s.op.as_deref(), s.description.as_deref()))
            .collect();
        assert_eq!(
            described,
            [
                (Some("db.query"), Some("SELECT 1")),
                (Some("db"), Some("SELECT 2")),
                (Some("plain"), Some("plain")),
            ]
        );
    });
}

#[test]
fn a_name_recorded_on_an_unsampled_transaction_names_its_errors() {
    common::traced(ClientOptions::new().traces_sample_rate(0.0), |memory| {
        let span = tracing::info_span!("request", sentry.name = Empty);
        let _entered = span.enter();
        span.record("sentry.name", "POST /checkout");
        tracing::error!("payment failed");
        assert!(memory.transactions().is_empty());
        let events = memory.events();
        assert_eq!(events[0].transaction.as_deref(), Some("POST /checkout"));
    });
}
