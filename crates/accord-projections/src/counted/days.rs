//! A multiset of days kept in order, in chunks: how many fall between two
//! days is two binary searches (plus a sum over the chunks before them),
//! and adding or removing one moves at most a chunk, whatever the size
//! (ADR 0041).

use accord_domain::BusinessDate;

/// Days a chunk holds at most before it is split in two.
const CHUNK: usize = 512;

/// The days, ascending, cut into chunks: each chunk is non-empty and
/// sorted, and no day of a chunk is after a day of the next one.
#[derive(Debug, Clone, Default)]
pub(super) struct Days {
    chunks: Vec<Vec<BusinessDate>>,
}

impl Days {
    /// The days of `days`, in any order.
    pub fn from_unsorted(mut days: Vec<BusinessDate>) -> Self {
        days.sort_unstable();
        if days.len() <= CHUNK {
            let chunks = if days.is_empty() {
                Vec::new()
            } else {
                vec![days]
            };
            return Self { chunks };
        }
        Self {
            chunks: days.chunks(CHUNK).map(<[BusinessDate]>::to_vec).collect(),
        }
    }

    /// Adds one `day`.
    pub fn insert(&mut self, day: BusinessDate) {
        if self.chunks.is_empty() {
            self.chunks.push(vec![day]);
            return;
        }
        // The first chunk that ends on or after `day`, or the last one.
        let c = self
            .chunks
            .partition_point(|chunk| chunk.last().is_some_and(|last| *last < day))
            .min(self.chunks.len() - 1);
        let chunk = &mut self.chunks[c];
        let at = chunk.partition_point(|d| *d <= day);
        chunk.insert(at, day);
        if chunk.len() > 2 * CHUNK {
            let upper = chunk.split_off(CHUNK);
            self.chunks.insert(c + 1, upper);
        }
    }

    /// Removes one `day`; false if there is none.
    pub fn remove(&mut self, day: BusinessDate) -> bool {
        let c = self
            .chunks
            .partition_point(|chunk| chunk.last().is_some_and(|last| *last < day));
        let Some(chunk) = self.chunks.get_mut(c) else {
            return false;
        };
        let Ok(at) = chunk.binary_search(&day) else {
            return false;
        };
        chunk.remove(at);
        if chunk.is_empty() {
            self.chunks.remove(c);
        }
        true
    }

    /// How many days fall in [`from`, `to`] (none when `from` > `to`).
    pub fn count(&self, from: Option<BusinessDate>, to: BusinessDate) -> u64 {
        let below = from.map_or(0, |from| self.rank(|d| d < from));
        let through = self.rank(|d| d <= to);
        through.saturating_sub(below) as u64
    }

    /// Calls `each` with the days in [`from`, `to`] as ascending slices.
    pub fn slices(
        &self,
        from: Option<BusinessDate>,
        to: BusinessDate,
        mut each: impl FnMut(&[BusinessDate]),
    ) {
        for chunk in &self.chunks {
            let start = from.map_or(0, |from| chunk.partition_point(|d| *d < from));
            let end = chunk.partition_point(|d| *d <= to);
            if start < end {
                each(&chunk[start..end]);
            }
            if end < chunk.len() {
                break;
            }
        }
    }

    /// How many days `before` holds for, `before` holding for a prefix.
    fn rank(&self, before: impl Fn(BusinessDate) -> bool) -> usize {
        let whole = self
            .chunks
            .partition_point(|chunk| chunk.last().is_some_and(|last| before(*last)));
        let within = self
            .chunks
            .get(whole)
            .map_or(0, |chunk| chunk.partition_point(|d| before(*d)));
        self.chunks[..whole].iter().map(Vec::len).sum::<usize>() + within
    }

    /// Every day, ascending.
    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = BusinessDate> + '_ {
        self.chunks.iter().flatten().copied()
    }

    /// Whether the chunks keep their invariants.
    #[cfg(test)]
    pub fn well_formed(&self) -> bool {
        let days: Vec<BusinessDate> = self.iter().collect();
        days.windows(2).all(|w| w[0] <= w[1])
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

    proptest! {
        /// Chunked days count what a sorted list counts, after any inserts
        /// and removals, across many chunks (few distinct days, many of
        /// each, so chunks split on runs of one day too).
        #[test]
        fn days_count_what_a_sorted_list_counts(
            start in vec(0u16..40, 0..1500),
            steps in vec((any::<bool>(), 0u16..40), 0..3000),
            windows in vec((proptest::option::of(0u16..45), 0u16..45), 1..8),
        ) {
            let mut days = Days::from_unsorted(start.iter().map(|n| day(*n)).collect());
            let mut list: Vec<BusinessDate> = start.iter().map(|n| day(*n)).collect();
            for (add, n) in steps {
                if add {
                    days.insert(day(n));
                    list.push(day(n));
                } else {
                    let found = list.iter().position(|d| *d == day(n));
                    prop_assert_eq!(days.remove(day(n)), found.is_some());
                    if let Some(i) = found {
                        list.swap_remove(i);
                    }
                }
            }
            list.sort_unstable();
            prop_assert!(days.well_formed());
            prop_assert_eq!(days.iter().collect::<Vec<_>>(), list.clone());
            for (from, to) in windows {
                let (from, to) = (from.map(day), day(to));
                let holds = |d: &&BusinessDate| from.is_none_or(|f| f <= **d) && **d <= to;
                let expected: Vec<BusinessDate> = list.iter().filter(holds).copied().collect();
                prop_assert_eq!(days.count(from, to), expected.len() as u64);
                let mut sliced = Vec::new();
                days.slices(from, to, |s| sliced.extend_from_slice(s));
                prop_assert_eq!(sliced, expected);
            }
        }
    }
}
