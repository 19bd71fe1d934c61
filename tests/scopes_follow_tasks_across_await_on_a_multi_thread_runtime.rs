//! Scopes follow tasks across await on a multi thread runtime.
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn isolation_and_new_scope_survive_awaits_and_thread_hops() {
    let mut handles = Vec::new();
    for n in 0..200 {
        handles.push(tokio::spawn(scopeline::isolation_scope(async move {
            scopeline::set_tag("n", n.to_string());
            for step in 0..20 {
                tokio::task::yield_now().await;
                if step % 5 == 0 {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                assert_eq!(
                    scopeline::get_isolation_scope().tag("n"),
                    Some(n.to_string())
                );
            }
            scopeline::new_scope(async move {
                scopeline::get_current_scope().set_tag("inner", n.to_string());
                tokio::time::sleep(Duration::from_millis(1)).await;
                assert_eq!(
                    scopeline::get_current_scope().tag("inner"),
                    Some(n.to_string())
                );
                // new_scope shares the isolation scope.
                assert_eq!(
                    scopeline::get_isolation_scope().tag("n"),
                    Some(n.to_string())
                );
            })
            .await;
            assert_eq!(scopeline::get_current_scope().tag("inner"), None);
        })));
    }
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(scopeline::get_isolation_scope().tag("n"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn isolation_scope_forks_when_called_not_when_first_polled() {
    scopeline::with_isolation_scope(|outer| {
        outer.set_tag("at_call", "yes");
        let fut = scopeline::isolation_scope(async {
            let scope = scopeline::get_isolation_scope();
            (scope.tag("at_call"), scope.tag("late"))
        });
        outer.set_tag("late", "set after the call");
        let seen = futures::executor::block_on(fut);
        assert_eq!(seen, (Some("yes".to_owned()), None));
    });
}

#[test]
fn outside_any_wrapper_every_thread_shares_the_default_scopes() {
    scopeline::get_isolation_scope().set_tag("cli_mode", "on");
    let seen = std::thread::spawn(|| scopeline::get_isolation_scope().tag("cli_mode"))
        .join()
        .unwrap();
    assert_eq!(seen.as_deref(), Some("on"));
    scopeline::get_isolation_scope().remove_tag("cli_mode");
}
