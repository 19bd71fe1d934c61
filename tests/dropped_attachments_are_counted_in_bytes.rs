//! Dropped attachments are counted in bytes, the unit of Sentry's `attachment` category,
//! whether `before_send` drops their event or the transport refuses their envelope.
mod common;

use scopeline::protocol::{Attachment, Envelope};
use scopeline::transport::{SendError, Transport};
use scopeline::{Client, ClientOptions, Level};

fn capture_with_attachments(client: &Client) {
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        scope.add_attachment(Attachment::new("dump.bin", vec![7u8; 5_000]));
        scope.add_attachment(Attachment::new("log.txt", b"twelve bytes".to_vec()));
        scope.capture_message("with two attachments", Level::Error);
    });
    client.flush(std::time::Duration::from_secs(10)).unwrap();
}

#[test]
fn before_send_drops_count_the_attachments_bytes() {
    let (client, _memory) = common::client(ClientOptions::new().before_send(|_| None));
    capture_with_attachments(&client);
    assert_eq!(common::dropped(&client, "before_send", "error"), 1);
    assert_eq!(common::dropped(&client, "before_send", "attachment"), 5_012);
}

#[derive(Debug)]
struct Full;

impl Transport for Full {
    fn send_envelope(&self, envelope: Envelope) -> Result<(), SendError> {
        Err(SendError::Full(envelope))
    }
}

#[test]
fn a_refused_envelope_counts_its_attachments_bytes() {
    let client = Client::new(ClientOptions::new().transport(Full));
    capture_with_attachments(&client);
    assert_eq!(common::dropped(&client, "queue_overflow", "error"), 1);
    assert_eq!(
        common::dropped(&client, "queue_overflow", "attachment"),
        5_012
    );
}
