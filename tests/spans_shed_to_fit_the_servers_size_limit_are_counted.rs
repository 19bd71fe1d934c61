//! A transaction whose JSON is over Relay's 1 MiB item limit still reaches the server, with
//! as many of its spans as fit: the spans shed on the way are counted in a client report as
//! `buffer_overflow`, as the spans past a transaction's cap are, so none is lost unsaid.
#![cfg(feature = "http")]
mod common;

use std::time::Duration;

use common::server::{Reply, Server};
use scopeline::{Client, ClientOptions, TransactionContext};

#[test]
fn shed_spans_are_counted_once_the_rest_arrives() {
    let server = Server::start(|_, _| Reply::ok());
    let client = Client::new(
        ClientOptions::new()
            .dsn(server.dsn())
            .traces_sample_rate(1.0),
    );
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        let tx = scopeline::start_transaction(TransactionContext::new("import", "task"));
        for row in 0..1_000 {
            let child = tx.start_child("db.insert", "insert row");
            child.set_data("row", row);
            // Under a span's own data limit, but a thousand of them are 4 MB.
            child.set_data("payload", "x".repeat(4 * 1024));
            child.finish();
        }
        tx.finish();
    });
    client.flush(Duration::from_secs(10)).unwrap();
    // The report of what the delivery shed goes on the next envelope, or alone on flush.
    client.flush(Duration::from_secs(10)).unwrap();

    let requests = server.requests();
    let tx = (requests.iter())
        .find_map(|r| r.item("transaction"))
        .expect("the transaction arrived");
    let sent = tx["spans"].as_array().unwrap().len();
    assert!(0 < sent && sent < 1_000, "{sent} spans sent");
    let bytes = tx.to_string().len();
    assert!(bytes <= 1024 * 1024, "the item fits: {bytes} bytes");

    let reports: Vec<_> = (requests.iter())
        .filter_map(|r| r.item("client_report"))
        .flat_map(|r| r["discarded_events"].as_array().cloned().unwrap())
        .collect();
    assert_eq!(
        reports,
        [serde_json::json!({
            "reason": "buffer_overflow",
            "category": "span",
            "quantity": 1_000 - sent,
        })]
    );
}
