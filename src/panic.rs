//! Capturing panics as fatal events.

use std::cell::Cell;
use std::panic::{self, PanicHookInfo};
use std::sync::Once;
use std::time::Duration;

use crate::Client;
use crate::protocol::{Event, Exception, Level, Mechanism};

/// The message of a panic payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any>".to_owned()
    }
}

/// Builds the fatal event for a panic: one exception of type `panic` with the panic message
/// and where it happened. The capture adds the stack (see [`EventSource::panic`]).
///
/// [`EventSource::panic`]: crate::client::EventSource::panic
pub(crate) fn event_from_panic(info: &PanicHookInfo<'_>) -> Event {
    let mut value = panic_message(info.payload());
    if let Some(loc) = info.location() {
        value = format!(
            "{value} (at {}:{}:{})",
            loc.file(),
            loc.line(),
            loc.column()
        );
    }
    panic_event(value)
}

/// The event for a panic with this message: level fatal, mechanism `panic`, unhandled.
pub(crate) fn panic_event(value: String) -> Event {
    let mut event = Event::new();
    event.level = Level::Fatal;
    event.exceptions = vec![Exception {
        ty: "panic".into(),
        value: Some(value),
        mechanism: Some(Mechanism {
            ty: "panic".into(),
            handled: Some(false),
            synthetic: true,
            ..Mechanism::default()
        }),
        ..Exception::default()
    }];
    event
}

thread_local! {
    /// How many integrations that catch panics (the tower layer) are polling on this thread.
    static CATCHING: Cell<u32> = const { Cell::new(0) };
    /// Whether the hook captured the panic such an integration is about to catch.
    static HOOK_CAPTURED: Cell<bool> = const { Cell::new(false) };
}

/// Marks the thread as running code whose panics an integration catches, for as long as the
/// guard lives: the hook then captures them at level `error` and does not flush, since the
/// process goes on.
#[cfg_attr(not(feature = "tower"), allow(dead_code))]
pub(crate) struct Catching(());

#[cfg_attr(not(feature = "tower"), allow(dead_code))]
impl Catching {
    pub(crate) fn enter() -> Catching {
        CATCHING.with(|c| c.set(c.get() + 1));
        // A mark left by a panic that code inside caught for itself (`catch_unwind`, a
        // panic-catching layer inside) must not hide the next one from this guard.
        HOOK_CAPTURED.with(|c| c.set(false));
        Catching(())
    }

    /// Whether the hook already captured the panic just caught; resets the mark.
    pub(crate) fn hook_captured(&self) -> bool {
        HOOK_CAPTURED.with(|c| c.replace(false))
    }
}

impl Drop for Catching {
    fn drop(&mut self) {
        CATCHING.with(|c| c.set(c.get() - 1));
    }
}

/// Whether the process may end with this panic, so the hook must deliver its event first.
/// A panic inside a tokio task unwinds into the runtime, which catches it and goes on: its
/// event is delivered in the background, and the runtime's worker thread is not held up
/// (with a server down, for up to `shutdown_timeout` per panic). Anything else (a thread's
/// panic, one inside `block_on`, any panic under `panic = "abort"`) may end the process.
fn may_end_the_process() -> bool {
    cfg!(panic = "abort") || tokio::task::try_id().is_none()
}

/// Installs a panic hook that captures each panic (that the client's `sample_rate` keeps) as
/// a fatal event with the panicking task's scopes (at level `error` when `ScopeLayer`
/// catches and answers it), then runs the hook that was installed before. When the panic
/// may end the process (any panic but one inside a tokio task, which the runtime catches),
/// the hook flushes first, for at most the client's `shutdown_timeout`, so that a previous
/// hook that exits does not lose the event. Panics of user callbacks that scopeline contains
/// are not captured, nor panics while the task's client was made with
/// `capture_panics(false)`.
///
/// A panic inside a tokio task is not flushed: the runtime catches it and the process goes
/// on, and waiting for a dead server would stall a runtime worker. If your previous hook
/// ends the process on *any* panic (`std::process::exit` in a hook, a common "crash on
/// panic" setup), call [`flush`](crate::flush) in that hook before it exits.
///
/// [`init`](crate::init) calls this unless `capture_panics(false)` is set. Calling it more
/// than once installs the hook once.
///
/// # Examples
///
/// ```
/// scopeline::install_panic_hook();
/// ```
pub fn install_panic_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        crate::integrations::mark_in_use(crate::integrations::Integration::Panic);
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            // A client made with `capture_panics(false)` gets no panic events, whoever
            // installed the hook.
            let client = (!crate::client::in_callback())
                .then(crate::client::current_client)
                .flatten()
                .filter(|c| c.options().capture_panics);
            if let Some(client) = client {
                // The stack trace is taken only for an event the sample rate keeps. A panic
                // that may end the process has it symbolized here, before the flush starts:
                // the thread has nothing else to do.
                let capture = |level: Level, resolve_here: bool| {
                    let build = || {
                        let mut event = event_from_panic(info);
                        event.level = level;
                        event
                    };
                    let source = crate::client::EventSource::panic(build, resolve_here);
                    crate::client::capture_ambient(source, None);
                };
                // Under `panic = "abort"` nothing catches it: the process ends like any other
                // panic's, so it is fatal and flushed first.
                if !cfg!(panic = "abort") && CATCHING.with(Cell::get) > 0 {
                    // Caught and answered by an integration: the process goes on.
                    capture(Level::Error, false);
                    HOOK_CAPTURED.with(|c| c.set(true));
                } else {
                    let may_end = may_end_the_process();
                    capture(Level::Fatal, may_end);
                    // Delivered before the previous hook runs: a hook that ends the process
                    // (`exit`, `abort`) must not lose the event. With the server unreachable,
                    // the usual message waits for up to the shutdown timeout.
                    if may_end {
                        flush_outside_the_hook(&client);
                    }
                }
            }
            previous(info);
        }));
    });
}

/// Flushes `client` for at most its shutdown timeout, from a thread of its own: a custom
/// transport's `flush` is the user's code, and a panic raised inside a panic hook aborts
/// the process, past every `catch_unwind`. On that thread a panic is contained as anywhere.
fn flush_outside_the_hook(client: &Client) {
    let timeout = client.options().get_shutdown_timeout();
    let (done, finished) = std::sync::mpsc::channel();
    let flushing = client.clone();
    let spawned = std::thread::Builder::new()
        .name("scopeline-panic-flush".into())
        .spawn(move || {
            let _ = flushing.flush(timeout);
            let _ = done.send(());
        });
    match spawned {
        // Returns as soon as the flush does, or panicked (the sender is then dropped).
        Ok(_) => {
            let _ = finished.recv_timeout(timeout + Duration::from_millis(100));
        }
        // No thread to be had: flush here rather than lose the event.
        Err(_) => {
            let _ = client.flush(timeout);
        }
    }
}
