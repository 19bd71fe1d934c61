//! What scopeline guarantees, and where each guarantee stops.
//!
//! This module holds no code, only notes. Each sub-module covers one subject:
//!
//! - [`context`]: where scope data lives and which code sees it;
//! - [`concurrency`]: forks, sharing, and what can leak between tasks;
//! - [`delivery`]: queues, flushing, rate limits, and what is lost when the process dies;
//! - [`hostile_data`]: oversized data and panicking callbacks;
//! - [`personal_data`]: what `send_default_pii` changes, and the DSN secret.
//!
//! The notes describe the code as it is, including where it does less than you might
//! expect from a Sentry SDK.

pub mod context {
    //! Where scope data lives and which code sees it.
    //!
    //! # Three places
    //!
    //! - The **global** scope ([`get_global_scope`](crate::get_global_scope)) is one
    //!   process-wide value behind an `ArcSwap`. Captures read it when they happen; it is
    //!   never copied into tasks or threads, so a write is seen everywhere at once.
    //! - The **isolation** and **current** scopes of a task live together in one
    //!   `tokio::task_local!` slot. A [`Scoped`](crate::Scoped) future installs them on every
    //!   poll, on whatever worker thread polls it, and puts the outer ones back afterwards.
    //! - **Outside any wrapper** (plain threads, plain `tokio::spawn` tasks, code that runs
    //!   before the first wrapper) both resolve to one **process-wide default pair**. All such
    //!   code shares it: a CLI can set the user once and every thread sees it. No per-thread
    //!   or per-task scope is ever made behind your back. It holds no trace of its own: each
    //!   event, transaction and outgoing call made there starts a fresh trace (until
    //!   [`continue_trace`](crate::continue_trace) sets one, for good: later code outside
    //!   every wrapper shares it), so unrelated work does not share one endless trace.
    //!
    //! [`isolation_scope(fut)`](crate::isolation_scope) forks both scopes of the caller
    //! **when it is called** (not at the first poll); the new isolation scope starts a fresh
    //! trace, and the spans set on the caller's scopes are not carried over (its events do
    //! not hang under the caller's transaction). Nor is a `tracing` span entered *around*
    //! the work (a worker loop's span, seen when the scope is first polled): the work's own
    //! spans inside start from the new scope's trace; a span entered inside it (the work's
    //! own `#[instrument]` span, or `work.instrument(span)`) is followed as usual.
    //! [`new_scope(fut)`](crate::new_scope) forks only the current scope and shares
    //! the isolation scope. [`with_isolation_scope`](crate::with_isolation_scope) and
    //! [`with_new_scope`](crate::with_new_scope) do the same for a closure.
    //! [`ScopeLayer`](crate::ScopeLayer) is different: each request starts from *empty*
    //! scopes that keep only the event processors and the bound client of the scopes it was
    //! called in.
    //!
    //! # What other code inherits
    //!
    //! Scopes are taken when the helper is called, not when the new task first runs.
    //!
    //! | how the work starts | isolation scope | current scope |
    //! |---|---|---|
    //! | [`spawn`](crate::spawn), [`in_current_scope`](crate::ScopeFutureExt::in_current_scope), [`spawn_scoped`](crate::task::JoinSetExt::spawn_scoped), [`spawn_blocking`](crate::spawn_blocking), [`spawn_thread`](crate::spawn_thread), [`bind_fn`](crate::task::bind_fn) | shared with the caller | a fork |
    //! | [`spawn_isolated`](crate::spawn_isolated), [`in_isolation_scope`](crate::ScopeFutureExt::in_isolation_scope) | a fork, with a fresh trace | a fork, without the active span |
    //! | `tokio::task::block_in_place` | the caller's own | the caller's own |
    //! | plain `tokio::spawn`, `tokio::task::spawn_blocking`, `std::thread::spawn`, thread pools | the process default | the process default |
    //! | the same, on a current-thread runtime driven inside a closure form (`with_isolation_scope(\|_\| rt.block_on(..))`) | the process default | the process default |
    //! | `tokio::task::spawn_local` | whatever future is installed when it is polled | the same |
    //!
    //! - `block_in_place` runs its closure on the current thread inside the calling task's
    //!   poll, while the enclosing [`Scoped`](crate::Scoped) has its scopes installed.
    //! - A closure form's scopes are its own code's: the future a runtime's `block_on` runs
    //!   inside the closure sees them, the other tasks that runtime polls on this thread
    //!   meanwhile do not (they are told apart by their tokio task id), just as they would
    //!   not on a multi-thread runtime's workers. A worker that runs each job as
    //!   `with_isolation_scope(|_| rt.block_on(job()))` keeps one job's background tasks out
    //!   of the next job's scope.
    //! - A `spawn_local` future has no scopes of its own. A `LocalSet` polls its tasks inside
    //!   its own poll, so they *share* the scopes of the future that drives it (say an
    //!   [`isolation_scope`](crate::isolation_scope) around `local.run_until(..)`), or see
    //!   the process default (also when a closure form drives it). Wrap them with
    //!   [`in_current_scope`](crate::ScopeFutureExt::in_current_scope) to choose.
    //! - With the `tracing` feature, the helpers that share the isolation scope also make the
    //!   Sentry span of the caller's current `tracing` span, if it has one, the child's active
    //!   span.
    //!
    //! # Cancellation and panics
    //!
    //! A [`Scoped`](crate::Scoped) future restores the outer scopes after every poll, also when
    //! the inner future panics. Dropped before it completes, it drops the inner future inside
    //! its own scopes (as tokio's task-locals do: while the thread-local is still reachable).
    //! The closure forms restore the outer scopes too; the panic goes on to the caller.
}

pub mod concurrency {
    //! Forks, sharing, and what can leak between tasks.
    //!
    //! - **Clones share, forks copy.** A cloned [`Scope`](crate::Scope) is the same scope.
    //!   [`Scope::fork`](crate::Scope::fork) makes a new one in O(1), whatever it holds: tags,
    //!   extra, contexts and breadcrumbs are persistent structures, and the first write after a
    //!   fork adds a small layer instead of copying. From then on neither side sees the
    //!   other's writes. User, fingerprint and request are replaced whole by their setters,
    //!   never edited in place, so a fork never aliases them. The active span is a handle: a
    //!   fork points at the same span.
    //! - **No cross-talk between isolation scopes.** After the fork, tasks in different
    //!   isolation scopes share no scope data but the global scope's. Data is shared only
    //!   where you share it: the global scope; the isolation scope that the spawn helpers
    //!   share with their children (a tag a child sets shows up in the parent's events: they
    //!   are one request); a `Scope` handle you move elsewhere; the process default pair that
    //!   all unwrapped code uses; and the scopes of one task, which every future it polls
    //!   (`join!`, `select!`) sees unless each is wrapped in [`new_scope`](crate::new_scope).
    //! - **Locks.** Each isolation and current scope has a mutex, held only to copy or to
    //!   write, never while user code runs. Readers of the global scope take no lock; its
    //!   writers are serialized and swap in a new copy.
    //! - **Snapshots.** An event holds the scopes as they were when the capture was called;
    //!   later writes do not change it. Event processors and `before_send` run afterwards on
    //!   the client's background thread, inside the capturing task's scopes:
    //!   [`get_isolation_scope`](crate::get_isolation_scope) there returns that task's live
    //!   isolation scope, and writes go to it.
    //! - **No scope guards.** Scopes are entered only by wrapping a future
    //!   ([`Scoped`](crate::Scoped)) or running a closure, so nothing that enters a scope can
    //!   be held across an `.await`. The one guard in the crate,
    //!   [`ClientInitGuard`](crate::ClientInitGuard), owns the client, not a scope.
}

pub mod delivery {
    //! Queues, flushing, rate limits, and what is lost when the process dies.
    //!
    //! # Capture never waits for the network
    //!
    //! On the calling task a capture draws [`sample_rate`](crate::ClientOptions::sample_rate),
    //! builds the event, runs a `capture_*_with` closure, snapshots the scopes and pushes a
    //! job onto the client's pipeline queue: a lock and a push. A thread per client (started
    //! on the first capture) merges, runs event processors and `before_send`, trims, and
    //! hands the envelope to the transport, whose built-in kinds queue it for a thread of
    //! their own (the HTTP one sends one request at a time). If the pipeline thread cannot be
    //! started, the pipeline runs on the calling task, which with the built-in transports
    //! still never touches the network. Capture needs no tokio runtime.
    //!
    //! A finished transaction does less on the task that finishes it: it takes its finished
    //! children and its root span's record, snapshots the isolation scope it started in and
    //! queues them; the pipeline thread builds the transaction event (its trace context, its
    //! sampling context, the request data) before merging it like any other.
    //!
    //! Both queues hold at most [`queue_size`](crate::ClientOptions::queue_size) items
    //! (default 1024), counting the batch being worked on, so up to twice that many events can
    //! wait in memory. A [`JsonLinesTransport`](crate::transport::JsonLinesTransport) made
    //! with its own constructors holds 1024; your own [`Transport`](crate::transport::Transport)
    //! bounds itself.
    //!
    //! # Drops are counted
    //!
    //! ```text
    //! sample_rate         the draw said no                  capture returns None
    //! queue_overflow      pipeline queue full               capture returns None
    //! queue_overflow      transport queue full or closed    capture already returned the id
    //! event_processor     a processor returned None/panicked
    //! before_send         before_send(_transaction) returned None/panicked
    //! ratelimit_backoff   the category is rate limited
    //! network_error       connection failed or timed out (http_timeout, 30 s by default)
    //! send_error          the server answered neither 2xx nor 429
    //! internal_sdk_error  your Transport panicked, or gzip failed
    //! buffer_overflow     a transaction's spans beyond 1000
    //! ```
    //!
    //! The totals are in [`Client::discarded_events`](crate::Client::discarded_events). Unless
    //! [`send_client_reports(false)`](crate::ClientOptions::send_client_reports), they also go
    //! to the server as client reports, riding on the next envelope or sent alone by a flush;
    //! a report whose envelope does not arrive is put back for a later one.
    //! A breadcrumb dropped by `before_breadcrumb` is not counted, and breadcrumbs are kept
    //! only while an enabled client is bound. Once a client is closed, captures return `None`
    //! uncounted.
    //!
    //! # Flushing and shutdown
    //!
    //! [`flush`](crate::flush) and [`Client::flush`](crate::Client::flush) wait until what was
    //! captured before the call has passed the pipeline and the transport, for at most the
    //! timeout in total, blocking the calling thread; the
    //! [`FlushError`](crate::transport::FlushError) says whether time ran out and how many
    //! items were still pending. [`Client::flush_async`](crate::Client::flush_async) waits on a
    //! thread of its own, so it needs no particular executor. Dropping the [`ClientInitGuard`](crate::ClientInitGuard) calls
    //! [`Client::close`](crate::Client::close) with
    //! [`shutdown_timeout`](crate::ClientOptions::shutdown_timeout) (2 s by default): drain,
    //! send the pending client report, stop. It needs no runtime, so it works the same under a
    //! sync `main` and `#[tokio::main]`. An HTTP request in flight is not cancelled; what is
    //! still queued when the timeout passes is lost when the process exits.
    //!
    //! # The server
    //!
    //! The HTTP transport honours `X-Sentry-Rate-Limits` per category (or for all), and
    //! `Retry-After` on a 429; a bare 429 backs everything off for 60 s. Rate-limited items are
    //! dropped before they are queued, and again before they are sent. The items of an
    //! envelope answered with 429 are not counted: the server counts them. Nothing is
    //! retried: a request that may have reached the server is never sent twice, so a network
    //! error loses that envelope. A 413 (too large) is logged as an error even without
    //! `debug`. The JSON-lines transport loses a line it cannot write, uncounted.
    //!
    //! # When the process dies
    //!
    //! `kill -9`, `std::process::abort`, `std::process::exit`, or leaking the guard lose
    //! everything held in memory: both queues, the request in flight, and the drop counts not
    //! yet reported.
    //!
    //! With the panic hook ([`init`](crate::init) installs it unless
    //! [`capture_panics(false)`](crate::ClientOptions::capture_panics); or
    //! [`install_panic_hook`](crate::install_panic_hook)), a panic is captured as a fatal
    //! event with the panicking task's scopes, then, when the panic may end the process, the
    //! hook flushes for at most `shutdown_timeout` on the panicking thread; then it runs the
    //! hook installed before it. Hooks run before unwinding or aborting, so this works with
    //! `panic = "abort"`. It happens for every panic of code that resolves to a client, that
    //! the client's `sample_rate` keeps
    //! (except the callback panics of [`super::hostile_data`] that scopeline contains, and
    //! panics on scopeline's own threads). A panic inside a tokio task is captured (as fatal)
    //! but not flushed: the runtime catches it and goes on, the event leaves in the
    //! background, and the worker thread is not held up, which with a server down would cost
    //! up to `shutdown_timeout` per panic. A panic on a plain thread, in `block_on`, or under
    //! `panic = "abort"` is flushed first.
    //! Panics of a service inside [`ScopeLayer`](crate::ScopeLayer) are captured at level
    //! `error`, without a flush. A panic that unwinds out of `main` then drops the guard held
    //! there, which flushes again.
}

pub mod hostile_data {
    //! Oversized data and panicking callbacks.
    //!
    //! # Trimmed, not rejected
    //!
    //! On the pipeline thread, after `before_send` (which sees the data untrimmed), every event
    //! is cut to the limits Relay applies. Strings are cut at a character boundary and end in
    //! `...`; JSON values are cut to a depth and a byte budget of their JSON text (escapes and
    //! multi-byte characters counted; long strings and keys cut, containers at the last level
    //! turned into their JSON text, entries past the budget dropped). Times before 1970 or
    //! after 9999 are written as the nearest one that can be.
    //!
    //! ```text
    //! message, exception value, breadcrumb message, span description   8192 chars
    //! transaction, release, tag keys, tag values                        200 chars
    //! server_name, exception type and module, request URL               256 chars
    //! breadcrumb type and category, span op, user id/username/name      128 chars
    //! email 75; logger, environment, dist, request method, span status   64 chars
    //! extra: each value depth 7 and 16 KiB, all of it 256 KiB
    //! each context: depth 5, 8 KiB     breadcrumb data: depth 5, 2 KiB
    //! user data: depth 5, 2 KiB per value, 8 KiB in all    span data: depth 7, 8 KiB
    //! request: headers 8 KiB, env 8 KiB, body depth 7 and 8 KiB,
    //!          query string 1024 chars, cookies 2048 chars
    //! stack trace: newest 250 frames    error source chain: 32 errors
    //! ```
    //!
    //! Tag keys are also made valid: spaces become `-`, characters outside `a-zA-Z0-9_.:-`
    //! become `_`; control characters (line breaks too) in values become spaces, then
    //! surrounding blanks are trimmed. A tag whose key or value is empty after that is
    //! dropped. Breadcrumbs are capped at
    //! [`max_breadcrumbs`](crate::ClientOptions::max_breadcrumbs) per scope and again after
    //! the merge. When an envelope is serialized and an event's JSON is still over 1 MiB, it
    //! sheds data, in this order, until it fits: the oldest half of the breadcrumbs (again and
    //! again), the last half of a transaction's spans (likewise), `extra`, contexts other than
    //! `trace`, half the tags (likewise), the innermost half of the exception chain
    //! (likewise), the request, a fingerprint over 64 KiB, then the message beyond 1024
    //! characters. An event still too large after that is sent as it is. Attachments are
    //! never cut, nor fingerprint entries (Relay sets them no limit, and two long entries
    //! cut to one length would merge two issues).
    //!
    //! # Panicking callbacks
    //!
    //! | callback | runs on | when it panics |
    //! |---|---|---|
    //! | [`before_send`](crate::ClientOptions::before_send), [`before_send_transaction`](crate::ClientOptions::before_send_transaction) | pipeline thread | event dropped, counted as `before_send` |
    //! | [event processors](crate::Scope::add_event_processor) | pipeline thread | event dropped, counted as `event_processor` |
    //! | [`before_breadcrumb`](crate::ClientOptions::before_breadcrumb) | the caller | that breadcrumb dropped |
    //! | [`traces_sampler`](crate::ClientOptions::traces_sampler) | where the transaction starts | rate 0: not sampled |
    //! | [`ScopeLayer::transaction_name`](crate::ScopeLayer::transaction_name) | the request's `call` | default name used |
    //! | [`capture_error_with`](crate::capture_error_with), [`capture_message_with`](crate::capture_message_with) closures | the caller | caught; the event is sent with what the closure set before |
    //! | [`configure_scope`](crate::configure_scope) closure | the caller | caught; writes made before the panic stay |
    //! | [`with_isolation_scope`](crate::with_isolation_scope), [`with_new_scope`](crate::with_new_scope) closures, futures in any wrapper | the caller | propagates (outer scopes restored) |
    //! | [`TracingLayer::event_filter`](crate::TracingLayer::event_filter), [`span_filter`](crate::TracingLayer::span_filter) | inside `tracing`'s dispatch | caught; the event or span is left out |
    //! | your [`Transport::send_envelope`](crate::transport::Transport::send_envelope) | pipeline thread | caught; the envelope is lost, counted as `internal_sdk_error` |
    //! | `Display`/`Debug` of an error passed to [`capture_error`](crate::capture_error) | the caller | caught; the event is sent with a placeholder exception |
    //!
    //! A panic that scopeline contains (every row but the one marked "propagates") is logged
    //! as a warning under the `scopeline` target, whatever `debug` says, and the panic hook
    //! that ran before scopeline's (by default, std's) still prints it to stderr. scopeline's
    //! panic hook does not capture these as crashes, and does not flush for them.
}

pub mod personal_data {
    //! What `send_default_pii` changes, and the DSN secret.
    //!
    //! The event pipeline scrubs nothing. The rules below apply where scopeline collects data
    //! on its own: the [`ScopeLayer`](crate::ScopeLayer) (request data) and the
    //! [`TracingLayer`](crate::TracingLayer) (span and event fields).
    //!
    //! # Always filtered, whatever the setting
    //!
    //! - Request headers whose name contains (any case) `auth`, `token`, `secret`,
    //!   `password`, `passwd`, `pwd`, `key`, `jwt`, `bearer`, `sso`, `saml`, `csrf`, `xsrf`,
    //!   `credentials`, `session`, `cookie` or `identity` keep their name, with the value
    //!   `[Filtered]`.
    //!   The `Cookie` header never appears among the headers.
    //! - Query-string parameters whose name contains one of the header substrings above
    //!   (`access_token`, `client_secret`, …) get the value `[Filtered]`.
    //! - Query-string parameters and `tracing` fields named on the denylist (`password`,
    //!   `passwd`, `secret`, `api_key`, `apikey`, `auth`, `token`, `session`, `sid`,
    //!   `authorization`, `cookie`, `set_cookie`, `x_forwarded_for`, `csrf` and its variants,
    //!   session-cookie names, …) get the value `[Filtered]`. These names match exactly,
    //!   ignoring case and reading `-` as `_`; for a dotted field name such as `tags.token`
    //!   the last segment counts too.
    //! - The URL carries no query string and no credentials. No request body is read.
    //! - A URL in the `Referer`, `X-Original-URL` or `X-Rewrite-URL` header loses its
    //!   credentials and fragment, and its query string is filtered like the request's (the
    //!   whole value is `[Filtered]` if it does not parse).
    //!
    //! # Collected only with `send_default_pii(true)`
    //!
    //! [`send_default_pii`](crate::ClientOptions::send_default_pii) is off by default. On,
    //! it adds:
    //!
    //! - the `Cookie` header, as the request's cookies, with the values of cookies named like
    //!   a secret header or on the denylist (`JSESSIONID`, `session_id`, `auth_token`, `sid`,
    //!   …) filtered (the whole header, if it does not parse);
    //! - the values of the headers that name the client's address: `X-Forwarded-For`,
    //!   `X-Original-Forwarded-For`, `X-Forwarded`, `Forwarded-For`, `Forwarded`,
    //!   `X-Real-IP`, `Client-IP`, `X-Client-IP`, `CF-Connecting-IP`, `CF-Connecting-IPv6`,
    //!   `True-Client-IP`, `Fastly-Client-IP`, `X-Cluster-Client-IP`, `Fly-Client-IP`,
    //!   `X-Envoy-External-Address`, `X-Vercel-Forwarded-For`, `X-Azure-ClientIP`,
    //!   `X-AppEngine-User-IP`, `CloudFront-Viewer-Address`, `X-ARR-ClientIP`,
    //!   `HTTP-X-Forwarded-For`, `DO-Connecting-IP`, `Oxygen-Buyer-IP`, `Remote-Addr`,
    //!   `X-Remote-Addr`, `X-Remote-IP` and `X-Originating-IP` (otherwise `[Filtered]`);
    //! - the client's address, as `REMOTE_ADDR`: the one a proxy in front names (see
    //!   [`ScopeLayer`](crate::ScopeLayer) for which headers, in which order), else the peer
    //!   address (from a `SocketAddr` request extension, with the `axum` feature from axum's
    //!   `ConnectInfo`, with the `tonic` feature from tonic's `TcpConnectInfo`);
    //! - the values of `tracing` fields and query-string parameters named `ip_address`,
    //!   `remote_addr`, `x_real_ip` or `client_ip` (otherwise `[Filtered]`).
    //!
    //! scopeline never sets a user, a user IP address or `{{auto}}` on its own.
    //!
    //! # What you set is sent as you set it
    //!
    //! Data you set yourself is never scrubbed, whatever the setting: the user from
    //! [`set_user`](crate::set_user) (its IP address included), a request from
    //! [`Scope::set_request`](crate::Scope::set_request), tags, extra, contexts, your
    //! breadcrumbs, and events passed to [`capture_event`](crate::capture_event). Only the
    //! size limits of [`super::hostile_data`] apply. Scrub it in
    //! [`before_send`](crate::ClientOptions::before_send) if you need to.
    //!
    //! # The DSN secret
    //!
    //! [`Dsn`](crate::Dsn)'s `Display` and `Debug` write an old-style secret key as `***`, and
    //! the `Debug` output of `Client`, `ClientOptions` and `ClientInitGuard` shows the DSN
    //! that way (an unparsable DSN as `<invalid>`). DSN parse errors do not repeat the DSN.
    //! The `debug` logs name the envelope URL, which holds neither key; the `X-Sentry-Auth`
    //! header, the one place the secret is sent, is never logged. Your own code can still
    //! read it, through [`ClientOptions::get_dsn`](crate::ClientOptions::get_dsn) and
    //! [`Dsn::secret_key`](crate::Dsn::secret_key).
}
