//! Shared by the integration tests: an in-memory transport and a client bound per test, so
//! every test runs in parallel with its own client.
#![allow(dead_code, unreachable_pub)]

// The one place the tests use unsafe code: a counting global allocator.
#[allow(unsafe_code)]
pub mod alloc;
#[cfg(feature = "tower")]
pub mod grpc;
pub mod server;
#[cfg(feature = "axum")]
pub mod web;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use scopeline::protocol::{Envelope, Event};
use scopeline::transport::{SendError, Transport};
use scopeline::{Client, ClientOptions};

/// The transport half: where the client's pipeline thread puts envelopes.
#[derive(Clone, Debug, Default)]
struct Store(Arc<Mutex<Vec<Envelope>>>);

impl Transport for Store {
    fn send_envelope(&self, envelope: Envelope) -> Result<(), SendError> {
        self.0.lock().unwrap().push(envelope);
        Ok(())
    }
}

/// The reading half: waits for the client's pipeline, then reads the store.
#[derive(Clone, Debug)]
pub struct Memory {
    store: Store,
    client: Client,
}

impl Memory {
    pub fn events(&self) -> Vec<Event> {
        self.envelopes()
            .iter()
            .filter_map(|e| e.event().cloned())
            .collect()
    }

    pub fn transactions(&self) -> Vec<Event> {
        self.envelopes()
            .iter()
            .filter_map(|e| e.transaction().cloned())
            .collect()
    }

    /// Waits (up to 10 s) for the transaction named `name`: a server notices a closed
    /// connection, and ends that request's transaction, on its own schedule.
    pub async fn transaction_named(&self, name: &str) -> Event {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let transactions = self.transactions();
            if let Some(tx) = (transactions.iter()).find(|t| t.transaction.as_deref() == Some(name))
            {
                return tx.clone();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no transaction {name}: {transactions:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The envelope that carries the first transaction sent.
    pub fn transaction_envelope(&self) -> Envelope {
        self.envelopes()
            .into_iter()
            .find(|e| e.transaction().is_some())
            .expect("a transaction was sent")
    }

    pub fn envelopes(&self) -> Vec<Envelope> {
        self.client
            .flush(Duration::from_secs(30))
            .expect("the pipeline drains");
        self.store.0.lock().unwrap().clone()
    }
}

pub fn client(options: ClientOptions) -> (Client, Memory) {
    let store = Store::default();
    let client = Client::new(options.transport(store.clone()));
    let memory = Memory {
        store,
        client: client.clone(),
    };
    (client, memory)
}

/// The messages of an event's breadcrumbs, oldest first (`""` for one without a message).
pub fn crumb_messages(event: &Event) -> Vec<&str> {
    event
        .breadcrumbs
        .iter()
        .map(|c| c.message.as_deref().unwrap_or_default())
        .collect()
}

/// How many items of `category` the client dropped for `reason`.
pub fn dropped(client: &Client, reason: &str, category: &str) -> u64 {
    client
        .discarded_events()
        .iter()
        .filter(|d| d.reason == reason && d.category == category)
        .map(|d| d.quantity)
        .sum()
}

/// Binds a fresh client to the global scope: for servers, whose connection tasks start with
/// the process default scopes.
pub fn bind_global(options: ClientOptions) -> (Client, Memory) {
    let (client, memory) = client(options);
    scopeline::get_global_scope().bind_client(Some(client.clone()));
    (client, memory)
}

/// Runs `f` with scopeline's tracing layer as the thread's subscriber, in a new isolation
/// scope with a fresh client bound (see [`bind`]).
#[cfg(feature = "tracing")]
pub fn traced<R>(options: ClientOptions, f: impl FnOnce(&Memory) -> R) -> R {
    use tracing_subscriber::prelude::*;

    let subscriber = tracing_subscriber::registry().with(scopeline::TracingLayer::new());
    tracing::subscriber::with_default(subscriber, || {
        scopeline::with_isolation_scope(|_| {
            let (_client, memory) = bind(options);
            f(&memory)
        })
    })
}

/// Binds a fresh client to the isolation and current scope of the running task (or closure).
pub fn bind(options: ClientOptions) -> (Client, Memory) {
    let (client, memory) = client(options);
    scopeline::get_isolation_scope().bind_client(Some(client.clone()));
    scopeline::get_current_scope().bind_client(Some(client.clone()));
    (client, memory)
}

/// A gate a test opens (or closes) while another thread waits at it: for holding a pipeline
/// or a transport at a point the test chooses, so tests assert orders, not timings.
#[derive(Debug, Default)]
pub struct Gate {
    open: Mutex<bool>,
    changed: std::sync::Condvar,
}

impl Gate {
    /// A closed gate, shared.
    pub fn closed() -> Arc<Gate> {
        Arc::default()
    }

    pub fn set(&self, open: bool) {
        *self.open.lock().unwrap() = open;
        self.changed.notify_all();
    }

    /// Opens the gate from another thread once `delay` has passed.
    pub fn open_after(self: &Arc<Self>, delay: Duration) {
        let gate = self.clone();
        std::thread::spawn(move || {
            std::thread::sleep(delay);
            gate.set(true);
        });
    }

    /// `options` with a `before_send` that waits at this gate: every error or message event
    /// holds the client's pipeline thread there until the gate opens (transactions go through
    /// `before_send_transaction` and do not wait).
    pub fn holding_the_pipeline(self: &Arc<Self>, options: ClientOptions) -> ClientOptions {
        let gate = self.clone();
        options.before_send(move |event| {
            gate.pass();
            Some(event)
        })
    }

    /// Waits until the gate is open.
    pub fn pass(&self) {
        let open = self.open.lock().unwrap();
        drop(self.changed.wait_while(open, |open| !*open).unwrap());
    }
}
