//! A client made with `capture_panics(false)` gets no panic events even when the hook is
//! installed (by another client's `init`, or by hand); a client with it on, in the same
//! process, still does.
mod common;

use scopeline::ClientOptions;

#[test]
fn only_the_client_that_asked_for_panics_gets_them() {
    scopeline::install_panic_hook();
    for (capture_panics, expected) in [(false, 0), (true, 1)] {
        scopeline::with_isolation_scope(|_| {
            let (_c, memory) = common::bind(ClientOptions::new().capture_panics(capture_panics));
            let result = scopeline::spawn_thread(|| panic!("worker died")).join();
            assert!(result.is_err());
            assert_eq!(
                memory.events().len(),
                expected,
                "capture_panics({capture_panics})"
            );
        });
    }
}
