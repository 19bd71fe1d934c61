//! `last_event_id` answers for the isolation scope: an event captured by a task spawned with
//! scopeline's helpers counts for the request that spawned it, and concurrent requests on a
//! multi-thread runtime each see only their own last event.
mod common;

use scopeline::{ClientOptions, Level};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_request_sees_its_own_last_event() {
    let (_client, memory) = common::bind_global(ClientOptions::new());
    let requests = (0..64).map(|n| {
        tokio::spawn(scopeline::isolation_scope(async move {
            assert_eq!(scopeline::last_event_id(), None, "a fresh request has none");
            let first = scopeline::capture_message(&format!("request {n}"), Level::Info).unwrap();
            assert_eq!(scopeline::last_event_id(), Some(first));
            tokio::task::yield_now().await;
            // A child task's event becomes its parent request's last one.
            let second = scopeline::spawn(async move {
                scopeline::capture_message(&format!("child of {n}"), Level::Info).unwrap()
            })
            .await
            .unwrap();
            assert_ne!(first, second);
            tokio::task::yield_now().await;
            assert_eq!(scopeline::last_event_id(), Some(second));
            // A new current scope shares its isolation scope's answer.
            let inner = scopeline::new_scope(async { scopeline::last_event_id() }).await;
            assert_eq!(inner, Some(second));
            (n, second)
        }))
    });
    let results = futures::future::join_all(requests).await;

    let events = memory.events();
    assert_eq!(events.len(), 128);
    for result in results {
        let (n, second) = result.expect("a request's assertions hold");
        let event = (events.iter())
            .find(|e| e.event_id == second)
            .expect("the last id names an event that was sent");
        assert_eq!(
            event.message.as_deref(),
            Some(format!("child of {n}").as_str())
        );
    }
}

#[test]
fn a_transaction_handed_to_capture_event_is_not_the_last_event() {
    scopeline::with_isolation_scope(|_| {
        let (_client, memory) = common::bind(ClientOptions::new());
        let message = scopeline::capture_message("checkout failed", Level::Error).unwrap();
        let mut transaction = scopeline::protocol::Event::new();
        transaction.ty = Some("transaction".into());
        transaction.transaction = Some("checkout".into());
        assert!(scopeline::capture_event(transaction).is_some());
        assert_eq!(scopeline::last_event_id(), Some(message));
        assert_eq!(memory.transactions().len(), 1);
    });
}
