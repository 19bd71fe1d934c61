//! Carrying scopes into spawned tasks and threads.
//!
//! `tokio::spawn` starts a task with no task-locals, so a plain spawned task sees the
//! process-wide default scopes, not the request it was spawned from. These helpers carry the
//! scopes over:
//!
//! | helper | isolation scope | current scope |
//! |---|---|---|
//! | [`spawn`], [`ScopeFutureExt::in_current_scope`], [`JoinSetExt::spawn_scoped`], [`spawn_blocking`], [`spawn_thread`] | shared with the parent | a fork taken at spawn time |
//! | [`spawn_isolated`], [`ScopeFutureExt::in_isolation_scope`] | a fork | a fork |
//!
//! Sharing the isolation scope means a tag the child sets on it, or a breadcrumb it adds,
//! shows up in the parent's events too: they are the same request.

use std::future::Future;

use tokio::task::{JoinHandle, JoinSet};

use crate::scope::{ScopePair, Scoped, scoped, sync_scoped};

/// Spawns a task that shares the isolation scope and gets a fork of the current scope.
///
/// Must be called from inside a tokio runtime, like `tokio::spawn`.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// scopeline::isolation_scope(async {
///     scopeline::set_tag("request_id", "r-7");
///     let seen = scopeline::spawn(async { scopeline::get_isolation_scope().tag("request_id") });
///     assert_eq!(seen.await.unwrap().as_deref(), Some("r-7"));
///
///     // A plain tokio::spawn does not carry it.
///     let lost = tokio::spawn(async { scopeline::get_isolation_scope().tag("request_id") });
///     assert_eq!(lost.await.unwrap(), None);
/// })
/// .await;
/// # }
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(future.in_current_scope())
}

/// Spawns a task in a new isolation scope, forked from the caller's.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// scopeline::set_tag("shared", "yes");
/// let job = scopeline::spawn_isolated(async {
///     scopeline::set_tag("job", "reindex");
///     scopeline::get_isolation_scope().tag("shared")
/// });
/// assert_eq!(job.await.unwrap().as_deref(), Some("yes"));
/// assert_eq!(scopeline::get_isolation_scope().tag("job"), None);
/// # scopeline::get_isolation_scope().remove_tag("shared");
/// # }
/// ```
#[track_caller]
pub fn spawn_isolated<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(future.in_isolation_scope())
}

/// Runs a blocking closure on tokio's blocking pool, with the isolation scope shared and a
/// fork of the current scope.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// scopeline::isolation_scope(async {
///     scopeline::set_tag("request_id", "r-9");
///     let seen = scopeline::spawn_blocking(|| scopeline::get_isolation_scope().tag("request_id"));
///     assert_eq!(seen.await.unwrap().as_deref(), Some("r-9"));
/// })
/// .await;
/// # }
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let pair = ScopePair::for_child();
    tokio::task::spawn_blocking(move || sync_scoped(pair, f))
}

/// Spawns an OS thread with the isolation scope shared and a fork of the current scope.
///
/// # Panics
///
/// Panics when the OS cannot create a thread, like `std::thread::spawn`.
///
/// # Examples
///
/// ```
/// scopeline::with_isolation_scope(|scope| {
///     scope.set_tag("batch", "42");
///     let seen = scopeline::spawn_thread(|| scopeline::get_isolation_scope().tag("batch"));
///     assert_eq!(seen.join().unwrap().as_deref(), Some("42"));
/// });
/// ```
#[track_caller]
pub fn spawn_thread<F, R>(f: F) -> std::thread::JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let f = bind_fn(f);
    std::thread::spawn(f)
}

/// Wraps a closure so that it runs with the caller's isolation scope and a fork of its current
/// scope, on whatever thread calls it: for thread pools, `std::thread::scope`, or callbacks.
///
/// # Examples
///
/// ```
/// scopeline::with_isolation_scope(|scope| {
///     scope.set_tag("batch", "7");
///     let job = scopeline::task::bind_fn(|| scopeline::get_isolation_scope().tag("batch"));
///     let seen = std::thread::scope(|s| s.spawn(job).join().unwrap());
///     assert_eq!(seen.as_deref(), Some("7"));
///
///     // Scoped threads may borrow: the closure need not be `'static`.
///     let rows = vec![1, 2, 3];
///     let sum = std::thread::scope(|s| {
///         s.spawn(scopeline::task::bind_fn(|| rows.iter().sum::<i32>())).join().unwrap()
///     });
///     assert_eq!(sum, 6);
/// });
/// ```
pub fn bind_fn<'a, F, R>(f: F) -> impl FnOnce() -> R + Send + 'a
where
    F: FnOnce() -> R + Send + 'a,
{
    let pair = ScopePair::for_child();
    move || sync_scoped(pair, f)
}

/// Carries scopes into futures: the future form of the spawn helpers.
///
/// Both methods take the scopes **when they are called**, so call them where the future is
/// made, not inside it.
///
/// # Examples
///
/// ```
/// use scopeline::ScopeFutureExt;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// // The future takes the scopes of where it is made, not of where it is awaited.
/// let child = scopeline::with_isolation_scope(|scope| {
///     scope.set_tag("request_id", "r-1");
///     async { scopeline::get_isolation_scope().tag("request_id") }.in_current_scope()
/// });
/// assert_eq!(child.await.as_deref(), Some("r-1"));
/// # }
/// ```
pub trait ScopeFutureExt: Future + Sized {
    /// Runs the future with the caller's isolation scope and a fork of its current scope.
    ///
    /// # Examples
    ///
    /// ```
    /// use scopeline::ScopeFutureExt;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// scopeline::isolation_scope(async {
    ///     scopeline::set_tag("request_id", "r-3");
    ///     let child = async { scopeline::get_isolation_scope().tag("request_id") }.in_current_scope();
    ///     let seen = tokio::spawn(child).await.unwrap();
    ///     assert_eq!(seen.as_deref(), Some("r-3"));
    /// })
    /// .await;
    /// # }
    /// ```
    fn in_current_scope(self) -> Scoped<Self> {
        scoped(ScopePair::for_child(), self)
    }

    /// Runs the future in a new isolation scope forked from the caller's.
    ///
    /// # Examples
    ///
    /// ```
    /// use scopeline::ScopeFutureExt;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let job = async {
    ///     scopeline::set_tag("job", "reindex");
    ///     scopeline::get_isolation_scope().tag("job")
    /// }
    /// .in_isolation_scope();
    /// assert_eq!(tokio::spawn(job).await.unwrap().as_deref(), Some("reindex"));
    /// // The tag stayed in the job's own isolation scope.
    /// assert_eq!(scopeline::get_isolation_scope().tag("job"), None);
    /// # }
    /// ```
    fn in_isolation_scope(self) -> Scoped<Self> {
        crate::isolation_scope(self)
    }
}

impl<F: Future> ScopeFutureExt for F {}

/// Spawning into a [`JoinSet`] with scopes carried over.
///
/// # Examples
///
/// ```
/// use scopeline::task::JoinSetExt;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let mut set = tokio::task::JoinSet::new();
/// scopeline::with_isolation_scope(|scope| {
///     scope.set_tag("batch", "b-1");
///     set.spawn_scoped(async { scopeline::get_isolation_scope().tag("batch") });
/// });
/// let seen = set.join_next().await.unwrap().unwrap();
/// assert_eq!(seen.as_deref(), Some("b-1"));
/// # }
/// ```
pub trait JoinSetExt<T> {
    /// Spawns like [`JoinSet::spawn`], with the isolation scope shared and a fork of the current
    /// scope.
    ///
    /// # Examples
    ///
    /// ```
    /// use scopeline::task::JoinSetExt;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// scopeline::isolation_scope(async {
    ///     scopeline::set_tag("request_id", "r-5");
    ///     let mut set = tokio::task::JoinSet::new();
    ///     for _ in 0..3 {
    ///         set.spawn_scoped(async { scopeline::get_isolation_scope().tag("request_id") });
    ///     }
    ///     while let Some(seen) = set.join_next().await {
    ///         assert_eq!(seen.unwrap().as_deref(), Some("r-5"));
    ///     }
    /// })
    /// .await;
    /// # }
    /// ```
    fn spawn_scoped<F>(&mut self, future: F) -> tokio::task::AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static;
}

impl<T: 'static> JoinSetExt<T> for JoinSet<T> {
    #[track_caller]
    fn spawn_scoped<F>(&mut self, future: F) -> tokio::task::AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        self.spawn(future.in_current_scope())
    }
}
