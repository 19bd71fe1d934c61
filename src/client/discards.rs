//! Counts of what the SDK dropped, by reason and category: the running totals users read, and
//! what has not yet gone out in a client report.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::protocol::{DiscardedEvent, Envelope, EnvelopeItem, Event};

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

type Counts = BTreeMap<(&'static str, &'static str), u64>;

/// Shared by a client and its transport.
#[derive(Debug, Default)]
pub(crate) struct Discards {
    counts: Mutex<(Counts, Counts)>,
    /// Log each drop (the client's `debug` option).
    debug: bool,
}

impl Discards {
    pub(crate) fn new(debug: bool) -> Discards {
        Discards {
            debug,
            ..Discards::default()
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
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let (total, unsent) = &mut *counts;
        *total.entry((reason, category)).or_insert(0) += n;
        *unsent.entry((reason, category)).or_insert(0) += n;
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

    /// Counts an event dropped before it became an envelope item, with its attachments.
    pub(crate) fn record_event(&self, reason: &'static str, event: &Event, attachments: usize) {
        self.record_lost(reason, event_counts(event), attachments);
    }

    /// Counts an event dropped by code that took it, from counts read before (see
    /// [`event_counts`]), with its attachments.
    pub(crate) fn record_lost(
        &self,
        reason: &'static str,
        counts: [(&'static str, u64); 2],
        attachments: usize,
    ) {
        for (category, n) in counts {
            self.record(reason, category, n);
        }
        self.record(reason, "attachment", attachments as u64);
    }

    /// Every count so far.
    pub(crate) fn totals(&self) -> Vec<DiscardedEvent> {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        to_list(&counts.0)
    }

    /// The counts not yet reported, which are then forgotten.
    pub(crate) fn take_unsent(&self) -> Vec<DiscardedEvent> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let list = to_list(&counts.1);
        counts.1.clear();
        list
    }

    /// Puts counts taken by [`Discards::take_unsent`] back, for a report that was not sent.
    pub(crate) fn restore(&self, events: &[DiscardedEvent]) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        for e in events {
            if let (Some(reason), Some(category)) = (intern(&e.reason), intern(&e.category)) {
                *counts.1.entry((reason, category)).or_insert(0) += e.quantity;
            }
        }
    }

    /// Whether there is anything to report.
    pub(crate) fn has_unsent(&self) -> bool {
        !self
            .counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .is_empty()
    }
}

/// The static name inside a count's key (counts made here always borrow one).
#[allow(clippy::ptr_arg)] // the `Cow` variant is what tells a static name apart
fn intern(name: &Cow<'static, str>) -> Option<&'static str> {
    match name {
        Cow::Borrowed(s) => Some(s),
        Cow::Owned(_) => None,
    }
}

fn to_list(counts: &Counts) -> Vec<DiscardedEvent> {
    counts
        .iter()
        .map(|(&(reason, category), &quantity)| DiscardedEvent {
            reason: reason.into(),
            category: category.into(),
            quantity,
        })
        .collect()
}

/// What dropping an envelope item counts, by category: a transaction counts its spans too
/// (its own span included), as the protocol asks. Client reports count nothing: reporting
/// them would never end.
pub(crate) fn item_counts(item: &EnvelopeItem) -> impl Iterator<Item = (&'static str, u64)> {
    let counts = match item {
        EnvelopeItem::ClientReport(_) => [None, None],
        EnvelopeItem::Transaction(tx) => transaction_counts(tx).map(Some),
        other => [Some((other.category(), 1)), None],
    };
    counts.into_iter().flatten()
}

/// What dropping a transaction counts: itself, and its spans with its own.
fn transaction_counts(tx: &Event) -> [(&'static str, u64); 2] {
    [("transaction", 1), ("span", tx.spans.len() as u64 + 1)]
}

/// What dropping an event counts: an error is one; a transaction counts as above.
pub(crate) fn event_counts(event: &Event) -> [(&'static str, u64); 2] {
    if super::is_transaction(event) {
        transaction_counts(event)
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
}
