//! Shared by the integration tests: an in-memory transport and a client bound per test, so
//! every test runs in parallel with its own client.
#![allow(dead_code, unreachable_pub)]

use std::sync::{Arc, Mutex};

use scopeline::protocol::{Envelope, Event};
use scopeline::transport::{SendError, Transport};
use scopeline::{Client, ClientOptions};

#[derive(Clone, Debug, Default)]
pub struct Memory(pub Arc<Mutex<Vec<Envelope>>>);

impl Transport for Memory {
    fn send_envelope(&self, envelope: Envelope) -> Result<(), SendError> {
        self.0.lock().unwrap().push(envelope);
        Ok(())
    }
}

impl Memory {
    pub fn events(&self) -> Vec<Event> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| e.event().cloned())
            .collect()
    }

    pub fn envelopes(&self) -> Vec<Envelope> {
        self.0.lock().unwrap().clone()
    }
}

pub fn client(options: ClientOptions) -> (Client, Memory) {
    let memory = Memory::default();
    (Client::new(options.transport(memory.clone())), memory)
}

/// Binds a fresh client to the isolation and current scope of the running task (or closure).
pub fn bind(options: ClientOptions) -> (Client, Memory) {
    let (client, memory) = client(options);
    scopeline::get_isolation_scope().bind_client(Some(client.clone()));
    scopeline::get_current_scope().bind_client(Some(client.clone()));
    (client, memory)
}
