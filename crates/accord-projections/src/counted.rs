//! The report's aggregate of an agreement's exchanges (ADR 0034, ADR 0041):
//! one 16-byte row per exchange that counts at some date (not retracted),
//! in recording order, with its `occurred_on` and a class standing for its
//! (area, parties) as last corrected; and the same rows as (class, day)
//! keys in order, each class's days a slice of it.
//!
//! A report row needs, for a window, the count, the counts by area and by
//! party, and, when its lineage is asked for, the recording position of
//! every counted exchange, ascending. The counts come from the days: per
//! class, how many fall in the window is two binary searches, so a window
//! costs the agreement's classes, not its exchanges. The positions come
//! from one pass over the rows, in recording order, only when asked for.
//!
//! Beside them, its work plan part ([`PlanExchanges`], ADR 0059): the
//! exchanges that carry out activities, with their days, and the
//! follow-ups agreed, with their exchange's day: what the report's
//! activity and follow-up counts and the due list read instead of the
//! exchange records.
//!
//! A row is a function of its exchange's record ([`CountedExchanges::update`]
//! after any event that changes the record: a binary search in the rows,
//! and a day moved in at most two chunks of the days, whatever the
//! agreement's size); the whole aggregate a function of the agreement's
//! record ([`CountedExchanges::of`], cost proportional to the agreement):
//! after an event kind that may change exchanges in other ways; and, for
//! every agreement in one pass over the exchange table, after a snapshot is
//! decoded. It is not stored in snapshots, and two aggregates are equal
//! when their rows expand to the same exchanges, whatever the numbering of
//! their classes.

mod days;
mod plan;

use accord_domain::{AreaId, BusinessDate, PartyId};

use self::days::{day_of, first_key, key, Days};
pub(crate) use self::plan::{Agreed, PlanExchanges};
use crate::read_models::Exchanges;
use crate::state::{AgreementRecord, ExchangeRecord};

/// One counted exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Row {
    /// Its recording's position (the report's `exchange_sources`).
    position: u64,
    /// When it occurred, as last corrected.
    occurred_on: BusinessDate,
    /// Its (area, parties) in [`CountedExchanges::classes`].
    class: u32,
}

/// The counted exchanges of one agreement, in recording order.
#[derive(Debug, Clone, Default)]
pub(crate) struct CountedExchanges {
    rows: Vec<Row>,
    /// Every (area, parties) a row ever had, in order of first use: an
    /// agreement has a handful (its areas × the party lists its exchanges
    /// name). Never shrinks: a class no longer used counts 0.
    classes: Vec<(AreaId, Vec<PartyId>)>,
    /// Each row's (class, `occurred_on`) as a key, in order: what a
    /// window's counts are read from.
    days: Days,
    /// Its exchanges that carry out activities and the follow-ups they
    /// agreed (ADR 0059): what the report's and the due list's work plan
    /// figures are read from.
    plan: PlanExchanges,
}

/// The window [`from`, `to`] a tally counts: `to` is already the earlier of
/// the report's end and its date.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    pub from: Option<BusinessDate>,
    pub to: BusinessDate,
}

impl Span {
    fn holds(&self, day: BusinessDate) -> bool {
        self.from.is_none_or(|from| from <= day) && day <= self.to
    }
}

/// What one agreement's counted exchanges in a window add up to.
pub(crate) struct Tally<'a> {
    /// Their recording positions, ascending; empty unless asked for.
    pub positions: Vec<u64>,
    /// How many of them fall in each class ([`Tally::classes`]).
    counts: Vec<u64>,
    classes: &'a [(AreaId, Vec<PartyId>)],
}

impl CountedExchanges {
    /// The aggregate of an agreement's exchanges as its record stands.
    pub fn of(record: &AgreementRecord, exchanges: &Exchanges) -> Self {
        let mut counted = Self::default();
        for x in record.exchanges.iter().filter_map(|id| exchanges.get(id)) {
            counted.add_unordered(x);
        }
        counted.order();
        counted
    }

    /// Brings the exchange's row in line with its record: present, with its
    /// date and class, iff the exchange counts at some date.
    pub fn update(&mut self, x: &ExchangeRecord) {
        self.plan.update(x);
        let at = self.rows.partition_point(|r| r.position < x.position);
        let present = self.rows.get(at).is_some_and(|r| r.position == x.position);
        if present {
            let old = self.rows[at];
            self.days.remove(key(old.class, old.occurred_on));
        }
        if !counts(x) {
            if present {
                self.rows.remove(at);
            }
            return;
        }
        let row = Row {
            position: x.position,
            occurred_on: x.occurred_on,
            class: self.class_of(x),
        };
        self.days.insert(key(row.class, row.occurred_on));
        if present {
            self.rows[at] = row;
        } else {
            self.rows.insert(at, row);
        }
    }

    /// Adds the exchange's row, if it counts, without keeping the rows or
    /// the days in order: [`CountedExchanges::order`] must follow before
    /// any other use.
    pub fn add_unordered(&mut self, x: &ExchangeRecord) {
        self.plan.add_unordered(x);
        if counts(x) {
            let class = self.class_of(x);
            self.rows.push(Row {
                position: x.position,
                occurred_on: x.occurred_on,
                class,
            });
        }
    }

    /// Puts rows added by [`CountedExchanges::add_unordered`] in recording
    /// order and their keys in key order.
    pub fn order(&mut self) {
        self.plan.order();
        self.rows.sort_unstable_by_key(|r| r.position);
        let keys = self.rows.iter().map(|r| key(r.class, r.occurred_on));
        self.days = Days::from_unsorted(keys.collect());
    }

    /// The counted exchanges that occurred in `span`: their counts by
    /// class, two binary searches per class; their positions only if
    /// `positions` (one pass over the rows).
    pub fn tally(&self, span: Span, positions: bool) -> Tally<'_> {
        let counts: Vec<u64> = self
            .class_spans(span)
            .map(|(from, to)| self.days.count(from, to))
            .collect();
        let positions = if positions {
            // As many as counted: reserved once, not grown by doubling.
            let total = usize::try_from(counts.iter().sum::<u64>()).expect("a count in memory");
            let mut positions = Vec::with_capacity(total);
            positions.extend(
                self.rows
                    .iter()
                    .filter(|r| span.holds(r.occurred_on))
                    .map(|r| r.position),
            );
            positions
        } else {
            Vec::new()
        };
        Tally {
            positions,
            counts,
            classes: &self.classes,
        }
    }

    /// Calls `each` with a year and how many of the counted exchanges
    /// that occurred in `span` occurred in it, the exchanges
    /// [`CountedExchanges::tally`] counts: per class, its keys in the span
    /// cut at each year's end by binary search. A year may come more than
    /// once (once per class).
    pub fn by_year(&self, span: Span, mut each: impl FnMut(i32, u64)) {
        // The key of each year's next new year's day, in class 0: the
        // classes of an agreement share their years.
        let mut ends: Vec<(i32, Option<u64>)> = Vec::new();
        for (class, (from, to)) in self.class_spans(span).enumerate() {
            let class = first_key(u32::try_from(class).expect("fewer than 2^32 classes"));
            self.days.slices(from, to, |mut keys| {
                while let Some(first) = keys.first() {
                    let year = day_of(*first).0.year();
                    let end = match ends.iter().find(|(y, _)| *y == year) {
                        Some((_, end)) => *end,
                        None => {
                            let end = BusinessDate::from_ymd(year + 1, 1, 1).map(|d| key(0, d));
                            ends.push((year, end));
                            end
                        }
                    };
                    let next = match end {
                        Some(end) => keys.partition_point(|k| *k < (class | end)),
                        None => keys.len(),
                    };
                    each(year, next as u64);
                    keys = &keys[next..];
                }
            });
        }
    }

    /// Its exchanges that carry out activities and the follow-ups they
    /// agreed.
    pub fn plan(&self) -> &PlanExchanges {
        &self.plan
    }

    /// Each class's keys bounding `span`, in class order.
    fn class_spans(&self, span: Span) -> impl Iterator<Item = (u64, u64)> + '_ {
        let from = span.from.map_or(first_key(0), |from| key(0, from));
        let to = key(0, span.to);
        (0..self.classes.len()).map(move |class| {
            let class = first_key(u32::try_from(class).expect("fewer than 2^32 classes"));
            (class | from, class | to)
        })
    }

    fn class_of(&mut self, x: &ExchangeRecord) -> u32 {
        let found = self
            .classes
            .iter()
            .position(|(area, parties)| *area == x.area && *parties == x.parties);
        let index = found.unwrap_or_else(|| {
            self.classes.push((x.area.clone(), x.parties.to_vec()));
            self.classes.len() - 1
        });
        u32::try_from(index).expect("fewer than 2^32 (area, parties) pairs in one agreement")
    }

    /// Each row as (position, occurred_on, area, parties).
    fn expanded(&self) -> impl Iterator<Item = (u64, BusinessDate, &AreaId, &[PartyId])> {
        self.rows.iter().map(|r| {
            let (area, parties) = &self.classes[r.class as usize];
            (r.position, r.occurred_on, area, parties.as_slice())
        })
    }

    /// Whether the keys are those of the rows, in order.
    #[cfg(test)]
    pub fn days_match_rows(&self) -> bool {
        let mut keys: Vec<u64> = self
            .rows
            .iter()
            .map(|r| key(r.class, r.occurred_on))
            .collect();
        keys.sort_unstable();
        self.days.well_formed() && self.days.iter().eq(keys)
    }
}

impl PartialEq for CountedExchanges {
    fn eq(&self, other: &Self) -> bool {
        self.rows.len() == other.rows.len()
            && self.expanded().eq(other.expanded())
            && self.plan == other.plan
    }
}

impl<'a> Tally<'a> {
    /// How many exchanges were counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The counted exchanges' areas with how many each, one entry per
    /// class counted (an area may come more than once).
    pub fn areas(&self) -> impl Iterator<Item = (&'a AreaId, u64)> + '_ {
        self.counted().map(|((area, _), n)| (area, n))
    }

    /// The counted exchanges' parties with how many exchanges name each,
    /// one entry per party of each class counted (a party may come more
    /// than once, and as often as an exchange names it).
    pub fn parties(&self) -> impl Iterator<Item = (&'a PartyId, u64)> + '_ {
        self.counted()
            .flat_map(|((_, parties), n)| parties.iter().map(move |p| (p, n)))
    }

    fn counted(&self) -> impl Iterator<Item = (&'a (AreaId, Vec<PartyId>), u64)> + '_ {
        self.classes
            .iter()
            .zip(self.counts.iter().copied())
            .filter(|(_, n)| *n > 0)
    }
}

/// Whether an exchange counts at some date: not retracted.
fn counts(x: &ExchangeRecord) -> bool {
    !x.retracted
}
