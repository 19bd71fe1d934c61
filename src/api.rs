//! The functions most code calls: capture, and set data on the isolation scope.

use std::borrow::Cow;
use std::error::Error;
use std::time::Duration;

use serde_json::Value;

use crate::client::{ErrorRef, EventSource, PerEvent, capture_ambient};
use crate::protocol::{Context, Event, EventId, IntoBreadcrumbs, Level, User};
use crate::scope::{Scope, get_isolation_scope};
use crate::transport::FlushError;

/// Captures an error, with its `source()` chain, merged with the task's scopes.
///
/// Returns the event id once the event is queued for the client's pipeline, `None` when it
/// was dropped before that (no client, sampled out, the pipeline queue full). Event
/// processors, `before_send` and the transport run later, on the pipeline thread: an event
/// they drop has already returned its id, and is counted (see
/// [`docs::delivery`](crate::docs::delivery)). Never blocks and never panics.
///
/// # Examples
///
/// ```
/// let err = std::io::Error::other("disk full");
/// // Without init nothing is sent, and this costs a few nanoseconds.
/// assert!(scopeline::capture_error(&err).is_none());
/// ```
#[inline]
pub fn capture_error<E: Error + ?Sized>(error: &E) -> Option<EventId> {
    let error = ErrorRef(error);
    capture_ambient(EventSource::Error(&error), None)
}

/// Captures an error; `configure` edits, for this event only, a copy of the task's global,
/// isolation and current scopes merged into one.
///
/// The closure sees everything the event will carry and can change or remove any of it
/// (`remove_tag`, `set_user(None)`, `clear_breadcrumbs`); the scopes themselves are left as
/// they were. Merging copies the scopes' data, which [`capture_error`] does not.
///
/// # Examples
///
/// ```
/// # use scopeline::{Client, ClientOptions, transport::JsonLinesTarget};
/// # let client = Client::new(ClientOptions::new().json_lines(JsonLinesTarget::Stderr));
/// # scopeline::get_isolation_scope().bind_client(Some(client));
/// let err = std::io::Error::other("timeout");
/// scopeline::set_tag("session", "9f2c");
/// let id = scopeline::capture_error_with(&err, |scope| {
///     assert_eq!(scope.tag("session").as_deref(), Some("9f2c"));
///     scope.remove_tag("session");
///     scope.set_tag("retry", "3");
///     scope.set_level(Some(scopeline::Level::Warning));
/// });
/// assert!(id.is_some());
/// assert_eq!(scopeline::get_isolation_scope().tag("session").as_deref(), Some("9f2c"));
/// ```
pub fn capture_error_with<E: Error + ?Sized>(
    error: &E,
    configure: impl FnOnce(&Scope),
) -> Option<EventId> {
    let error = ErrorRef(error);
    let mut configure = Some(configure);
    let mut f = |scope: &Scope| {
        if let Some(c) = configure.take() {
            c(scope);
        }
    };
    capture_ambient(EventSource::Error(&error), Some(PerEvent::Closure(&mut f)))
}

/// Captures a message at a level, merged with the task's scopes.
///
/// # Examples
///
/// ```
/// scopeline::capture_message("cache rebuilt", scopeline::Level::Info);
/// ```
#[inline]
pub fn capture_message(message: &str, level: Level) -> Option<EventId> {
    capture_ambient(EventSource::message(message, level), None)
}

/// Captures a message; `configure` edits, for this event only, a copy of the task's scopes
/// merged into one (see [`capture_error_with`]).
///
/// # Examples
///
/// ```
/// scopeline::capture_message_with("slow query", scopeline::Level::Warning, |scope| {
///     scope.set_extra("ms", 1250.into());
/// });
/// ```
pub fn capture_message_with(
    message: &str,
    level: Level,
    configure: impl FnOnce(&Scope),
) -> Option<EventId> {
    let mut configure = Some(configure);
    let mut f = |scope: &Scope| {
        if let Some(c) = configure.take() {
            c(scope);
        }
    };
    capture_ambient(
        EventSource::message(message, level),
        Some(PerEvent::Closure(&mut f)),
    )
}

/// Captures an event you built, merged with the task's scopes.
///
/// # Examples
///
/// ```
/// let mut event = scopeline::protocol::Event::new();
/// event.message = Some("manual".into());
/// scopeline::capture_event(event);
/// ```
#[inline]
pub fn capture_event(event: Event) -> Option<EventId> {
    capture_ambient(EventSource::event(event), None)
}

/// The id of the last event captured in this isolation scope, if any.
///
/// # Examples
///
/// ```
/// assert!(scopeline::with_isolation_scope(|_| scopeline::last_event_id()).is_none());
/// ```
pub fn last_event_id() -> Option<EventId> {
    get_isolation_scope().read(crate::scope::ScopeData::last_event_id)
}

/// Sets a tag on the isolation scope.
///
/// # Examples
///
/// ```
/// scopeline::with_isolation_scope(|scope| {
///     scopeline::set_tag("tenant", "acme");
///     assert_eq!(scope.tag("tenant").as_deref(), Some("acme"));
/// });
/// ```
pub fn set_tag(key: impl Into<Cow<'static, str>>, value: impl Into<Cow<'static, str>>) {
    get_isolation_scope().set_tag(key, value);
}

/// Sets or clears the user on the isolation scope.
///
/// # Examples
///
/// ```
/// scopeline::with_isolation_scope(|scope| {
///     scopeline::set_user(Some(scopeline::User::with_id("42")));
///     assert_eq!(scope.user().unwrap().id.as_deref(), Some("42"));
/// });
/// ```
pub fn set_user(user: Option<User>) {
    get_isolation_scope().set_user(user);
}

/// Sets a context on the isolation scope.
///
/// # Examples
///
/// ```
/// let ctx = serde_json::json!({"plan": "pro"}).as_object().unwrap().clone();
/// scopeline::with_isolation_scope(|scope| {
///     scopeline::set_context("billing", ctx);
///     assert!(scope.context("billing").is_some());
/// });
/// ```
pub fn set_context(key: impl Into<Cow<'static, str>>, context: Context) {
    get_isolation_scope().set_context(key, context);
}

/// Sets an extra value on the isolation scope.
///
/// # Examples
///
/// ```
/// scopeline::with_isolation_scope(|scope| {
///     scopeline::set_extra("attempt", 2.into());
///     assert_eq!(scope.extra("attempt"), Some(2.into()));
/// });
/// ```
pub fn set_extra(key: impl Into<Cow<'static, str>>, value: Value) {
    get_isolation_scope().set_extra(key, value);
}

/// Adds breadcrumbs to the isolation scope (ignored while no client is bound).
///
/// Takes a [`Breadcrumb`](crate::Breadcrumb), an `Option` or `Vec` of them, or a closure
/// returning one of these (see [`IntoBreadcrumbs`]): the closure runs only when a client will
/// keep the result, so building the breadcrumb costs nothing while none is bound. It runs on
/// the caller's stack, before any lock is taken.
///
/// # Examples
///
/// ```
/// use scopeline::Breadcrumb;
///
/// scopeline::add_breadcrumb(Breadcrumb::new("user clicked pay").with_category("ui"));
/// let order = 42;
/// scopeline::add_breadcrumb(|| Breadcrumb::new(format!("order {order} paid")));
/// ```
#[inline]
pub fn add_breadcrumb(crumbs: impl IntoBreadcrumbs) {
    if !crate::scope::any_client_bound() {
        return;
    }
    crate::client::CrumbRoute::ambient().add(None, crumbs, None);
}

/// Flushes the client the running task resolves to (see [`Client::flush`](crate::Client::flush)).
///
/// # Errors
///
/// As [`Client::flush`](crate::Client::flush). `Ok` when no client is bound.
///
/// # Examples
///
/// ```
/// scopeline::flush(std::time::Duration::from_secs(1)).unwrap();
/// ```
pub fn flush(timeout: Duration) -> Result<(), FlushError> {
    match crate::client::current_client() {
        Some(client) => client.flush(timeout),
        None => Ok(()),
    }
}
