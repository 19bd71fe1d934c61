//! Client reports: drops ride to the server as a `client_report` item on the next envelope,
//! or alone on flush, each counted once; `send_client_reports(false)` sends none. Drops a
//! rate limit causes cost no request of their own, and what the last delivery loses is in
//! the report a close sends.
#![cfg(feature = "http")]
mod common;

use std::time::Duration;

use common::server::{Reply, Server};
use scopeline::{Client, ClientOptions, Level};
use serde_json::json;

fn client(server: &Server, reports: bool) -> Client {
    Client::new(
        ClientOptions::new()
            .dsn(server.dsn())
            .send_client_reports(reports)
            .before_send(|event| {
                let secret = event
                    .message
                    .as_deref()
                    .is_some_and(|m| m.contains("secret"));
                (!secret).then_some(event)
            }),
    )
}

fn capture(client: &Client, message: &str) {
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        scope.capture_message(message, Level::Error);
    });
}

fn reports(server: &Server) -> Vec<serde_json::Value> {
    server
        .requests()
        .iter()
        .filter_map(|r| r.item("client_report"))
        .flat_map(|r| r["discarded_events"].as_array().cloned().unwrap())
        .collect()
}

#[test]
fn a_drop_rides_with_the_next_envelope() {
    let server = Server::start(|_, _| Reply::ok());
    let client = client(&server, true);
    capture(&client, "secret one");
    capture(&client, "secret two");
    capture(&client, "public");
    client.flush(Duration::from_secs(10)).unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 1, "no envelope of its own for the report");
    assert_eq!(requests[0].item_types(), ["event", "client_report"]);
    assert_eq!(
        reports(&server),
        [json!({"reason": "before_send", "category": "error", "quantity": 2})]
    );
}

#[test]
fn flush_sends_what_is_left_alone_and_only_once() {
    let server = Server::start(|_, _| Reply::ok());
    let client = client(&server, true);
    capture(&client, "secret");
    client.flush(Duration::from_secs(10)).unwrap();
    client.flush(Duration::from_secs(10)).unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].item_types(), ["client_report"]);
    assert_eq!(
        reports(&server),
        [json!({"reason": "before_send", "category": "error", "quantity": 1})]
    );
}

#[test]
fn turned_off_nothing_is_reported_but_drops_are_still_counted() {
    let server = Server::start(|_, _| Reply::ok());
    let client = client(&server, false);
    capture(&client, "secret");
    capture(&client, "public");
    client.flush(Duration::from_secs(10)).unwrap();
    assert!(reports(&server).is_empty());
    assert_eq!(server.requests().len(), 1);
    assert_eq!(client.discarded_events()[0].reason, "before_send");
}

#[test]
fn events_a_rate_limit_drops_cost_no_request_each_and_are_reported_once() {
    let server = Server::start(|n, _| match n {
        0 => Reply::ok().header("X-Sentry-Rate-Limits", "60:error:key"),
        _ => Reply::ok(),
    });
    let client = client(&server, true);
    capture(&client, "public, brings the limit back");
    client.flush(Duration::from_secs(10)).unwrap();
    // Each of these is dropped, and each would carry the report of the one before.
    for i in 0..10 {
        capture(&client, &format!("public {i}"));
    }
    client.flush(Duration::from_secs(10)).unwrap();

    // The first event, then the report the flush sends: no request for any of the ten.
    let requests = server.requests();
    assert_eq!(
        requests.len(),
        2,
        "{:?}",
        requests.iter().map(|r| r.item_types()).collect::<Vec<_>>()
    );
    assert_eq!(requests[1].item_types(), ["client_report"]);
    assert_eq!(
        reports(&server),
        [json!({"reason": "ratelimit_backoff", "category": "error", "quantity": 10})]
    );
}

#[test]
fn what_the_last_delivery_loses_is_reported_at_close() {
    // The last event is refused; the close that delivered it reports that.
    let server = Server::start(|n, _| match n {
        0 => Reply::status(500),
        _ => Reply::ok(),
    });
    let client = client(&server, true);
    capture(&client, "public");
    client.close(Duration::from_secs(10)).unwrap();

    let types: Vec<_> = server.requests().iter().map(|r| r.item_types()).collect();
    assert_eq!(types, [vec!["event"], vec!["client_report"]]);
    assert_eq!(
        reports(&server),
        [json!({"reason": "send_error", "category": "error", "quantity": 1})]
    );
}
