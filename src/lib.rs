//! Async-first, tokio-native error and context instrumentation with Sentry's three-tier scope
//! model.
//!
//! scopeline carries Sentry-style context (tags, user, contexts, breadcrumbs, the trace)
//! through tokio tasks across every `.await`, captures errors and messages with that context
//! merged in, and ships them to any Sentry-compatible server, or writes them as JSON lines
//! when no server is configured.
//!
//! # Scopes
//!
//! - The **global** scope holds what applies to the whole process ([`get_global_scope`]).
//! - The **isolation** scope holds what belongs to one request, job or message
//!   ([`get_isolation_scope`]); [`set_tag`], [`set_user`], [`set_context`], [`set_extra`] and
//!   [`add_breadcrumb`] write it. [`isolation_scope`] runs a future in a new one.
//! - The **current** scope holds what belongs to one block ([`get_current_scope`]);
//!   [`new_scope`] runs a future in a new one.
//!
//! Isolation and current scope live in a `tokio::task_local!`: they follow the task on every
//! poll, on every worker thread, and never leak into other tasks. Captures merge global →
//! isolation → current.
//!
//! ```
//! use scopeline::{ClientOptions, Level, User, transport::JsonLinesTarget};
//!
//! # #[tokio::main] async fn main() {
//! let _guard = scopeline::init(ClientOptions::new().json_lines(JsonLinesTarget::Stderr));
//!
//! let handles: Vec<_> = (0..3)
//!     .map(|n| {
//!         scopeline::spawn_isolated(async move {
//!             scopeline::set_user(Some(User::with_id(n.to_string())));
//!             scopeline::set_tag("request_id", format!("req-{n}"));
//!             tokio::task::yield_now().await;
//!             // Carries this request's user and tag, never another's.
//!             scopeline::capture_message("request failed", Level::Error)
//!         })
//!     })
//!     .collect();
//! for handle in handles {
//!     assert!(handle.await.unwrap().is_some());
//! }
//! # }
//! ```
//!
//! # Spawning
//!
//! A plain `tokio::spawn` starts a task with no scopes of its own (a limit of tokio's
//! task-locals): it sees the process-wide default scopes. Use [`spawn`], [`spawn_isolated`],
//! [`spawn_blocking`], [`spawn_thread`], [`task::JoinSetExt`] or [`ScopeFutureExt`] to carry
//! the scopes over; the [`task`] module explains what each one shares.
//!
//! # Feature flags
//!
//! - `tracing` (default): `TracingLayer`, which turns `tracing` spans and events into
//!   breadcrumbs, Sentry spans and events.
//! - `http` (default): the HTTP transport used when a DSN is set (ureq with rustls and the
//!   bundled webpki roots, gzip).
//! - `system-roots`: with `http`, trust the operating system's certificate store instead.
//! - `tower`: `ScopeLayer`, a tower layer that runs each HTTP request in its own isolation
//!   scope, and `inject_trace_headers` for outgoing requests.
//! - `axum`: with `tower`, name transactions after axum's matched route and read axum's
//!   connection info.
//! - `tonic`: with `tower`, read the peer address tonic's server gives each call.
//! - `test-util`: [`testing`], an in-memory transport and helpers that run code with a
//!   capturing client, for your own tests.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]

mod api;
mod client;
pub mod docs;
mod integrations;
mod panic;
mod pii;
pub mod protocol;
mod scope;
pub mod task;
#[cfg(feature = "test-util")]
pub mod testing;
mod trace;
pub mod transport;
mod trim;

pub use api::{
    add_breadcrumb, capture_error, capture_error_with, capture_event, capture_message,
    capture_message_with, flush, last_event_id, set_context, set_extra, set_tag, set_user,
};
pub use client::{
    Client, ClientInitGuard, ClientOptions, Dsn, DsnParseError, InitError, init, try_init,
};
#[cfg(feature = "tower")]
pub use integrations::tower::{
    ScopeBody, ScopeFuture, ScopeLayer, ScopeService, inject_trace_headers,
};
#[cfg(feature = "tracing")]
pub use integrations::tracing_layer::{EventFilter, TracingLayer, default_event_filter};
pub use panic::install_panic_hook;
pub use protocol::{Breadcrumb, IntoBreadcrumbs, Level, User};
pub use scope::{
    Hint, Scope, Scoped, configure_scope, get_current_scope, get_global_scope, get_isolation_scope,
    isolation_scope, new_scope, with_isolation_scope, with_new_scope,
};
pub use task::{ScopeFutureExt, spawn, spawn_blocking, spawn_isolated, spawn_thread};
pub use trace::{
    SamplingContext, Span, SpanStatus, TraceHeaders, TransactionContext, active_span,
    continue_trace, start_transaction, trace_headers,
};
