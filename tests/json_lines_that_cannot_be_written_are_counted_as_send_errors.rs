//! A JSON-lines sink the client built counts the events it could not write (a full disk, a
//! closed pipe) as `send_error`, as the HTTP transport counts what a server refused: the
//! application goes on, and `Client::discarded_events` says what was lost.
#![cfg(target_os = "linux")]
mod common;

use std::time::Duration;

use scopeline::transport::JsonLinesTarget;
use scopeline::{Client, ClientOptions, Level};

#[test]
fn events_a_full_device_refuses_are_counted_and_capture_goes_on() {
    // `/dev/full` opens for appending and fails every write with "no space left".
    let target = JsonLinesTarget::File("/dev/full".into());
    let client = Client::new(ClientOptions::new().json_lines(target));
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        for i in 0..3 {
            assert!(
                scope
                    .capture_message(&format!("lost {i}"), Level::Error)
                    .is_some()
            );
        }
    });
    client.flush(Duration::from_secs(10)).unwrap();
    assert_eq!(common::dropped(&client, "send_error", "error"), 3);
    assert_eq!(
        client.discarded_events().len(),
        1,
        "nothing else is counted: {:?}",
        client.discarded_events()
    );
}
