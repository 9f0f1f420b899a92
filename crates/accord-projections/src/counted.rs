//! The report's aggregate of an agreement's exchanges (ADR 0034, ADR 0041):
//! one 16-byte row per exchange that counts at some date (not retracted),
//! in recording order, with its `occurred_on` and a class standing for its
//! (area, parties) as last corrected; and, per class, the days of its rows
//! in date order.
//!
//! A report row needs, for a window, the count, the counts by area and by
//! party, and, when its lineage is asked for, the recording position of
//! every counted exchange, ascending. The counts come from the days: per
//! class, how many fall in the window is two binary searches, so a window
//! costs the agreement's classes, not its exchanges. The positions come
//! from one pass over the rows, in recording order, only when asked for.
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

use accord_domain::{AreaId, BusinessDate, PartyId};

use self::days::Days;
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
    /// Per class (same index), the `occurred_on` of its rows, in date
    /// order: what a window's counts are read from.
    days: Vec<Days>,
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
        let at = self.rows.partition_point(|r| r.position < x.position);
        let present = self.rows.get(at).is_some_and(|r| r.position == x.position);
        if present {
            let old = self.rows[at];
            self.days[old.class as usize].remove(old.occurred_on);
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
        self.days[row.class as usize].insert(row.occurred_on);
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
    /// order and sorts each class's days.
    pub fn order(&mut self) {
        self.rows.sort_unstable_by_key(|r| r.position);
        let mut days: Vec<Vec<BusinessDate>> = vec![Vec::new(); self.classes.len()];
        for row in &self.rows {
            days[row.class as usize].push(row.occurred_on);
        }
        self.days = days.into_iter().map(Days::from_unsorted).collect();
    }

    /// The counted exchanges that occurred in `span`: their counts by
    /// class, two binary searches per class; their positions only if
    /// `positions` (one pass over the rows).
    pub fn tally(&self, span: Span, positions: bool) -> Tally<'_> {
        let counts = self
            .days
            .iter()
            .map(|days| days.count(span.from, span.to))
            .collect();
        let positions = if positions {
            self.rows
                .iter()
                .filter(|r| span.holds(r.occurred_on))
                .map(|r| r.position)
                .collect()
        } else {
            Vec::new()
        };
        Tally {
            positions,
            counts,
            classes: &self.classes,
        }
    }

    /// Calls `each` with the days of the counted exchanges that occurred
    /// in `span`, as ascending slices (one class after the other): the
    /// exchanges [`CountedExchanges::tally`] counts.
    pub fn occurred(&self, span: Span, mut each: impl FnMut(&[BusinessDate])) {
        for days in &self.days {
            days.slices(span.from, span.to, &mut each);
        }
    }

    fn class_of(&mut self, x: &ExchangeRecord) -> u32 {
        let found = self
            .classes
            .iter()
            .position(|(area, parties)| *area == x.area && *parties == x.parties);
        let index = found.unwrap_or_else(|| {
            self.classes.push((x.area.clone(), x.parties.clone()));
            self.days.push(Days::default());
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

    /// Whether each class's days are those of its rows, in order.
    #[cfg(test)]
    pub fn days_match_rows(&self) -> bool {
        let mut days: Vec<Vec<BusinessDate>> = vec![Vec::new(); self.classes.len()];
        for row in &self.rows {
            days[row.class as usize].push(row.occurred_on);
        }
        self.days.len() == self.classes.len()
            && days.iter_mut().zip(&self.days).all(|(expected, kept)| {
                expected.sort_unstable();
                kept.well_formed() && kept.iter().eq(expected.iter().copied())
            })
    }
}

impl PartialEq for CountedExchanges {
    fn eq(&self, other: &Self) -> bool {
        self.rows.len() == other.rows.len() && self.expanded().eq(other.expanded())
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
