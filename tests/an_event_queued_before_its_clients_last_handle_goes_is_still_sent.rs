//! An event captured just before the last handle to its client goes away (unbound from the
//! global scope, no guard kept) is still processed and handed to the transport: the queued
//! job holds its client until it has run.
mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scopeline::protocol::Envelope;
use scopeline::transport::{SendError, Transport};
use scopeline::{Client, ClientOptions, Level};

#[derive(Clone, Debug, Default)]
struct Shared(Arc<Mutex<Vec<Envelope>>>);

impl Transport for Shared {
    fn send_envelope(&self, envelope: Envelope) -> Result<(), SendError> {
        self.0.lock().unwrap().push(envelope);
        Ok(())
    }
}

#[test]
fn events_queued_when_the_client_is_dropped_arrive() {
    let sink = Shared::default();
    // Hold the pipeline in before_send until the client is gone.
    let gate = common::Gate::closed();
    let client =
        Client::new(gate.holding_the_pipeline(ClientOptions::new().transport(sink.clone())));
    scopeline::get_global_scope().bind_client(Some(client));
    let ids: Vec<_> = (0..3)
        .map(|i| scopeline::capture_message(&format!("event {i}"), Level::Error).unwrap())
        .collect();
    scopeline::get_global_scope().bind_client(None);
    gate.set(true);

    let deadline = Instant::now() + Duration::from_secs(10);
    while sink.0.lock().unwrap().len() < ids.len() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let sent: Vec<_> = sink
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|e| e.event_id.unwrap())
        .collect();
    assert_eq!(sent, ids);
}
