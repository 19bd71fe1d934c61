//! A `tracing` span entered around the future that opens an isolation scope (a worker loop's
//! span around each job, a server's per-connection span around its handler) does not carry
//! its trace into that scope: the spans, errors and outgoing headers of each job belong to
//! the job's own trace (here, continued from the message it consumes), not to the loop's.
//! An explicit `parent:` is still followed.
#![cfg(feature = "tracing")]
mod common;

use scopeline::protocol::Event;
use scopeline::{ClientOptions, Level};
use tracing::Instrument;

const LOOP_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const JOB_TRACES: [&str; 2] = [
    "0af7651916cd43dd8448eb211c80319c",
    "9e3c1c8f5b1d4a6f8c2e7d4b3a291f07",
];

/// The transactions of that name.
fn named<'a>(transactions: &'a [Event], name: &str) -> Vec<&'a Event> {
    (transactions.iter())
        .filter(|t| t.transaction.as_deref() == Some(name))
        .collect()
}

fn trace_id(event: &Event) -> &str {
    event.contexts["trace"]["trace_id"].as_str().unwrap()
}

#[test]
fn each_job_of_an_instrumented_loop_is_its_own_trace() {
    let options = ClientOptions::new().traces_sample_rate(1.0);
    common::traced(options, |memory| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut job_headers = Vec::new();
        rt.block_on(
            async {
                for job_trace in JOB_TRACES {
                    let headers = scopeline::isolation_scope(async move {
                        scopeline::continue_trace([(
                            "sentry-trace",
                            format!("{job_trace}-b7ad6b7169203331-1"),
                        )]);
                        async {
                            tracing::info_span!("db.query").in_scope(|| {});
                            scopeline::capture_message("job failed", Level::Error);
                        }
                        .instrument(tracing::info_span!("process"))
                        .await;
                        scopeline::capture_message("after the job's span", Level::Error);
                        scopeline::trace_headers().sentry_trace().to_owned()
                    })
                    .await;
                    job_headers.push(headers);
                }
            }
            .instrument(tracing::info_span!(
                "consume",
                sentry.trace = format!("{LOOP_TRACE}-00f067aa0ba902b7-1")
            )),
        );

        let transactions = memory.transactions();
        let named = |name: &str| named(&transactions, name);
        let consume = named("consume");
        assert_eq!(consume.len(), 1, "{transactions:#?}");
        assert_eq!(trace_id(consume[0]), LOOP_TRACE);
        assert!(
            consume[0]
                .spans
                .iter()
                .all(|s| s.op.as_deref() != Some("process")),
            "the jobs' spans are not the loop's: {:#?}",
            consume[0].spans
        );
        let jobs = named("process");
        let job_traces: Vec<&str> = jobs.iter().map(|t| trace_id(t)).collect();
        assert_eq!(job_traces, JOB_TRACES);
        for job in &jobs {
            let ops: Vec<&str> = job
                .spans
                .iter()
                .map(|s| s.op.as_deref().unwrap_or_default())
                .collect();
            assert_eq!(ops, ["db.query"], "the job's own spans hang under it");
        }

        let events = memory.events();
        assert_eq!(events.len(), 4);
        for (pair, job_trace) in events.chunks(2).zip(JOB_TRACES) {
            for event in pair {
                assert_eq!(trace_id(event), job_trace, "{:?}", event.message);
            }
        }
        for (headers, job_trace) in job_headers.iter().zip(JOB_TRACES) {
            assert!(headers.starts_with(job_trace), "{headers}");
        }
    });
}

#[test]
fn an_explicit_parent_is_followed_into_another_isolation_scope() {
    let options = ClientOptions::new().traces_sample_rate(1.0);
    common::traced(options, |memory| {
        let outer = tracing::info_span!("outer");
        scopeline::with_isolation_scope(|_| {
            tracing::info_span!(parent: &outer, "explicit").in_scope(|| {});
        });
        drop(outer);
        let transactions = memory.transactions();
        assert_eq!(transactions.len(), 1, "{transactions:#?}");
        let ops: Vec<&str> = transactions[0]
            .spans
            .iter()
            .map(|s| s.op.as_deref().unwrap_or_default())
            .collect();
        assert_eq!(ops, ["explicit"]);
    });
}

#[tracing::instrument]
async fn handle(job: u32) {
    tracing::info_span!("lookup").in_scope(|| {});
    scopeline::capture_message("inside the handler", Level::Error);
}

fn ops(transaction: &Event) -> Vec<&str> {
    (transaction.spans.iter())
        .map(|s| s.op.as_deref().unwrap_or_default())
        .collect()
}

#[test]
fn the_works_own_span_is_followed_however_it_was_made() {
    let options = ClientOptions::new().traces_sample_rate(1.0);
    common::traced(options, |memory| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        // An `#[instrument]` async fn makes its span when first polled, inside the scope.
        rt.block_on(scopeline::isolation_scope(handle(7)));
        rt.block_on(
            async { scopeline::isolation_scope(handle(8)).await }
                .instrument(tracing::info_span!("consume")),
        );
        // A span made before the scope, under the loop's span, and entered inside it: the
        // work's own, in the loop's transaction, with its children below it.
        rt.block_on(
            async {
                let job = async {
                    tracing::info_span!("lookup").in_scope(|| {});
                }
                .instrument(tracing::info_span!("job"));
                scopeline::isolation_scope(job).await
            }
            .instrument(tracing::info_span!("batch")),
        );

        let transactions = memory.transactions();
        let named = |name: &str| named(&transactions, name);
        let handles = named("handle");
        assert_eq!(handles.len(), 2, "{transactions:#?}");
        for handle in &handles {
            assert_eq!(ops(handle), ["lookup"]);
        }
        assert!(
            named("consume")[0].spans.is_empty(),
            "entered around: not followed"
        );
        let batch = named("batch")[0];
        assert_eq!(ops(batch), ["lookup", "job"]);
        assert_eq!(batch.spans[0].parent_span_id, Some(batch.spans[1].span_id));

        let events = memory.events();
        assert_eq!(events.len(), 2);
        assert_eq!(trace_id(&events[0]), trace_id(handles[0]));
        assert_eq!(trace_id(&events[1]), trace_id(handles[1]));
    });
}

#[test]
fn the_works_own_span_under_an_unsampled_loop_stays_in_the_loops_trace() {
    // The loop's transaction is not sampled: the job's span, made under it before the scope,
    // is a stand-in sharing the loop's span id, and must still count as the work's own span,
    // not as the span entered around the scope. Else the handler below would start a
    // transaction of its own, sampled afresh, in a new trace.
    let options =
        ClientOptions::new().traces_sampler(|ctx| if ctx.name() == "batch" { 0.0 } else { 1.0 });
    common::traced(options, |memory| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(
            async {
                scopeline::capture_message("in the loop", Level::Error);
                let job = handle(9).instrument(tracing::info_span!("job"));
                scopeline::isolation_scope(job).await
            }
            .instrument(tracing::info_span!("batch")),
        );

        let transactions = memory.transactions();
        assert!(
            transactions.is_empty(),
            "the loop's decision holds below it: {transactions:#?}"
        );
        let events = memory.events();
        assert_eq!(events.len(), 2);
        assert_eq!(
            trace_id(&events[1]),
            trace_id(&events[0]),
            "the handler's error is in the loop's trace"
        );
    });
}
