//! Spawn helpers share isolation and fork current.
use scopeline::ScopeFutureExt;
use scopeline::task::JoinSetExt;

fn tags() -> (Option<String>, Option<String>) {
    (
        scopeline::get_isolation_scope().tag("iso"),
        scopeline::get_current_scope().tag("cur"),
    )
}

fn expected() -> (Option<String>, Option<String>) {
    (Some("parent".into()), Some("parent".into()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_helper_carries_both_scopes() {
    scopeline::isolation_scope(async {
        scopeline::get_isolation_scope().set_tag("iso", "parent");
        scopeline::get_current_scope().set_tag("cur", "parent");

        assert_eq!(
            scopeline::spawn(async { tags() }).await.unwrap(),
            expected()
        );
        assert_eq!(scopeline::spawn_blocking(tags).await.unwrap(), expected());
        assert_eq!(scopeline::spawn_thread(tags).join().unwrap(), expected());
        assert_eq!(
            tokio::spawn(async { tags() }.in_current_scope())
                .await
                .unwrap(),
            expected()
        );
        assert_eq!(
            scopeline::spawn_isolated(async { tags() }).await.unwrap(),
            expected()
        );
        let mut set = tokio::task::JoinSet::new();
        set.spawn_scoped(async { tags() });
        assert_eq!(set.join_next().await.unwrap().unwrap(), expected());

        // Plain tokio::spawn inherits nothing (a tokio limit).
        assert_eq!(tokio::spawn(async { tags() }).await.unwrap(), (None, None));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_share_isolation_but_write_their_own_current() {
    scopeline::isolation_scope(async {
        scopeline::spawn(async {
            scopeline::get_isolation_scope().set_tag("from_child_iso", "1");
            scopeline::get_current_scope().set_tag("from_child_cur", "1");
        })
        .await
        .unwrap();
        scopeline::spawn_blocking(|| scopeline::get_current_scope().set_tag("blocking_cur", "1"))
            .await
            .unwrap();
        assert_eq!(
            scopeline::get_isolation_scope()
                .tag("from_child_iso")
                .as_deref(),
            Some("1")
        );
        assert_eq!(scopeline::get_current_scope().tag("from_child_cur"), None);
        assert_eq!(scopeline::get_current_scope().tag("blocking_cur"), None);

        scopeline::spawn_isolated(async {
            scopeline::get_isolation_scope().set_tag("isolated", "1")
        })
        .await
        .unwrap();
        assert_eq!(scopeline::get_isolation_scope().tag("isolated"), None);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_current_scope_is_forked_at_spawn_time() {
    scopeline::isolation_scope(async {
        scopeline::get_current_scope().set_tag("cur", "before");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let child = scopeline::spawn(async move {
            rx.await.unwrap();
            scopeline::get_current_scope().tag("cur")
        });
        scopeline::get_current_scope().set_tag("cur", "after");
        tx.send(()).unwrap();
        assert_eq!(child.await.unwrap().as_deref(), Some("before"));
    })
    .await;
}
