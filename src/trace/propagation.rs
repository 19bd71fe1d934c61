//! Trace propagation: the propagation context of an isolation scope, the `sentry-trace`,
//! `traceparent` and `baggage` headers, and the dynamic sampling context (DSC).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::protocol::{SpanId, TraceId};

/// Longest header value we look at; longer ones are ignored rather than parsed.
const MAX_HEADER_LEN: usize = 8192;

/// What a baggage value escapes: everything but the unreserved characters of RFC 3986, as
/// the other SDKs' URI encoding does (`app@1.2` becomes `app%401.2`).
const BAGGAGE_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The dynamic sampling context of a trace: `sentry-*` baggage entries without the prefix,
/// all strings. Frozen once it has left the process.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Dsc {
    /// Keys and values this SDK writes are mostly static words (`trace_id`, `sampled`,
    /// `true`…); only what came from elsewhere is owned.
    entries: Vec<(Cow<'static, str>, Cow<'static, str>)>,
}

impl Dsc {
    /// A DSC with room for the entries this SDK writes, so filling it allocates once.
    pub(crate) fn with_capacity(n: usize) -> Dsc {
        Dsc {
            entries: Vec::with_capacity(n),
        }
    }

    pub(crate) fn set(
        &mut self,
        key: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'static, str>>,
    ) {
        let (key, value) = (key.into(), value.into());
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_ref())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, in the order they were set.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), v.as_ref()))
    }

    /// The `sentry-*` entries of an outgoing `baggage` header.
    pub(crate) fn to_baggage(&self) -> String {
        let mut out = String::new();
        for (k, v) in &self.entries {
            if !out.is_empty() {
                out.push(',');
            }
            let _ = write!(out, "sentry-{k}={}", utf8_percent_encode(v, BAGGAGE_VALUE));
        }
        out
    }

    /// The `sentry-*` entries of incoming `baggage` values; other vendors' entries are
    /// dropped. `None` when there are none (an old SDK upstream).
    ///
    /// However long the header (other vendors' entries can make it so), the `sentry-*`
    /// entries are read: dropping the whole value would make upstream look like an old SDK and
    /// draw the trace's `sample_rand` again. What is kept is capped at what an outgoing
    /// header may carry; entries past the cap are skipped.
    pub(crate) fn from_baggage<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Dsc> {
        let mut dsc = Dsc::default();
        let mut room = MAX_HEADER_LEN;
        for value in values {
            for member in value.split(',') {
                // Properties after `;` belong to the member and are not part of the value.
                let member = member.split(';').next().unwrap_or("");
                let Some((key, val)) = member.split_once('=') else {
                    continue;
                };
                let Some(key) = key.trim().strip_prefix("sentry-") else {
                    continue;
                };
                if key.is_empty() {
                    continue;
                }
                // As written here: `sentry-`, the key, `=`, the value and a comma.
                let cost = key.len() + val.trim().len() + 9;
                if cost > room {
                    continue;
                }
                room -= cost;
                let val = percent_decode_str(val.trim()).decode_utf8_lossy();
                dsc.set(key.to_owned(), val.into_owned());
            }
        }
        (!dsc.is_empty()).then_some(dsc)
    }
}

/// A `sentry-trace` or `traceparent` header, parsed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct TraceParent {
    pub(crate) trace_id: TraceId,
    pub(crate) span_id: SpanId,
    pub(crate) sampled: Option<bool>,
}

/// Parses `{trace_id}-{span_id}[-{0|1}]`, leniently about surrounding blanks and case.
pub(crate) fn parse_sentry_trace(value: &str) -> Option<TraceParent> {
    if value.len() > MAX_HEADER_LEN {
        return None;
    }
    let mut parts = value.trim_matches([' ', '\t']).split('-');
    let trace_id = parts.next()?.to_ascii_lowercase().parse().ok()?;
    let span_id = parts.next()?.to_ascii_lowercase().parse().ok()?;
    let sampled = match parts.next() {
        None => None,
        Some("1") => Some(true),
        Some("0") => Some(false),
        Some(_) => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(TraceParent {
        trace_id,
        span_id,
        sampled,
    })
}

/// Parses a W3C `traceparent`: `{version}-{trace_id}-{parent_id}-{flags}`.
///
/// Only the ids are taken. Its `sampled` flag is not a Sentry sampling decision (reading
/// `traceparent` is not part of Sentry's protocol, sheet §5.2), and the hops that send it
/// without `sentry-trace` (load balancers, service meshes, OpenTelemetry services) set it by
/// rules of their own: honouring it would turn tracing off, or on for everything, whatever
/// this service's sample rate says. The decision is left to this service.
pub(crate) fn parse_traceparent(value: &str) -> Option<TraceParent> {
    if value.len() > MAX_HEADER_LEN {
        return None;
    }
    let two_hex = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_hexdigit());
    let mut parts = value.trim_matches([' ', '\t']).split('-');
    let version = parts.next()?;
    if !two_hex(version) || version.eq_ignore_ascii_case("ff") {
        return None;
    }
    let trace_id = parts.next()?.to_ascii_lowercase().parse().ok()?;
    let span_id = parts.next()?.to_ascii_lowercase().parse().ok()?;
    if !two_hex(parts.next()?) {
        return None;
    }
    // Version 00 has exactly four parts; later versions may append more.
    if version == "00" && parts.next().is_some() {
        return None;
    }
    Some(TraceParent {
        trace_id,
        span_id,
        sampled: None,
    })
}

/// A trace continued from an upstream service.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) parent: TraceParent,
    /// The upstream DSC, frozen as received; `None` when upstream sent no `sentry-*` entry.
    pub(crate) dsc: Option<Arc<Dsc>>,
    /// Whether a Sentry SDK upstream sent the trace (a `sentry-trace` header, or `sentry-*`
    /// baggage). One that sent no DSC is an older SDK, and the DSC stays empty; a trace
    /// from `traceparent` alone (OpenTelemetry, a service mesh) reaches its first Sentry SDK
    /// here, which makes the DSC as for a trace of its own.
    pub(crate) from_sentry: bool,
}

impl Incoming {
    /// The upstream DSC as it is to be kept: `None` when this SDK makes the DSC.
    pub(crate) fn frozen_dsc(&self) -> Option<Option<Arc<Dsc>>> {
        self.from_sentry.then(|| self.dsc.clone())
    }
}

struct Lazy {
    trace_id: TraceId,
    span_id: SpanId,
    sample_rand: f64,
}

/// The trace an isolation scope belongs to when no span is active. Ids are made on first use,
/// so an isolation scope that never captures anything never draws random numbers.
#[derive(Default)]
pub(crate) struct PropagationContext {
    incoming: Option<Incoming>,
    lazy: OnceLock<Lazy>,
    /// The DSC made here (no upstream one), frozen at first use.
    own_dsc: OnceLock<Arc<Dsc>>,
}

impl PropagationContext {
    pub(crate) fn continued(incoming: Incoming) -> Self {
        PropagationContext {
            incoming: Some(incoming),
            ..Self::default()
        }
    }

    fn lazy(&self) -> &Lazy {
        self.lazy.get_or_init(|| {
            let trace_id = match &self.incoming {
                Some(i) => i.parent.trace_id,
                None => TraceId::random(),
            };
            Lazy {
                trace_id,
                span_id: SpanId::random(),
                sample_rand: self.initial_sample_rand(),
            }
        })
    }

    /// `sample_rand` from upstream when valid, else drawn consistently with what upstream
    /// decided (protocol sheet §5.4).
    fn initial_sample_rand(&self) -> f64 {
        let incoming = self.incoming.as_ref();
        let dsc = incoming.and_then(|i| i.dsc.as_deref());
        if let Some(rand) = dsc
            .and_then(|d| d.get("sample_rand"))
            .and_then(|r| r.parse::<f64>().ok())
            .filter(|r| (0.0..1.0).contains(r))
        {
            return rand;
        }
        let rate = dsc
            .and_then(|d| d.get("sample_rate"))
            .and_then(|r| r.parse::<f64>().ok())
            .filter(|r| (0.0..=1.0).contains(r));
        match (rate, incoming.and_then(|i| i.parent.sampled)) {
            (Some(rate), Some(true)) => draw_between(0.0, rate),
            (Some(rate), Some(false)) => draw_between(rate, 1.0),
            _ => draw_between(0.0, 1.0),
        }
    }

    pub(crate) fn ids(&self) -> (TraceId, SpanId) {
        let lazy = self.lazy();
        (lazy.trace_id, lazy.span_id)
    }

    pub(crate) fn trace_id(&self) -> TraceId {
        self.lazy().trace_id
    }

    pub(crate) fn sample_rand(&self) -> f64 {
        self.lazy().sample_rand
    }

    pub(crate) fn parent_span_id(&self) -> Option<SpanId> {
        self.incoming.as_ref().map(|i| i.parent.span_id)
    }

    /// Upstream's sampling decision; `None` for a new trace or a deferred one.
    pub(crate) fn sampled(&self) -> Option<bool> {
        self.incoming.as_ref().and_then(|i| i.parent.sampled)
    }

    pub(crate) fn incoming(&self) -> Option<&Incoming> {
        self.incoming.as_ref()
    }

    /// Upstream's DSC, when the trace was continued with one.
    pub(crate) fn incoming_dsc(&self) -> Option<Arc<Dsc>> {
        self.incoming.as_ref().and_then(|i| i.dsc.clone())
    }

    /// The DSC of this trace: upstream's, frozen as received, or one made here on first use
    /// by `make` and frozen from then on.
    pub(crate) fn dsc(&self, make: impl FnOnce(&Self) -> Dsc) -> Option<Arc<Dsc>> {
        match self.incoming.as_ref().and_then(Incoming::frozen_dsc) {
            // A Sentry SDK upstream that propagates a trace without a DSC: it stays empty.
            Some(frozen) => frozen,
            None => Some(self.own_dsc.get_or_init(|| Arc::new(make(self))).clone()),
        }
    }
}

/// A random `sample_rand` in `low..high`, a whole number of millionths, so that the value
/// [`format_rand`] writes is exactly the one decided with. When no millionth lies in the
/// range (an upstream rate that leaves none), the nearest one that does not contradict a
/// sampled decision: `low`'s, cut.
fn draw_between(low: f64, high: f64) -> f64 {
    let at = |micros: u64| micros as f64 / 1e6;
    // The first millionth at or above `bound`, as compared in floating point (the product
    // can be a rounding error off).
    let first_from = |bound: f64| {
        let mut micros = (bound * 1e6).ceil().max(0.0) as u64;
        while micros > 0 && at(micros - 1) >= bound {
            micros -= 1;
        }
        while at(micros) < bound {
            micros += 1;
        }
        micros
    };
    let (from, to) = (first_from(low), first_from(high).min(1_000_000));
    let micros = if from < to {
        fastrand::u64(from..to)
    } else {
        ((low * 1e6) as u64).min(999_999)
    };
    at(micros)
}

/// A sample rate on the grid of millionths [`format_rate`] writes: a transaction is sampled
/// when its `sample_rand` is below this, so that the two values in its baggage tell the
/// decision that was made (protocol sheet §5.4). NaN counts as 0.
pub(crate) fn rate_on_grid(rate: f64) -> f64 {
    if rate.is_nan() {
        return 0.0;
    }
    (rate.clamp(0.0, 1.0) * 1e6).round() / 1e6
}

/// Formats a sample rate as Sentry wants it: plain decimal notation, rounded to six
/// decimals at most, like `{:.6}`, but from integers: float formatting is slow, and every
/// transaction formats two of these.
pub(crate) fn format_rate(rate: f64) -> String {
    // NaN becomes 0 (`as` saturates).
    format_micros((rate.clamp(0.0, 1.0) * 1e6).round() as u64)
}

/// Formats a `sample_rand` like [`format_rate`], cut rather than rounded to six decimals:
/// it must stay below 1 (a draw of 0.9999996 is written `0.999999`, not `1`), and below a
/// rate of six decimals or fewer that sampled it (0.0999996 sampled at 0.1 is written
/// `0.099999`, not `0.1`).
pub(crate) fn format_rand(rand: f64) -> String {
    // A draw on the grid of millionths may sit a rounding error below its millionth: the
    // small allowance writes it as that millionth, not the one before.
    format_micros(((rand.clamp(0.0, 1.0) * 1e6 + 1e-3) as u64).min(999_999))
}

/// `micros` millionths in plain decimal notation, without trailing zeros.
fn format_micros(micros: u64) -> String {
    let (whole, mut frac) = (micros / 1_000_000, micros % 1_000_000);
    if frac == 0 {
        return whole.to_string();
    }
    let mut digits = 6;
    while frac % 10 == 0 {
        frac /= 10;
        digits -= 1;
    }
    format!("{whole}.{frac:0digits$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentry_trace_forms() {
        let t = "4bf92f3577b34da6a3ce929d0e0e4736";
        let s = "00f067aa0ba902b7";
        let p = parse_sentry_trace(&format!("{t}-{s}-1")).unwrap();
        assert_eq!(p.sampled, Some(true));
        assert_eq!(p.trace_id.to_string(), t);
        assert_eq!(
            parse_sentry_trace(&format!(" {t}-{s} ")).unwrap().sampled,
            None
        );
        assert_eq!(
            parse_sentry_trace(&format!("{t}-{s}-0")).unwrap().sampled,
            Some(false)
        );
        for bad in [
            "",
            "-",
            "garbage",
            &format!("{t}-{s}-2"),
            &format!("{t}-{s}-1-1"),
            t,
            &format!("{}-{s}", "0".repeat(32)),
            &format!("{t}-xyz"),
        ] {
            assert_eq!(parse_sentry_trace(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn traceparent_forms() {
        // The flags are checked, but are no sampling decision.
        for flags in ["01", "00"] {
            let p = parse_traceparent(&format!(
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-{flags}"
            ))
            .unwrap();
            assert_eq!(p.span_id.to_string(), "00f067aa0ba902b7");
            assert_eq!(p.sampled, None);
        }
        for bad in [
            "+0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-+1",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        ] {
            assert_eq!(parse_traceparent(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn baggage_keeps_only_sentry_entries_and_round_trips() {
        let dsc = Dsc::from_baggage([
            "vendor=x, sentry-trace_id=abc,sentry-release=app%401.2.3",
            "sentry-transaction=GET%20%2Fitems;prop=1,other=y",
        ])
        .unwrap();
        assert_eq!(dsc.get("release"), Some("app@1.2.3"));
        assert_eq!(dsc.get("transaction"), Some("GET /items"));
        assert_eq!(dsc.get("vendor"), None);
        let again = Dsc::from_baggage([dsc.to_baggage().as_str()]).unwrap();
        assert_eq!(again, dsc);
        assert!(Dsc::from_baggage(["vendor=x"]).is_none());
    }

    #[test]
    fn sentry_entries_are_read_from_a_baggage_header_of_any_length() {
        let others = "vendor=".to_owned() + &"x".repeat(9000);
        let header = format!("{others},sentry-sample_rand=0.1,sentry-sampled=true");
        let dsc = Dsc::from_baggage([header.as_str()]).unwrap();
        assert_eq!(dsc.get("sample_rand"), Some("0.1"));
        assert_eq!(dsc.get("sampled"), Some("true"));

        // What is kept fits in an outgoing header.
        let many: Vec<String> = (0..2000).map(|i| format!("sentry-k{i}=v")).collect();
        let dsc = Dsc::from_baggage([many.join(",").as_str()]).unwrap();
        assert!(dsc.get("k0").is_some());
        assert!(dsc.to_baggage().len() <= MAX_HEADER_LEN);
    }

    #[test]
    fn rates_are_plain_decimals() {
        assert_eq!(format_rate(0.25), "0.25");
        assert_eq!(format_rate(1.0), "1");
        assert_eq!(format_rate(0.0), "0");
        assert_eq!(format_rate(0.1183401), "0.11834");
        assert_eq!(format_rate(0.000001), "0.000001");
        assert_eq!(format_rate(0.0500004), "0.05");
        assert_eq!(format_rate(0.9999996), "1");
        assert_eq!(format_rate(f64::NAN), "0");
    }

    #[test]
    fn sample_rand_is_cut_to_six_decimals_and_stays_below_one() {
        assert_eq!(format_rand(0.25), "0.25");
        assert_eq!(format_rand(0.0), "0");
        assert_eq!(format_rand(0.0999996), "0.099999");
        assert_eq!(format_rand(0.9999996), "0.999999");
        assert_eq!(format_rand(0.999_999_999_9), "0.999999");
        assert_eq!(format_rand(f64::NAN), "0");
    }

    #[test]
    fn sample_rand_agrees_with_upstream_decision() {
        for sampled in [true, false] {
            let mut dsc = Dsc::default();
            dsc.set("sample_rate", "0.25");
            let ctx = PropagationContext::continued(Incoming {
                parent: TraceParent {
                    trace_id: TraceId::random(),
                    span_id: SpanId::random(),
                    sampled: Some(sampled),
                },
                dsc: Some(Arc::new(dsc)),
                from_sentry: true,
            });
            assert_eq!(ctx.sample_rand() < 0.25, sampled);
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn trace_id() -> impl Strategy<Value = TraceId> {
            any::<u128>()
                .prop_filter_map("zero ids are invalid", |n| format!("{n:032x}").parse().ok())
        }

        fn span_id() -> impl Strategy<Value = SpanId> {
            any::<u64>()
                .prop_filter_map("zero ids are invalid", |n| format!("{n:016x}").parse().ok())
        }

        /// Header-like text: mostly hex digits and dashes, sometimes anything.
        fn header_text() -> impl Strategy<Value = String> {
            prop_oneof![
                "[0-9a-fA-F-]{0,80}",
                "[ \t]?[0-9a-f]{30,34}-[0-9a-f]{14,18}(-[01x]{0,2})?[ \t]?",
                "[0-9a-f]{2}-[0-9a-f]{30,34}-[0-9a-f]{14,18}-[0-9a-f]{1,3}(-.{0,4})?",
                any::<String>(),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig {
                failure_persistence: None,
                ..ProptestConfig::default()
            })]

            #[test]
            fn header_parsers_never_panic(text in header_text()) {
                let _ = parse_sentry_trace(&text);
                let _ = parse_traceparent(&text);
                let _ = Dsc::from_baggage([text.as_str()]);
            }

            #[test]
            fn sentry_trace_round_trips(t in trace_id(), s in span_id(), sampled in any::<Option<bool>>()) {
                let header = match sampled {
                    Some(true) => format!("{t}-{s}-1"),
                    Some(false) => format!("{t}-{s}-0"),
                    None => format!("{t}-{s}"),
                };
                let parsed = parse_sentry_trace(&header).unwrap();
                prop_assert_eq!(parsed, TraceParent { trace_id: t, span_id: s, sampled });
                prop_assert_eq!(parse_sentry_trace(&header.to_ascii_uppercase()), Some(parsed));
            }

            #[test]
            fn traceparent_round_trips(t in trace_id(), s in span_id(), flags in any::<u8>()) {
                let header = format!("00-{t}-{s}-{flags:02x}");
                let parsed = parse_traceparent(&header).unwrap();
                prop_assert_eq!(
                    parsed,
                    TraceParent { trace_id: t, span_id: s, sampled: None }
                );
            }

            #[test]
            fn the_written_rand_and_rate_tell_the_decision(micros in 0u64..1_000_000, rate in any::<f64>()) {
                // What `draw_between` draws, and a rate as a transaction decides with it.
                let rand = micros as f64 / 1e6;
                let rate = rate_on_grid(rate);
                let written = |text: String| text.parse::<f64>().unwrap();
                prop_assert_eq!(written(format_rand(rand)), rand);
                prop_assert_eq!(written(format_rate(rate)), rate);
                prop_assert_eq!(written(format_rand(rand)) < written(format_rate(rate)), rand < rate);
            }

            #[test]
            fn draws_agree_with_the_upstream_decision_as_written(rate in 0.0f64..=0.999_999, sampled in any::<bool>()) {
                let rand = if sampled { draw_between(0.0, rate) } else { draw_between(rate, 1.0) };
                let written: f64 = format_rand(rand).parse().unwrap();
                prop_assert_eq!(written, rand);
                if rate > 0.0 || !sampled {
                    prop_assert_eq!(written < rate, sampled, "rand {} rate {}", rand, rate);
                }
            }

            #[test]
            fn baggage_round_trips_any_values_among_other_vendors(
                entries in proptest::collection::btree_map("[a-z_]{1,12}", any::<String>(), 1..8),
                other in "[a-z]{1,8}=[a-zA-Z0-9]{0,8}",
            ) {
                let mut dsc = Dsc::default();
                for (k, v) in &entries {
                    dsc.set(k.clone(), v.clone());
                }
                let header = format!("{other},{},{other};prop=1", dsc.to_baggage());
                let back = Dsc::from_baggage([header.as_str()]).unwrap();
                for (k, v) in &entries {
                    prop_assert_eq!(back.get(k), Some(v.as_str()));
                }
                prop_assert_eq!(back.entries.len(), entries.len());
            }
        }
    }
}
