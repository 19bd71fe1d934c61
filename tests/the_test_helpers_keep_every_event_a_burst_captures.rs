//! The captured-events helpers keep every event a test captures, however fast it captures
//! them: their client's queue does not overflow at the default size. A queue size the test
//! sets itself is kept, so a test can still see overflow.
#![cfg(feature = "test-util")]

use scopeline::testing::{with_captured_events, with_captured_events_options};
use scopeline::{ClientOptions, Level};

const BURST: usize = 20_000;

fn burst() {
    for i in 0..BURST {
        scopeline::capture_message(&format!("event {i}"), Level::Info);
    }
}

#[test]
fn a_burst_is_kept_whole() {
    let events = with_captured_events(burst);
    assert_eq!(events.len(), BURST);
    assert_eq!(events[BURST - 1].message.as_deref(), Some("event 19999"));
}

#[test]
fn a_queue_size_the_test_sets_is_kept() {
    let events = with_captured_events_options(ClientOptions::new().queue_size(1), burst);
    assert!(events.len() < BURST, "{} of {BURST} kept", events.len());
}
