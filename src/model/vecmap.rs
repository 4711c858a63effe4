//! A map kept as one sorted vector: the small maps every parsed rule and template holds
//! (`params`, `labels`, `annotations`: usually 0-3 entries). A `BTreeMap` allocates a
//! whole node (room for 11 entries) for its first entry: for a rule's one parameter that
//! is a ~1 KB allocation holding ~100 bytes. On the L benchmark estate (52k rules) these
//! nodes were the largest part of the parsed model. Same ordering, lookups, equality,
//! `Debug` output and serde form (a map) as the `BTreeMap` it replaces, so the cache's
//! stored models and every printed answer are unchanged.

use std::borrow::Borrow;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct VecMap<K, V> {
    /// Sorted by key, keys unique.
    entries: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap {
            entries: Vec::new(),
        }
    }
}

impl<K: Ord, V> VecMap<K, V> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(n: usize) -> Self {
        VecMap {
            entries: Vec::with_capacity(n),
        }
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// Like `BTreeMap::insert`: the old value if `key` was there (the key is kept).
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }
}

impl<K, V> VecMap<K, V> {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> + ExactSizeIterator {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// Gives back the spare capacity left by growing: a parsed map lives as long as the
    /// model.
    pub fn shrink_to_fit(&mut self) {
        self.entries.shrink_to_fit();
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for VecMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let iter = iter.into_iter();
        let mut m = VecMap::with_capacity(iter.size_hint().0);
        m.extend(iter);
        m
    }
}

impl<K: Ord, V> Extend<(K, V)> for VecMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a, K, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl<K: Ord, V> From<std::collections::BTreeMap<K, V>> for VecMap<K, V> {
    fn from(m: std::collections::BTreeMap<K, V>) -> Self {
        // Already sorted and unique.
        VecMap {
            entries: m.into_iter().collect(),
        }
    }
}

impl<K: Ord + Borrow<Q>, Q: Ord + ?Sized, V> std::ops::Index<&Q> for VecMap<K, V> {
    type Output = V;
    /// Panics when `key` is absent, like `BTreeMap`'s.
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("no entry found for key")
    }
}

/// Rendered rules are compared with what a server reports (a `BTreeMap`).
impl<K: PartialEq, V: PartialEq> PartialEq<std::collections::BTreeMap<K, V>> for VecMap<K, V> {
    fn eq(&self, other: &std::collections::BTreeMap<K, V>) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<K: PartialEq, V: PartialEq> PartialEq<VecMap<K, V>> for std::collections::BTreeMap<K, V> {
    fn eq(&self, other: &VecMap<K, V>) -> bool {
        other == self
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for VecMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Serialize, V: Serialize> Serialize for VecMap<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Deserialize<'de> for VecMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V>(std::marker::PhantomData<(K, V)>);
        impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Visitor<'de> for MapVisitor<K, V> {
            type Value = VecMap<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(a.size_hint().unwrap_or(0).min(64));
                while let Some((k, v)) = a.next_entry()? {
                    entries.push((k, v));
                }
                // A map written sorted (the serializer above) stays as it is; any other
                // order is sorted, and a repeated key keeps its last value, as in a
                // BTreeMap.
                if !entries.windows(2).all(|w| w[0].0 < w[1].0) {
                    let mut m = VecMap::new();
                    m.extend(entries);
                    return Ok(m);
                }
                Ok(VecMap { entries })
            }
        }
        d.deserialize_map(MapVisitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::VecMap;

    #[test]
    fn behaves_like_a_btreemap() {
        // The same operations on both; every observable answer must agree.
        let ops: &[(&str, i32)] = &[("b", 1), ("a", 2), ("c", 3), ("b", 4), ("", 5), ("é", 6)];
        let mut v = VecMap::new();
        let mut b = BTreeMap::new();
        for &(k, x) in ops {
            assert_eq!(v.insert(k.to_string(), x), b.insert(k.to_string(), x));
        }
        assert_eq!(v.remove("c"), b.remove("c"));
        assert_eq!(v.remove("zz"), b.remove("zz"));
        assert_eq!(v.get("b"), b.get("b"));
        assert_eq!(v.get("nope"), b.get("nope"));
        assert_eq!(v.contains_key("a"), b.contains_key("a"));
        assert_eq!(v.len(), b.len());
        assert!(v.iter().eq(b.iter()));
        assert!(v.keys().rev().eq(b.keys().rev()));
        assert_eq!(format!("{v:?}"), format!("{b:?}"));
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
    }

    #[test]
    fn deserializes_any_order_and_repeats_like_a_btreemap() {
        let text = r#"{"b": 1, "a": 2, "b": 3}"#;
        let v: VecMap<String, i32> = serde_json::from_str(text).unwrap();
        let b: BTreeMap<String, i32> = serde_json::from_str(text).unwrap();
        assert!(v.iter().eq(b.iter()));
        let sorted: VecMap<String, i32> = serde_json::from_str(r#"{"a": 1, "b": 2}"#).unwrap();
        assert_eq!(
            sorted,
            VecMap::from(BTreeMap::from([("a".into(), 1), ("b".into(), 2)]))
        );
    }
}
