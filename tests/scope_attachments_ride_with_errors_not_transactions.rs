//! Attachments on the scopes go with every error event captured in them, and with no
//! transaction: a file added once to the global or isolation scope would otherwise be sent
//! again with every traced request.
mod common;

use scopeline::protocol::{Attachment, EnvelopeItem};
use scopeline::{ClientOptions, Level, TransactionContext};

#[test]
fn attachments_go_with_errors_and_not_with_transactions() {
    scopeline::with_isolation_scope(|isolation| {
        let (_client, memory) = common::bind(ClientOptions::new().traces_sample_rate(1.0));
        isolation.add_attachment(Attachment::new("config.toml", b"debug = true".to_vec()));

        let tx = scopeline::start_transaction(TransactionContext::new("nightly", "task"));
        scopeline::capture_message("report failed", Level::Error);
        tx.finish();

        let attachments = |is_transaction: bool| -> Vec<String> {
            let envelopes = memory.envelopes();
            let envelope = envelopes
                .iter()
                .find(|e| e.transaction().is_some() == is_transaction)
                .expect("the envelope was sent");
            (envelope.items.iter())
                .filter_map(|item| match item {
                    EnvelopeItem::Attachment(a) => Some(a.filename.clone()),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(attachments(false), ["config.toml"], "the error carries it");
        assert!(attachments(true).is_empty(), "the transaction does not");
    });
}
