//! Name resolution for the HTTP transport: once a minute per host, not once per envelope.
//!
//! ureq resolves the host of every request, even on a pooled connection, and with a timeout
//! set it does so on a thread of its own: a thread and a DNS query per envelope. A client
//! talks to one server (and maybe one proxy), so the addresses are kept for [`TTL`]; an IP
//! literal needs no lookup at all. A request that fails to connect forgets what was kept, so a
//! server that moved is found again on the next envelope.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long resolved addresses are used before the name is looked up again.
const TTL: Duration = Duration::from_secs(60);

/// A [`Resolver`] that remembers what the system resolver answered, shared with the sender
/// so that it can [`forget`](CachingResolver::forget) after a failure.
#[derive(Debug, Clone)]
pub(crate) struct CachingResolver {
    lookup: Arc<dyn Resolver>,
    kept: Arc<Mutex<Vec<Kept>>>,
}

impl Default for CachingResolver {
    fn default() -> Self {
        CachingResolver::new(DefaultResolver::default())
    }
}

#[derive(Debug)]
struct Kept {
    /// `scheme://authority`, as the request named it.
    key: String,
    at: Instant,
    addrs: ResolvedSocketAddrs,
}

impl CachingResolver {
    /// Keeps what `lookup` answers.
    fn new(lookup: impl Resolver) -> Self {
        CachingResolver {
            lookup: Arc::new(lookup),
            kept: Arc::default(),
        }
    }

    /// Drops every kept answer.
    pub(crate) fn forget(&self) {
        self.kept.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// The address of an IP literal host with a known port, without a lookup.
fn literal(uri: &Uri) -> Option<SocketAddr> {
    let authority = uri.authority()?;
    let host = authority.host();
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let ip: IpAddr = host.parse().ok()?;
    let port = authority.port_u16().or(match uri.scheme_str()? {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    })?;
    Some(SocketAddr::new(ip, port))
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        if let Some(addr) = literal(uri) {
            let mut addrs = self.empty();
            addrs.push(addr);
            return Ok(addrs);
        }
        let key = match (uri.scheme_str(), uri.authority()) {
            (Some(scheme), Some(authority)) => format!("{scheme}://{authority}"),
            _ => return self.lookup.resolve(uri, config, timeout),
        };
        let now = Instant::now();
        {
            let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
            kept.retain(|k| now.duration_since(k.at) < TTL);
            if let Some(k) = kept.iter().find(|k| k.key == key) {
                return Ok(k.addrs.clone());
            }
        }
        // Looked up without the lock: a slow resolver must not hold up `forget`.
        let addrs = self.lookup.resolve(uri, config, timeout)?;
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.retain(|k| k.key != key);
        kept.push(Kept {
            key,
            at: now,
            addrs: addrs.clone(),
        });
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    #[test]
    fn ip_literals_need_no_lookup() {
        assert_eq!(
            literal(&uri("http://127.0.0.1:9000/api/1/envelope/")),
            Some("127.0.0.1:9000".parse().unwrap())
        );
        assert_eq!(
            literal(&uri("https://[::1]/api/1/envelope/")),
            Some("[::1]:443".parse().unwrap())
        );
        assert_eq!(
            literal(&uri("http://10.0.0.1/")),
            Some("10.0.0.1:80".parse().unwrap())
        );
        assert_eq!(literal(&uri("http://sentry.example.com:9000/")), None);
        // A proxy scheme without a port is left to the resolver, which knows its default.
        assert_eq!(literal(&uri("socks5://127.0.0.1")), None);
    }

    /// The system resolver, counting its lookups.
    #[derive(Debug, Default)]
    struct Counting(std::sync::atomic::AtomicUsize);

    impl Resolver for Counting {
        fn resolve(
            &self,
            uri: &Uri,
            config: &Config,
            timeout: NextTimeout,
        ) -> Result<ResolvedSocketAddrs, ureq::Error> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            DefaultResolver::default().resolve(uri, config, timeout)
        }
    }

    #[test]
    fn a_name_is_looked_up_once_until_forgotten() {
        let counting = Arc::new(Counting::default());
        let lookups = || counting.0.load(std::sync::atomic::Ordering::SeqCst);
        let resolver = CachingResolver {
            lookup: counting.clone(),
            kept: Arc::default(),
        };
        let config = Config::default();
        let resolve = |u: &str| {
            resolver
                .resolve(&uri(u), &config, NextTimeout::default())
                .unwrap()
        };
        let first = resolve("http://localhost:8080/a");
        assert!(!first.is_empty());
        assert!(
            first
                .iter()
                .all(|a| a.port() == 8080 && a.ip().is_loopback())
        );
        assert_eq!(resolve("http://localhost:8080/b"), first);
        assert_eq!(lookups(), 1);
        // Another port of the same host is another name to look up; a literal is none.
        resolve("http://localhost:8081/");
        resolve("http://127.0.0.1:8081/");
        assert_eq!(lookups(), 2);
        resolver.forget();
        assert_eq!(resolve("http://localhost:8080/c"), first);
        assert_eq!(lookups(), 3);
    }
}
