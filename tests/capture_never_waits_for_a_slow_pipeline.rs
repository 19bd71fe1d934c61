//! Capture never waits for a slow pipeline: `before_send` runs off the calling task, and a
//! full queue drops (and counts) instead of blocking.
mod common;

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scopeline::{ClientOptions, Level};

#[test]
fn a_blocked_before_send_neither_blocks_capture_nor_loses_count() {
    let (release, gate) = mpsc::channel::<()>();
    let gate = Arc::new(Mutex::new(gate));
    scopeline::with_isolation_scope(|_| {
        let (client, memory) =
            common::bind(ClientOptions::new().queue_size(4).before_send(move |e| {
                // Blocks the pipeline thread until the test lets it go.
                let _ = gate.lock().unwrap().recv();
                Some(e)
            }));
        let start = Instant::now();
        let accepted = (0..50)
            .filter(|_| scopeline::capture_message("m", Level::Error).is_some())
            .count();
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "50 captures took {:?} with the pipeline blocked",
            start.elapsed()
        );
        // One event is inside before_send, at most four wait in the queue; the rest are
        // refused on the spot.
        assert!((4..=5).contains(&accepted), "accepted {accepted}");
        let overflow = common::dropped(&client, "queue_overflow", "error");
        assert_eq!(overflow as usize, 50 - accepted);

        for _ in 0..accepted {
            release.send(()).unwrap();
        }
        assert_eq!(memory.events().len(), accepted);
    });
}
