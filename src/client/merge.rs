//! Merging scope data into an event: global → isolation → current (→ the per-capture fork).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::protocol::{Attachment, Breadcrumb, Event};
use crate::scope::{Crumb, CrumbBuf, Key, ScopeData};

/// Applies the layers, lowest first, to the event and returns the attachments they carry.
///
/// - tags, extra and contexts merge per key, and a higher layer wins (also over the event's
///   own keys, as in the Python and Rust SDKs);
/// - level replaces the event's level when a layer sets one (the highest that does);
/// - user, transaction, fingerprint and request fill in only where the event has none;
/// - breadcrumbs of the event and of every layer are merged by timestamp and the newest
///   `max_breadcrumbs` kept;
/// - `contexts.trace` comes from the isolation layer's propagation context unless the event
///   already has one (its span's); a layer's own `trace` context only adds other keys.
pub(crate) fn apply_layers(
    event: &mut Event,
    layers: &[&ScopeData],
    isolation: &ScopeData,
    max_breadcrumbs: usize,
) -> Vec<Attachment> {
    // Transactions carry no breadcrumbs of their scopes, as in the other SDKs.
    let transaction = event.ty.as_deref() == Some("transaction");
    let mut attachments = Vec::new();
    let own_crumbs = std::mem::take(&mut event.breadcrumbs);
    // The buffers whose crumbs the event gets, lowest layer first.
    let mut buffers: Vec<&CrumbBuf> = Vec::new();

    // A `trace` context set on a scope adds to the event's trace context (the highest
    // scope's that has one), but never names its trace, its span or the span's parent: those
    // come from the active span, else from the propagation context.
    let mut scope_trace: Option<&serde_json::Map<String, serde_json::Value>> = None;
    for layer in layers {
        merge_map(&mut event.tags, layer.tags.iter(), |v| v.to_string());
        merge_map(&mut event.extra, layer.extra.iter(), Value::clone);
        for (k, v) in layer.contexts.iter() {
            if k.as_ref() == "trace" {
                scope_trace = Some(v);
                continue;
            }
            event.contexts.insert(k.to_string(), v.clone());
        }
        // Nor their attachments, which would otherwise ride with every transaction.
        if !transaction {
            if !layer.breadcrumbs.is_empty() {
                buffers.push(&layer.breadcrumbs);
            }
            attachments.extend(layer.rare().attachments.iter().cloned());
        }
    }
    // Highest layer first for the single-valued fields.
    for layer in layers.iter().rev() {
        if let Some(level) = layer.rare().level {
            event.level = level;
            break;
        }
    }
    let highest = |get: &dyn Fn(&ScopeData) -> bool| layers.iter().rev().find(|l| get(l)).copied();
    if event.user.is_none() {
        if let Some(layer) = highest(&|l| l.user.is_some()) {
            event.user = layer.user.as_deref().cloned();
        }
    }
    if event.transaction.is_none() {
        if let Some(layer) = highest(&|l| l.rare().transaction.is_some()) {
            event.transaction = layer.rare().transaction.as_deref().map(str::to_owned);
        }
    }
    if event.fingerprint.is_empty() {
        if let Some(layer) = highest(&|l| l.rare().fingerprint.is_some()) {
            event.fingerprint = layer
                .rare()
                .fingerprint
                .as_deref()
                .map(<[String]>::to_vec)
                .unwrap_or_default();
        }
    }
    if event.request.is_none() {
        if let Some(layer) = highest(&|l| l.rare().request.is_some()) {
            event.request = layer.rare().request.as_ref().map(|r| r.to_request());
        }
    }
    if !event.contexts.contains_key("trace") {
        let propagation = isolation.propagation();
        let (trace_id, span_id) = propagation.ids();
        if let serde_json::Value::Object(mut ctx) = json!({
            "type": "trace",
            "trace_id": trace_id,
            "span_id": span_id,
        }) {
            // A continued trace: the error hangs under the caller's span.
            if let Some(parent) = propagation.parent_span_id() {
                ctx.insert("parent_span_id".into(), parent.to_string().into());
            }
            event.contexts.insert("trace".into(), ctx);
        }
    }
    if let (Some(extra), Some(trace)) = (scope_trace, event.contexts.get_mut("trace")) {
        const IDS: [&str; 4] = ["trace_id", "span_id", "parent_span_id", "type"];
        for (k, v) in extra.iter().filter(|(k, _)| !IDS.contains(&k.as_str())) {
            trace.entry(k.as_str()).or_insert_with(|| v.clone());
        }
    }

    event.breadcrumbs = merge_crumbs(own_crumbs, &buffers, max_breadcrumbs);
    attachments
}

/// Adds a layer's entries to an event's map, replacing what lower layers put there. The
/// first layer with entries, usually the only one, builds the map in one go rather than
/// inserting key by key.
fn merge_map<'a, V: 'a, T>(
    into: &mut BTreeMap<String, T>,
    entries: impl Iterator<Item = (&'a Key, &'a V)>,
    convert: impl Fn(&V) -> T,
) {
    let entries = entries.map(|(k, v)| (k.to_string(), convert(v)));
    if into.is_empty() {
        *into = entries.collect();
    } else {
        into.extend(entries);
    }
}

/// The newest `cap` of the event's own breadcrumbs and of the buffers', oldest first.
/// Only the crumbs that survive the cap are turned into breadcrumbs. Crumbs with equal
/// timestamps keep the order of the layers.
fn merge_crumbs(own: Vec<Breadcrumb>, buffers: &[&CrumbBuf], cap: usize) -> Vec<Breadcrumb> {
    // Usually one buffer (the isolation scope's) holds every crumb, in time order: its
    // newest are copied straight out of it.
    if let ([buffer], true) = (buffers, own.is_empty()) {
        if buffer.iter().is_sorted_by_key(Crumb::timestamp) {
            let skip = buffer.len().saturating_sub(cap);
            let mut out = Vec::with_capacity(buffer.len() - skip);
            out.extend(
                buffer
                    .iter()
                    .skip(skip)
                    .map(|c| c.breadcrumb().into_owned()),
            );
            return out;
        }
    }
    let total = own.len() + buffers.iter().map(|b| b.len()).sum::<usize>();
    let mut crumbs: Vec<Cow<'_, Crumb>> = Vec::with_capacity(total);
    crumbs.extend(own.into_iter().map(|c| Cow::Owned(Crumb::Built(c))));
    for buffer in buffers {
        crumbs.extend(buffer.iter().map(Cow::Borrowed));
    }
    crate::scope::newest(crumbs, cap)
        .map(|c| match c {
            Cow::Owned(c) => c.into_breadcrumb(),
            Cow::Borrowed(c) => c.breadcrumb().into_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::protocol::{Breadcrumb, Level, User};
    use crate::scope::Scope;

    fn data(f: impl FnOnce(&Scope)) -> ScopeData {
        let scope = Scope::new();
        f(&scope);
        scope.snapshot()
    }

    fn crumb_at(msg: &str, secs: u64) -> Breadcrumb {
        let mut c = Breadcrumb::new(msg.to_owned());
        c.timestamp = SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
        c
    }

    fn push(scope: &Scope, c: Breadcrumb) {
        scope.push_breadcrumb(c, 100);
    }

    #[test]
    fn higher_layers_win_per_key_and_over_the_event() {
        let g = data(|s| s.set_tags([("a", "global"), ("b", "global"), ("c", "global")]));
        let i = data(|s| s.set_tags([("b", "isolation"), ("c", "isolation")]));
        let c = data(|s| s.set_tag("c", "current"));
        let mut event = Event::new();
        event.tags.insert("a".into(), "event".into());
        event.tags.insert("own".into(), "event".into());
        apply_layers(&mut event, &[&g, &i, &c], &i, 100);
        assert_eq!(event.tags["a"], "global");
        assert_eq!(event.tags["b"], "isolation");
        assert_eq!(event.tags["c"], "current");
        assert_eq!(event.tags["own"], "event");
    }

    #[test]
    fn level_replaces_and_user_fills_in_only() {
        let i = data(|s| {
            s.set_level(Some(Level::Warning));
            s.set_user(Some(User::with_id("iso")));
            s.set_transaction(Some("iso-tx"));
        });
        let c = data(|s| s.set_user(Some(User::with_id("cur"))));
        let mut event = Event::new();
        event.level = Level::Error;
        apply_layers(&mut event, &[&ScopeData::default(), &i, &c], &i, 100);
        assert_eq!(event.level, Level::Warning);
        assert_eq!(event.user.unwrap().id.as_deref(), Some("cur"));
        assert_eq!(event.transaction.as_deref(), Some("iso-tx"));

        let mut own = Event::new();
        own.user = Some(User::with_id("own"));
        own.transaction = Some("own-tx".into());
        apply_layers(&mut own, &[&i, &c], &i, 100);
        assert_eq!(own.user.unwrap().id.as_deref(), Some("own"));
        assert_eq!(own.transaction.as_deref(), Some("own-tx"));
    }

    #[test]
    fn a_scope_trace_context_adds_to_the_events_but_never_names_its_trace() {
        let scope = Scope::new();
        let mut map = serde_json::Map::new();
        map.insert("foo".into(), 1.into());
        scope.set_context("trace", map);
        let data = scope.snapshot();
        let mut event = Event::new();
        let mut own = serde_json::Map::new();
        own.insert("trace_id".into(), "0123456789abcdef0123456789abcdef".into());
        event.contexts.insert("trace".into(), own);
        apply_layers(&mut event, &[&data], &ScopeData::isolation(), 100);
        assert_eq!(
            event.contexts["trace"]["trace_id"],
            "0123456789abcdef0123456789abcdef"
        );
        // The scope's adds what the event's lacks.
        assert_eq!(event.contexts["trace"]["foo"], 1);
        // With none of its own, the event's comes from the propagation context, and the
        // scope's still only adds to it.
        let isolation = ScopeData::isolation();
        let mut bare = Event::new();
        apply_layers(&mut bare, &[&data], &isolation, 100);
        let (trace_id, span_id) = isolation.propagation().ids();
        let trace = &bare.contexts["trace"];
        assert_eq!(trace["trace_id"], trace_id.to_string());
        assert_eq!(trace["span_id"], span_id.to_string());
        assert_eq!(trace["foo"], 1);
        // Nor can a scope's ids replace the propagation context's, or invent a parent for a
        // trace nobody continued.
        let forged = Scope::new();
        let mut ids = serde_json::Map::new();
        ids.insert("trace_id".into(), "f".repeat(32).into());
        ids.insert("parent_span_id".into(), "e".repeat(16).into());
        ids.insert("type".into(), "forged".into());
        forged.set_context("trace", ids);
        let mut event = Event::new();
        apply_layers(&mut event, &[&forged.snapshot()], &isolation, 100);
        let trace = &event.contexts["trace"];
        assert_eq!(trace["trace_id"], trace_id.to_string());
        assert_eq!(trace.get("parent_span_id"), None);
        assert_eq!(trace["type"], "trace");
    }

    #[test]
    fn breadcrumbs_are_merged_by_time_and_capped() {
        let g = Scope::new();
        let i = Scope::new();
        let c = Scope::new();
        for t in [1, 4, 7] {
            push(&g, crumb_at(&format!("g{t}"), t));
        }
        for t in [2, 5, 8] {
            push(&i, crumb_at(&format!("i{t}"), t));
        }
        for t in [3, 6, 9] {
            push(&c, crumb_at(&format!("c{t}"), t));
        }
        let (g, i, c) = (g.snapshot(), i.snapshot(), c.snapshot());
        let mut event = Event::new();
        apply_layers(&mut event, &[&g, &i, &c], &i, 5);
        let got: Vec<_> = event
            .breadcrumbs
            .iter()
            .map(|b| b.message.clone().unwrap())
            .collect();
        assert_eq!(got, ["g4", "i5", "c6", "g7", "i8", "c9"][1..]);
    }

    #[test]
    fn one_scopes_breadcrumbs_are_capped_to_the_newest_and_put_in_time_order() {
        // The messages of an event with `own` breadcrumbs merged with `scope`'s.
        let merged = |scope: &Scope, own: Option<Breadcrumb>, cap| -> Vec<String> {
            let mut event = Event::new();
            event.breadcrumbs.extend(own);
            apply_layers(
                &mut event,
                &[&scope.snapshot()],
                &ScopeData::isolation(),
                cap,
            );
            let crumbs = event.breadcrumbs.into_iter();
            crumbs.map(|b| b.message.unwrap().into_owned()).collect()
        };
        let in_order = Scope::new();
        for t in 1..=6 {
            push(&in_order, crumb_at(&format!("a{t}"), t));
        }
        assert_eq!(merged(&in_order, None, 4), ["a3", "a4", "a5", "a6"]);

        // Times set by hand, out of the order the crumbs were added in.
        let shuffled = Scope::new();
        for t in [5, 1, 6, 2, 4, 3] {
            push(&shuffled, crumb_at(&format!("b{t}"), t));
        }
        assert_eq!(merged(&shuffled, None, 4), ["b3", "b4", "b5", "b6"]);

        // The event's own breadcrumbs count against the cap too.
        let own = Some(crumb_at("own", 7));
        assert_eq!(merged(&in_order, own, 3), ["a5", "a6", "own"]);
    }

    #[test]
    fn trace_context_comes_from_the_isolation_scope_unless_set() {
        let i = ScopeData::isolation();
        let mut event = Event::new();
        apply_layers(&mut event, &[&i], &i, 100);
        let (trace, _) = i.propagation().ids();
        assert_eq!(event.contexts["trace"]["trace_id"], trace.to_string());
    }
}
