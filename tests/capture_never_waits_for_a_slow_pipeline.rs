//! Capture never waits for a slow pipeline: `before_send` runs off the calling task, and a
//! full queue drops (and counts) instead of blocking.
mod common;

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use scopeline::{ClientOptions, Level};

#[test]
fn a_blocked_before_send_neither_blocks_capture_nor_loses_count() {
    let (entered, in_before_send) = mpsc::channel::<()>();
    let (release, gate) = mpsc::channel::<()>();
    let gate = Arc::new(Mutex::new(gate));
    let entered = Mutex::new(entered);
    scopeline::with_isolation_scope(|_| {
        let (client, memory) =
            common::bind(ClientOptions::new().queue_size(4).before_send(move |e| {
                // Says it holds an event, then blocks the pipeline thread until the test
                // lets it go.
                let _ = entered.lock().unwrap().send(());
                let _ = gate.lock().unwrap().recv();
                Some(e)
            }));
        assert!(scopeline::capture_message("first", Level::Error).is_some());
        in_before_send
            .recv_timeout(Duration::from_secs(30))
            .expect("the pipeline takes the first event");

        // With the pipeline held in before_send, 49 more captures from another thread: were
        // capture to wait for room in the queue, they would never finish.
        let (done, finished) = mpsc::channel();
        scopeline::spawn_thread(move || {
            let accepted = (0..49)
                .filter(|_| scopeline::capture_message("m", Level::Error).is_some())
                .count();
            done.send(accepted).unwrap();
        });
        let accepted = finished
            .recv_timeout(Duration::from_secs(30))
            .expect("captures return while the pipeline is blocked");
        // The pipeline holds four events, the one in before_send among them: three more
        // fit, the rest are refused on the spot and counted.
        assert_eq!(accepted, 3);
        assert_eq!(common::dropped(&client, "queue_overflow", "error"), 46);

        for _ in 0..4 {
            release.send(()).unwrap();
        }
        assert_eq!(memory.events().len(), 4);
    });
}
