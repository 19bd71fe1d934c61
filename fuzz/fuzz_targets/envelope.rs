//! Any event that deserializes, however odd its contents, is written as an envelope that we
//! and another implementation (sentry-types) read back, with its item under Relay's limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopeline::protocol::{Envelope, Event};

fuzz_target!(|json: &[u8]| {
    let Ok(event) = serde_json::from_slice::<Event>(json) else {
        return;
    };
    let id = event.event_id;
    let bytes = Envelope::from_event(event)
        .to_vec()
        .expect("an envelope always serializes");
    let theirs = sentry_types::protocol::v7::Envelope::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("sentry-types rejects our envelope: {e}"));
    assert!(theirs.items().count() == 1);
    let mut lines = bytes.splitn(3, |&b| b == b'\n');
    let _header = lines.next().unwrap();
    let item: serde_json::Value = serde_json::from_slice(lines.next().unwrap()).unwrap();
    let length = item["length"].as_u64().unwrap() as usize;
    assert!(length <= 1024 * 1024);
    let payload = &lines.next().unwrap()[..length];
    let back: Event = serde_json::from_slice(payload).expect("we read back what we wrote");
    assert_eq!(back.event_id, id);
});
