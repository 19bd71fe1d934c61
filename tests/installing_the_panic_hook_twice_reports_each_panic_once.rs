//! `init` installs the panic hook; a service that also calls `install_panic_hook` itself (as
//! the docs of older SDKs told it to) still gets one event per panic, and the hook it had
//! before runs once per panic, not once per installation.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[test]
fn one_event_and_one_previous_hook_call_per_panic() {
    let previous = Arc::new(AtomicUsize::new(0));
    let seen = previous.clone();
    std::panic::set_hook(Box::new(move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
    }));

    let memory = scopeline::testing::CapturingTransport::new();
    let _guard = scopeline::init(scopeline::ClientOptions::new().transport(memory.clone()));
    scopeline::install_panic_hook();
    scopeline::install_panic_hook();

    for n in 0..3 {
        let result = std::thread::spawn(move || panic!("panic number {n}")).join();
        assert!(result.is_err());
    }
    scopeline::flush(std::time::Duration::from_secs(10)).unwrap();

    let mut messages: Vec<_> = (memory.events().iter())
        .map(|e| {
            let value = e.exceptions.last().expect("a panic event").value.clone();
            // The message, then where the panic happened.
            value.unwrap().split(" (at ").next().unwrap().to_owned()
        })
        .collect();
    messages.sort();
    assert_eq!(
        messages,
        ["panic number 0", "panic number 1", "panic number 2"]
    );
    assert_eq!(previous.load(Ordering::SeqCst), 3);
}
