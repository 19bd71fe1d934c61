//! A closure form's scopes (`with_isolation_scope`, `with_new_scope`) are its own code's: a
//! current-thread runtime driven inside the closure runs its `block_on` future in them, but
//! the other tasks it polls on that thread meanwhile (plain `tokio::spawn`, `spawn_local`)
//! see the process default, as they would on another thread. scopeline's own spawn helpers
//! still carry the closure's scopes into their tasks.

use scopeline::Scope;

fn job_tag() -> Option<String> {
    scopeline::get_isolation_scope()
        .tag("job")
        .map(|t| t.to_string())
}

#[test]
fn only_the_closures_own_code_and_the_tasks_it_hands_them_to_see_its_scopes() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let seen = scopeline::with_isolation_scope(|scope: &Scope| {
        scope.set_tag("job", "a");
        rt.block_on(async {
            let root = job_tag();
            let plain = tokio::spawn(async { job_tag() }).await.unwrap();
            let carried = scopeline::spawn(async { job_tag() }).await.unwrap();
            let local = tokio::task::LocalSet::new()
                .run_until(async { tokio::task::spawn_local(async { job_tag() }).await })
                .await
                .unwrap();
            // Inside the closure a nested closure form is seen by its own code.
            let nested = scopeline::with_new_scope(|_| job_tag());
            (root, plain, carried, local, nested)
        })
    });
    let a = Some("a".to_owned());
    assert_eq!(seen, (a.clone(), None, a.clone(), None, a));
    assert_eq!(job_tag(), None, "the default pair was not written");
}

#[test]
fn a_job_s_background_task_does_not_write_into_the_next_job() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    // Job A leaves a task behind that runs during job B.
    scopeline::with_isolation_scope(|scope| {
        scope.set_tag("job", "a");
        rt.block_on(async {
            tokio::spawn(async move {
                tokio::task::yield_now().await;
                tx.send(job_tag()).unwrap();
                scopeline::set_tag("leaked", "yes");
            });
        })
    });
    let leaked = scopeline::with_isolation_scope(|scope| {
        scope.set_tag("job", "b");
        rt.block_on(async {
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
        });
        scope.tag("leaked").map(|t| t.to_string())
    });
    assert_eq!(rx.recv().unwrap(), None, "the task saw a job's scope");
    assert_eq!(leaked, None, "job A's task wrote into job B's scope");
    scopeline::get_isolation_scope().remove_tag("leaked");
}
