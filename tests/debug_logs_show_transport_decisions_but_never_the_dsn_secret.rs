//! With `debug(true)`, the transport's decisions are logged through `tracing` under the
//! `scopeline::transport` target, and no log line ever holds the DSN's secret.
#![cfg(feature = "http")]
mod common;

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::server::{Reply, Server};
use scopeline::{Client, ClientOptions, Level};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

/// Every log line: target, then each field as `name=value`.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<String>>>);

struct Fields(String);
impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl<S: tracing::Subscriber> Layer<S> for Lines {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut fields = Fields(event.metadata().target().to_owned());
        event.record(&mut fields);
        self.0.lock().unwrap().push(fields.0);
    }
}

#[test]
fn transport_logs_name_what_happened_without_the_secret() {
    let lines = Lines::default();
    // The sender thread logs through the global subscriber.
    tracing_subscriber::registry().with(lines.clone()).init();

    let server = Server::start(|n, _| match n {
        0 => Reply::ok(),
        1 => Reply::status(500).header("X-Sentry-Error", "broken on purpose"),
        2 => Reply::status(429).header("X-Sentry-Rate-Limits", "60::organization"),
        _ => Reply::hang_up(),
    });
    let dsn = format!(
        "http://public:TopSecretValue@127.0.0.1:{}/prefix/42",
        server.port
    );
    let client = Client::new(ClientOptions::new().dsn(dsn).debug(true));
    for m in ["delivered", "refused", "limited", "after the limit"] {
        scopeline::with_isolation_scope(|scope| {
            scope.bind_client(Some(client.clone()));
            scope.capture_message(m, Level::Error);
        });
        client.flush(Duration::from_secs(10)).unwrap();
    }
    // Debug output of the client and its options masks the secret too.
    let _ = format!("{client:?} {:?}", client.dsn());

    let lines = lines.0.lock().unwrap().clone();
    let transport: Vec<_> = lines
        .iter()
        .filter(|l| l.starts_with("scopeline::transport"))
        .collect();
    for expected in ["delivered", "broken on purpose", "rate limited", "dropped"] {
        assert!(
            lines.iter().any(|l| l.contains(expected)),
            "no log line says {expected:?}: {lines:#?}"
        );
    }
    assert!(transport.len() >= 3, "{lines:#?}");
    assert!(
        lines.iter().all(|l| !l.contains("TopSecretValue")),
        "the secret leaked: {lines:#?}"
    );
    assert!(!format!("{client:?} {:?}", client.dsn()).contains("TopSecretValue"));
}
