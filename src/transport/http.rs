//! The HTTP envelope transport: what a client uses when a DSN is set.
//!
//! One background thread per client posts envelopes, gzipped, to the DSN's envelope endpoint,
//! one request at a time, from a bounded queue. Nothing is retried (a request that may have
//! reached the server is never sent again); every item that does not arrive is counted with
//! its reason, and the counts go out as client reports.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::write::GzEncoder;

use super::rate_limits::RateLimits;
use super::{FlushError, SendError, Transport, Worker};
use crate::client::{Discards, Dsn, reason};
use crate::protocol::{Envelope, EnvelopeItem};

/// What every request says about the SDK.
const USER_AGENT: &str = concat!("scopeline/", env!("CARGO_PKG_VERSION"));

/// Log target of the transport's debug output.
const TARGET: &str = "scopeline::transport";

/// Posts envelopes to a Sentry-compatible server.
#[derive(Debug)]
pub(crate) struct HttpTransport {
    worker: Worker<Envelope>,
    limits: Arc<RateLimits>,
    discards: Arc<Discards>,
}

/// The sending half, owned by the worker thread.
struct Sender {
    agent: ureq::Agent,
    url: String,
    auth: String,
    limits: Arc<RateLimits>,
    discards: Arc<Discards>,
    debug: bool,
}

impl HttpTransport {
    pub(crate) fn new(
        dsn: &Dsn,
        queue_size: usize,
        timeout: Duration,
        debug: bool,
        discards: Arc<Discards>,
    ) -> std::io::Result<HttpTransport> {
        let limits = Arc::new(RateLimits::default());
        let mut auth = format!(
            "Sentry sentry_version=7, sentry_client={USER_AGENT}, sentry_key={}",
            dsn.public_key()
        );
        if let Some(secret) = dsn.secret_key() {
            auth.push_str(", sentry_secret=");
            auth.push_str(secret);
        }
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .user_agent(USER_AGENT)
            .max_idle_connections_per_host(2);
        #[cfg(feature = "system-roots")]
        let config = config.tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                .build(),
        );
        let sender = Sender {
            agent: config.build().into(),
            url: dsn.envelope_url(),
            auth,
            limits: limits.clone(),
            discards: discards.clone(),
            debug,
        };
        if debug {
            tracing::debug!(target: TARGET, url = %sender.url, "sending envelopes over HTTP");
        }
        let worker = Worker::spawn("scopeline-http", queue_size, move |envelope| {
            sender.deliver(envelope)
        })?;
        Ok(HttpTransport {
            worker,
            limits,
            discards,
        })
    }
}

impl Transport for HttpTransport {
    fn send_envelope(&self, mut envelope: Envelope) -> Result<(), SendError> {
        // Items already known to be rate limited are dropped here, so they take no queue room.
        retain_unlimited(&mut envelope, &self.limits, &self.discards);
        if envelope.items.is_empty() {
            return Ok(());
        }
        Ok(self.worker.send(envelope)?)
    }

    fn flush(&self, timeout: Duration) -> Result<(), FlushError> {
        self.worker.flush(timeout)
    }

    fn shutdown(&self, timeout: Duration) -> Result<(), FlushError> {
        self.worker.shutdown(timeout)
    }
}

/// Drops the envelope's rate-limited items and counts them as `ratelimit_backoff`.
fn retain_unlimited(envelope: &mut Envelope, limits: &RateLimits, discards: &Discards) {
    let now = Instant::now();
    envelope.items.retain(|item| {
        let limited = limits.is_limited(item.category(), now);
        if limited {
            match item {
                // Known not to have been sent: its counts wait for a later report.
                EnvelopeItem::ClientReport(report) => discards.restore(&report.discarded_events),
                item => discards.record_item(reason::RATELIMIT_BACKOFF, item),
            }
        }
        !limited
    });
}

impl Sender {
    fn deliver(&self, mut envelope: Envelope) {
        // A limit may have arrived while the envelope waited in the queue.
        retain_unlimited(&mut envelope, &self.limits, &self.discards);
        if envelope.items.is_empty() {
            return;
        }
        let body = match gzip(&envelope) {
            Ok(body) => body,
            Err(e) => {
                self.drop_all(&envelope, reason::INTERNAL_SDK_ERROR);
                tracing::error!(target: TARGET, error = %e, "could not write an envelope");
                return;
            }
        };
        let sent = self
            .agent
            .post(&self.url)
            .header("X-Sentry-Auth", &self.auth)
            .header("Content-Type", "application/x-sentry-envelope")
            .header("Content-Encoding", "gzip")
            .send(&body[..]);
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => {
                self.drop_all(&envelope, reason::NETWORK_ERROR);
                if self.debug {
                    tracing::warn!(target: TARGET, error = %e, "envelope not delivered");
                }
                return;
            }
        };
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let rate_limits = header("X-Sentry-Rate-Limits");
        let retry_after = header("Retry-After");
        self.limits.update(
            status,
            rate_limits.as_deref(),
            retry_after.as_deref(),
            Instant::now(),
        );
        match status {
            200..=299 => {
                if self.debug {
                    tracing::debug!(target: TARGET, status, items = envelope.items.len(), "envelope delivered");
                }
            }
            // The server counted what it rejected; no client report.
            429 => {
                if self.debug {
                    tracing::warn!(target: TARGET, rate_limits, retry_after, "rate limited");
                }
            }
            _ => {
                self.drop_all(&envelope, reason::SEND_ERROR);
                let detail = header("X-Sentry-Error").or_else(|| {
                    response
                        .body_mut()
                        .with_config()
                        .limit(1024)
                        .read_to_string()
                        .ok()
                });
                if status == 413 {
                    tracing::error!(
                        target: TARGET,
                        status,
                        detail,
                        bytes = body.len(),
                        "the server refused an envelope as too large"
                    );
                } else if self.debug {
                    tracing::warn!(target: TARGET, status, detail, "the server refused an envelope");
                }
            }
        }
        // Read the rest of the body so the connection can be reused.
        let _ = response.body_mut().read_to_vec();
    }

    fn drop_all(&self, envelope: &Envelope, why: &'static str) {
        for item in &envelope.items {
            self.discards.record_item(why, item);
        }
    }
}

/// The envelope in Sentry's format, gzipped.
fn gzip(envelope: &Envelope) -> std::io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(4096), Compression::fast());
    envelope.to_writer(&mut encoder)?;
    encoder.flush()?;
    encoder.finish()
}
