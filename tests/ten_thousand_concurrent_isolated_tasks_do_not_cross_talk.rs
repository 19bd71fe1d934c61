//! Ten thousand concurrent isolated tasks do not cross talk.
mod common;

use std::collections::HashSet;

use scopeline::{Breadcrumb, ClientOptions, Level, User};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_event_carries_only_its_own_request() {
    const TASKS: usize = 10_000;
    // A queue that holds every event: this test is about cross-talk, not about bursts.
    let (client, memory) =
        common::client(ClientOptions::new().max_breadcrumbs(10).queue_size(TASKS));
    let handles: Vec<_> = (0..TASKS)
        .map(|n| {
            let client = client.clone();
            scopeline::spawn_isolated(async move {
                scopeline::get_isolation_scope().bind_client(Some(client));
                scopeline::set_user(Some(User::with_id(format!("user-{n}"))));
                scopeline::set_tag("request_id", format!("req-{n}"));
                for step in 0..3 {
                    scopeline::add_breadcrumb(Breadcrumb::new(format!("req-{n} step {step}")));
                    tokio::task::yield_now().await;
                }
                // A child task shares the request's isolation scope.
                scopeline::spawn(async move {
                    scopeline::add_breadcrumb(Breadcrumb::new(format!("req-{n} child")));
                })
                .await
                .unwrap();
                scopeline::capture_message("failed", Level::Error).unwrap()
            })
        })
        .collect();
    let mut ids = HashSet::new();
    for h in handles {
        assert!(ids.insert(h.await.unwrap()));
    }

    let events = memory.events();
    assert_eq!(events.len(), TASKS);
    let mut traces = HashSet::new();
    for e in &events {
        let req = &e.tags["request_id"];
        let n = req.strip_prefix("req-").unwrap();
        assert_eq!(
            e.user.as_ref().unwrap().id.as_deref(),
            Some(&*format!("user-{n}"))
        );
        assert_eq!(e.breadcrumbs.len(), 4, "{req}: {:?}", e.breadcrumbs);
        for crumb in &e.breadcrumbs {
            let msg = crumb.message.as_deref().unwrap();
            assert!(msg.starts_with(&format!("{req} ")), "{req} got {msg}");
        }
        traces.insert(e.contexts["trace"]["trace_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        traces.len(),
        TASKS,
        "each isolation scope has its own trace"
    );
    // Nothing leaked into the process-wide default scope.
    assert!(scopeline::get_isolation_scope().breadcrumbs().is_empty());
    assert_eq!(scopeline::get_isolation_scope().tag("request_id"), None);
}
