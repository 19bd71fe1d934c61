//! With a DSN, envelopes reach the server: posted to `{base}/api/{project}/envelope/` (path
//! prefix and port kept), with `X-Sentry-Auth`, `User-Agent` and the envelope content type,
//! gzipped (or plain when compression is turned off), with `event_id`, `sent_at`, `sdk` and the trace's DSC in the envelope header.
#![cfg(feature = "http")]
mod common;

use std::time::Duration;

use common::server::{Reply, Server};
use scopeline::{Client, ClientOptions, Level};
use sentry_types::protocol::v7::Envelope as TheirEnvelope;

#[test]
fn an_event_arrives_whole_with_every_header() {
    let server = Server::start(|_, _| Reply::ok());
    let client = Client::new(ClientOptions::new().dsn(server.dsn()).release("app@2.0.0"));
    let id = scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        scope.set_tag("request_id", "r-1");
        scope.capture_message("hello over HTTP", Level::Warning)
    })
    .expect("an event id");
    client.flush(Duration::from_secs(10)).expect("delivered");

    let requests = server.requests();
    assert_eq!(requests.len(), 1, "sent once");
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/prefix/api/42/envelope/");
    let auth = r.header("x-sentry-auth").expect("X-Sentry-Auth");
    for part in [
        "Sentry sentry_version=7",
        "sentry_key=public",
        "sentry_secret=secret",
        concat!("sentry_client=scopeline.rust/", env!("CARGO_PKG_VERSION")),
    ] {
        assert!(auth.contains(part), "{part} missing from {auth}");
    }
    assert_eq!(
        r.header("user-agent"),
        Some(concat!("scopeline.rust/", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(
        r.header("content-type"),
        Some("application/x-sentry-envelope")
    );
    assert_eq!(r.header("content-encoding"), Some("gzip"));

    let header: serde_json::Value =
        serde_json::from_slice(r.body.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert_eq!(header["event_id"], id.to_string());
    assert!(header["sent_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(header["sdk"]["name"], "scopeline.rust");
    assert_eq!(header["trace"]["public_key"], "public");
    assert_eq!(header["trace"]["release"], "app@2.0.0");
    assert!(header["trace"]["trace_id"].is_string());

    let theirs = TheirEnvelope::from_slice(&r.body).expect("sentry-types parses the body");
    let event = theirs.event().expect("the event");
    assert_eq!(event.tags["request_id"], "r-1");
    assert_eq!(event.event_id.simple().to_string(), id.to_string());
}

#[test]
fn with_compression_off_the_body_is_the_plain_envelope() {
    let server = Server::start(|_, _| Reply::ok());
    let client = Client::new(
        ClientOptions::new()
            .dsn(server.dsn())
            .http_compression(false),
    );
    let id = scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        scope.capture_message("plain", Level::Info)
    })
    .expect("an event id");
    client.flush(Duration::from_secs(10)).expect("delivered");

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(
        r.header("content-type"),
        Some("application/x-sentry-envelope")
    );
    let theirs = TheirEnvelope::from_slice(&r.body).expect("the body is the envelope itself");
    assert_eq!(
        theirs.event().unwrap().event_id.simple().to_string(),
        id.to_string()
    );
}

#[test]
fn the_default_port_and_no_prefix_give_the_plain_endpoint() {
    let dsn: scopeline::Dsn = "https://key@o7.ingest.sentry.io/1234".parse().unwrap();
    assert_eq!(
        dsn.envelope_url(),
        "https://o7.ingest.sentry.io/api/1234/envelope/"
    );
}
