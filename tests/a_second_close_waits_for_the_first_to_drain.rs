//! A client closed twice at once (a shutdown task and the init guard): the second `close`
//! waits for what the first is still draining instead of reporting success at once, so the
//! process does not exit with events still queued.
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::Gate;
use scopeline::protocol::Envelope;
use scopeline::transport::{SendError, Transport};
use scopeline::{Client, ClientOptions, Level, Scope};

#[derive(Debug, Default, Clone)]
struct Counting(Arc<AtomicUsize>);

impl Transport for Counting {
    fn send_envelope(&self, _: Envelope) -> Result<(), SendError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[test]
fn the_second_close_returns_after_the_queued_event_is_delivered() {
    let gate = Gate::closed();
    let delivered = Counting::default();
    // A queue no probe can fill: captures end because the first close began, not because
    // the queue is full.
    let options = gate.holding_the_pipeline(ClientOptions::new().queue_size(1 << 16));
    let client = Client::new(options.transport(delivered.clone()));
    let scope = Scope::new();
    scope.bind_client(Some(client.clone()));
    assert!(scope.capture_message("queued", Level::Error).is_some());

    let first = {
        let client = client.clone();
        std::thread::spawn(move || client.close(Duration::from_secs(30)))
    };
    // The first close has begun once captures are refused; probes taken before are
    // queued too.
    let mut queued = 1;
    while scope.capture_message("probe", Level::Error).is_some() {
        queued += 1;
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(common::dropped(&client, "queue_overflow", "error"), 0);

    let second = {
        let client = client.clone();
        std::thread::spawn(move || client.close(Duration::from_secs(30)))
    };
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !second.is_finished(),
        "the second close returned while the first was still draining"
    );
    gate.set(true);
    second.join().unwrap().unwrap();
    assert_eq!(
        delivered.0.load(Ordering::SeqCst),
        queued,
        "the second close returned before the events were delivered"
    );
    first.join().unwrap().unwrap();
}
