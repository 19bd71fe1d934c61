//! A background thread with a bounded queue: the capturing task only ever does a `try_send`.
//!
//! Used twice: by the client, to run the event pipeline off the capturing task, and by the
//! built-in transports, to deliver envelopes.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::FlushError;

enum Message<T> {
    Item(T),
    Stop,
}

/// Why [`Worker::send`] handed an item back.
#[derive(Debug)]
pub(crate) enum Rejected<T> {
    /// The queue is full.
    Full(T),
    /// The worker was shut down or its thread is gone.
    Closed(T),
}

struct Progress {
    /// Items taken; incremented before the send so a flush never misses one.
    taken: AtomicU64,
    done: Mutex<Done>,
    changed: Condvar,
    alive: AtomicBool,
}

struct Done {
    /// Items handled (or given up on) by the worker.
    count: u64,
    /// The lowest count a flush waits for; the worker wakes flushers only when it gets
    /// there, not after every item.
    wanted: u64,
}

/// Runs a sink on its own thread, fed through a bounded queue.
pub(crate) struct Worker<T> {
    tx: SyncSender<Message<T>>,
    progress: Arc<Progress>,
    closed: AtomicBool,
}

impl<T> fmt::Debug for Worker<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker")
            .field("taken", &self.progress.taken.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl<T: Send + 'static> Worker<T> {
    /// Starts the thread. `sink` runs there for each item; a panic in it is caught and the
    /// item counted as done.
    pub(crate) fn spawn<S>(name: &str, capacity: usize, mut sink: S) -> std::io::Result<Worker<T>>
    where
        S: FnMut(T) + Send + 'static,
    {
        let (tx, rx) = mpsc::sync_channel::<Message<T>>(capacity);
        let progress = Arc::new(Progress {
            taken: AtomicU64::new(0),
            done: Mutex::new(Done {
                count: 0,
                wanted: u64::MAX,
            }),
            changed: Condvar::new(),
            alive: AtomicBool::new(true),
        });
        let p = progress.clone();
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                while let Ok(Message::Item(item)) = rx.recv() {
                    let _ = catch_unwind(AssertUnwindSafe(|| sink(item)));
                    let mut done = p.done.lock().unwrap_or_else(|e| e.into_inner());
                    done.count += 1;
                    if done.count >= done.wanted {
                        done.wanted = u64::MAX;
                        p.changed.notify_all();
                    }
                }
                // Wakes flushers under the lock, so none can miss it between check and wait.
                let _done = p.done.lock().unwrap_or_else(|e| e.into_inner());
                p.alive.store(false, Ordering::Release);
                p.changed.notify_all();
                drop(_done);
            })?;
        Ok(Worker {
            tx,
            progress,
            closed: AtomicBool::new(false),
        })
    }

    pub(crate) fn send(&self, item: T) -> Result<(), Rejected<T>> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Rejected::Closed(item));
        }
        self.progress.taken.fetch_add(1, Ordering::AcqRel);
        match self.tx.try_send(Message::Item(item)) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.progress.taken.fetch_sub(1, Ordering::AcqRel);
                match e {
                    TrySendError::Full(Message::Item(item)) => Err(Rejected::Full(item)),
                    TrySendError::Disconnected(Message::Item(item)) => Err(Rejected::Closed(item)),
                    _ => unreachable!("only items are sent by `send`"),
                }
            }
        }
    }

    pub(crate) fn flush(&self, timeout: Duration) -> Result<(), FlushError> {
        let target = self.progress.taken.load(Ordering::Acquire);
        let deadline = Instant::now() + timeout;
        let mut done = self.progress.done.lock().unwrap_or_else(|e| e.into_inner());
        while done.count < target {
            if !self.progress.alive.load(Ordering::Acquire) {
                return Err(FlushError::closed());
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(FlushError::timed_out(target - done.count));
            }
            // Re-registered on every wake: the worker resets it when it wakes everyone.
            done.wanted = done.wanted.min(target);
            done = self
                .progress
                .changed
                .wait_timeout(done, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        Ok(())
    }

    pub(crate) fn shutdown(&self, timeout: Duration) -> Result<(), FlushError> {
        let result = self.flush(timeout);
        self.closed.store(true, Ordering::Release);
        // Best effort: a full queue means the thread is busy and exits when the sender drops.
        let _ = self.tx.try_send(Message::Stop);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Envelope;

    #[test]
    fn full_queue_hands_the_envelope_back_and_flush_times_out() {
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let release_rx = Mutex::new(release_rx);
        let worker = Worker::spawn("test", 1, move |_| {
            let _ = release_rx.lock().unwrap().recv();
        })
        .unwrap();
        worker.send(Envelope::new()).unwrap(); // picked up by the thread, which blocks
        std::thread::sleep(Duration::from_millis(50));
        worker.send(Envelope::new()).unwrap(); // fills the queue
        assert!(matches!(
            worker.send(Envelope::new()),
            Err(Rejected::Full(_))
        ));
        let err = worker.flush(Duration::from_millis(20)).unwrap_err();
        assert!(err.is_timeout());
        assert_eq!(err.pending(), 2);
        release_tx.send(()).unwrap();
        release_tx.send(()).unwrap();
        worker.flush(Duration::from_secs(5)).unwrap();
        worker.shutdown(Duration::from_secs(1)).unwrap();
        assert!(matches!(
            worker.send(Envelope::new()),
            Err(Rejected::Closed(_))
        ));
    }

    #[test]
    fn a_panicking_sink_does_not_stop_the_worker() {
        let count = Arc::new(AtomicU64::new(0));
        let c = count.clone();
        let worker = Worker::spawn("test", 8, move |_| {
            if c.fetch_add(1, Ordering::SeqCst) == 0 {
                panic!("sink failure");
            }
        })
        .unwrap();
        for _ in 0..3 {
            worker.send(Envelope::new()).unwrap();
        }
        worker.flush(Duration::from_secs(5)).unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 3);
    }
}
