//! Transports: where envelopes go once an event is captured.
//!
//! A [`Transport`] takes envelopes without ever blocking the capturing task. The built-in
//! ones queue envelopes for a background thread (bounded: a full queue drops and counts)
//! that delivers them:
//!
//! - with a DSN (and the default `http` feature), the HTTP transport posts gzipped envelopes
//!   to the server's envelope endpoint, honours its rate limits, counts what it drops and
//!   reports the counts (client reports); proxies come from `HTTPS_PROXY`/`HTTP_PROXY`/
//!   `ALL_PROXY` (and `NO_PROXY`);
//! - [`JsonLinesTransport`] writes JSON lines to stdout, stderr or a file;
//! - with the `test-util` feature, [`CapturingTransport`](crate::testing::CapturingTransport)
//!   keeps envelopes in memory for your tests.
//!
//! Write your own by implementing [`Transport`].

#[cfg(feature = "http")]
mod http;
mod json_lines;
#[cfg(feature = "http")]
mod rate_limits;
#[cfg(feature = "http")]
mod resolve;
mod worker;

use std::fmt;
use std::time::Duration;

#[cfg(feature = "http")]
pub(crate) use http::HttpTransport;
pub use json_lines::{JsonLinesFormat, JsonLinesTarget, JsonLinesTransport};
pub(crate) use worker::{LINGER, Rejected, Worker, deadline_after};

use crate::protocol::Envelope;

/// Ships envelopes somewhere.
///
/// `send_envelope` is called on the client's pipeline thread, once per event, after
/// `before_send`; it must not block for long, since later events wait behind it: queue the
/// envelope and return. Hand it back in a [`SendError`] when it cannot be queued, and the
/// client counts the drop.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use scopeline::protocol::Envelope;
/// use scopeline::transport::{SendError, Transport};
///
/// #[derive(Debug, Default, Clone)]
/// struct Memory(Arc<Mutex<Vec<Envelope>>>);
///
/// impl Transport for Memory {
///     fn send_envelope(&self, envelope: Envelope) -> Result<(), SendError> {
///         self.0.lock().unwrap().push(envelope);
///         Ok(())
///     }
/// }
///
/// let memory = Memory::default();
/// let client = scopeline::Client::new(scopeline::ClientOptions::new().transport(memory.clone()));
/// let scope = scopeline::Scope::new();
/// scope.bind_client(Some(client.clone()));
/// scope.capture_message("hello", scopeline::Level::Info);
/// client.flush(std::time::Duration::from_secs(5)).unwrap();
/// assert_eq!(memory.0.lock().unwrap().len(), 1);
/// ```
pub trait Transport: Send + Sync + fmt::Debug + 'static {
    /// Takes an envelope for delivery, without blocking.
    ///
    /// # Errors
    ///
    /// Returns the envelope when it cannot be queued.
    ///
    /// # Examples
    ///
    /// ```
    /// use scopeline::protocol::Envelope;
    /// use scopeline::transport::{JsonLinesTarget, JsonLinesTransport, SendError, Transport};
    ///
    /// let transport = JsonLinesTransport::new(JsonLinesTarget::Stderr).unwrap();
    /// assert!(transport.send_envelope(Envelope::new()).is_ok());
    /// transport.shutdown(std::time::Duration::from_secs(5)).unwrap();
    /// // A shut-down transport hands the envelope back.
    /// assert!(matches!(transport.send_envelope(Envelope::new()), Err(SendError::Closed(_))));
    /// ```
    fn send_envelope(&self, envelope: Envelope) -> Result<(), SendError>;

    /// Waits until every envelope taken so far has been delivered, or `timeout` has passed.
    ///
    /// # Errors
    ///
    /// Says whether time ran out or the transport is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use scopeline::protocol::{Envelope, Event, EventId};
    /// use scopeline::transport::{JsonLinesTarget, JsonLinesTransport, Transport};
    ///
    /// let path = std::env::temp_dir().join(format!("scopeline-doc-{}.jsonl", EventId::new()));
    /// let transport = JsonLinesTransport::new(JsonLinesTarget::File(path.clone())).unwrap();
    /// transport.send_envelope(Envelope::from_event(Event::new())).unwrap();
    /// transport.flush(Duration::from_secs(5)).unwrap();
    /// // Written by the time `flush` returns.
    /// assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 1);
    /// # std::fs::remove_file(path).ok();
    /// ```
    fn flush(&self, timeout: Duration) -> Result<(), FlushError> {
        let _ = timeout;
        Ok(())
    }

    /// Flushes, then stops taking envelopes.
    ///
    /// # Errors
    ///
    /// As [`Transport::flush`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use scopeline::protocol::Envelope;
    /// use scopeline::transport::{JsonLinesTarget, JsonLinesTransport, Transport};
    ///
    /// let transport = JsonLinesTransport::new(JsonLinesTarget::Stdout).unwrap();
    /// transport.shutdown(Duration::from_secs(5)).unwrap();
    /// assert!(transport.send_envelope(Envelope::new()).is_err());
    /// ```
    fn shutdown(&self, timeout: Duration) -> Result<(), FlushError> {
        self.flush(timeout)
    }
}

/// An envelope a transport could not take, handed back.
///
/// ```
/// use scopeline::protocol::Envelope;
/// use scopeline::transport::{JsonLinesTarget, JsonLinesTransport, SendError, Transport};
///
/// let transport = JsonLinesTransport::new(JsonLinesTarget::Stderr).unwrap();
/// transport.shutdown(std::time::Duration::from_secs(5)).unwrap();
/// let Err(err) = transport.send_envelope(Envelope::new()) else {
///     panic!("a shut-down transport takes nothing");
/// };
/// assert_eq!(err.to_string(), "transport is shut down");
/// assert!(matches!(err, SendError::Closed(_)));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum SendError {
    /// The queue is full.
    Full(Envelope),
    /// The transport is shut down.
    Closed(Envelope),
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Full(_) => f.write_str("transport queue is full"),
            SendError::Closed(_) => f.write_str("transport is shut down"),
        }
    }
}

impl std::error::Error for SendError {}

impl From<Rejected<Envelope>> for SendError {
    fn from(rejected: Rejected<Envelope>) -> Self {
        match rejected {
            Rejected::Full(envelope) => SendError::Full(envelope),
            Rejected::Closed(envelope) => SendError::Closed(envelope),
        }
    }
}

/// Why a flush did not complete.
///
/// ```
/// use std::sync::{Mutex, mpsc};
/// use std::time::Duration;
/// use scopeline::protocol::Envelope;
/// use scopeline::transport::{SendError, Transport};
///
/// // A transport that holds each envelope until `open` is dropped.
/// #[derive(Debug)]
/// struct Gate(Mutex<mpsc::Receiver<()>>);
///
/// impl Transport for Gate {
///     fn send_envelope(&self, _envelope: Envelope) -> Result<(), SendError> {
///         let _ = self.0.lock().unwrap().recv();
///         Ok(())
///     }
/// }
///
/// let (open, gate) = mpsc::channel::<()>();
/// let client = scopeline::Client::new(scopeline::ClientOptions::new().transport(Gate(Mutex::new(gate))));
/// let scope = scopeline::Scope::new();
/// scope.bind_client(Some(client.clone()));
/// scope.capture_message("held", scopeline::Level::Info);
///
/// let err = client.flush(Duration::ZERO).unwrap_err();
/// assert!(err.is_timeout());
/// assert_eq!(err.to_string(), "flush timed out with 1 envelope(s) undelivered");
/// drop(open);
/// client.flush(Duration::from_secs(5)).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlushError {
    kind: FlushErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum FlushErrorKind {
    TimedOut { pending: u64 },
    Closed,
}

impl FlushError {
    pub(crate) fn timed_out(pending: u64) -> Self {
        FlushError {
            kind: FlushErrorKind::TimedOut { pending },
        }
    }

    pub(crate) fn closed() -> Self {
        FlushError {
            kind: FlushErrorKind::Closed,
        }
    }

    /// Whether the timeout passed with envelopes still undelivered.
    ///
    /// ```
    /// # use std::sync::{Mutex, mpsc};
    /// # use scopeline::{protocol::Envelope, transport::{SendError, Transport}};
    /// # #[derive(Debug)] struct Gate(Mutex<mpsc::Receiver<()>>);
    /// # impl Transport for Gate {
    /// #     fn send_envelope(&self, _: Envelope) -> Result<(), SendError> { let _ = self.0.lock().unwrap().recv(); Ok(()) }
    /// # }
    /// # let (open, gate) = mpsc::channel::<()>();
    /// # let client = scopeline::Client::new(scopeline::ClientOptions::new().transport(Gate(Mutex::new(gate))));
    /// # let scope = scopeline::Scope::new();
    /// # scope.bind_client(Some(client.clone()));
    /// // A client whose transport holds every envelope until `open` is dropped (setup hidden).
    /// scope.capture_message("held", scopeline::Level::Info);
    /// let err = client.flush(std::time::Duration::ZERO).unwrap_err();
    /// assert!(err.is_timeout());
    /// drop(open);
    /// client.flush(std::time::Duration::from_secs(5)).unwrap();
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self.kind, FlushErrorKind::TimedOut { .. })
    }

    /// How many envelopes were still undelivered when time ran out.
    ///
    /// ```
    /// # use std::sync::{Mutex, mpsc};
    /// # use scopeline::{protocol::Envelope, transport::{SendError, Transport}};
    /// # #[derive(Debug)] struct Gate(Mutex<mpsc::Receiver<()>>);
    /// # impl Transport for Gate {
    /// #     fn send_envelope(&self, _: Envelope) -> Result<(), SendError> { let _ = self.0.lock().unwrap().recv(); Ok(()) }
    /// # }
    /// # let (open, gate) = mpsc::channel::<()>();
    /// # let client = scopeline::Client::new(scopeline::ClientOptions::new().transport(Gate(Mutex::new(gate))));
    /// # let scope = scopeline::Scope::new();
    /// # scope.bind_client(Some(client.clone()));
    /// // A client whose transport holds every envelope until `open` is dropped (setup hidden).
    /// scope.capture_message("held", scopeline::Level::Info);
    /// let err = client.flush(std::time::Duration::ZERO).unwrap_err();
    /// assert_eq!(err.pending(), 1);
    /// drop(open);
    /// client.flush(std::time::Duration::from_secs(5)).unwrap();
    /// ```
    pub fn pending(&self) -> u64 {
        match self.kind {
            FlushErrorKind::TimedOut { pending } => pending,
            FlushErrorKind::Closed => 0,
        }
    }
}

impl fmt::Display for FlushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            FlushErrorKind::TimedOut { pending } => {
                write!(f, "flush timed out with {pending} envelope(s) undelivered")
            }
            FlushErrorKind::Closed => f.write_str("the transport worker is gone"),
        }
    }
}

impl std::error::Error for FlushError {}
