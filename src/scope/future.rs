use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use tokio::task::futures::TaskLocalFuture;

use super::handle::Scope;
use super::storage::ScopePair;

pin_project! {
    /// A future that runs inside its own isolation and current scope.
    ///
    /// Returned by [`isolation_scope`](crate::isolation_scope), [`new_scope`](crate::new_scope)
    /// and [`in_current_scope`](crate::ScopeFutureExt::in_current_scope). Each poll installs
    /// the scopes and restores the outer ones afterwards, also when the inner future panics.
    /// When the future is dropped before it completes, the inner future is dropped inside its
    /// scopes.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let scoped: scopeline::Scoped<_> = scopeline::new_scope(async {
    ///     scopeline::get_current_scope().set_tag("step", "charge");
    ///     scopeline::get_current_scope().tag("step")
    /// });
    /// assert_eq!(scoped.await.as_deref(), Some("charge"));
    /// assert_eq!(scopeline::get_current_scope().tag("step"), None);
    /// # }
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Scoped<F> {
        #[pin]
        inner: TaskLocalFuture<Arc<ScopePair>, F>,
        // A new isolation scope, until the first poll records its trace boundary.
        boundary_of: Option<Scope>,
    }
}

impl<F> Scoped<F> {
    pub(crate) fn new(
        inner: TaskLocalFuture<Arc<ScopePair>, F>,
        boundary_of: Option<Scope>,
    ) -> Self {
        Scoped { inner, boundary_of }
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        if let Some(isolation) = this.boundary_of.take() {
            super::storage::record_boundary(&isolation);
        }
        this.inner.poll(cx)
    }
}

impl<F> fmt::Debug for Scoped<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scoped").finish_non_exhaustive()
    }
}
