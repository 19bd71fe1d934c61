//! When a panic may end the process, the hook queues its event, runs the previously
//! installed hook (the usual "thread panicked at" message) and only then flushes: a transport
//! that cannot deliver does not hold the message back for the flush's timeout.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use scopeline::protocol::Envelope;
use scopeline::transport::{SendError, Transport};
use scopeline::{Client, ClientOptions};

/// Flushes only once the previous hook has run (or its timeout ran out), as a transport
/// with a server that does not answer would keep the hook waiting.
#[derive(Debug)]
struct WaitsForTheMessage(Arc<AtomicBool>);

impl Transport for WaitsForTheMessage {
    fn send_envelope(&self, _: Envelope) -> Result<(), SendError> {
        Ok(())
    }

    fn flush(&self, timeout: Duration) -> Result<(), scopeline::transport::FlushError> {
        let deadline = Instant::now() + timeout;
        while !self.0.load(Ordering::SeqCst) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(())
    }
}

#[test]
fn the_previous_hook_runs_before_the_flush() {
    let message_at = Arc::new(std::sync::Mutex::new(None));
    let at = message_at.clone();
    let called = Arc::new(AtomicBool::new(false));
    let seen = called.clone();
    std::panic::set_hook(Box::new(move |_| {
        *at.lock().unwrap() = Some(Instant::now());
        seen.store(true, Ordering::SeqCst);
    }));
    scopeline::install_panic_hook();

    let client = Client::new(
        ClientOptions::new()
            .transport(WaitsForTheMessage(called.clone()))
            .shutdown_timeout(Duration::from_secs(5)),
    );
    let started = Instant::now();
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        let result = scopeline::spawn_thread(|| panic!("disk full")).join();
        assert!(result.is_err());
    });
    assert!(called.load(Ordering::SeqCst));
    let waited = message_at.lock().unwrap().unwrap() - started;
    assert!(
        waited < Duration::from_secs(2),
        "the message waited {waited:?} for the flush"
    );
}
