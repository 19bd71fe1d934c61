//! An attachment larger than `max_attachment_size` does not go with its event (the server
//! would refuse the whole envelope); the event and its other attachments do, and the bytes
//! left out are counted.
mod common;

use scopeline::protocol::{Attachment, EnvelopeItem};
use scopeline::{ClientOptions, Level};

#[test]
fn the_oversized_attachment_is_counted_and_the_rest_is_sent() {
    let (client, memory) = common::client(ClientOptions::new().max_attachment_size(1_000));
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        scope.add_attachment(Attachment::new("core.bin", vec![0u8; 1_001]));
        scope.add_attachment(Attachment::new("exactly.bin", vec![1u8; 1_000]));
        scope.add_attachment(Attachment::new("log.txt", b"small".to_vec()));
        scope.capture_message("with three attachments", Level::Error);
    });

    let envelopes = memory.envelopes();
    assert_eq!(envelopes.len(), 1);
    let envelope = &envelopes[0];
    let event = envelope.event().expect("the event is sent");
    assert_eq!(event.message.as_deref(), Some("with three attachments"));
    let sent: Vec<_> = (envelope.items.iter())
        .filter_map(|item| match item {
            EnvelopeItem::Attachment(a) => Some((a.filename.as_str(), a.bytes.len())),
            _ => None,
        })
        .collect();
    assert_eq!(sent, [("exactly.bin", 1_000), ("log.txt", 5)]);
    assert_eq!(common::dropped(&client, "send_error", "attachment"), 1_001);
    assert_eq!(common::dropped(&client, "send_error", "error"), 0);
}

#[test]
fn by_default_attachments_up_to_twenty_mebibytes_go_along() {
    let (client, memory) = common::client(ClientOptions::new());
    let limit = 20 * 1024 * 1024;
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        scope.add_attachment(Attachment::new("at-limit.bin", vec![0u8; limit]));
        scope.add_attachment(Attachment::new("over.bin", vec![0u8; limit + 1]));
        scope.capture_message("big attachments", Level::Error);
    });
    let envelopes = memory.envelopes();
    let names: Vec<_> = (envelopes[0].items.iter())
        .filter_map(|item| match item {
            EnvelopeItem::Attachment(a) => Some(a.filename.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["at-limit.bin"]);
    assert_eq!(
        common::dropped(&client, "send_error", "attachment"),
        limit as u64 + 1
    );
}
