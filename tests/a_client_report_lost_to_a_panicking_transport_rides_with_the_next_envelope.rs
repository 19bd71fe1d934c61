//! Drop counts taken into a client report are not lost when the transport panics with the
//! envelope that carried them: they ride with the next envelope, counted once.
mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use scopeline::protocol::{DiscardedEvent, Envelope, EnvelopeItem};
use scopeline::transport::{SendError, Transport};
use scopeline::{Client, ClientOptions, Level};

/// Panics on the first envelope, keeps the rest.
#[derive(Clone, Debug, Default)]
struct PanicsOnce {
    calls: Arc<AtomicUsize>,
    kept: Arc<Mutex<Vec<Envelope>>>,
}

impl Transport for PanicsOnce {
    fn send_envelope(&self, envelope: Envelope) -> Result<(), SendError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
            panic!("transport bug");
        }
        self.kept.lock().unwrap().push(envelope);
        Ok(())
    }
}

fn capture(client: &Client, message: &str) {
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        scope.capture_message(message, Level::Error);
    });
    client.flush(Duration::from_secs(10)).unwrap();
}

#[test]
fn the_counts_survive_the_panic() {
    let transport = PanicsOnce::default();
    let client = Client::new(
        ClientOptions::new()
            .transport(transport.clone())
            .before_send(|e| (e.message.as_deref() != Some("dropped")).then_some(e)),
    );
    // The flush after it sends the drop's report on its own: the transport panics with it.
    capture(&client, "dropped");
    assert_eq!(transport.calls.load(Ordering::SeqCst), 1);
    capture(&client, "arrives");

    let kept = transport.kept.lock().unwrap().clone();
    assert_eq!(kept.len(), 1, "the event and the report travel together");
    assert!(kept[0].event().is_some());
    let reported: Vec<DiscardedEvent> = kept[0]
        .items
        .iter()
        .filter_map(|item| match item {
            EnvelopeItem::ClientReport(r) => Some(r.discarded_events.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    let summary: Vec<_> = reported
        .iter()
        .map(|d| (d.reason.as_ref(), d.category.as_ref(), d.quantity))
        .collect();
    assert_eq!(summary, [("before_send", "error", 1)]);
}
