//! An agreement's counted exchanges as (class, day) keys kept in order, in
//! chunks (ADR 0041): each class's days are one slice of the order, so how
//! many of a class fall between two days is two binary searches (plus a sum
//! over the chunks before them), and adding or removing one moves at most
//! a chunk (two, when the list is first cut), whatever the agreement's
//! size. One ordered list per agreement,
//! not one per class: a report reads each agreement's keys from one place.

use accord_domain::BusinessDate;

/// Keys a chunk holds at most before it is split in two.
const CHUNK: usize = 512;

/// A (class, day) packed in a `u64`: ordered by class, then day.
pub(super) type Key = u64;

/// The key of `day` in class `class`.
pub(super) fn key(class: u32, day: BusinessDate) -> Key {
    (u64::from(class) << 32) | julian(day)
}

/// The smallest key of `class` (before any of its days).
pub(super) fn first_key(class: u32) -> Key {
    u64::from(class) << 32
}

/// The day of a key.
pub(super) fn day_of(key: Key) -> BusinessDate {
    let julian = i64::from(key as u32) + i64::from(i32::MIN);
    let julian = i32::try_from(julian).expect("a key holds a Julian day number");
    BusinessDate(time::Date::from_julian_day(julian).expect("a key holds a valid day"))
}

/// The day's Julian day number moved into `u32`, its order kept.
fn julian(day: BusinessDate) -> u64 {
    let moved = i64::from(day.0.to_julian_day()) - i64::from(i32::MIN);
    u64::try_from(moved).expect("a Julian day number fits in 32 bits once moved")
}

/// The keys, ascending: in one list while they fit a chunk (most
/// agreements: read without going through a list of chunks), else cut into
/// chunks, each non-empty and sorted, no key of a chunk after a key of the
/// next one.
#[derive(Debug, Clone, Default)]
pub(super) struct Days {
    /// Every key, when `chunks` is empty.
    one: Vec<Key>,
    chunks: Vec<Vec<Key>>,
}

impl Days {
    /// The keys of `keys`, in any order.
    pub fn from_unsorted(mut keys: Vec<Key>) -> Self {
        keys.sort_unstable();
        if keys.len() <= 2 * CHUNK {
            return Self {
                one: keys,
                chunks: Vec::new(),
            };
        }
        Self {
            one: Vec::new(),
            chunks: keys.chunks(CHUNK).map(<[Key]>::to_vec).collect(),
        }
    }

    /// Adds one `key`.
    pub fn insert(&mut self, key: Key) {
        if self.chunks.is_empty() {
            let at = self.one.partition_point(|k| *k <= key);
            self.one.insert(at, key);
            if self.one.len() > 2 * CHUNK {
                let one = std::mem::take(&mut self.one);
                self.chunks = one.chunks(CHUNK).map(<[Key]>::to_vec).collect();
            }
            return;
        }
        // The first chunk that ends on or after `key`, or the last one.
        let c = self
            .chunks
            .partition_point(|chunk| chunk.last().is_some_and(|last| *last < key))
            .min(self.chunks.len() - 1);
        let chunk = &mut self.chunks[c];
        let at = chunk.partition_point(|k| *k <= key);
        chunk.insert(at, key);
        if chunk.len() > 2 * CHUNK {
            let upper = chunk.split_off(CHUNK);
            self.chunks.insert(c + 1, upper);
        }
    }

    /// Removes one `key`; false if there is none.
    pub fn remove(&mut self, key: Key) -> bool {
        if self.chunks.is_empty() {
            let Ok(at) = self.one.binary_search(&key) else {
                return false;
            };
            self.one.remove(at);
            return true;
        }
        let c = self
            .chunks
            .partition_point(|chunk| chunk.last().is_some_and(|last| *last < key));
        let Some(chunk) = self.chunks.get_mut(c) else {
            return false;
        };
        let Ok(at) = chunk.binary_search(&key) else {
            return false;
        };
        chunk.remove(at);
        if chunk.is_empty() {
            self.chunks.remove(c);
        }
        true
    }

    /// How many keys fall in [`from`, `to`] (none when `from` > `to`).
    pub fn count(&self, from: Key, to: Key) -> u64 {
        let below = self.rank(|k| k < from);
        let through = self.rank(|k| k <= to);
        through.saturating_sub(below) as u64
    }

    /// Calls `each` with the keys in [`from`, `to`] as ascending slices.
    pub fn slices(&self, from: Key, to: Key, mut each: impl FnMut(&[Key])) {
        let chunks = match self.chunks.as_slice() {
            [] => std::slice::from_ref(&self.one),
            chunks => {
                let first =
                    chunks.partition_point(|chunk| chunk.last().is_some_and(|last| *last < from));
                &chunks[first..]
            }
        };
        for chunk in chunks {
            let start = chunk.partition_point(|k| *k < from);
            let end = chunk.partition_point(|k| *k <= to);
            if start < end {
                each(&chunk[start..end]);
            }
            if end < chunk.len() {
                break;
            }
        }
    }

    /// How many keys `before` holds for, `before` holding for a prefix.
    fn rank(&self, before: impl Fn(Key) -> bool) -> usize {
        if self.chunks.is_empty() {
            return self.one.partition_point(|k| before(*k));
        }
        let chunks = &self.chunks;
        let whole = chunks.partition_point(|chunk| chunk.last().is_some_and(|last| before(*last)));
        let within = chunks
            .get(whole)
            .map_or(0, |chunk| chunk.partition_point(|k| before(*k)));
        chunks[..whole].iter().map(Vec::len).sum::<usize>() + within
    }

    /// Every key, ascending.
    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = Key> + '_ {
        self.one.iter().chain(self.chunks.iter().flatten()).copied()
    }

    /// Whether the keys keep their invariants.
    #[cfg(test)]
    pub fn well_formed(&self) -> bool {
        let keys: Vec<Key> = self.iter().collect();
        keys.windows(2).all(|w| w[0] <= w[1])
            && (self.chunks.is_empty() || self.one.is_empty())
            && self
                .chunks
                .iter()
                .all(|c| !c.is_empty() && c.len() <= 2 * CHUNK)
    }
}

#[cfg(test)]
mod tests {
    use proptest::collection::vec;
    use proptest::prelude::*;

    use super::*;

    fn day(n: u16) -> BusinessDate {
        let base = BusinessDate::from_ymd(2010, 1, 1).expect("a date");
        BusinessDate(base.0 + time::Duration::days(i64::from(n)))
    }

    /// A key of class `n % 3` on day `n / 3`.
    fn k(n: u16) -> Key {
        key(u32::from(n % 3), day(n / 3))
    }

    #[test]
    fn keys_order_by_class_then_day_and_give_their_day_back() {
        let days = [
            BusinessDate::from_ymd(-9999, 1, 1).expect("a date"),
            day(0),
            day(1),
            BusinessDate::from_ymd(9999, 12, 31).expect("a date"),
        ];
        for class in [0, 1, 7, u32::MAX] {
            for pair in days.windows(2) {
                assert!(key(class, pair[0]) < key(class, pair[1]));
            }
            for d in days {
                assert_eq!(day_of(key(class, d)), d);
                assert!(first_key(class) <= key(class, d));
            }
        }
        assert!(key(0, days[3]) < first_key(1));
    }

    proptest! {
        /// Chunked keys count what a sorted list counts, after any inserts
        /// and removals, across many chunks (few distinct keys, many of
        /// each, so chunks split on runs of one key too).
        #[test]
        fn keys_count_what_a_sorted_list_counts(
            start in vec(0u16..120, 0..1500),
            steps in vec((any::<bool>(), 0u16..120), 0..3000),
            windows in vec((0u16..130, 0u16..130), 1..8),
        ) {
            let mut days = Days::from_unsorted(start.iter().map(|n| k(*n)).collect());
            let mut list: Vec<Key> = start.iter().map(|n| k(*n)).collect();
            for (add, n) in steps {
                if add {
                    days.insert(k(n));
                    list.push(k(n));
                } else {
                    let found = list.iter().position(|x| *x == k(n));
                    prop_assert_eq!(days.remove(k(n)), found.is_some());
                    if let Some(i) = found {
                        list.swap_remove(i);
                    }
                }
            }
            list.sort_unstable();
            prop_assert!(days.well_formed());
            prop_assert_eq!(days.iter().collect::<Vec<_>>(), list.clone());
            for (from, to) in windows {
                let (from, to) = (k(from), k(to));
                let expected: Vec<Key> =
                    list.iter().filter(|x| from <= **x && **x <= to).copied().collect();
                prop_assert_eq!(days.count(from, to), expected.len() as u64);
                let mut sliced = Vec::new();
                days.slices(from, to, |s| sliced.extend_from_slice(s));
                prop_assert_eq!(sliced, expected);
            }
        }
    }
}
