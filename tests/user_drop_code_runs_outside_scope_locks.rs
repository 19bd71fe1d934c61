//! Whatever a scope lets go of (an unbound or replaced client; a span replaced, copied over
//! or cleared, which may hold a transaction's client) is let go after the scope's lock: a
//! user's transport whose `Drop` uses scopeline (leaves a breadcrumb, reads the scope) does
//! not deadlock the thread when that was the client's last handle.

use std::sync::mpsc;
use std::time::Duration;

use scopeline::protocol::Envelope;
use scopeline::transport::{SendError, Transport};
use scopeline::{Breadcrumb, Client, ClientOptions, Scope, TransactionContext};

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

#[test]
fn replacing_the_client_with_another_does_not_deadlock() {
    returns("bind_client(Some(other))", || {
        scopeline::with_isolation_scope(|scope| {
            let chatty = ClientOptions::new().transport(ChattyOnDrop);
            scope.bind_client(Some(Client::new(chatty)));
            scope.bind_client(Some(Client::new(ClientOptions::new())));
        });
    });
}

/// Binds a client with a chatty transport to `scope`, starts a transaction there and leaves
/// the scope holding it: the transaction then has the client's last handle.
fn hold_the_last_handle_in_a_transaction(scope: &Scope) {
    let options = (ClientOptions::new().traces_sample_rate(1.0)).transport(ChattyOnDrop);
    scope.bind_client(Some(Client::new(options)));
    let tx = scopeline::start_transaction(TransactionContext::new("job", "task"));
    scope.set_span(Some(tx));
    scope.bind_client(None);
}

#[test]
fn clearing_a_scope_whose_span_holds_the_last_client_handle_does_not_deadlock() {
    returns("clear()", || {
        scopeline::with_isolation_scope(|scope| {
            hold_the_last_handle_in_a_transaction(scope);
            scope.clear();
        });
    });
}

#[test]
fn copying_a_span_over_one_that_holds_the_last_client_handle_does_not_deadlock() {
    returns("update_from_scope", || {
        scopeline::with_isolation_scope(|scope| {
            hold_the_last_handle_in_a_transaction(scope);
            let other = Scope::new();
            other.set_span(Some(scopeline::start_transaction(TransactionContext::new(
                "other", "task",
            ))));
            scope.update_from_scope(&other);
        });
    });
}
