//! The captured-events helpers let tests run in parallel: each sees only its own events,
//! forks the caller's scopes inside a wrapper, and starts from nothing outside every wrapper.
#![cfg(feature = "test-util")]

use scopeline::Level;
use scopeline::testing::{captured_events, with_captured_events};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_helpers_each_see_only_their_own_events() {
    let tasks: Vec<_> = (0..50)
        .map(|n| {
            tokio::spawn(async move {
                let ((), events) = captured_events(async move {
                    scopeline::set_tag("n", n.to_string());
                    scopeline::spawn(async move {
                        scopeline::capture_message(&format!("from {n}"), Level::Info);
                    })
                    .await
                    .unwrap();
                    tokio::task::yield_now().await;
                    scopeline::capture_message(&format!("from {n}"), Level::Info);
                })
                .await;
                (n, events)
            })
        })
        .collect();
    for t in tasks {
        let (n, events) = t.await.unwrap();
        assert_eq!(events.len(), 2);
        for e in events {
            assert_eq!(e.tags["n"], n.to_string());
            assert_eq!(e.message.as_deref(), Some(&*format!("from {n}")));
        }
    }
}

#[test]
fn the_sync_helper_captures_in_a_fresh_isolation_scope() {
    scopeline::with_isolation_scope(|outer| {
        outer.set_tag("outer", "inherited");
        let events = with_captured_events(|| {
            scopeline::set_tag("inner", "only here");
            scopeline::capture_message("inside", Level::Info);
        });
        assert_eq!(events.len(), 1);
        // The helper's isolation scope is forked from the caller's, and does not write back.
        assert_eq!(events[0].tags["outer"], "inherited");
        assert_eq!(events[0].tags["inner"], "only here");
        assert_eq!(outer.tag("inner"), None);
        assert!(with_captured_events(|| {}).is_empty());
    });
}

#[test]
fn outside_every_wrapper_the_helpers_start_from_nothing() {
    // The process default isolation scope, shared by every test in this binary.
    let default = scopeline::get_isolation_scope();
    default.set_tag("written_by", "another test");
    let events = with_captured_events(|| {
        scopeline::capture_message("inside", Level::Info);
    });
    default.remove_tag("written_by");
    assert!(
        !events[0].tags.contains_key("written_by"),
        "{:?}",
        events[0].tags
    );
}
