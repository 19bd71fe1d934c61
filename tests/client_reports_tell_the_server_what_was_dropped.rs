//! Client reports: drops ride to the server as a `client_report` item on the next envelope,
//! or alone on flush, each counted once; `send_client_reports(false)` sends none.
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
