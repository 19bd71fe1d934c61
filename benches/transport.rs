//! Sustained capture throughput into the HTTP transport, against a local HTTP server, for
//! scopeline and for `sentry` 0.49 with its own (reqwest) HTTP transport, in the same run; then
//! the peak memory each adds while delivering the same 20,000 events.
//!
//! Both SDKs capture the same event (a message with 5 tags and 10 breadcrumbs from the scope)
//! in batches of 25 (below sentry's 30-envelope queue, so neither drops), flushing after each
//! batch: the time per event is the time to capture, serialize, compress (scopeline gzips by
//! default, sentry does not; `scopeline_uncompressed` turns gzip off) and deliver it over
//! loopback HTTP.
//!
//! `cargo bench --bench transport` prints criterion's numbers, then events per second and peak
//! memory for both.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group};
use scopeline::{Breadcrumb, Client, ClientOptions, Level};

const BATCH: u64 = 25;

/// A loopback HTTP/1.1 server that reads each request whole and answers 200 at once,
/// counting requests.
fn start_server() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let seen = seen.clone();
            std::thread::spawn(move || serve(stream, &seen));
        }
    });
    (port, count)
}

fn serve(stream: TcpStream, seen: &AtomicUsize) {
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((name, value)) = l.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        seen.fetch_add(1, Ordering::Relaxed);
        let reply =
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: application/json\r\n\r\n{}";
        if stream.write_all(reply).is_err() {
            return;
        }
    }
}

fn scopeline_client(port: u16, gzip: bool) -> Client {
    let client = Client::new(
        ClientOptions::new()
            .dsn(format!("http://public@127.0.0.1:{port}/1"))
            .http_compression(gzip)
            .send_client_reports(false),
    );
    let scope = scopeline::get_isolation_scope();
    scope.bind_client(Some(client.clone()));
    for i in 0..5 {
        scope.set_tag(format!("tag{i}"), format!("value{i}"));
    }
    for i in 0..10 {
        scope.add_breadcrumb(Breadcrumb::new(format!("step {i}")));
    }
    client
}

fn sentry_hub(port: u16) -> (Arc<sentry::Hub>, Arc<sentry::Client>) {
    let mut options = sentry::ClientOptions::default();
    options.dsn = Some(format!("http://public@127.0.0.1:{port}/1").parse().unwrap());
    options.transport = Some(Arc::new(sentry::transports::DefaultTransportFactory));
    let client = Arc::new(sentry::Client::from(options));
    let hub = Arc::new(sentry::Hub::new(Some(client.clone()), Default::default()));
    hub.configure_scope(|scope| {
        for i in 0..5 {
            scope.set_tag(&format!("tag{i}"), format!("value{i}"));
        }
    });
    for i in 0..10 {
        hub.add_breadcrumb(sentry::Breadcrumb {
            message: Some(format!("step {i}")),
            ..Default::default()
        });
    }
    (hub, client)
}

/// Captures `n` events through scopeline in flushed batches.
fn run_scopeline(client: &Client, n: u64) {
    let mut left = n;
    while left > 0 {
        let batch = left.min(BATCH);
        for _ in 0..batch {
            scopeline::capture_message("order failed", Level::Error);
        }
        client.flush(Duration::from_secs(30)).expect("delivered");
        left -= batch;
    }
}

/// Captures `n` events through sentry in flushed batches.
fn run_sentry(hub: &sentry::Hub, client: &sentry::Client, n: u64) {
    let mut left = n;
    while left > 0 {
        let batch = left.min(BATCH);
        for _ in 0..batch {
            hub.capture_message("order failed", sentry::Level::Error);
        }
        assert!(client.flush(Some(Duration::from_secs(30))), "delivered");
        left -= batch;
    }
}

/// Benches `run` (capture and deliver so many events), then checks the server got them all.
fn delivery(b: &mut criterion::Bencher<'_>, received: &AtomicUsize, mut run: impl FnMut(u64)) {
    let mut sent = 0;
    b.iter_custom(|iters| {
        let start = Instant::now();
        run(iters);
        sent += iters;
        start.elapsed()
    });
    assert_eq!(
        received.load(Ordering::Relaxed) as u64,
        sent,
        "every event arrived"
    );
}

fn throughput(c: &mut Criterion) {
    let mut g = c.benchmark_group("http_throughput");
    g.throughput(Throughput::Elements(1));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("scopeline", |b| {
        let (port, received) = start_server();
        let client = scopeline_client(port, true);
        delivery(b, &received, |n| run_scopeline(&client, n));
    });
    g.bench_function("scopeline_uncompressed", |b| {
        let (port, received) = start_server();
        let client = scopeline_client(port, false);
        delivery(b, &received, |n| run_scopeline(&client, n));
    });
    g.bench_function("sentry", |b| {
        let (port, received) = start_server();
        let (hub, client) = sentry_hub(port);
        delivery(b, &received, |n| run_sentry(&hub, &client, n));
    });
    g.finish();
}

criterion_group!(benches, throughput);

/// Resident set size now, in bytes.
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// The most the resident set grew above its level before `f`, sampled every millisecond.
fn peak_growth(f: impl FnOnce()) -> u64 {
    let before = rss();
    let peak = Arc::new(AtomicU64::new(before));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(rss(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    f();
    done.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    peak.load(Ordering::Relaxed).saturating_sub(before)
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();

    println!("\n== HTTP transport: scopeline vs sentry 0.49 (same run) ==");
    let per_sec = |name: &str| support::mean_ns("http_throughput", name).map(|ns| 1e9 / ns);
    for name in ["scopeline", "scopeline_uncompressed", "sentry"] {
        match per_sec(name) {
            Some(eps) => println!("{name:<24} {eps:>10.0} events/s"),
            None => println!("{name:<24} (not measured in this run)"),
        }
    }
    const EVENTS: u64 = 20_000;
    let (port, _) = start_server();
    let ours = peak_growth(|| run_scopeline(&scopeline_client(port, true), EVENTS));
    let (port, _) = start_server();
    let theirs = peak_growth(|| {
        let (hub, client) = sentry_hub(port);
        run_sentry(&hub, &client, EVENTS);
    });
    println!(
        "peak memory growth delivering {EVENTS} events: scopeline {:.1} MiB, sentry {:.1} MiB",
        ours as f64 / 1048576.0,
        theirs as f64 / 1048576.0
    );
}
