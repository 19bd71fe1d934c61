//! Rate limits: after the server says so (`X-Sentry-Rate-Limits`, `Retry-After`, or a bare
//! 429), the limited categories are dropped before sending, for the time given, counted as
//! `ratelimit_backoff`; other categories still go out; a 429'd envelope is not retried.
#![cfg(feature = "http")]
mod common;

use std::time::Duration;

use common::server::{Reply, Server};
use scopeline::{Client, ClientOptions, Level, TransactionContext};

fn client(server: &Server) -> Client {
    Client::new(
        ClientOptions::new()
            .dsn(server.dsn())
            .traces_sample_rate(1.0),
    )
}

/// Captures one error and one transaction through `client`, then waits for delivery.
fn error_and_transaction(client: &Client) {
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        scope.capture_message("boom", Level::Error);
        client.flush(Duration::from_secs(10)).unwrap();
        scopeline::start_transaction(TransactionContext::new("job", "task")).finish();
        client.flush(Duration::from_secs(10)).unwrap();
    });
}

fn backoffs(client: &Client, category: &str) -> u64 {
    client
        .discarded_events()
        .iter()
        .filter(|d| d.reason == "ratelimit_backoff" && d.category == category)
        .map(|d| d.quantity)
        .sum()
}

fn sent_types(server: &Server) -> Vec<Vec<String>> {
    server.requests().iter().map(|r| r.item_types()).collect()
}

#[test]
fn the_rate_limits_header_limits_only_the_named_categories() {
    // Any response may carry the header, a 200 included.
    let server = Server::start(|n, _| match n {
        0 => Reply::ok().header("X-Sentry-Rate-Limits", "60:error:key, 60:bogus:org"),
        _ => Reply::ok(),
    });
    let client = client(&server);
    error_and_transaction(&client); // the error goes out and brings the limit back
    error_and_transaction(&client); // this error is held back, the transactions are not

    let sent = sent_types(&server);
    let errors = sent
        .iter()
        .filter(|t| t.contains(&"event".to_owned()))
        .count();
    let transactions = sent
        .iter()
        .filter(|t| t.contains(&"transaction".to_owned()))
        .count();
    assert_eq!((errors, transactions), (1, 2), "{sent:?}");
    assert_eq!(backoffs(&client, "error"), 1);
    assert_eq!(backoffs(&client, "transaction"), 0);
}

#[test]
fn retry_after_on_a_429_limits_everything_and_the_envelope_is_not_retried() {
    let server = Server::start(|n, _| match n {
        0 => Reply::status(429).header("Retry-After", "60"),
        _ => Reply::ok(),
    });
    let client = client(&server);
    error_and_transaction(&client);
    assert_eq!(
        server.requests().len(),
        1,
        "nothing after the 429, no retry"
    );
    assert_eq!(backoffs(&client, "transaction"), 1);
    assert_eq!(backoffs(&client, "span"), 1, "the transaction's own span");
    // Relay counts what it rejected with a 429: the SDK does not report it again.
    assert!(
        client
            .discarded_events()
            .iter()
            .all(|d| d.reason == "ratelimit_backoff"),
        "{:?}",
        client.discarded_events()
    );
}

#[test]
fn a_bare_429_backs_off_for_sixty_seconds() {
    let server = Server::start(|_, _| Reply::status(429));
    let client = client(&server);
    error_and_transaction(&client);
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        scope.capture_message("still limited", Level::Error);
    });
    client.flush(Duration::from_secs(10)).unwrap();
    assert_eq!(server.requests().len(), 1);
    assert_eq!(backoffs(&client, "error"), 1);
    assert_eq!(backoffs(&client, "transaction"), 1);
}

#[test]
fn a_short_limit_expires_and_sending_resumes() {
    let server = Server::start(|n, _| match n {
        // Two seconds: long enough that a loaded machine still captures inside it.
        0 => Reply::ok().header("X-Sentry-Rate-Limits", "2:error:key"),
        _ => Reply::ok(),
    });
    let client = client(&server);
    let capture = || {
        scopeline::with_isolation_scope(|scope| {
            scope.bind_client(Some(client.clone()));
            scope.capture_message("m", Level::Error);
        });
        client.flush(Duration::from_secs(10)).unwrap();
    };
    capture();
    capture(); // within the limit: dropped
    std::thread::sleep(Duration::from_millis(2100));
    capture(); // after it: sent
    let requests = server.requests();
    let with_events = requests
        .iter()
        .filter(|r| r.item_types().contains(&"event".to_owned()))
        .count();
    assert_eq!(with_events, 2);
    assert_eq!(backoffs(&client, "error"), 1);
    // The drop was reported to the server, once.
    let reported: Vec<_> = requests
        .iter()
        .filter_map(|r| r.item("client_report"))
        .flat_map(|report| report["discarded_events"].as_array().cloned().unwrap())
        .collect();
    assert_eq!(
        reported,
        [serde_json::json!({"reason": "ratelimit_backoff", "category": "error", "quantity": 1})]
    );
}

#[test]
fn counts_that_rode_along_on_a_429d_envelope_go_with_the_next_one() {
    // The 429 limits transactions only: errors keep going out.
    let server = Server::start(|n, _| match n {
        0 => Reply::status(429).header("X-Sentry-Rate-Limits", "60:transaction:key"),
        _ => Reply::ok(),
    });
    let client = Client::new(
        ClientOptions::new()
            .dsn(server.dsn())
            .before_send(|event| (event.message.as_deref() != Some("dropped")).then_some(event)),
    );
    let capture = |message: &str| {
        scopeline::with_isolation_scope(|scope| {
            scope.bind_client(Some(client.clone()));
            scope.capture_message(message, Level::Error);
        });
        client.flush(Duration::from_secs(10)).unwrap();
    };
    // Counted, not sent; the flush sends the count on its own, and the server refuses it.
    capture("dropped");
    capture("sent"); // must carry the count again

    let requests = server.requests();
    assert_eq!(
        sent_types(&server),
        [vec!["client_report"], vec!["event", "client_report"]]
    );
    let reported = |n: usize| -> u64 {
        (requests[n].item("client_report").into_iter())
            .flat_map(|report| report["discarded_events"].as_array().cloned().unwrap())
            .filter(|d| d["reason"] == "before_send" && d["category"] == "error")
            .map(|d| d["quantity"].as_u64().unwrap())
            .sum()
    };
    assert_eq!(reported(0), 1);
    assert_eq!(reported(1), 1, "the server never took the first report");
}
