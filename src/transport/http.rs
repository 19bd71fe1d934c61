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
use crate::client::{AtStake, Discards, Dsn, reason};
use crate::protocol::{Envelope, EnvelopeItem};

/// What every request says about the SDK: `{name}/{version}`, with the name events carry in
/// `sdk.name`.
const USER_AGENT: &str = concat!("scopeline.rust/", env!("CARGO_PKG_VERSION"));

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
            .timeout_global(Some(timeout.min(super::worker::LONGEST_WAIT)))
            .http_status_as_error(false)
            .user_agent(USER_AGENT)
            .max_idle_connections_per_host(2)
            // A redirect would turn the POST into a bodiless GET (301–303) or fail (307, 308),
            // and send the auth header, the DSN's secret too, to the host it names. A 3xx is
            // reported instead, naming where the DSN should point.
            .max_redirects(0)
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
            move |envelope| {
                let discards = sender.discards.clone();
                discards.contain_delivery(|at_stake| sender.deliver(envelope, at_stake));
            },
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

/// The proxy for the DSN, from the environment. The variable follows the DSN's scheme, each
/// read in lower case first, then upper case, as curl reads them:
///
/// - an https DSN: `https_proxy`, then `all_proxy`, then `http_proxy` (the official Rust
///   SDK's fallback);
/// - an http DSN: `http_proxy`, then `all_proxy`.
///
/// A value that is not a proxy URL is skipped for the next. No proxy when `no_proxy` names
/// the DSN's host (see [`bypasses_proxy`]). ureq's own reading took the first of
/// `ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY` whatever the scheme, so an http DSN went through
/// a proxy meant for https traffic.
fn proxy_from_env(dsn: &Dsn, debug: bool) -> Option<ureq::Proxy> {
    choose_proxy(
        dsn.is_https(),
        dsn.host(),
        |name| std::env::var(name).ok(),
        debug,
    )
}

fn choose_proxy(
    https: bool,
    host: &str,
    var: impl Fn(&str) -> Option<String>,
    debug: bool,
) -> Option<ureq::Proxy> {
    let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    let either = |name: &str| set(name).or_else(|| set(&name.to_ascii_uppercase()));
    if either("no_proxy").is_some_and(|list| bypasses_proxy(&list, host)) {
        return None;
    }
    let order: &[&str] = if https {
        &["https_proxy", "all_proxy", "http_proxy"]
    } else {
        &["http_proxy", "all_proxy"]
    };
    for name in order {
        for name in [name.to_string(), name.to_ascii_uppercase()] {
            let Some(value) = set(&name) else { continue };
            match ureq::Proxy::new(value.trim()) {
                Ok(proxy) => return Some(proxy),
                Err(e) => {
                    if debug {
                        tracing::warn!(target: TARGET, variable = %name, error = %e, "not a proxy URL; skipped");
                    }
                }
            }
        }
    }
    None
}

/// Whether a `no_proxy` list names `host`, as curl reads one: `*`; a name, which covers
/// itself and its subdomains (`example.com`, `.example.com`, `*.example.com` all cover
/// `sentry.example.com`); an IP address, matched exactly, by a CIDR range (`10.0.0.0/8`,
/// `fd00::/8`) or by a prefix (`10.*`, `192.168.`). Ports in entries are ignored; names
/// compare without case.
fn bypasses_proxy(list: &str, host: &str) -> bool {
    let host = (host.trim_start_matches('[').trim_end_matches(']'))
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let ip = host.parse::<std::net::IpAddr>().ok();
    list.split(',').map(str::trim).any(|entry| {
        if entry == "*" {
            return true;
        }
        if let Some((net, bits)) = entry.split_once('/') {
            let net = net.trim_start_matches('[').trim_end_matches(']').parse();
            return match (ip, net, bits.trim().parse()) {
                (Some(ip), Ok(net), Ok(bits)) => in_range(ip, net, bits),
                _ => false,
            };
        }
        let entry = without_port(entry).to_ascii_lowercase();
        if let Some(ip) = ip {
            return match entry.strip_suffix('*') {
                Some(prefix) => host.starts_with(prefix),
                None if entry.ends_with('.') => host.starts_with(&entry),
                None => entry.parse::<std::net::IpAddr>() == Ok(ip),
            };
        }
        let name = (entry.strip_prefix("*.").or(entry.strip_prefix('.')))
            .or(entry.strip_prefix('*'))
            .unwrap_or(&entry)
            .trim_end_matches('.');
        !name.is_empty()
            && (host == name
                || host
                    .strip_suffix(name)
                    .is_some_and(|rest| rest.ends_with('.')))
    })
}

/// A `no_proxy` entry without its port: `host:8080` and `[::1]:8080` lose it, a bare IPv6
/// address (several colons) keeps its colons.
fn without_port(entry: &str) -> &str {
    if let Some(rest) = entry.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match entry.split_once(':') {
        Some((name, port)) if !port.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => entry,
    }
}

/// Whether `ip` is in the range `net`/`bits` (of the same address family).
fn in_range(ip: std::net::IpAddr, net: std::net::IpAddr, bits: u32) -> bool {
    use std::net::IpAddr::{V4, V6};
    match (ip, net) {
        (V4(ip), V4(net)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (V6(ip), V6(net)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
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

/// Drops the envelope's rate-limited items and counts them as `ratelimit_backoff`. When the
/// event or transaction an envelope carried is dropped, its attachments go with it (alone
/// they would be stored without an event and billed all the same), counted the same way.
///
/// A client report left alone by the drops is not sent either: its counts go back, to ride
/// with the next envelope that goes (or the report a flush or close sends). Otherwise every
/// event a limit drops would cost a request of its own, the report of its own drop, for as
/// long as the limit lasts: the traffic the server asked to stop.
fn retain_unlimited(envelope: &mut Envelope, limits: &RateLimits, discards: &Discards) {
    let now = Instant::now();
    let carried_event = envelope.items.iter().any(is_event);
    let carried_more = envelope.items.iter().any(|i| !is_report(i));
    envelope.items.retain(|item| {
        let limited = limits.is_limited(item.category(), now);
        if limited {
            discards.record_item(reason::RATELIMIT_BACKOFF, item);
        }
        !limited
    });
    if carried_event && !envelope.items.iter().any(is_event) {
        envelope.items.retain(|item| {
            let orphan = matches!(item, EnvelopeItem::Attachment(_));
            if orphan {
                discards.record_item(reason::RATELIMIT_BACKOFF, item);
            }
            !orphan
        });
    }
    if carried_more && envelope.items.iter().all(is_report) {
        for item in envelope.items.drain(..) {
            if let EnvelopeItem::ClientReport(report) = item {
                discards.restore(&report.discarded_events);
            }
        }
    }
}

fn is_report(item: &EnvelopeItem) -> bool {
    matches!(item, EnvelopeItem::ClientReport(_))
}

fn is_event(item: &EnvelopeItem) -> bool {
    matches!(item, EnvelopeItem::Event(_) | EnvelopeItem::Transaction(_))
}

impl Sender {
    /// Posts one envelope and counts what does not arrive. `at_stake` holds what a panic
    /// here would lose uncounted (see [`Discards::contain_delivery`]), until the request
    /// goes out: from then on the server may have it, and every failure is counted here.
    fn deliver(&mut self, mut envelope: Envelope, at_stake: &mut Option<AtStake>) {
        *at_stake = Some(AtStake::of(&envelope));
        // A limit may have arrived while the envelope waited in the queue.
        retain_unlimited(&mut envelope, &self.limits, &self.discards);
        if envelope.items.is_empty() {
            *at_stake = None;
            return;
        }
        // What the limits dropped is counted.
        *at_stake = Some(AtStake::of(&envelope));
        let body = match &mut self.gzip {
            Some(gzip) => gzip.compress(&envelope),
            None => envelope.to_vec_counting_shed(),
        };
        let (body, shed_spans) = match body {
            Ok(body) => body,
            Err(e) => {
                *at_stake = None;
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
        *at_stake = None;
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
        // The spans shed never reached the server: counted here once it has taken (or
        // counted, when rate limited) the rest. An envelope it refused is counted whole below.
        if shed_spans > 0 && matches!(status, 200..=299 | 429) {
            self.discards
                .record(reason::BUFFER_OVERFLOW, "span", shed_spans as u64);
        }
        match status {
            200..=299 => {
                if self.debug {
                    tracing::debug!(target: TARGET, status, items = envelope.items.len(), "envelope delivered");
                }
            }
            // The server counted what it rejected; no client report for it. The counts of
            // earlier drops that rode along in a client report were not taken: they go with
            // the next envelope.
            429 => {
                for item in &envelope.items {
                    if let EnvelopeItem::ClientReport(report) = item {
                        self.discards.restore(&report.discarded_events);
                    }
                }
                if self.debug {
                    tracing::warn!(target: TARGET, rate_limits, retry_after, "rate limited");
                }
            }
            _ => {
                self.discards.record_envelope(reason::SEND_ERROR, &envelope);
                let location = header("Location");
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
                } else if (300..400).contains(&status) {
                    // A misconfiguration (an `http://` DSN for a server that redirects to
                    // `https://`), which no envelope will get past: said whatever `debug`.
                    tracing::error!(
                        target: TARGET,
                        status,
                        location,
                        "the server redirected an envelope, which is not followed; \
                         point the DSN at where it redirects"
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

    /// The envelope in Sentry's format, gzipped, and how many spans it shed to fit.
    fn compress(&mut self, envelope: &Envelope) -> std::io::Result<(Vec<u8>, usize)> {
        self.plain.clear();
        let shed = envelope.to_writer_counting_shed(&mut self.plain)?;
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
        Ok((out, shed))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::protocol::Event;

    #[test]
    fn attachments_of_a_rate_limited_event_are_dropped_and_counted_with_it() {
        use crate::protocol::Attachment;

        let limits = RateLimits::default();
        limits.update(429, Some("60:error:organization"), None, Instant::now());
        let discards = Discards::default();
        let with_attachment = |event: EnvelopeItem| {
            let mut envelope = Envelope::new();
            envelope.add_item(event);
            envelope.add_item(EnvelopeItem::Attachment(Attachment::new(
                "a.txt",
                b"abc".to_vec(),
            )));
            envelope
        };

        let mut limited = with_attachment(EnvelopeItem::Event(Box::default()));
        retain_unlimited(&mut limited, &limits, &discards);
        assert!(limited.items.is_empty(), "no orphaned attachment is sent");
        let mut counts: Vec<_> = (discards.totals().into_iter())
            .map(|d| (d.reason.to_string(), d.category.to_string(), d.quantity))
            .collect();
        counts.sort();
        let backoff = "ratelimit_backoff".to_string();
        assert_eq!(
            counts,
            [
                (backoff.clone(), "attachment".to_string(), 3),
                (backoff, "error".to_string(), 1),
            ]
        );

        // A transaction is not limited: it keeps its attachment.
        let mut free = with_attachment(EnvelopeItem::Transaction(Box::default()));
        retain_unlimited(&mut free, &limits, &discards);
        assert_eq!(free.items.len(), 2);
    }

    #[test]
    fn no_proxy_lists_match_the_host_its_domains_and_its_addresses() {
        let host = "sentry.example.com";
        for list in [
            "*",
            "sentry.example.com",
            "SENTRY.example.com.",
            "example.com",
            ".example.com",
            "*.example.com",
            "*example.com",
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
        let ip = "10.1.2.3";
        for list in [
            "10.1.2.3",
            "10.0.0.0/8",
            "10.*",
            "10.1.",
            "10.1.2.3:9000",
            "*",
        ] {
            assert!(bypasses_proxy(list, ip), "{list:?}");
        }
        for list in [
            "2.3",
            "1.2.3",
            "11.0.0.0/8",
            "10.0.0.0/33",
            "example.com",
            "::/0",
        ] {
            assert!(!bypasses_proxy(list, ip), "{list:?}");
        }
        assert!(bypasses_proxy("::1,[fe80::1]:8080", "fe80::1"));
        assert!(bypasses_proxy("fd00::/8", "fd12::7"));
        assert!(!bypasses_proxy("::1, fd00::/8", "fe80::1"));
    }

    #[test]
    fn the_proxy_variable_follows_the_dsns_scheme() {
        let pick = |https: bool, env: &[(&str, &str)]| {
            let env: std::collections::HashMap<String, String> = env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            choose_proxy(
                https,
                "sentry.internal",
                |name| env.get(name).cloned(),
                false,
            )
            .map(|proxy| proxy.host().to_owned())
        };
        let https_only = [("HTTPS_PROXY", "http://s.proxy:3128")];
        assert_eq!(pick(false, &https_only), None, "not for an http DSN");
        assert_eq!(pick(true, &https_only).as_deref(), Some("s.proxy"));
        let all = [
            ("HTTP_PROXY", "http://h.proxy"),
            ("ALL_PROXY", "http://a.proxy"),
        ];
        assert_eq!(
            pick(true, &all).as_deref(),
            Some("a.proxy"),
            "all_proxy first"
        );
        assert_eq!(pick(false, &all).as_deref(), Some("h.proxy"));
        let fallback = [("HTTP_PROXY", "http://h.proxy")];
        assert_eq!(
            pick(true, &fallback).as_deref(),
            Some("h.proxy"),
            "as sentry-rust"
        );
        let cases = [
            ("https_proxy", "http://lower"),
            ("HTTPS_PROXY", "http://upper"),
        ];
        assert_eq!(
            pick(true, &cases).as_deref(),
            Some("lower"),
            "lower case first"
        );
        let broken = [
            ("https_proxy", "::not a url::"),
            ("HTTPS_PROXY", "http://upper"),
        ];
        assert_eq!(
            pick(true, &broken).as_deref(),
            Some("upper"),
            "a bad value is skipped"
        );
        let bypassed = [("HTTPS_PROXY", "http://s.proxy"), ("NO_PROXY", ".internal")];
        assert_eq!(pick(true, &bypassed), None, "no_proxy names the host");
        let elsewhere = [("HTTPS_PROXY", "http://s.proxy"), ("no_proxy", "localhost")];
        assert_eq!(pick(true, &elsewhere).as_deref(), Some("s.proxy"));
    }

    #[test]
    fn gzip_members_decode_to_the_envelope_every_time() {
        let mut gzip = Gzip::new();
        for n in 0..3 {
            let mut event = Event::new();
            event.message = Some(format!("message {n}").repeat(n * 50 + 1));
            let envelope = Envelope::from_event(event);
            let (body, shed) = gzip.compress(&envelope).unwrap();
            assert_eq!(shed, 0);
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
