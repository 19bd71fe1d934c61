//! Soak: 100,000 isolated tasks alive at once on a multi-thread runtime, each with 5 tags and
//! 10 breadcrumbs, one in a hundred capturing an error. No task sees another's data, memory
//! per live task is bounded, and it all comes back when the tasks end. The test prints the
//! bytes per live isolated task that the README reports (run it with `--nocapture`).
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::alloc::{Counting, live_bytes};
use scopeline::protocol::Envelope;
use scopeline::transport::{SendError, Transport};
use scopeline::{Breadcrumb, Client, ClientOptions, Level};
use tokio::sync::Semaphore;

#[global_allocator]
static ALLOC: Counting = Counting;

const TASKS: usize = 100_000;
const TAGS: usize = 5;
const CRUMBS: usize = 10;

/// Checks each event as it leaves (only its own task's tags and breadcrumbs), then lets it
/// go, so the memory after the tasks end is theirs to give back.
#[derive(Clone, Debug, Default)]
struct Checker {
    seen: Arc<AtomicUsize>,
    crossed: Arc<AtomicUsize>,
}

impl Transport for Checker {
    fn send_envelope(&self, envelope: Envelope) -> Result<(), SendError> {
        if let Some(e) = envelope.event() {
            self.seen.fetch_add(1, Ordering::Relaxed);
            let own = e.message.as_deref().unwrap_or_default();
            let prefix = format!("{own} ");
            let ok = e.tags.len() == TAGS
                && e.tags.values().all(|v| v == own)
                && e.breadcrumbs.len() == CRUMBS
                && e.breadcrumbs.iter().all(|c| {
                    c.message
                        .as_deref()
                        .unwrap_or_default()
                        .starts_with(&prefix)
                });
            if !ok {
                self.crossed.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(())
    }
}

/// Runs `TASKS` tasks made by `make`, waits until all are alive and parked, measures, lets
/// them finish, and returns the bytes the live tasks held on top of `before`.
async fn live_cost<F>(make: impl Fn(usize, Arc<AtomicUsize>, Arc<Semaphore>) -> F) -> usize
where
    F: Future<Output = ()> + Send + 'static,
{
    let ready = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(Semaphore::new(0));
    let before = live_bytes();
    let handles: Vec<_> = (0..TASKS)
        .map(|n| tokio::spawn(make(n, ready.clone(), gate.clone())))
        .collect();
    while ready.load(Ordering::Acquire) < TASKS {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The handles themselves are the test's, not the tasks'.
    let handles_bytes = handles.capacity() * size_of::<tokio::task::JoinHandle<()>>();
    let during = live_bytes().saturating_sub(before + handles_bytes);
    gate.add_permits(TASKS);
    for h in handles {
        h.await.unwrap();
    }
    during
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_thousand_live_isolated_tasks() {
    let checker = Checker::default();
    let client = Client::new(
        ClientOptions::new()
            .max_breadcrumbs(CRUMBS)
            .queue_size(TASKS / 100 + 1)
            .transport(checker.clone()),
    );
    // Everything lazily made once per process (the runtime's pools, the client's threads) is
    // made before the baseline.
    live_cost(|_, ready, gate| async move {
        ready.fetch_add(1, Ordering::Release);
        let _ = gate.acquire().await.unwrap();
    })
    .await;
    let baseline = live_bytes();

    // The same tasks with no scopes: what tokio itself costs per parked task.
    let bare = live_cost(|_, ready, gate| async move {
        ready.fetch_add(1, Ordering::Release);
        let _ = gate.acquire().await.unwrap();
    })
    .await;

    let crossed = Arc::new(AtomicUsize::new(0));
    let scoped = live_cost(|n, ready, gate| {
        let client = client.clone();
        let crossed = crossed.clone();
        scopeline::isolation_scope(async move {
            let scope = scopeline::get_isolation_scope();
            scope.bind_client(Some(client));
            for t in 0..TAGS {
                scopeline::set_tag(format!("tag{t}"), format!("task-{n}"));
            }
            for c in 0..CRUMBS {
                scopeline::add_breadcrumb(
                    Breadcrumb::new(format!("task-{n} step {c}")).with_data("task", n),
                );
            }
            ready.fetch_add(1, Ordering::Release);
            let _ = gate.acquire().await.unwrap();
            // Every other task was alive in between: the scope still holds only this one's data.
            let own = format!("task-{n}");
            let tags_ok =
                (0..TAGS).all(|t| scope.tag(&format!("tag{t}")).as_deref() == Some(&*own));
            let crumbs = scope.breadcrumbs();
            let crumbs_ok = crumbs.len() == CRUMBS && crumbs.iter().all(|c| c.data["task"] == n);
            if !(tags_ok && crumbs_ok) {
                crossed.fetch_add(1, Ordering::Relaxed);
            }
            if n % 100 == 0 {
                scopeline::capture_message(&own, Level::Error).unwrap();
            }
        })
    })
    .await;
    assert_eq!(
        crossed.load(Ordering::Relaxed),
        0,
        "tasks saw each other's data"
    );

    // The captured events carry only their own task's data.
    client.flush(Duration::from_secs(30)).unwrap();
    assert_eq!(checker.seen.load(Ordering::Relaxed), TASKS / 100);
    assert_eq!(
        checker.crossed.load(Ordering::Relaxed),
        0,
        "events carried others' data"
    );
    let after = live_bytes();

    let per_task = scoped / TASKS;
    let tokio_per_task = bare / TASKS;
    eprintln!(
        "soak: {TASKS} live isolated tasks with {TAGS} tags and {CRUMBS} breadcrumbs each: \
         {per_task} bytes per task ({tokio_per_task} of them tokio's own task); \
         live memory after they ended: {} bytes over the baseline",
        after as isize - baseline as isize
    );
    // Bounded while they live: measured at about 10 KiB, most of it the breadcrumbs' data
    // maps; far more would be a leak per task.
    assert!(per_task < 16 * 1024, "{per_task} bytes per live task");
    // Back to the baseline once they end.
    assert!(
        after < baseline + 1024 * 1024,
        "{} bytes over the baseline after the tasks ended",
        after - baseline
    );
}
