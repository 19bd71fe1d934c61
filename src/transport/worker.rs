//! A background thread with a bounded queue: the capturing task only ever does a `try_send`.
//!
//! Used twice: by the client, to run the event pipeline off the capturing task, and by the
//! built-in transports, to deliver envelopes.

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

// The queue's own synchronization, model-checked with loom (see `loom_checks` below).
#[cfg(scopeline_loom)]
use loom::{
    sync::atomic::{AtomicBool, AtomicU64, Ordering},
    sync::{Arc, Condvar, Mutex, MutexGuard},
    thread,
};
#[cfg(not(scopeline_loom))]
use std::{
    sync::atomic::{AtomicBool, AtomicU64, Ordering},
    sync::{Arc, Condvar, Mutex, MutexGuard},
    thread,
};

use super::FlushError;

/// How long a lingering worker's thread waits for more items after its queue runs dry before
/// it parks. While it waits, senders do not wake it: under load, items are taken in batches
/// and a send is a lock and a push, not a thread wake-up (a futex call and a context switch
/// each). For workers fed by capturing tasks, whose every microsecond counts; a worker fed
/// by another scopeline thread parks at once, so that it works while that thread does.
pub(crate) const LINGER: Duration = Duration::from_millis(2);

/// Why [`Worker::send`] handed an item back.
#[derive(Debug)]
pub(crate) enum Rejected<T> {
    /// The queue is full.
    Full(T),
    /// The worker was shut down or its thread is gone.
    Closed(T),
}

struct Queue<T> {
    items: VecDeque<T>,
    /// Items the thread took and has not finished: they count against the capacity, so
    /// what waits or runs never exceeds it.
    in_flight: usize,
    /// The thread waits for a notification, not a timeout: the next send wakes it.
    parked: bool,
    stop: bool,
}

struct Shared<T> {
    queue: Mutex<Queue<T>>,
    ready: Condvar,
    capacity: usize,
    /// [`LINGER`] or zero.
    linger: Duration,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, Queue<T>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for items and takes them all, or returns `None` once stopped and drained.
    fn next_batch(&self, spare: &mut VecDeque<T>) -> Option<()> {
        let mut queue = self.lock();
        let mut lingered = false;
        loop {
            if !queue.items.is_empty() {
                std::mem::swap(&mut queue.items, spare);
                queue.in_flight = spare.len();
                return Some(());
            }
            if queue.stop {
                return None;
            }
            if lingered || self.linger.is_zero() {
                queue.parked = true;
                queue = self.ready.wait(queue).unwrap_or_else(|e| e.into_inner());
                queue.parked = false;
            } else {
                lingered = true;
                queue = self.linger(queue);
            }
        }
    }

    /// Lets senders push for a moment without waking the thread.
    #[cfg(not(scopeline_loom))]
    fn linger<'a>(&'a self, queue: MutexGuard<'a, Queue<T>>) -> MutexGuard<'a, Queue<T>> {
        self.ready
            .wait_timeout(queue, self.linger)
            .unwrap_or_else(|e| e.into_inner())
            .0
    }

    /// Loom's condition variable never times out; the linger is the lock let go while
    /// other threads run, which is all the protocol may assume of it.
    #[cfg(scopeline_loom)]
    fn linger<'a>(&'a self, queue: MutexGuard<'a, Queue<T>>) -> MutexGuard<'a, Queue<T>> {
        let _ = LINGER;
        drop(queue);
        thread::yield_now();
        self.lock()
    }

    fn stop(&self) {
        self.lock().stop = true;
        self.ready.notify_all();
    }
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
    shared: Arc<Shared<T>>,
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
    /// item counted as done. `linger` is [`LINGER`] or zero (see there).
    pub(crate) fn spawn<S>(
        name: &str,
        capacity: usize,
        linger: Duration,
        mut sink: S,
    ) -> std::io::Result<Worker<T>>
    where
        S: FnMut(T) + Send + 'static,
    {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                items: VecDeque::new(),
                in_flight: 0,
                parked: false,
                stop: false,
            }),
            ready: Condvar::new(),
            capacity,
            linger,
        });
        let progress = Arc::new(Progress {
            taken: AtomicU64::new(0),
            done: Mutex::new(Done {
                count: 0,
                wanted: u64::MAX,
            }),
            changed: Condvar::new(),
            alive: AtomicBool::new(true),
        });
        let (q, p) = (shared.clone(), progress.clone());
        thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let mut batch = VecDeque::new();
                while q.next_batch(&mut batch).is_some() {
                    let n = batch.len() as u64;
                    for item in batch.drain(..) {
                        // Marked as a callback, so the panic hook neither captures the panic
                        // nor waits on this very thread to flush it.
                        crate::client::guarded("worker sink", || sink(item));
                        // Each item's room is given back as soon as it is handled: a batch
                        // the thread works through slowly (envelopes to a slow server) holds
                        // only what it has left, and the queue takes new items meanwhile.
                        // Given back before a flusher learns the batch is done, so a sender
                        // that waited for the flush finds the whole capacity free.
                        q.lock().in_flight -= 1;
                    }
                    let mut done = p.done.lock().unwrap_or_else(|e| e.into_inner());
                    done.count += n;
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
            shared,
            progress,
            closed: AtomicBool::new(false),
        })
    }

    pub(crate) fn send(&self, item: T) -> Result<(), Rejected<T>> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Rejected::Closed(item));
        }
        let mut queue = self.shared.lock();
        if queue.stop || !self.progress.alive.load(Ordering::Acquire) {
            return Err(Rejected::Closed(item));
        }
        if queue.items.len() + queue.in_flight >= self.shared.capacity {
            return Err(Rejected::Full(item));
        }
        // Counted before the thread can take it, so a flush never misses it.
        self.progress.taken.fetch_add(1, Ordering::AcqRel);
        queue.items.push_back(item);
        let wake = std::mem::take(&mut queue.parked);
        drop(queue);
        if wake {
            self.shared.ready.notify_one();
        }
        Ok(())
    }

    pub(crate) fn flush(&self, timeout: Duration) -> Result<(), FlushError> {
        let target = self.progress.taken.load(Ordering::Acquire);
        // Do not leave queued items waiting out the thread's linger.
        self.shared.ready.notify_one();
        self.wait_done(target, timeout)
    }

    /// Waits until `target` items are handled: woken by the thread, never by polling.
    fn wait_done(&self, target: u64, timeout: Duration) -> Result<(), FlushError> {
        let deadline = deadline_after(timeout);
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
        // The thread drains what is queued, then exits.
        self.shared.stop();
        result
    }
}

/// When `timeout` from now runs out. A timeout too long to add to the clock, such as
/// `Duration::MAX` for "wait as long as it takes", is a century: `Instant + Duration` would
/// panic, and in the panic hook's flush a panic aborts the process.
pub(crate) fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    const DAY: Duration = Duration::from_secs(24 * 60 * 60);
    (now.checked_add(timeout.min(LONGEST_WAIT)))
        .or_else(|| now.checked_add(timeout.min(DAY)))
        .unwrap_or(now)
}

/// The longest wait scopeline asks the clock (or the HTTP client) for: a century.
pub(crate) const LONGEST_WAIT: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

impl<T> Drop for Worker<T> {
    /// Tells the thread to stop once drained; never joins it. A worker may be dropped on its
    /// own thread: the client's last reference can be a queued job's (a transaction holds
    /// its client), released by the pipeline thread after processing it.
    fn drop(&mut self) {
        self.shared.stop();
    }
}

#[cfg(all(test, not(scopeline_loom)))]
mod tests {
    use std::sync::mpsc;

    use super::*;
    use crate::protocol::Envelope;

    #[test]
    fn full_queue_hands_the_envelope_back_and_flush_times_out() {
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let release_rx = Mutex::new(release_rx);
        // Room for two: the one the thread runs and one waiting.
        let worker = Worker::spawn("test", 2, LINGER, move |_| {
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

    /// The room of a batch's items comes back one by one as they are handled, not when the
    /// whole batch is: a slow batch does not shrink the queue for as long as it takes.
    #[test]
    fn room_comes_back_as_each_item_of_a_batch_is_handled() {
        let (started_tx, started_rx) = mpsc::channel::<u32>();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let release_rx = Mutex::new(release_rx);
        // Items 1 and 3 wait to be released; item 2 passes at once.
        let worker = Worker::spawn("test", 3, Duration::ZERO, move |n: u32| {
            started_tx.send(n).unwrap();
            if n != 2 {
                let _ = release_rx.lock().unwrap().recv();
            }
        })
        .unwrap();
        worker.send(1).unwrap();
        assert_eq!(started_rx.recv().unwrap(), 1);
        // 2 and 3 wait behind 1, and are then taken as one batch.
        worker.send(2).unwrap();
        worker.send(3).unwrap();
        assert!(matches!(worker.send(99), Err(Rejected::Full(99))));
        release_tx.send(()).unwrap();
        assert_eq!(started_rx.recv().unwrap(), 2);
        assert_eq!(started_rx.recv().unwrap(), 3);
        // 2 is done and 3 runs: one of the three places is taken, two are free.
        worker.send(4).unwrap();
        worker.send(5).unwrap();
        assert!(matches!(worker.send(99), Err(Rejected::Full(99))));
        for _ in 0..3 {
            release_tx.send(()).unwrap();
        }
        worker.flush(Duration::from_secs(5)).unwrap();
        worker.shutdown(Duration::from_secs(1)).unwrap();
    }

    #[test]
    fn a_panicking_sink_does_not_stop_the_worker() {
        let count = Arc::new(AtomicU64::new(0));
        let c = count.clone();
        let worker = Worker::spawn("test", 8, Duration::ZERO, move |_| {
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

/// Model checks of the queue protocol: every interleaving of senders, the thread, flush and
/// shutdown, up to loom's bounds. Run with
/// `RUSTFLAGS="--cfg scopeline_loom" cargo test --release --lib loom_checks`.
#[cfg(all(test, scopeline_loom))]
mod loom_checks {
    use super::*;

    fn counting(capacity: usize) -> (Worker<u32>, Arc<AtomicU64>) {
        let handled = Arc::new(AtomicU64::new(0));
        let h = handled.clone();
        let worker = Worker::spawn("loom", capacity, LINGER, move |_| {
            h.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
        (worker, handled)
    }

    /// No lost wake-up: whatever the thread is doing (taking a batch, lingering, parking)
    /// when items arrive, a flush returns once they are all handled, without a timeout.
    #[test]
    fn flush_sees_every_item_sent_before_it() {
        loom::model(|| {
            let (worker, handled) = counting(4);
            let worker = Arc::new(worker);
            let w = worker.clone();
            let sender = thread::spawn(move || w.send(1).is_ok());
            assert!(worker.send(2).is_ok());
            let other_sent = sender.join().unwrap();
            worker.flush(Duration::from_secs(3600)).unwrap();
            assert_eq!(handled.load(Ordering::SeqCst), 1 + u64::from(other_sent));
            worker.shutdown(Duration::from_secs(3600)).unwrap();
        });
    }

    /// The capacity counts what waits and what runs: never more accepted than fit, each
    /// rejection is reported, and what was accepted is handled.
    #[test]
    fn the_capacity_holds_under_concurrent_senders() {
        loom::model(|| {
            let (worker, handled) = counting(1);
            let worker = Arc::new(worker);
            let w = worker.clone();
            let sender = thread::spawn(move || w.send(1).is_ok());
            let mine = worker.send(2).is_ok();
            let theirs = sender.join().unwrap();
            assert!(mine || theirs, "an empty queue takes at least one");
            worker.shutdown(Duration::from_secs(3600)).unwrap();
            assert_eq!(
                handled.load(Ordering::SeqCst),
                u64::from(mine) + u64::from(theirs)
            );
        });
    }

    /// A send wakes a parked thread by itself: an item is handled without any flush.
    #[test]
    fn a_send_wakes_the_thread() {
        loom::model(|| {
            let (worker, handled) = counting(2);
            // The second send may find the thread taking, lingering or parked.
            for n in 1..=2 {
                assert!(worker.send(n).is_ok());
                worker
                    .wait_done(u64::from(n), Duration::from_secs(3600))
                    .unwrap();
                assert_eq!(handled.load(Ordering::SeqCst), u64::from(n));
            }
        });
    }

    /// Once a flush has returned, the whole capacity is free again: the batch it waited for
    /// no longer counts against it, whichever way the thread waits for work.
    #[test]
    fn after_a_flush_the_whole_capacity_is_free() {
        for linger in [LINGER, Duration::ZERO] {
            loom::model(move || {
                let worker = Worker::spawn("loom", 1, linger, |_: u32| {}).unwrap();
                for n in 1..=2 {
                    assert!(worker.send(n).is_ok(), "send {n} refused");
                    worker.flush(Duration::from_secs(3600)).unwrap();
                }
            });
        }
    }

    /// Shutdown drains what was queued, and nothing is accepted after it.
    #[test]
    fn shutdown_drains_and_then_refuses() {
        loom::model(|| {
            let (worker, handled) = counting(2);
            assert!(worker.send(1).is_ok());
            worker.shutdown(Duration::from_secs(3600)).unwrap();
            assert_eq!(handled.load(Ordering::SeqCst), 1);
            assert!(matches!(worker.send(2), Err(Rejected::Closed(_))));
        });
    }
}
