//! `Duration::MAX` means "as long as it takes" wherever scopeline takes a timeout: flushing
//! (blocking or async, on any executor), closing, the init guard's shutdown and the HTTP
//! timeout all work with it instead of panicking on an `Instant` overflow (which, in the
//! panic hook's flush, would abort the process).
#![cfg(feature = "http")]
mod common;

use std::time::Duration;

use common::server::{Reply, Server};
use scopeline::{Client, ClientOptions, Level};

fn capture(client: &Client, message: &str) {
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        scope.capture_message(message, Level::Error);
    });
}

#[test]
fn flush_close_and_http_take_duration_max() {
    let server = Server::start(|_, _| Reply::ok());
    let client = Client::new(
        ClientOptions::new()
            .dsn(server.dsn())
            .http_timeout(Duration::MAX),
    );
    capture(&client, "one");
    client.flush(Duration::MAX).unwrap();
    capture(&client, "two");
    futures::executor::block_on(client.flush_async(Duration::MAX)).unwrap();
    capture(&client, "three");
    client.close(Duration::MAX).unwrap();
    assert_eq!(server.event_messages(), ["one", "two", "three"]);
}

#[test]
fn the_init_guard_drops_with_a_shutdown_timeout_of_duration_max() {
    let server = Server::start(|_, _| Reply::ok());
    let guard = scopeline::init(
        ClientOptions::new()
            .dsn(server.dsn())
            .shutdown_timeout(Duration::MAX),
    );
    capture(guard.client(), "at shutdown");
    drop(guard);
    assert_eq!(server.requests().len(), 1);
}
