//! Timestamps as Sentry wants them: float Unix seconds for breadcrumbs and client reports, RFC
//! 3339 with microseconds for the start and end of events, transactions and spans (what
//! `sentry-types`, and so the official SDK, reads for transactions and spans; one exact form
//! for both ends keeps `start <= end` true after parsing) and in headers. Every server accepts
//! both forms for every field.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serializer};

/// The last second RFC 3339 can write: 9999-12-31T23:59:59Z.
const LAST_SECOND: u64 = 253_402_300_799;

/// Brings a time into the range RFC 3339 can write (the epoch to the end of year 9999), so a
/// clock gone wrong or a hand-made event never fails to serialize.
fn clamp(t: SystemTime) -> SystemTime {
    match t.duration_since(UNIX_EPOCH) {
        Err(_) => UNIX_EPOCH,
        Ok(d) if d.as_secs() > LAST_SECOND => UNIX_EPOCH + Duration::from_secs(LAST_SECOND),
        Ok(_) => t,
    }
}

/// Formats a time as RFC 3339 in UTC with millisecond precision, for serializers to write
/// straight out.
pub(crate) fn rfc3339_display(t: SystemTime) -> impl std::fmt::Display {
    humantime::format_rfc3339_millis(clamp(t))
}

/// Serde helpers for `SystemTime` as float seconds since the epoch.
pub(crate) mod timestamp_float {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(micros(*t) as f64 / 1e6)
    }

    /// Whole microseconds since the epoch, clamped like [`rfc3339_display`]'s times.
    /// Microsecond precision is what Relay keeps, and it keeps the JSON short (the shortest
    /// decimal of micros / 1e6 has at most six decimals). Clamped on the duration: one clock
    /// subtraction, not two.
    pub(crate) fn micros(t: SystemTime) -> u64 {
        match t.duration_since(UNIX_EPOCH) {
            Err(_) => 0,
            Ok(d) if d.as_secs() > LAST_SECOND => LAST_SECOND * 1_000_000,
            Ok(d) => d.as_secs() * 1_000_000 + u64::from(d.subsec_micros()),
        }
    }

    /// Writes what [`serialize`] writes through `serde_json` straight into a buffer, one
    /// time after another (a list of breadcrumbs). Neighbouring times mostly fall in the same
    /// second, so the digits of the last second written are kept for the next time.
    #[derive(Default)]
    pub(crate) struct FloatWriter {
        secs: u64,
        digits: [u8; 10],
        len: usize,
    }

    impl FloatWriter {
        /// Writes `t` for times from one second after the epoch to 2^33 seconds (the year
        /// 2242); `false` (nothing written) for others. There neighbouring doubles are less
        /// than a microsecond apart, so no decimal with fewer digits reads back as
        /// micros / 1e6, which is the exact one: the seconds, a point, and the six digits of
        /// the microseconds without trailing zeros (`.0` when there are none), as
        /// `serde_json` writes it.
        pub(crate) fn write(&mut self, t: SystemTime, out: &mut Vec<u8>) -> bool {
            const PAIRS: &[u8; 200] = b"\
                0001020304050607080910111213141516171819\
                2021222324252627282930313233343536373839\
                4041424344454647484950515253545556575859\
                6061626364656667686970717273747576777879\
                8081828384858687888990919293949596979899";
            let micros = micros(t);
            let (secs, frac) = (micros / 1_000_000, (micros % 1_000_000) as usize);
            if !(1..1 << 33).contains(&secs) {
                return false;
            }
            if secs != self.secs {
                let mut itoa = itoa::Buffer::new();
                let digits = itoa.format(secs).as_bytes();
                self.digits[..digits.len()].copy_from_slice(digits);
                (self.secs, self.len) = (secs, digits.len());
            }
            // At most 10 digits, the point and 6 more.
            let mut text = [0u8; 17];
            let n = self.len;
            text[..n].copy_from_slice(&self.digits[..n]);
            text[n] = b'.';
            let mut len = n + 7;
            for (i, pair) in [frac / 10_000, frac / 100 % 100, frac % 100]
                .into_iter()
                .enumerate()
            {
                text[n + 1 + 2 * i..n + 3 + 2 * i].copy_from_slice(&PAIRS[2 * pair..2 * pair + 2]);
            }
            // The trailing zeros go, but one digit stays after the point.
            while len > n + 2 && text[len - 1] == b'0' {
                len -= 1;
            }
            out.extend_from_slice(&text[..len]);
            true
        }
    }

    /// Reads float seconds, or RFC 3339 text as other writers put it (see [`read_time`]).
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        super::read_time(d)
    }
}

/// Reads a time in either form every server accepts for every field: float seconds since
/// the epoch, or RFC 3339 text, in UTC (`Z`) or with an offset (`+02:00`).
fn read_time<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Secs(f64),
        Text(String),
    }
    match Either::deserialize(d)? {
        Either::Secs(secs) => Duration::try_from_secs_f64(secs)
            .ok()
            .and_then(|d| UNIX_EPOCH.checked_add(d))
            .ok_or_else(|| serde::de::Error::custom("timestamp out of range")),
        Either::Text(text) => parse_rfc3339(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("timestamp {text:?}: not RFC 3339"))),
    }
}

/// RFC 3339 text as a time. humantime reads `Z` (or no zone, taken as UTC); an offset is
/// taken off here.
fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let offset = text
        .len()
        .checked_sub(6)
        .filter(|&at| text.is_char_boundary(at))
        .map(|at| (&text[..at], &text.as_bytes()[at..]))
        .filter(|(_, zone)| {
            matches!(zone[0], b'+' | b'-')
                && zone[3] == b':'
                && [1, 2, 4, 5].iter().all(|&i| zone[i].is_ascii_digit())
        });
    let Some((local, zone)) = offset else {
        return humantime::parse_rfc3339_weak(text).ok();
    };
    let digits = |i: usize| u64::from(zone[i] - b'0') * 10 + u64::from(zone[i + 1] - b'0');
    let shift = Duration::from_secs(digits(1) * 3600 + digits(4) * 60);
    let local = humantime::parse_rfc3339_weak(local).ok()?;
    // Local time ahead of UTC (`+`) is later than the UTC time it names.
    if zone[0] == b'+' {
        local.checked_sub(shift)
    } else {
        local.checked_add(shift)
    }
}

/// Like [`timestamp_rfc3339`], for an optional time.
pub(crate) mod timestamp_rfc3339_opt {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        t: &Option<SystemTime>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => super::timestamp_rfc3339::serialize(t, s),
            None => s.serialize_none(),
        }
    }

    /// `null` reads as no time, as other writers put it for an unset one.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<SystemTime>, D::Error> {
        struct Time(SystemTime);
        impl<'de> Deserialize<'de> for Time {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                super::timestamp_rfc3339::deserialize(d).map(Time)
            }
        }
        Ok(Option::<Time>::deserialize(d)?.map(|t| t.0))
    }
}

/// Serde helpers for `SystemTime` as an RFC 3339 string in UTC with microsecond precision;
/// reads either that or float seconds.
pub(crate) mod timestamp_rfc3339 {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&humantime::format_rfc3339_micros(clamp(*t)))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        super::read_time(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Times {
        #[serde(with = "timestamp_float")]
        float: SystemTime,
        #[serde(with = "timestamp_rfc3339")]
        text: SystemTime,
    }

    #[test]
    fn times_out_of_range_are_clamped_not_an_error() {
        let before_epoch = UNIX_EPOCH - Duration::from_secs(86_400);
        let far_future = UNIX_EPOCH + Duration::from_secs(LAST_SECOND * 3);
        let json = serde_json::to_string(&[
            Times {
                float: before_epoch,
                text: before_epoch,
            },
            Times {
                float: far_future,
                text: far_future,
            },
        ])
        .unwrap();
        assert_eq!(
            json,
            r#"[{"float":0.0,"text":"1970-01-01T00:00:00.000000Z"},{"float":253402300799.0,"text":"9999-12-31T23:59:59.000000Z"}]"#
        );
        assert_eq!(
            rfc3339_display(before_epoch).to_string(),
            "1970-01-01T00:00:00.000Z"
        );
    }

    #[test]
    fn either_field_reads_either_form_with_any_offset() {
        let at = UNIX_EPOCH + Duration::from_millis(1_768_471_200_050); // 2026-01-15T10:00:00.050Z
        for text in [
            "2026-01-15T10:00:00.050Z",
            "2026-01-15T12:00:00.050+02:00",
            "2026-01-15T06:30:00.050-03:30",
        ] {
            let json = format!(r#"{{"float":"{text}","text":"{text}"}}"#);
            let times: Times = serde_json::from_str(&json).unwrap();
            assert_eq!((times.float, times.text), (at, at), "{text}");
        }
        let json = r#"{"float":1768471200.05,"text":1768471200.05}"#;
        let times: Times = serde_json::from_str(json).unwrap();
        let off = |t: SystemTime| t.duration_since(at).unwrap_or_else(|e| e.duration());
        assert!(off(times.float) < Duration::from_micros(1));
        assert!(off(times.text) < Duration::from_micros(1));
        for bad in [
            "2026-01-15T10:00:00.050+2:00",
            "yesterday",
            "+02:00",
            "é2026-01-15",
        ] {
            let json = format!(r#"{{"float":"{bad}","text":"{bad}"}}"#);
            assert!(serde_json::from_str::<Times>(&json).is_err(), "{bad}");
        }
    }

    /// What `timestamp_float::serialize` writes through `serde_json` for `micros`.
    fn through_serde(micros: u64) -> String {
        let t = UNIX_EPOCH + Duration::from_micros(micros);
        let mut s = serde_json::Serializer::new(Vec::new());
        timestamp_float::serialize(&t, &mut s).unwrap();
        String::from_utf8(s.into_inner()).unwrap()
    }

    fn by_hand(micros: u64) -> Option<String> {
        by_hand_after(&mut timestamp_float::FloatWriter::default(), micros)
    }

    fn by_hand_after(writer: &mut timestamp_float::FloatWriter, micros: u64) -> Option<String> {
        let mut out = Vec::new();
        let written = writer.write(UNIX_EPOCH + Duration::from_micros(micros), &mut out);
        written.then(|| String::from_utf8(out).unwrap())
    }

    #[test]
    fn float_times_by_hand_match_serde_at_the_edges() {
        const LAST: u64 = (1 << 33) * 1_000_000 - 1;
        for micros in [
            1_000_000,
            1_000_001,
            1_700_000_000_000_000,
            1_700_000_000_100_000,
            LAST,
        ] {
            assert_eq!(
                by_hand(micros).as_deref(),
                Some(through_serde(micros).as_str())
            );
        }
        for micros in [0, 999_999, LAST + 1] {
            assert_eq!(by_hand(micros), None, "{micros}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Written by hand, a breadcrumb's time is byte for byte what serde writes.
        #[test]
        fn float_times_by_hand_match_serde_properties(
            micros in 1_000_000u64..(1 << 33) * 1_000_000,
            zeros in 0u32..7,
        ) {
            // Also times whose microseconds end in zeros.
            let micros = (micros / 10u64.pow(zeros) * 10u64.pow(zeros)).max(1_000_000);
            proptest::prop_assert_eq!(by_hand(micros), Some(through_serde(micros)));
        }

        /// A writer that wrote one time writes the next as a fresh one would, in the same
        /// second or in another, however many digits the seconds have.
        #[test]
        fn float_times_written_in_a_row_match_serde(
            times in proptest::collection::vec(0u64..(1 << 33) * 1_000_000 + 2, 1..8),
            same_second in proptest::bool::ANY,
        ) {
            let mut writer = timestamp_float::FloatWriter::default();
            for micros in times {
                let micros = if same_second { micros / 1_000_000 * 1_000_000 + micros % 7 } else { micros };
                let expected = (1_000_000..(1 << 33) * 1_000_000).contains(&micros).then(|| through_serde(micros));
                proptest::prop_assert_eq!(by_hand_after(&mut writer, micros), expected);
            }
        }
    }

    #[test]
    fn an_optional_time_reads_null_as_none_and_either_form_as_a_time() {
        #[derive(serde::Deserialize)]
        struct Maybe {
            #[serde(default, with = "timestamp_rfc3339_opt")]
            at: Option<SystemTime>,
        }
        let read = |json: &str| serde_json::from_str::<Maybe>(json).map(|m| m.at);
        assert_eq!(read(r#"{"at":null}"#).unwrap(), None);
        assert_eq!(read("{}").unwrap(), None);
        let second = Some(UNIX_EPOCH + Duration::from_secs(1));
        assert_eq!(read(r#"{"at":1.0}"#).unwrap(), second);
        assert_eq!(read(r#"{"at":"1970-01-01T00:00:01Z"}"#).unwrap(), second);
        assert!(read(r#"{"at":"yesterday"}"#).is_err());
    }

    #[test]
    fn unreadable_float_times_are_an_error_not_a_panic() {
        for text in ["-1", "1e300", "1.8e19"] {
            let json = format!(r#"{{"float":{text},"text":0}}"#);
            assert!(serde_json::from_str::<Times>(&json).is_err(), "{text}");
        }
    }
}
