//! Persistent containers behind scope data: forking is an `Arc` clone, and the first write
//! after a fork adds a small layer on top instead of copying what is below.
//!
//! Chains are flattened once they grow deeper than [`MAX_DEPTH`], so reads stay cheap and old
//! versions do not pile up.

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use super::crumb::Crumb;

const MAX_DEPTH: u32 = 8;

pub(crate) type Key = Cow<'static, str>;

/// `Arc::get_mut`, after a plain load of the count rules out most shared values.
fn unique<T>(arc: &mut Arc<T>) -> Option<&mut T> {
    if Arc::strong_count(arc) != 1 {
        return None;
    }
    Arc::get_mut(arc)
}

/// A string-keyed map with O(1) clone and O(log n) writes after a clone.
pub(crate) struct CowMap<V> {
    head: Option<Arc<MapNode<V>>>,
}

struct MapNode<V> {
    parent: Option<Arc<MapNode<V>>>,
    /// `None` is a tombstone that hides the parent's entry.
    entries: Entries<V>,
    depth: u32,
}

/// A layer's entries. The first write after a fork makes a layer of one entry, which lives
/// inline in the node: no second allocation for the common fork-then-set case.
enum Entries<V> {
    One(Key, Option<V>),
    Many(BTreeMap<Key, Option<V>>),
}

impl<V> Entries<V> {
    fn get(&self, key: &str) -> Option<&Option<V>> {
        match self {
            Entries::One(k, v) => (k == key).then_some(v),
            Entries::Many(map) => map.get(key),
        }
    }

    fn set(&mut self, key: Key, value: Option<V>) {
        match self {
            Entries::One(k, v) if *k == key => *v = value,
            Entries::One(..) => {
                let Entries::One(k, v) = std::mem::replace(self, Entries::Many(BTreeMap::new()))
                else {
                    unreachable!("matched above")
                };
                if let Entries::Many(map) = self {
                    map.insert(k, v);
                    map.insert(key, value);
                }
            }
            Entries::Many(map) => {
                map.insert(key, value);
            }
        }
    }

    fn remove(&mut self, key: &str) {
        match self {
            Entries::One(k, _) if k == key => *self = Entries::Many(BTreeMap::new()),
            Entries::One(..) => {}
            Entries::Many(map) => {
                map.remove(key);
            }
        }
    }

    fn iter(&self) -> impl Iterator<Item = (&Key, &Option<V>)> {
        let (one, many) = match self {
            Entries::One(k, v) => (Some((k, v)), None),
            Entries::Many(map) => (None, Some(map.iter())),
        };
        one.into_iter().chain(many.into_iter().flatten())
    }
}

impl<V> Clone for CowMap<V> {
    fn clone(&self) -> Self {
        CowMap {
            head: self.head.clone(),
        }
    }
}

impl<V> Default for CowMap<V> {
    fn default() -> Self {
        CowMap { head: None }
    }
}

impl<V: Clone> CowMap<V> {
    pub(crate) fn insert(&mut self, key: Key, value: V) {
        self.write(key, Some(value));
    }

    pub(crate) fn remove(&mut self, key: &str) {
        if self.get(key).is_some() {
            self.write(Cow::Owned(key.to_owned()), None);
        }
    }

    fn write(&mut self, key: Key, value: Option<V>) {
        let Some(mut head) = self.head.take() else {
            if value.is_some() {
                self.head = Some(Arc::new(MapNode {
                    parent: None,
                    entries: Entries::One(key, value),
                    depth: 0,
                }));
            }
            return;
        };
        // A head a fork shares fails `get_mut` anyway; a plain load of its count spares that
        // check's atomic read-modify-write on the fork-then-write path.
        if let Some(node) = unique(&mut head) {
            if value.is_none() && node.parent.is_none() {
                node.entries.remove(&key);
            } else {
                node.entries.set(key, value);
            }
            self.head = Some(head);
            return;
        }
        // The shared head moves into the new layer: no reference count is touched.
        let depth = head.depth + 1;
        self.head = Some(Arc::new(MapNode {
            parent: Some(head),
            entries: Entries::One(key, value),
            depth,
        }));
        if depth > MAX_DEPTH {
            self.flatten();
        }
    }

    /// Flattens a chain as deep as the first write of a fork would flatten, for forks to
    /// start from: they then share it flat rather than each copying it on that write.
    pub(crate) fn compact(&mut self) {
        if self.head.as_ref().is_some_and(|h| h.depth >= MAX_DEPTH) {
            self.flatten();
        }
    }

    fn flatten(&mut self) {
        let entries = self
            .iter()
            .map(|(k, v)| (k.clone(), Some(v.clone())))
            .collect();
        self.head = Some(Arc::new(MapNode {
            parent: None,
            entries: Entries::Many(entries),
            depth: 0,
        }));
    }

    pub(crate) fn get(&self, key: &str) -> Option<&V> {
        let mut node = self.head.as_deref();
        while let Some(n) = node {
            if let Some(v) = n.entries.get(key) {
                return v.as_ref();
            }
            node = n.parent.as_deref();
        }
        None
    }

    /// The live entries, in key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Key, &V)> {
        // A single layer (no fork written since the last flatten) is read in place.
        let (single, layered) = match self.head.as_deref() {
            Some(n) if n.parent.is_none() => (Some(n.entries.iter()), None),
            head => (None, Some(Self::merged(head))),
        };
        let single = single.into_iter().flatten();
        single
            .filter_map(|(k, v)| Some((k, v.as_ref()?)))
            .chain(layered.into_iter().flatten())
    }

    /// The live entries of a chain of layers, newer layers overwriting older ones.
    fn merged(head: Option<&MapNode<V>>) -> impl Iterator<Item = (&Key, &V)> {
        let mut layers = Vec::new();
        let mut node = head;
        while let Some(n) = node {
            layers.push(&n.entries);
            node = n.parent.as_deref();
        }
        let mut merged: BTreeMap<&Key, Option<&V>> = BTreeMap::new();
        // Oldest layer first, so newer layers overwrite.
        for layer in layers.into_iter().rev() {
            for (k, v) in layer.iter() {
                merged.insert(k, v.as_ref());
            }
        }
        merged.into_iter().filter_map(|(k, v)| v.map(|v| (k, v)))
    }
}

/// A bounded, time-ordered breadcrumb buffer with O(1) clone and O(1) push after a clone.
#[derive(Clone, Default)]
pub(crate) struct CrumbBuf {
    head: Option<Arc<CrumbNode>>,
}

#[derive(Clone)]
struct CrumbNode {
    parent: Option<Arc<CrumbNode>>,
    /// How many of the parent's visible crumbs (oldest first) this node hides.
    skip: usize,
    /// Kept by value: a push into a buffer with room allocates nothing, and evicting a
    /// crumb frees only what it owns.
    local: VecDeque<Crumb>,
    /// Visible crumbs: the parent's minus `skip`, plus `local`.
    len: usize,
    depth: u32,
}

impl CrumbBuf {
    pub(crate) fn len(&self) -> usize {
        self.head.as_ref().map_or(0, |h| h.len)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn clear(&mut self) {
        self.head = None;
    }

    /// Appends a crumb and drops the oldest ones beyond `cap`. Returns how many were dropped.
    pub(crate) fn push(&mut self, crumb: Crumb, cap: usize) -> usize {
        if cap == 0 {
            return 1;
        }
        // The common case, a head no fork shares: one uniqueness check, and no new layer
        // (so no deeper chain to flatten).
        if let Some(node) = self.head.as_mut().and_then(unique) {
            return node.push(crumb, cap);
        }
        let layer = match self.head.take() {
            Some(parent) => CrumbNode {
                len: parent.len,
                depth: parent.depth + 1,
                parent: Some(parent),
                skip: 0,
                local: VecDeque::with_capacity(4),
            },
            None => CrumbNode {
                parent: None,
                skip: 0,
                local: VecDeque::new(),
                len: 0,
                depth: 0,
            },
        };
        let mut layer = Arc::new(layer);
        let dropped = Arc::get_mut(&mut layer)
            .expect("a new layer is not shared")
            .push(crumb, cap);
        let deep = layer.depth > MAX_DEPTH;
        self.head = Some(layer);
        if deep {
            self.flatten();
        }
        dropped
    }

    /// Like [`CowMap::compact`].
    pub(crate) fn compact(&mut self) {
        if self.head.as_ref().is_some_and(|h| h.depth >= MAX_DEPTH) {
            self.flatten();
        }
    }

    fn flatten(&mut self) {
        let flat: VecDeque<_> = self.iter().cloned().collect();
        self.head = Some(Arc::new(CrumbNode {
            parent: None,
            skip: 0,
            len: flat.len(),
            local: flat,
            depth: 0,
        }));
    }

    /// The visible crumbs, oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Crumb> {
        // A single layer holds exactly the visible crumbs: read in place.
        let (single, layered) = match self.head.as_deref() {
            Some(n) if n.parent.is_none() => (Some(n.local.iter()), None),
            head => (None, Some(Self::visible(head))),
        };
        (single.into_iter().flatten()).chain(layered.into_iter().flatten())
    }

    /// The visible crumbs of a chain of layers, oldest first.
    fn visible(head: Option<&CrumbNode>) -> std::collections::vec_deque::IntoIter<&Crumb> {
        let mut chain = Vec::new();
        let mut node = head;
        while let Some(n) = node {
            chain.push(n);
            node = n.parent.as_deref();
        }
        let mut visible: VecDeque<&Crumb> = VecDeque::new();
        for n in chain.into_iter().rev() {
            for _ in 0..n.skip {
                visible.pop_front();
            }
            visible.extend(n.local.iter());
        }
        visible.into_iter()
    }
}

impl CrumbNode {
    /// Appends a crumb and drops the oldest visible ones beyond `cap`; returns how many.
    fn push(&mut self, crumb: Crumb, cap: usize) -> usize {
        self.local.push_back(crumb);
        self.len += 1;
        let mut dropped = 0;
        while self.len > cap {
            self.drop_oldest();
            dropped += 1;
        }
        dropped
    }

    fn drop_oldest(&mut self) {
        if let Some(parent) = &self.parent {
            if parent.len > self.skip {
                self.skip += 1;
                if self.skip == parent.len {
                    self.parent = None;
                    self.skip = 0;
                }
                self.len -= 1;
                return;
            }
        }
        self.local.pop_front();
        self.len -= 1;
    }
}

/// A short list that is written rarely (event processors, attachments): an `Arc` slice that
/// is rebuilt on write, and no allocation (nor reference count to touch on fork) while empty.
pub(crate) struct SharedList<T>(Option<Arc<[T]>>);

impl<T> Clone for SharedList<T> {
    fn clone(&self) -> Self {
        SharedList(self.0.clone())
    }
}

impl<T> Default for SharedList<T> {
    fn default() -> Self {
        SharedList(None)
    }
}

impl<T> SharedList<T> {
    pub(crate) const fn new() -> Self {
        SharedList(None)
    }
}

impl<T: Clone> SharedList<T> {
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.as_deref().unwrap_or(&[]).iter()
    }

    pub(crate) fn len(&self) -> usize {
        self.0.as_deref().map_or(0, <[T]>::len)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends `more` after the current items.
    pub(crate) fn extend(&mut self, more: impl IntoIterator<Item = T>) {
        let items: Arc<[T]> = self.iter().cloned().chain(more).collect();
        self.0 = (!items.is_empty()).then_some(items);
    }

    pub(crate) fn clear(&mut self) {
        self.0 = None;
    }
}

/// Whether `target` is `head` or one of its ancestors (`None` is in every chain).
#[cfg(test)]
fn in_chain<N>(
    head: Option<&Arc<N>>,
    target: Option<&Arc<N>>,
    parent: impl Fn(&N) -> Option<&Arc<N>>,
) -> bool {
    let Some(target) = target else {
        return true;
    };
    std::iter::successors(head, |n| parent(n)).any(|n| Arc::ptr_eq(n, target))
}

#[cfg(test)]
impl<V> CowMap<V> {
    /// Whether `base`'s head is in this map's chain: a fork that still shares what it forked.
    pub(crate) fn builds_on(&self, base: &CowMap<V>) -> bool {
        in_chain(self.head.as_ref(), base.head.as_ref(), |n| {
            n.parent.as_ref()
        })
    }
}

#[cfg(test)]
impl CrumbBuf {
    /// Like [`CowMap::builds_on`].
    pub(crate) fn builds_on(&self, base: &CrumbBuf) -> bool {
        in_chain(self.head.as_ref(), base.head.as_ref(), |n| {
            n.parent.as_ref()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crumb(i: usize) -> Crumb {
        crate::protocol::Breadcrumb::new(i.to_string()).into()
    }

    fn messages(buf: &CrumbBuf) -> Vec<String> {
        buf.iter()
            .map(|c| c.breadcrumb().message.clone().unwrap().into_owned())
            .collect()
    }

    #[test]
    fn map_forks_do_not_see_each_others_writes() {
        let mut a = CowMap::default();
        a.insert("k".into(), 1);
        a.insert("shared".into(), 0);
        let mut b = a.clone();
        b.insert("k".into(), 2);
        b.remove("shared");
        a.insert("only_a".into(), 3);
        assert_eq!(a.get("k"), Some(&1));
        assert_eq!(a.get("shared"), Some(&0));
        assert_eq!(b.get("k"), Some(&2));
        assert_eq!(b.get("shared"), None);
        assert_eq!(b.get("only_a"), None);
        let keys: Vec<_> = b.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        assert_eq!(keys, vec![("k".to_string(), 2)]);
    }

    #[test]
    fn map_deep_fork_chains_are_flattened_and_stay_correct() {
        let mut m = CowMap::default();
        let mut keep = Vec::new();
        for i in 0..100 {
            keep.push(m.clone());
            m.insert(format!("k{}", i % 7).into(), i);
        }
        assert!(m.head.as_ref().unwrap().depth <= MAX_DEPTH);
        for k in 0..7 {
            let expected = (0..100).filter(|i| i % 7 == k).max().unwrap();
            assert_eq!(m.get(&format!("k{k}")), Some(&expected));
        }
        // An old version is unchanged.
        assert_eq!(keep[3].get("k0"), Some(&0));
        assert_eq!(keep[3].get("k3"), None);
        // Read in place (one layer) and merged (several) alike: live entries, in key order.
        drop(keep);
        m.remove("k5");
        let single: Vec<_> = m.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        assert!(m.head.as_ref().unwrap().parent.is_none());
        let fork = m.clone();
        m.insert("k0".into(), -1);
        assert!(m.head.as_ref().unwrap().parent.is_some());
        let layered: Vec<_> = m.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        let keys = |v: &[(String, i32)]| v.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&single), ["k0", "k1", "k2", "k3", "k4", "k6"]);
        assert_eq!(keys(&layered), keys(&single));
        assert_eq!(layered[0], ("k0".to_string(), -1));
        assert_eq!(fork.iter().count(), 6);
    }

    #[test]
    fn crumbs_are_capped_oldest_first() {
        let mut buf = CrumbBuf::default();
        let dropped: usize = (0..5).map(|i| buf.push(crumb(i), 3)).sum();
        assert_eq!(dropped, 2);
        assert_eq!(messages(&buf), ["2", "3", "4"]);
        assert_eq!(buf.len(), 3);
    }

    #[test]
    fn crumb_forks_are_independent_and_share_history() {
        let mut parent = CrumbBuf::default();
        for i in 0..3 {
            parent.push(crumb(i), 4);
        }
        let mut child = parent.clone();
        child.push(crumb(10), 4);
        child.push(crumb(11), 4);
        parent.push(crumb(20), 4);
        assert_eq!(messages(&parent), ["0", "1", "2", "20"]);
        assert_eq!(messages(&child), ["1", "2", "10", "11"]);
        child.clear();
        assert_eq!(messages(&child), Vec::<String>::new());
        assert_eq!(parent.len(), 4);
    }

    #[test]
    fn crumb_chains_match_a_plain_deque() {
        let mut buf = CrumbBuf::default();
        let mut model = VecDeque::new();
        let mut forks = Vec::new();
        for i in 0..500 {
            if i % 3 == 0 {
                forks.push(buf.clone());
            }
            buf.push(crumb(i), 10);
            model.push_back(i.to_string());
            if model.len() > 10 {
                model.pop_front();
            }
            assert_eq!(messages(&buf), Vec::from(model.clone()));
        }
        assert!(buf.head.as_ref().unwrap().depth <= MAX_DEPTH);
    }
}
