//! The HTTP envelope transport: what a client uses when a DSN is set.
//!
//! One background thread per client posts envelopes, gzipped unless turned off, to the DSN's
//! envelope endpoint, one request at a time over a kept-alive connection, from a bounded
//! queue; the server's name is looked up once a minute, not per envelope (see `resolve`).
//! Nothing is retried (a request that may have reached the server is never sent again); every
//! item that does not arrive is counted with its reason, and the counts go out as client
//! reports.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use flate2::write::DeflateEncoder;
use flate2::{Compression, Crc};

use super::rate_limits::RateLimits;
use super::resolve::CachingResolver;
use super::{FlushError, SendError, Transport, Worker};
use crate::client::{Discards, Dsn, reason};
use crate::protocol::Envelope;

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
    /// `None` when compression is turned off.
    gzip: Option<Gzip>,
    agent: ureq::Agent,
    resolver: CachingResolver,
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
        compress: bool,
        ca_certs: Option<&std::path::Path>,
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
            // ureq adds the timeout to the clock: `Duration::MAX` would overflow there.
            .timeout_global(Some(timeout.min(super::LONGEST_WAIT)))
            .http_status_as_error(false)
            .user_agent(USER_AGENT)
            .max_idle_connections_per_host(2)
            .proxy(proxy_from_env(dsn, debug));
        let roots = match ca_certs {
            Some(path) => Some(read_ca_certs(path)?),
            #[cfg(feature = "system-roots")]
            None => Some(ureq::tls::RootCerts::PlatformVerifier),
            #[cfg(not(feature = "system-roots"))]
            None => None,
        };
        let config = match roots {
            Some(roots) => {
                config.tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build())
            }
            None => config,
        };
        let resolver = CachingResolver::default();
        let mut sender = Sender {
            gzip: compress.then(Gzip::new),
            agent: ureq::Agent::with_parts(
                config.build(),
                ureq::unversioned::transport::DefaultConnector::default(),
                resolver.clone(),
            ),
            resolver,
            url: dsn.envelope_url(),
            auth,
            limits: limits.clone(),
            discards: discards.clone(),
            debug,
        };
        if debug {
            tracing::debug!(target: TARGET, url = %sender.url, "sending envelopes over HTTP");
        }
        let worker = Worker::spawn(
            "scopeline-http",
            queue_size,
            Duration::ZERO,
            move |envelope| sender.deliver(envelope),
        )?;
        Ok(HttpTransport {
            worker,
            limits,
            discards,
        })
    }
}

/// The certificates of a PEM file, or an error that names the file and what is wrong.
fn read_ca_certs(path: &std::path::Path) -> std::io::Result<ureq::tls::RootCerts> {
    let invalid = |what: String| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("CA file {}: {what}", path.display()),
        )
    };
    let pem = std::fs::read(path)
        .map_err(|e| std::io::Error::new(e.kind(), format!("CA file {}: {e}", path.display())))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(e) => return Err(invalid(format!("not valid PEM ({e})"))),
        }
    }
    if certs.is_empty() {
        return Err(invalid("no CERTIFICATE block in it".into()));
    }
    Ok(ureq::tls::RootCerts::new_with_certs(&certs))
}

/// The proxy for the DSN, from the environment as the official SDK and curl read it:
/// `HTTPS_PROXY` for an https DSN (falling back to `HTTP_PROXY`, as sentry-rust does),
/// `HTTP_PROXY` for an http one, then `ALL_PROXY` for either (each in upper or lower case);
/// none when `NO_PROXY` names the DSN's host. (ureq's own reading takes the first of
/// `ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY` whatever the scheme, so an http DSN went through
/// a proxy meant for https traffic.)
fn proxy_from_env(dsn: &Dsn, debug: bool) -> Option<ureq::Proxy> {
    let first = |names: &[&str]| {
        (names.iter()).find_map(|name| {
            let value = std::env::var(name).ok()?;
            let value = value.trim();
            (!value.is_empty()).then(|| value.to_owned())
        })
    };
    if first(&["NO_PROXY", "no_proxy"]).is_some_and(|list| bypasses_proxy(&list, dsn.host())) {
        return None;
    }
    let http = ["HTTP_PROXY", "http_proxy"];
    let all = ["ALL_PROXY", "all_proxy"];
    let chosen = if dsn.is_https() {
        first(&["HTTPS_PROXY", "https_proxy"])
            .or_else(|| first(&http))
            .or_else(|| first(&all))
    } else {
        first(&http).or_else(|| first(&all))
    }?;
    match ureq::Proxy::new(&chosen) {
        Ok(proxy) => Some(proxy),
        Err(e) => {
            if debug {
                tracing::warn!(target: TARGET, error = %e, "the proxy in the environment is not a URL; sending directly");
            }
            None
        }
    }
}

/// Whether a `NO_PROXY` list names `host`: `*`, the host itself, or a domain it is in
/// (`example.com`, `.example.com` and `*.example.com` all cover `sentry.example.com`, as in
/// curl). Ports in entries are ignored; names compare without case.
fn bypasses_proxy(list: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    list.split(',').map(str::trim).any(|entry| {
        let entry = entry
            .strip_prefix("*.")
            .or(entry.strip_prefix('.'))
            .unwrap_or(entry);
        // A port (`host:8080`) is ignored; an IPv6 address keeps its colons.
        let entry = match entry.rsplit_once(':') {
            Some((name, port))
                if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) =>
            {
                name
            }
            _ => entry,
        };
        let entry = (entry.trim_start_matches('[').trim_end_matches(']'))
            .trim_end_matches('.')
            .to_ascii_lowercase();
        entry == "*"
            || (!entry.is_empty()
                && (host == entry
                    || host
                        .strip_suffix(entry.as_str())
                        .is_some_and(|rest| rest.ends_with('.'))))
    })
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
            discards.record_item(reason::RATELIMIT_BACKOFF, item);
        }
        !limited
    });
}

impl Sender {
    fn deliver(&mut self, mut envelope: Envelope) {
        // A limit may have arrived while the envelope waited in the queue.
        retain_unlimited(&mut envelope, &self.limits, &self.discards);
        if envelope.items.is_empty() {
            return;
        }
        let body = match &mut self.gzip {
            Some(gzip) => gzip.compress(&envelope),
            None => envelope.to_vec(),
        };
        let body = match body {
            Ok(body) => body,
            Err(e) => {
                self.discards
                    .record_envelope(reason::INTERNAL_SDK_ERROR, &envelope);
                tracing::error!(target: TARGET, error = %e, "could not write an envelope");
                return;
            }
        };
        let mut request = self
            .agent
            .post(&self.url)
            .header("X-Sentry-Auth", &self.auth)
            .header("Content-Type", "application/x-sentry-envelope");
        if self.gzip.is_some() {
            request = request.header("Content-Encoding", "gzip");
        }
        let sent = request.send(&body[..]);
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => {
                // The server may have moved: look its name up again next time.
                self.resolver.forget();
                self.discards
                    .record_envelope(reason::NETWORK_ERROR, &envelope);
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
                self.discards.record_envelope(reason::SEND_ERROR, &envelope);
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
}

/// Gzips envelopes with one compressor kept for the life of the transport: making a new one
/// per envelope (allocating and zeroing its tables) cost more than compressing a small event.
struct Gzip {
    deflate: DeflateEncoder<Vec<u8>>,
    plain: Vec<u8>,
}

impl Gzip {
    /// The gzip member header: deflate, no name, no time, unknown OS (RFC 1952).
    const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];

    fn new() -> Gzip {
        Gzip {
            deflate: DeflateEncoder::new(Vec::new(), Compression::fast()),
            plain: Vec::with_capacity(16 * 1024),
        }
    }

    /// The envelope in Sentry's format, gzipped.
    fn compress(&mut self, envelope: &Envelope) -> std::io::Result<Vec<u8>> {
        self.plain.clear();
        envelope.to_writer(&mut self.plain)?;
        let mut out = Vec::with_capacity(self.plain.len() / 2 + 32);
        out.extend_from_slice(&Self::HEADER);
        // `reset` ends the previous stream into the previous output and starts a new one.
        self.deflate.reset(out)?;
        self.deflate.write_all(&self.plain)?;
        let mut out = self.deflate.reset(Vec::new())?;
        let mut crc = Crc::new();
        crc.update(&self.plain);
        out.extend_from_slice(&crc.sum().to_le_bytes());
        out.extend_from_slice(&(self.plain.len() as u32).to_le_bytes());
        // Keep a huge envelope's buffer from living on.
        self.plain.shrink_to(64 * 1024);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::protocol::Event;

    #[test]
    fn no_proxy_lists_match_the_host_and_its_domains_only() {
        let host = "sentry.example.com";
        for list in [
            "*",
            "sentry.example.com",
            "SENTRY.example.com.",
            "example.com",
            ".example.com",
            "*.example.com",
            "localhost, example.com:443",
        ] {
            assert!(bypasses_proxy(list, host), "{list:?}");
        }
        for list in [
            "",
            "ample.com",
            "other.example.com",
            "sentry.example",
            "localhost,,",
        ] {
            assert!(!bypasses_proxy(list, host), "{list:?}");
        }
        assert!(bypasses_proxy("::1,[fe80::1]", "fe80::1"));
        assert!(!bypasses_proxy("::1", "fe80::1"));
    }

    #[test]
    fn gzip_members_decode_to_the_envelope_every_time() {
        let mut gzip = Gzip::new();
        for n in 0..3 {
            let mut event = Event::new();
            event.message = Some(format!("message {n}").repeat(n * 50 + 1));
            let envelope = Envelope::from_event(event);
            let body = gzip.compress(&envelope).unwrap();
            let mut plain = Vec::new();
            flate2::read::GzDecoder::new(&body[..])
                .read_to_end(&mut plain)
                .unwrap();
            let expected = envelope.to_vec().unwrap();
            // `sent_at` differs between two writes; everything after the header line agrees.
            let after_header = |b: &[u8]| b[b.iter().position(|c| *c == b'\n').unwrap()..].to_vec();
            assert_eq!(after_header(&plain), after_header(&expected));
        }
    }
}
