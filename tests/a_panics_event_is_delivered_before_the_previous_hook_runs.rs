//! When a panic may end the process, the hook captures its event and flushes it before it runs
//! the previously installed hook: a previous hook that ends the process (`exit`, `abort`, as
//! "any panic kills the service" set-ups do) does not lose the event.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use scopeline::protocol::Envelope;
use scopeline::transport::{FlushError, SendError, Transport};
use scopeline::{Client, ClientOptions};

/// Records what happens, in order: the envelope handed over, the previous hook, the flush.
type Log = Arc<Mutex<Vec<String>>>;

#[derive(Debug)]
struct Recording(Log);

impl Transport for Recording {
    fn send_envelope(&self, envelope: Envelope) -> Result<(), SendError> {
        let what = envelope
            .event()
            .and_then(|e| e.exceptions.last())
            .map_or("other".to_owned(), |x| x.ty.clone());
        self.0.lock().unwrap().push(format!("send {what}"));
        Ok(())
    }

    fn flush(&self, _: Duration) -> Result<(), FlushError> {
        self.0.lock().unwrap().push("flush".into());
        Ok(())
    }
}

#[test]
fn the_event_is_sent_and_flushed_then_the_previous_hook_runs() {
    let log = Log::default();
    let seen = log.clone();
    std::panic::set_hook(Box::new(move |_| {
        seen.lock().unwrap().push("previous hook".into());
    }));
    scopeline::install_panic_hook();

    // A pipeline that takes a while: the flush waits for it before the previous hook runs.
    let client = Client::new(
        ClientOptions::new()
            .transport(Recording(log.clone()))
            .before_send(|e| {
                std::thread::sleep(Duration::from_millis(200));
                Some(e)
            })
            .shutdown_timeout(Duration::from_secs(30)),
    );
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        let result = scopeline::spawn_thread(|| panic!("disk full")).join();
        assert!(result.is_err());
    });
    let log = log.lock().unwrap().clone();
    assert_eq!(log, ["send panic", "flush", "previous hook"]);
}
