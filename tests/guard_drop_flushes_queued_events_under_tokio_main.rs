//! The init guard flushes on drop, inside an async main as well as a sync one.

use scopeline::transport::JsonLinesTarget;
use scopeline::{ClientOptions, Level};

fn path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("scopeline-{name}-{}.jsonl", std::process::id()))
}

fn lines(p: &std::path::Path) -> usize {
    std::fs::read_to_string(p)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

#[test]
fn under_a_current_thread_runtime_a_multi_thread_one_and_a_sync_main() {
    let p = path("guard");
    let _ = std::fs::remove_file(&p);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let guard =
            scopeline::init(ClientOptions::new().json_lines(JsonLinesTarget::File(p.clone())));
        for i in 0..500 {
            scopeline::spawn(async move {
                scopeline::capture_message(&format!("event {i}"), Level::Info);
            })
            .await
            .unwrap();
        }
        drop(guard);
        assert_eq!(lines(&p), 500, "all delivered when drop returns");
        // The client is closed: later captures are dropped, not queued.
        assert!(scopeline::capture_message("late", Level::Info).is_none());
    });

    // A multi-thread runtime, as `#[tokio::main]` builds by default: the guard is dropped on
    // a worker thread while the client's own threads deliver.
    let p3 = path("guard-multi");
    let _ = std::fs::remove_file(&p3);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let guard =
            scopeline::init(ClientOptions::new().json_lines(JsonLinesTarget::File(p3.clone())));
        let tasks: Vec<_> = (0..500)
            .map(|i| {
                scopeline::spawn(async move {
                    scopeline::capture_message(&format!("multi {i}"), Level::Info);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        drop(guard);
        assert_eq!(lines(&p3), 500, "all delivered when drop returns");
    });
    drop(rt);

    // A sync main, no runtime at all.
    let p2 = path("guard-sync");
    let _ = std::fs::remove_file(&p2);
    let guard = scopeline::init(ClientOptions::new().json_lines(JsonLinesTarget::File(p2.clone())));
    for i in 0..100 {
        scopeline::capture_message(&format!("sync {i}"), Level::Info);
    }
    drop(guard);
    assert_eq!(lines(&p2), 100);
    std::fs::remove_file(p).ok();
    std::fs::remove_file(p2).ok();
    std::fs::remove_file(p3).ok();
}
