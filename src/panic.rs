//! Capturing panics as fatal events.

use std::panic::{self, PanicHookInfo};
use std::sync::Once;

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

/// Builds the fatal event for a panic: one exception of type `panic` with the panic message,
/// where it happened, and the stack.
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
        stacktrace: crate::client::stacktrace::capture(),
        ..Exception::default()
    }];
    event
}

/// Installs a panic hook that captures every panic as a fatal event with the panicking task's
/// scopes, then flushes (for at most the client's `shutdown_timeout`), then runs the hook that
/// was installed before. Panics of user callbacks that scopeline contains are not captured.
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
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !crate::client::in_callback() {
                if let Some(client) = crate::client::current_client() {
                    let event = event_from_panic(info);
                    crate::capture_event(event);
                    let _ = client.flush(client.options().get_shutdown_timeout());
                }
            }
            previous(info);
        }));
    });
}
