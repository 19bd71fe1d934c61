//! End to end against a real Sentry-compatible server: a local Bugsink started by the
//! project's own script (`scripts/bugsink`, which installs it into a virtualenv under
//! `target/bugsink` on first use; Python 3 and curl are needed). Concurrent isolated tasks
//! capture errors through the public API; Bugsink's own database must then hold each event
//! once, whole, with its own request's tags, user, context, breadcrumbs and exception chain.
//!
//! On a machine without Python, leave it out with `--skip live_bugsink`: the test harness
//! then reports it as filtered out rather than passed.
#![cfg(feature = "http")]

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use scopeline::{Breadcrumb, Client, ClientOptions, User};

const REQUESTS: usize = 24;

#[derive(Debug)]
struct Failed {
    request: usize,
    source: std::io::Error,
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "request {} failed", self.request)
    }
}

impl std::error::Error for Failed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

fn bugsink(args: &[&str]) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/bugsink");
    let out = Command::new(script)
        .args(args)
        .output()
        .expect("scripts/bugsink runs");
    assert!(
        out.status.success(),
        "scripts/bugsink {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Every stored event carrying tag `run` = `run`, by event id.
fn stored_events(run: &str) -> HashMap<String, serde_json::Value> {
    bugsink(&["events"])
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("a JSON line"))
        .filter(|e| e["data"]["tags"]["run"] == run)
        .map(|e| (e["event_id"].as_str().unwrap().to_owned(), e))
        .fold(HashMap::new(), |mut by_id, (id, e)| {
            assert!(
                by_id.insert(id.clone(), e).is_none(),
                "event {id} stored twice"
            );
            by_id
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn live_bugsink_gets_concurrent_requests_once_each_with_only_their_own_context() {
    let dsn = tokio::task::spawn_blocking(|| bugsink(&["start"]))
        .await
        .unwrap()
        .trim()
        .to_owned();
    let run = uuid::Uuid::new_v4().simple().to_string();
    let client = Client::new(ClientOptions::new().dsn(dsn).release("scopeline-e2e@1.0.0"));
    scopeline::get_isolation_scope().bind_client(Some(client.clone()));
    scopeline::get_isolation_scope().set_tag("run", run.clone());

    let tasks: Vec<_> = (0..REQUESTS)
        .map(|i| {
            scopeline::spawn_isolated(async move {
                scopeline::set_tag("request_id", format!("req-{i}"));
                scopeline::set_user(Some(User::with_id(format!("user-{i}"))));
                let mut order = serde_json::Map::new();
                order.insert("id".into(), i.into());
                scopeline::set_context("order", order);
                scopeline::add_breadcrumb(Breadcrumb::new(format!("request {i} received")));
                tokio::task::yield_now().await;
                scopeline::add_breadcrumb(Breadcrumb::new(format!("request {i} queried")));
                let err = Failed {
                    request: i,
                    source: std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("db timeout {i}"),
                    ),
                };
                (i, scopeline::capture_error(&err).expect("an event id"))
            })
        })
        .collect();
    let mut sent = HashMap::new();
    for task in tasks {
        let (i, id) = task.await.unwrap();
        sent.insert(id.to_string(), i);
    }
    client
        .flush_async(Duration::from_secs(30))
        .await
        .expect("every envelope delivered");

    let stored = tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let stored = stored_events(&run);
            if stored.len() >= REQUESTS || Instant::now() > deadline {
                return stored;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    })
    .await
    .unwrap();

    assert_eq!(stored.len(), REQUESTS, "each event stored once");
    assert_eq!(client.discarded_events(), [], "nothing dropped");
    for (id, event) in &stored {
        let i = *sent
            .get(id)
            .unwrap_or_else(|| panic!("{id} was not sent by this run"));
        let data = &event["data"];
        assert_eq!(data["tags"]["request_id"], format!("req-{i}"), "{id}");
        assert_eq!(
            event["tags"]["request_id"],
            format!("req-{i}"),
            "Bugsink's tag index"
        );
        assert_eq!(data["user"]["id"], format!("user-{i}"));
        assert_eq!(data["contexts"]["order"]["id"], i);
        assert_eq!(event["release"], "scopeline-e2e@1.0.0");
        let crumbs: Vec<_> = data["breadcrumbs"]["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["message"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            crumbs,
            [
                format!("request {i} received"),
                format!("request {i} queried")
            ]
        );
        let chain: Vec<_> = data["exception"]["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["value"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            chain,
            [format!("db timeout {i}"), format!("request {i} failed")]
        );
        assert!(data["contexts"]["trace"]["trace_id"].is_string());
    }
}
