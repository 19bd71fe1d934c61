//! Rate limits the server asked for (protocol sheet §7.1–7.2): one deadline per data category
//! plus one for all of them, from `X-Sentry-Rate-Limits`, `Retry-After`, or a bare 429.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// The categories a quota may name that the SDK knows. A quota naming only others is ignored.
const KNOWN: &[&str] = &[
    "default",
    "error",
    "transaction",
    "security",
    "attachment",
    "attachment_item",
    "session",
    "profile",
    "profile_chunk",
    "replay",
    "monitor",
    "span",
    "log_item",
    "log_byte",
    "feedback",
    "metric_bucket",
    "trace_metric",
    "uptime",
    "internal",
];

/// How long a 429 with neither header backs off.
const DEFAULT_BACKOFF: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
pub(crate) struct RateLimits {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    all: Option<Instant>,
    by_category: HashMap<&'static str, Instant>,
}

impl State {
    /// Limits `category` (or all, for `None`) until `until`; overlapping limits keep the
    /// later deadline.
    fn extend(&mut self, category: Option<&'static str>, until: Instant) {
        match category {
            None => {
                if self.all.is_none_or(|t| t < until) {
                    self.all = Some(until);
                }
            }
            Some(c) => {
                let t = self.by_category.entry(c).or_insert(until);
                *t = (*t).max(until);
            }
        }
    }
}

impl RateLimits {
    /// Whether items of `category` must not be sent at `now`.
    pub(crate) fn is_limited(&self, category: &str, now: Instant) -> bool {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.all.is_some_and(|t| t > now)
            || state.by_category.get(category).is_some_and(|t| *t > now)
    }

    /// Applies what one response said. `rate_limits` wins over `retry_after`; a 429 with
    /// neither backs everything off for 60 s. A `rate_limits` header with no quota that
    /// parses (an empty one, as some proxies send) counts as absent.
    pub(crate) fn update(
        &self,
        status: u16,
        rate_limits: Option<&str>,
        retry_after: Option<&str>,
        now: Instant,
    ) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut quotas = 0;
        for quota in rate_limits.into_iter().flat_map(|header| header.split(',')) {
            let mut fields = quota.trim().split(':');
            let Some(secs) = fields.next().and_then(parse_secs) else {
                continue;
            };
            quotas += 1;
            let until = now + secs;
            let categories = fields.next().unwrap_or("").trim();
            if categories.is_empty() {
                state.extend(None, until);
                continue;
            }
            for name in categories.split(';') {
                if let Some(known) = KNOWN.iter().find(|k| **k == name.trim()) {
                    state.extend(Some(known), until);
                }
            }
        }
        if quotas == 0 && status == 429 {
            let backoff = retry_after
                .and_then(|v| parse_retry_after(v, SystemTime::now()))
                .unwrap_or(DEFAULT_BACKOFF);
            state.extend(None, now + backoff);
        }
    }
}

/// The longest back-off a server can ask for; longer ones are cut to it, so a bogus header
/// cannot silence the client for good.
const MAX_BACKOFF: Duration = Duration::from_secs(86_400 * 7);

/// Seconds, integer or float, as a duration; `None` for anything else.
fn parse_secs(text: &str) -> Option<Duration> {
    let secs: f64 = text.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0)
        .then(|| Duration::from_secs_f64(secs.min(MAX_BACKOFF.as_secs_f64())))
}

/// `Retry-After` as seconds or an HTTP date.
fn parse_retry_after(text: &str, now: SystemTime) -> Option<Duration> {
    parse_secs(text).or_else(|| {
        let at = httpdate::parse_http_date(text.trim()).ok()?;
        Some(at.duration_since(now).unwrap_or_default().min(MAX_BACKOFF))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(status: u16, header: Option<&str>, retry: Option<&str>) -> (RateLimits, Instant) {
        let now = Instant::now();
        let l = RateLimits::default();
        l.update(status, header, retry, now);
        (l, now)
    }

    #[test]
    fn the_header_limits_each_named_category_for_its_time() {
        let (l, now) = limits(
            200,
            Some("60:transaction:key, 2700:default;error;security:organization:quota_exceeded"),
            None,
        );
        assert!(l.is_limited("transaction", now + Duration::from_secs(59)));
        assert!(!l.is_limited("transaction", now + Duration::from_secs(61)));
        assert!(l.is_limited("error", now + Duration::from_secs(2000)));
        assert!(!l.is_limited("attachment", now));
    }

    #[test]
    fn empty_categories_mean_all_and_unknown_ones_are_ignored() {
        let (l, now) = limits(429, Some("10::organization, 99:bogus:key"), Some("500"));
        assert!(l.is_limited("attachment", now + Duration::from_secs(9)));
        assert!(
            !l.is_limited("error", now + Duration::from_secs(11)),
            "bogus or Retry-After applied"
        );
    }

    #[test]
    fn retry_after_and_bare_429_back_off_everything() {
        let (l, now) = limits(429, None, Some("7"));
        assert!(l.is_limited("error", now + Duration::from_secs(6)));
        assert!(!l.is_limited("error", now + Duration::from_secs(8)));
        let (l, now) = limits(429, None, None);
        assert!(l.is_limited("transaction", now + Duration::from_secs(59)));
        let (l, now) = limits(429, None, Some("garbage"));
        assert!(l.is_limited("transaction", now + Duration::from_secs(59)));
    }

    #[test]
    fn a_429_whose_rate_limits_header_says_nothing_still_backs_off() {
        for header in ["", " ", "garbage", ",,"] {
            let (l, now) = limits(429, Some(header), Some("30"));
            assert!(
                l.is_limited("error", now + Duration::from_secs(29)),
                "{header:?}"
            );
            assert!(
                !l.is_limited("error", now + Duration::from_secs(31)),
                "{header:?}"
            );
            let (l, now) = limits(429, Some(header), None);
            assert!(
                l.is_limited("error", now + Duration::from_secs(59)),
                "{header:?}"
            );
        }
        // A quota for other categories is an answer: Retry-After does not add to it.
        let (l, now) = limits(429, Some("10:transaction:key"), Some("30"));
        assert!(!l.is_limited("error", now));
    }

    #[test]
    fn overlapping_limits_keep_the_later_deadline() {
        let now = Instant::now();
        let l = RateLimits::default();
        l.update(200, Some("100:error:key"), None, now);
        l.update(200, Some("5:error:key"), None, now);
        assert!(l.is_limited("error", now + Duration::from_secs(50)));
    }

    #[test]
    fn an_http_date_retry_after_counts_from_now() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        let later = httpdate::fmt_http_date(now + Duration::from_secs(120));
        let d = parse_retry_after(&later, now).unwrap();
        let far = httpdate::fmt_http_date(now + Duration::from_secs(86_400 * 3_000));
        assert_eq!(parse_retry_after(&far, now), Some(MAX_BACKOFF));
        assert_eq!(d, Duration::from_secs(120));
    }
}
