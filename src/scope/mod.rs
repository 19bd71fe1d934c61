//! Scopes: the context that is merged into every event.
//!
//! There are three tiers, merged from the lowest to the highest when an event is captured:
//!
//! 1. the **global** scope, one per process ([`get_global_scope`]);
//! 2. the **isolation** scope, one per request, job or message ([`get_isolation_scope`]);
//! 3. the **current** scope, one per block or span ([`get_current_scope`]).
//!
//! Isolation and current scope live in a `tokio::task_local!`, installed by
//! [`isolation_scope`], [`new_scope`] and the spawn helpers, so they follow a task across every
//! `.await`. Outside any of them, both resolve to one process-wide default pair.

mod cow;
mod crumb;
mod data;
mod future;
mod handle;
mod storage;

pub(crate) use cow::{CrumbBuf, Key};
pub(crate) use crumb::{Crumb, newest, put_field};
#[cfg(feature = "tracing")]
pub(crate) use crumb::{Fields, TracedCrumb};
pub use data::Hint;
#[cfg(feature = "tower")]
pub(crate) use data::RequestSource;
pub(crate) use data::{ScopeData, local_clients_bound};
pub use future::Scoped;
pub use handle::Scope;
pub(crate) use handle::WeakScope;
pub(crate) use storage::{ScopePair, with_pair};
pub(crate) use storage::{
    any_client_bound, global_data, scoped, set_global_client, sync_scoped, with_global_client,
};
pub use storage::{
    configure_scope, get_current_scope, get_global_scope, get_isolation_scope, isolation_scope,
    new_scope, with_isolation_scope, with_new_scope,
};
#[cfg(feature = "tower")]
pub(crate) use storage::{record_boundary, scoped_isolated};
