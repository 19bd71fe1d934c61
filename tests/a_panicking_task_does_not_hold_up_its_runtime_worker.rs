//! A panic inside a tokio task is captured, but the hook does not wait for its delivery on
//! the runtime's worker thread (the runtime catches the panic and goes on); a panic that may
//! end the process is flushed first.
//!
//! The transport holds every envelope until the test opens its gate, so what is asserted is
//! the order of events (returned before or after delivery), not how long anything took.
mod common;

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::Gate;

use scopeline::protocol::{Envelope, EnvelopeItem};
use scopeline::transport::{SendError, Transport};
use scopeline::{Client, ClientOptions, Level};

#[derive(Debug)]
struct Gated {
    gate: Arc<Gate>,
    seen: Arc<Mutex<Vec<Level>>>,
}

impl Transport for Gated {
    fn send_envelope(&self, envelope: Envelope) -> Result<(), SendError> {
        self.gate.pass();
        let levels = envelope.items.iter().filter_map(|item| match item {
            EnvelopeItem::Event(e) => Some(e.level),
            _ => None,
        });
        self.seen.lock().unwrap().extend(levels);
        Ok(())
    }
}

#[test]
fn the_hook_waits_only_for_panics_that_may_end_the_process() {
    scopeline::install_panic_hook();
    let gate = Gate::closed();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let client = Client::new(
        ClientOptions::new()
            .shutdown_timeout(Duration::from_secs(60))
            .transport(Gated {
                gate: gate.clone(),
                seen: seen.clone(),
            }),
    );
    scopeline::get_global_scope().bind_client(Some(client.clone()));

    // In a task: the worker thread goes on before the event is delivered. A hook that waited
    // would return only once the gate opens, with the event delivered.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    gate.open_after(Duration::from_secs(5));
    let joined = runtime.block_on(runtime.spawn(async { panic!("task failed") }));
    assert!(joined.unwrap_err().is_panic());
    assert!(
        seen.lock().unwrap().is_empty(),
        "the runtime waited for the panic's delivery"
    );
    client.flush(Duration::from_secs(60)).unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [Level::Fatal],
        "delivered afterwards"
    );

    // On a plain thread, which the panic ends: delivered before the thread is gone. A hook
    // that did not wait would let the thread end while the gate is still closed.
    gate.set(false);
    gate.open_after(Duration::from_millis(500));
    let (done, finished) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let _signal = Signal(done);
        panic!("thread failed");
    });
    finished.recv().unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [Level::Fatal, Level::Fatal],
        "delivered before the thread ended"
    );
    assert!(thread.join().is_err());
    scopeline::get_global_scope().bind_client(None);
}

/// Sends when dropped, which a panicking thread does after its panic hook has run.
struct Signal(mpsc::Sender<()>);

impl Drop for Signal {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}
