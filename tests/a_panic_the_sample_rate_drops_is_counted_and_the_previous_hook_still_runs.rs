//! A panic the client's `sample_rate` drops is counted as a `sample_rate` drop, sends
//! nothing, and the hook installed before scopeline's still runs.
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use scopeline::ClientOptions;

#[test]
fn the_drop_is_counted_and_the_previous_hook_runs() {
    let previous = Arc::new(AtomicUsize::new(0));
    let seen = previous.clone();
    std::panic::set_hook(Box::new(move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
    }));
    scopeline::install_panic_hook();
    scopeline::with_isolation_scope(|_| {
        let (client, memory) = common::bind(ClientOptions::new().sample_rate(0.0));
        let result = scopeline::spawn_thread(|| panic!("dropped by the draw")).join();
        assert!(result.is_err());
        assert!(memory.events().is_empty());
        assert_eq!(common::dropped(&client, "sample_rate", "error"), 1);
    });
    assert_eq!(previous.load(Ordering::SeqCst), 1);
}
