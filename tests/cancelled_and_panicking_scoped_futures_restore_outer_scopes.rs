//! Cancelled and panicking scoped futures restore outer scopes.
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

struct SeesScopeOnDrop(std::sync::Arc<std::sync::Mutex<Option<String>>>);

impl Drop for SeesScopeOnDrop {
    fn drop(&mut self) {
        *self.0.lock().unwrap() = scopeline::get_isolation_scope().tag("inner");
    }
}

#[test]
fn a_dropped_future_restores_outer_scopes_and_drops_inside_its_own() {
    scopeline::with_isolation_scope(|outer| {
        outer.set_tag("outer", "yes");
        let seen_on_drop = std::sync::Arc::new(std::sync::Mutex::new(None));
        let guard = SeesScopeOnDrop(seen_on_drop.clone());
        {
            let mut fut = Box::pin(scopeline::isolation_scope(async move {
                let _guard = guard;
                scopeline::set_tag("inner", "yes");
                std::future::pending::<()>().await;
            }));
            let mut cx = Context::from_waker(Waker::noop());
            assert!(fut.as_mut().poll(&mut cx).is_pending());
            assert_eq!(scopeline::get_isolation_scope().tag("inner"), None);
            drop(fut); // cancelled mid-flight
        }
        assert_eq!(seen_on_drop.lock().unwrap().as_deref(), Some("yes"));
        assert!(scopeline::get_isolation_scope().ptr_eq(outer));
        assert_eq!(scopeline::get_isolation_scope().tag("inner"), None);
    });
}

#[test]
fn a_panicking_future_restores_outer_scopes() {
    scopeline::with_isolation_scope(|outer| {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let fut = pin!(scopeline::new_scope(async {
                scopeline::get_current_scope().set_tag("doomed", "1");
                panic!("handler bug");
            }));
            let mut cx = Context::from_waker(Waker::noop());
            let _: Poll<()> = fut.poll(&mut cx);
        }));
        assert!(result.is_err());
        assert!(scopeline::get_isolation_scope().ptr_eq(outer));
        assert_eq!(scopeline::get_current_scope().tag("doomed"), None);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aborted_task_is_dropped_in_its_own_scope_and_leaves_the_spawner_unaffected() {
    scopeline::isolation_scope(async {
        scopeline::set_tag("parent", "1");
        let parent = scopeline::get_isolation_scope();
        let seen_on_drop = std::sync::Arc::new(std::sync::Mutex::new(None));
        let guard = SeesScopeOnDrop(seen_on_drop.clone());
        let (running, started) = tokio::sync::oneshot::channel();
        let task = scopeline::spawn_isolated(async move {
            let _guard = guard;
            scopeline::set_tag("inner", "child's own");
            running.send(()).unwrap();
            std::future::pending::<()>().await;
        });
        // The child has written its scope, on another worker, before it is aborted.
        started.await.unwrap();
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
        assert_eq!(seen_on_drop.lock().unwrap().as_deref(), Some("child's own"));
        assert!(scopeline::get_isolation_scope().ptr_eq(&parent));
        assert_eq!(scopeline::get_isolation_scope().tag("inner"), None);
        assert_eq!(
            scopeline::get_isolation_scope().tag("parent").as_deref(),
            Some("1")
        );
    })
    .await;
}
