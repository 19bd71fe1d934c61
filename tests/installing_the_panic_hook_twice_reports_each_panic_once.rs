//! `init` installs the panic hook; a service that also calls `install_panic_hook` itself (as
//! the docs of older SDKs told it to) still gets one event per panic, and the hook it had
//! before runs once per panic, not once per installation.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use scopeline::protocol::Envelope;
use scopeline::transport::{SendError, Transport};

/// Keeps the message of every panic event it is handed.
#[derive(Clone, Debug, Default)]
struct Panics(Arc<Mutex<Vec<String>>>);

impl Transport for Panics {
    fn send_envelope(&self, envelope: Envelope) -> Result<(), SendError> {
        let value = (envelope.event())
            .and_then(|e| e.exceptions.last()?.value.clone())
            .unwrap_or_default();
        // The message, then where the panic happened.
        let message = value.split(" (at ").next().unwrap_or_default().to_owned();
        self.0.lock().unwrap().push(message);
        Ok(())
    }
}

#[test]
fn one_event_and_one_previous_hook_call_per_panic() {
    let previous = Arc::new(AtomicUsize::new(0));
    let seen = previous.clone();
    std::panic::set_hook(Box::new(move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
    }));

    let sent = Panics::default();
    let _guard = scopeline::init(scopeline::ClientOptions::new().transport(sent.clone()));
    scopeline::install_panic_hook();
    scopeline::install_panic_hook();

    for n in 0..3 {
        let result = std::thread::spawn(move || panic!("panic number {n}")).join();
        assert!(result.is_err());
    }
    scopeline::flush(std::time::Duration::from_secs(10)).unwrap();

    let mut messages = sent.0.lock().unwrap().clone();
    messages.sort();
    assert_eq!(
        messages,
        ["panic number 0", "panic number 1", "panic number 2"]
    );
    assert_eq!(previous.load(Ordering::SeqCst), 3);
}
