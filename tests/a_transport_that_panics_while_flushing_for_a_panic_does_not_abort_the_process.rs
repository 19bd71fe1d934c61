//! The panic hook flushes before the previous hook runs. A custom transport whose `flush`
//! panics there must not take the process down: a panic raised inside a panic hook aborts,
//! past every `catch_unwind`, so the flush runs on a thread of its own.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use scopeline::protocol::Envelope;
use scopeline::transport::{FlushError, SendError, Transport};
use scopeline::{Client, ClientOptions};

#[derive(Debug)]
struct PanicsOnFlush(Arc<Mutex<u32>>);

impl Transport for PanicsOnFlush {
    fn send_envelope(&self, _: Envelope) -> Result<(), SendError> {
        *self.0.lock().unwrap() += 1;
        Ok(())
    }

    fn flush(&self, _: Duration) -> Result<(), FlushError> {
        panic!("bug in the transport's flush")
    }
}

#[test]
fn the_panicking_thread_unwinds_and_the_previous_hook_runs() {
    let hooks = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = hooks.clone();
    std::panic::set_hook(Box::new(move |info| {
        let message = (info.payload().downcast_ref::<&str>().copied()).unwrap_or("other");
        seen.lock().unwrap().push(message.to_owned());
    }));
    scopeline::install_panic_hook();

    let sent = Arc::new(Mutex::new(0));
    let client = Client::new(
        ClientOptions::new()
            .transport(PanicsOnFlush(sent.clone()))
            .shutdown_timeout(Duration::from_secs(5)),
    );
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        // Without the fix the process aborts here.
        let result = scopeline::spawn_thread(|| panic!("disk full")).join();
        assert!(result.is_err());
    });
    assert!(
        hooks.lock().unwrap().iter().any(|m| m == "disk full"),
        "the previous hook ran: {:?}",
        hooks.lock().unwrap()
    );
    assert_eq!(
        *sent.lock().unwrap(),
        1,
        "the panic's event was handed over"
    );
}
