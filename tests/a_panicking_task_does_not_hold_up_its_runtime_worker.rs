//! A panic inside a tokio task is captured, but the hook does not wait for its delivery on
//! the runtime's worker thread (the runtime catches the panic and goes on); a panic that may
//! end the process is flushed first.
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scopeline::protocol::Envelope;
use scopeline::transport::{SendError, Transport};
use scopeline::{Client, ClientOptions, Level};

/// A transport that takes a while with every envelope, like a slow server.
#[derive(Debug)]
struct Slow {
    delay: Duration,
    seen: Arc<Mutex<Vec<Level>>>,
}

impl Transport for Slow {
    fn send_envelope(&self, envelope: Envelope) -> Result<(), SendError> {
        std::thread::sleep(self.delay);
        let levels = envelope.items.iter().filter_map(|item| match item {
            scopeline::protocol::EnvelopeItem::Event(e) => Some(e.level),
            _ => None,
        });
        self.seen.lock().unwrap().extend(levels);
        Ok(())
    }
}

const DELAY: Duration = Duration::from_millis(1500);

fn slow_client() -> (Client, Arc<Mutex<Vec<Level>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let client = Client::new(
        ClientOptions::new()
            .shutdown_timeout(Duration::from_secs(10))
            .transport(Slow {
                delay: DELAY,
                seen: seen.clone(),
            }),
    );
    (client, seen)
}

#[test]
fn the_hook_waits_only_for_panics_that_may_end_the_process() {
    scopeline::install_panic_hook();
    let (client, seen) = slow_client();
    scopeline::get_global_scope().bind_client(Some(client.clone()));

    // In a task: the worker thread goes on at once, and the event still arrives.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let started = Instant::now();
    let joined = runtime.block_on(runtime.spawn(async { panic!("task failed") }));
    let in_task = started.elapsed();
    assert!(joined.unwrap_err().is_panic());
    assert!(
        in_task < DELAY / 2,
        "the runtime waited {in_task:?} for the panic's delivery"
    );
    client.flush(Duration::from_secs(10)).unwrap();
    assert_eq!(*seen.lock().unwrap(), [Level::Fatal]);

    // On a plain thread, which the panic ends: delivered before the thread is gone.
    let (done, finished) = mpsc::channel();
    let started = Instant::now();
    let thread = std::thread::spawn(move || {
        let _signal = Signal(done);
        panic!("thread failed");
    });
    finished.recv().unwrap();
    let on_thread = started.elapsed();
    assert!(thread.join().is_err());
    assert_eq!(
        seen.lock().unwrap().len(),
        2,
        "delivered before the thread ended"
    );
    assert!(on_thread >= DELAY, "the thread ended after {on_thread:?}");
    scopeline::get_global_scope().bind_client(None);
}

/// Sends when dropped, which a panicking thread does after its panic hook has run.
struct Signal(mpsc::Sender<()>);

impl Drop for Signal {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}
