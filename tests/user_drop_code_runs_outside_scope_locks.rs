//! Unbinding or replacing a scope's client lets go of it after the scope's lock: a user's
//! transport whose `Drop` uses scopeline (logs through the tracing layer, leaves a
//! breadcrumb, reads the scope) does not deadlock the thread when that was the client's
//! last handle.

use std::sync::mpsc;
use std::time::Duration;

use scopeline::protocol::Envelope;
use scopeline::transport::{SendError, Transport};
use scopeline::{Breadcrumb, Client, ClientOptions};

/// Uses the scopes from its `Drop`, as a transport that logs its shutdown might.
#[derive(Debug)]
struct ChattyOnDrop;

impl Transport for ChattyOnDrop {
    fn send_envelope(&self, _: Envelope) -> Result<(), SendError> {
        Ok(())
    }
}

impl Drop for ChattyOnDrop {
    fn drop(&mut self) {
        scopeline::add_breadcrumb(Breadcrumb::new("transport closed"));
        let _ = scopeline::get_isolation_scope().tags();
    }
}

/// Runs `f` on its own thread; fails the test if it has not returned after ten seconds.
fn returns(what: &str, f: impl FnOnce() + Send + 'static) {
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        f();
        let _ = done.send(());
    });
    finished
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("{what} deadlocked"));
}

#[test]
fn unbinding_the_last_handle_of_a_client_does_not_deadlock() {
    returns("bind_client(None)", || {
        scopeline::with_isolation_scope(|scope| {
            scope.bind_client(Some(Client::new(
                ClientOptions::new().transport(ChattyOnDrop),
            )));
            scope.bind_client(None);
        });
    });
}
