//! An instrumented async workload: `#[tracing::instrument]` functions, a spawned child task and
//! a failing step. With `TracingLayer` installed and tracing on, each job becomes one
//! transaction whose spans nest as the functions do (`run_job` → `load_rows`, `summarize`,
//! `upload` → `put_object`), and the failure becomes an error event tied to the span it was
//! logged in (same trace id, `contexts.trace.span_id` of `upload`'s span).
//!
//! Run it with `cargo run --example traced_jobs`. With no DSN it prints JSON lines, one per
//! transaction or event:
//!
//! ```text
//! cargo run -q --example traced_jobs | jq -c '{type, transaction, trace: .contexts.trace.trace_id, spans: [.spans[]?.op]}'
//! ```

use std::time::Duration;

use scopeline::ClientOptions;
use scopeline::transport::JsonLinesTarget;
use tracing::instrument;
use tracing_subscriber::prelude::*;

#[derive(Debug)]
struct UploadFailed(std::io::Error);

impl std::fmt::Display for UploadFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("report upload failed")
    }
}

impl std::error::Error for UploadFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

#[instrument(fields(sentry.op = "queue.task", sentry.name = "nightly-report", tags.job = job))]
async fn run_job(job: u32) {
    scopeline::set_tag("job", job.to_string());
    let rows = load_rows(job).await;
    // The child task keeps the job's scope and its place in the span tree.
    let summary = scopeline::spawn(summarize(rows)).await.unwrap_or_default();
    upload(job, &summary).await;
}

#[instrument(fields(sentry.op = "db.query"))]
async fn load_rows(job: u32) -> Vec<u32> {
    tokio::time::sleep(Duration::from_millis(3)).await;
    tracing::info!(job, "rows loaded");
    (0..job * 10).collect()
}

#[instrument(skip(rows), fields(sentry.op = "function", rows = rows.len()))]
async fn summarize(rows: Vec<u32>) -> String {
    tokio::time::sleep(Duration::from_millis(2)).await;
    format!("{} rows, sum {}", rows.len(), rows.iter().sum::<u32>())
}

#[instrument(skip(summary), fields(sentry.op = "function"))]
async fn upload(job: u32, summary: &str) {
    if let Err(err) = put_object(job, summary).await {
        // Logged inside `upload`: the error event hangs under this span.
        tracing::error!(error = &err as &dyn std::error::Error, job, "upload failed");
    }
}

#[instrument(skip(summary), fields(sentry.op = "http.client"))]
async fn put_object(job: u32, summary: &str) -> Result<(), UploadFailed> {
    tokio::time::sleep(Duration::from_millis(1)).await;
    tracing::info!(bytes = summary.len(), "uploading");
    if job % 2 == 0 {
        return Err(UploadFailed(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "storage did not answer in 1 s",
        )));
    }
    Ok(())
}

fn main() {
    let _guard = scopeline::init(
        ClientOptions::new()
            .release(concat!("scopeline-example@", env!("CARGO_PKG_VERSION")))
            .traces_sample_rate(1.0)
            .json_lines(JsonLinesTarget::Stdout),
    );
    tracing_subscriber::registry()
        .with(scopeline::TracingLayer::new())
        .init();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let jobs: Vec<_> = (1..=2)
            // Each job runs in its own isolation scope; the root span is made inside it, so
            // the transaction carries the job's tags.
            .map(|job| scopeline::spawn_isolated(async move { run_job(job).await }))
            .collect();
        for job in jobs {
            job.await.expect("the job task");
        }
    });
    eprintln!("ran 2 jobs: 2 transactions and 1 error event are on stdout");
}
