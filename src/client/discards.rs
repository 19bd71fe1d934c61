//! Counts of what the SDK dropped, by reason and category: the running totals users read, and
//! what has not yet gone out in a client report.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::protocol::{Attachment, DiscardedEvent, Envelope, EnvelopeItem, Event};

/// Why something was dropped (protocol sheet §7.4).
#[cfg_attr(not(feature = "http"), allow(dead_code))] // some are the HTTP transport's
pub(crate) mod reason {
    pub(crate) const SAMPLE_RATE: &str = "sample_rate";
    pub(crate) const BEFORE_SEND: &str = "before_send";
    pub(crate) const EVENT_PROCESSOR: &str = "event_processor";
    pub(crate) const QUEUE_OVERFLOW: &str = "queue_overflow";
    pub(crate) const BUFFER_OVERFLOW: &str = "buffer_overflow";
    pub(crate) const RATELIMIT_BACKOFF: &str = "ratelimit_backoff";
    pub(crate) const NETWORK_ERROR: &str = "network_error";
    pub(crate) const SEND_ERROR: &str = "send_error";
    pub(crate) const INTERNAL_SDK_ERROR: &str = "internal_sdk_error";
}

/// Every reason and category a count can have: counts live in a fixed table of atomics, so
/// counting a drop (which can happen for every event in a storm, or every span past a full
/// transaction) takes no lock and allocates nothing.
const REASONS: [&str; 9] = [
    reason::SAMPLE_RATE,
    reason::BEFORE_SEND,
    reason::EVENT_PROCESSOR,
    reason::QUEUE_OVERFLOW,
    reason::BUFFER_OVERFLOW,
    reason::RATELIMIT_BACKOFF,
    reason::NETWORK_ERROR,
    reason::SEND_ERROR,
    reason::INTERNAL_SDK_ERROR,
];
const CATEGORIES: [&str; 5] = ["error", "transaction", "span", "attachment", "internal"];
const SLOTS: usize = REASONS.len() * CATEGORIES.len();

/// Where the count of `reason` and `category` lives.
fn slot(reason: &str, category: &str) -> Option<usize> {
    let r = REASONS.iter().position(|&x| x == reason)?;
    let c = CATEGORIES.iter().position(|&x| x == category)?;
    Some(r * CATEGORIES.len() + c)
}

fn table() -> [AtomicU64; SLOTS] {
    std::array::from_fn(|_| AtomicU64::new(0))
}

/// Shared by a client and its transport.
pub(crate) struct Discards {
    /// Every count so far, and what has not gone out in a client report yet.
    total: [AtomicU64; SLOTS],
    unsent: [AtomicU64; SLOTS],
    /// Log each drop (the client's `debug` option).
    debug: bool,
}

impl Default for Discards {
    fn default() -> Self {
        Discards::new(false)
    }
}

impl fmt::Debug for Discards {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Discards")
            .field("total", &self.totals())
            .finish_non_exhaustive()
    }
}

impl Discards {
    pub(crate) fn new(debug: bool) -> Discards {
        Discards {
            total: table(),
            unsent: table(),
            debug,
        }
    }

    /// Counts `n` dropped items of `category` for `reason`.
    pub(crate) fn record(&self, reason: &'static str, category: &'static str, n: u64) {
        if n == 0 {
            return;
        }
        if self.debug {
            tracing::debug!(target: "scopeline", reason, category, quantity = n, "dropped");
        }
        let Some(i) = slot(reason, category) else {
            debug_assert!(false, "no slot for {reason}/{category}");
            return;
        };
        self.total[i].fetch_add(n, Ordering::Relaxed);
        self.unsent[i].fetch_add(n, Ordering::Relaxed);
    }

    /// Counts a dropped envelope item: a transaction counts its spans too (its own span
    /// included), as the protocol asks. A client report is not counted (reporting reports
    /// would never end): it was not sent, so its counts are put back for a later one.
    pub(crate) fn record_item(&self, reason: &'static str, item: &EnvelopeItem) {
        match item {
            EnvelopeItem::ClientReport(report) => self.restore(&report.discarded_events),
            item => {
                for (category, n) in item_counts(item) {
                    self.record(reason, category, n);
                }
            }
        }
    }

    /// Counts every item of an envelope that did not arrive (see [`Discards::record_item`]).
    pub(crate) fn record_envelope(&self, reason: &'static str, envelope: &Envelope) {
        for item in &envelope.items {
            self.record_item(reason, item);
        }
    }

    /// Counts an event dropped by code that took it, from counts read before (see
    /// [`event_counts`]), with its attachments (their size in bytes, see
    /// [`attachment_bytes`]).
    pub(crate) fn record_lost(
        &self,
        reason: &'static str,
        counts: [(&'static str, u64); 2],
        attachment_bytes: u64,
    ) {
        for (category, n) in counts {
            self.record(reason, category, n);
        }
        self.record(reason, "attachment", attachment_bytes);
    }

    /// Every count so far.
    pub(crate) fn totals(&self) -> Vec<DiscardedEvent> {
        to_list(|i| self.total[i].load(Ordering::Relaxed))
    }

    /// The counts not yet reported, which are then forgotten.
    pub(crate) fn take_unsent(&self) -> Vec<DiscardedEvent> {
        to_list(|i| self.unsent[i].swap(0, Ordering::Relaxed))
    }

    /// Puts counts taken by [`Discards::take_unsent`] back, for a report that was not sent.
    pub(crate) fn restore(&self, events: &[DiscardedEvent]) {
        for e in events {
            if let Some(i) = slot(&e.reason, &e.category) {
                self.unsent[i].fetch_add(e.quantity, Ordering::Relaxed);
            }
        }
    }

    /// Whether there is anything to report.
    pub(crate) fn has_unsent(&self) -> bool {
        self.unsent.iter().any(|n| n.load(Ordering::Relaxed) != 0)
    }

    /// Runs a delivery, which counts what it fails to deliver and keeps in `at_stake` what
    /// it holds that no count covers yet. Should it panic (a bug of ours or of a library
    /// under it), what was at stake is counted under `internal_sdk_error`, and the counts of
    /// a client report among it kept for the next envelope.
    pub(crate) fn contain_delivery(&self, deliver: impl FnOnce(&mut Option<AtStake>)) {
        let mut at_stake = None;
        if crate::client::guarded("envelope delivery", || deliver(&mut at_stake)).is_none() {
            if let Some(AtStake { tally, report }) = at_stake {
                self.record_tally(reason::INTERNAL_SDK_ERROR, &tally);
                if let Some(report) = report {
                    self.restore(&report);
                }
            }
        }
    }
}

/// What losing an envelope would leave uncounted: its items, and the counts its client
/// report carries. Taken by a delivery while it holds the envelope, let go once the envelope
/// is handed on (from then on the delivery counts its own failures).
pub(crate) struct AtStake {
    tally: Tally,
    report: Option<Vec<DiscardedEvent>>,
}

impl AtStake {
    /// What losing one item would leave uncounted.
    pub(crate) fn of_item(item: &EnvelopeItem) -> AtStake {
        AtStake {
            tally: Tally::of_items(std::slice::from_ref(item)),
            report: match item {
                EnvelopeItem::ClientReport(report) => Some(report.discarded_events.clone()),
                _ => None,
            },
        }
    }

    pub(crate) fn of(envelope: &Envelope) -> AtStake {
        AtStake {
            tally: Tally::of(envelope),
            report: envelope.items.iter().find_map(|item| match item {
                EnvelopeItem::ClientReport(report) => Some(report.discarded_events.clone()),
                _ => None,
            }),
        }
    }
}

/// The non-zero counts of the table `count` reads, by reason then category.
fn to_list(mut count: impl FnMut(usize) -> u64) -> Vec<DiscardedEvent> {
    let mut list: Vec<DiscardedEvent> = (0..SLOTS)
        .filter_map(|i| {
            let quantity = count(i);
            (quantity != 0).then(|| DiscardedEvent {
                reason: REASONS[i / CATEGORIES.len()].into(),
                category: CATEGORIES[i % CATEGORIES.len()].into(),
                quantity,
            })
        })
        .collect();
    list.sort_by(|a, b| (&a.reason, &a.category).cmp(&(&b.reason, &b.category)));
    list
}

/// What an envelope's loss would count, by category, read without allocating: kept while the
/// envelope is handed to code that could lose it.
#[derive(Default)]
pub(crate) struct Tally([u64; CATEGORIES.len()]);

impl Tally {
    pub(crate) fn of(envelope: &Envelope) -> Tally {
        Tally::of_items(&envelope.items)
    }

    fn of_items(items: &[EnvelopeItem]) -> Tally {
        let mut tally = Tally::default();
        for (category, n) in items.iter().flat_map(item_counts) {
            match CATEGORIES.iter().position(|&c| c == category) {
                Some(i) => tally.0[i] += n,
                None => debug_assert!(false, "no slot for category {category}"),
            }
        }
        tally
    }
}

impl Discards {
    /// Counts what a [`Tally`] read.
    pub(crate) fn record_tally(&self, reason: &'static str, tally: &Tally) {
        for (category, &n) in CATEGORIES.iter().zip(&tally.0) {
            self.record(reason, category, n);
        }
    }
}

/// What dropping an envelope item counts, by category: a transaction counts its spans too
/// (its own span included), as the protocol asks. Client reports count nothing: reporting
/// them would never end.
pub(crate) fn item_counts(item: &EnvelopeItem) -> impl Iterator<Item = (&'static str, u64)> {
    let counts = match item {
        EnvelopeItem::ClientReport(_) => [None, None],
        EnvelopeItem::Transaction(tx) => transaction_counts(tx.spans.len()).map(Some),
        EnvelopeItem::Attachment(a) => [Some(("attachment", attachment_bytes([a]))), None],
        other => [Some((other.category(), 1)), None],
    };
    counts.into_iter().flatten()
}

/// What dropping attachments counts: the `attachment` category is measured in bytes, as
/// Relay and the Sentry SDKs count it, not in items.
pub(crate) fn attachment_bytes<'a>(attachments: impl IntoIterator<Item = &'a Attachment>) -> u64 {
    attachments.into_iter().map(|a| a.bytes.len() as u64).sum()
}

/// What dropping a transaction with `children` child spans counts: itself, and its spans
/// with its own.
pub(crate) fn transaction_counts(children: usize) -> [(&'static str, u64); 2] {
    [("transaction", 1), ("span", children as u64 + 1)]
}

/// What dropping an event counts: an error is one; a transaction counts as above.
pub(crate) fn event_counts(event: &Event) -> [(&'static str, u64); 2] {
    if super::is_transaction(event) {
        transaction_counts(event.spans.len())
    } else {
        [("error", 1), ("span", 0)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_keep_counting_after_a_report_takes_the_unsent() {
        let d = Discards::default();
        d.record(reason::SAMPLE_RATE, "error", 2);
        assert_eq!(d.take_unsent()[0].quantity, 2);
        assert!(!d.has_unsent());
        d.record(reason::SAMPLE_RATE, "error", 1);
        assert_eq!(d.totals()[0].quantity, 3);
        assert_eq!(d.take_unsent()[0].quantity, 1);
    }

    #[test]
    fn every_item_kind_is_counted_and_a_failed_report_is_put_back() {
        let d = Discards::default();
        let mut tx = Event::new();
        tx.ty = Some("transaction".into());
        tx.spans = vec![crate::protocol::SpanRecord::new(
            crate::protocol::TraceId::random(),
            crate::protocol::SpanId::random(),
            "db",
        )];
        let items = [
            EnvelopeItem::Event(Box::new(Event::new())),
            EnvelopeItem::Transaction(Box::new(tx)),
            EnvelopeItem::Attachment(crate::protocol::Attachment::new("a.txt", b"x".to_vec())),
        ];
        for reason in REASONS {
            for item in &items {
                d.record_item(reason, item);
            }
        }
        let totals = d.totals();
        assert_eq!(totals.len(), REASONS.len() * 4, "{totals:?}");
        for e in &totals {
            let expected = if e.category == "span" { 2 } else { 1 };
            assert_eq!(e.quantity, expected, "{e:?}");
        }
        // A report that could not be sent gives its counts back for the next one.
        let report = d.take_unsent();
        assert!(!d.has_unsent());
        d.record_item(
            reason::NETWORK_ERROR,
            &EnvelopeItem::ClientReport(crate::protocol::ClientReport::new(report.clone())),
        );
        assert_eq!(d.take_unsent(), report);
    }

    #[test]
    fn a_delivery_that_panics_counts_what_it_held_and_keeps_its_report() {
        let d = Discards::default();
        d.record(reason::SAMPLE_RATE, "error", 3);
        let report = d.take_unsent();
        let mut envelope = Envelope::from_event(Event::new());
        envelope.add_item(EnvelopeItem::Attachment(Attachment::new("a", vec![0; 7])));
        envelope.add_item(EnvelopeItem::ClientReport(
            crate::protocol::ClientReport::new(report.clone()),
        ));
        d.contain_delivery(|at_stake| {
            *at_stake = Some(AtStake::of(&envelope));
            panic!("a bug below the transport")
        });
        let mut expected = report;
        expected.extend([
            DiscardedEvent {
                reason: reason::INTERNAL_SDK_ERROR.into(),
                category: "attachment".into(),
                quantity: 7,
            },
            DiscardedEvent {
                reason: reason::INTERNAL_SDK_ERROR.into(),
                category: "error".into(),
                quantity: 1,
            },
        ]);
        expected.sort_by(|a, b| (&a.reason, &a.category).cmp(&(&b.reason, &b.category)));
        assert_eq!(d.take_unsent(), expected);

        // What a delivery handed on before it panicked is its own to count.
        d.contain_delivery(|at_stake| {
            *at_stake = Some(AtStake::of(&Envelope::from_event(Event::new())));
            *at_stake = None;
            panic!("after the server took it")
        });
        assert!(!d.has_unsent());
    }
}
