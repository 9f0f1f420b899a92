//! The report's aggregate of an agreement's exchanges (ADR 0034): one
//! 16-byte row per exchange that counts at some date (not retracted), in
//! recording order, with its `occurred_on` and a class standing for its
//! (area, parties) as last corrected.
//!
//! A report row needs, for a window, the count, the counts by area and by
//! party, and the recording position of every counted exchange, ascending.
//! One pass over these rows gives all of them: the positions come out
//! ascending, the classes are counted in a small array and expanded into
//! areas and parties once per agreement. The fold it replaces looked every
//! exchange up in the exchange table and counted its area and each of its
//! parties in ordered maps.
//!
//! A row is a function of its exchange's record ([`CountedExchanges::update`]
//! after any event that changes the record, O(log n)); the whole aggregate a
//! function of the agreement's record ([`CountedExchanges::of`], cost
//! proportional to the agreement): after an event kind that may change
//! exchanges in other ways; and, for every agreement in one pass over the
//! exchange table, after a snapshot is decoded. It is not stored in
//! snapshots, and two aggregates are equal when their rows expand to the
//! same exchanges, whatever the numbering of their classes.

use accord_domain::{AreaId, BusinessDate, PartyId};

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
}

/// What one agreement's counted exchanges in a window add up to.
pub(crate) struct Tally<'a> {
    /// Their recording positions, ascending.
    pub positions: Vec<u64>,
    /// How many of them fall in each class ([`Tally::classes`]).
    counts: Vec<u64>,
    classes: &'a [(AreaId, Vec<PartyId>)],
}

impl CountedExchanges {
    /// The aggregate of an agreement's exchanges as its record stands.
    pub fn of(record: &AgreementRecord, exchanges: &Exchanges) -> Self {
        let mut counted = Self::default();
        let mut recorded: Vec<&ExchangeRecord> = record
            .exchanges
            .iter()
            .filter_map(|id| exchanges.get(id).map(|x| &**x))
            .collect();
        recorded.sort_by_key(|x| x.position);
        for x in recorded {
            counted.update(x);
        }
        counted
    }

    /// Brings the exchange's row in line with its record: present, with its
    /// date and class, iff the exchange counts at some date.
    pub fn update(&mut self, x: &ExchangeRecord) {
        let at = self.rows.partition_point(|r| r.position < x.position);
        let present = self.rows.get(at).is_some_and(|r| r.position == x.position);
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
        if present {
            self.rows[at] = row;
        } else {
            self.rows.insert(at, row);
        }
    }

    /// Adds the exchange's row, if it counts, without keeping the rows in
    /// order: [`CountedExchanges::order`] must follow before any other use.
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

    /// Puts rows added by [`CountedExchanges::add_unordered`] in recording order.
    pub fn order(&mut self) {
        self.rows.sort_unstable_by_key(|r| r.position);
    }

    /// The counted exchanges that occurred on a day `holds` accepts.
    pub fn tally(&self, holds: impl Fn(BusinessDate) -> bool) -> Tally<'_> {
        let mut counts = vec![0u64; self.classes.len()];
        let mut positions = Vec::new();
        for row in self.rows.iter().filter(|r| holds(r.occurred_on)) {
            positions.push(row.position);
            counts[row.class as usize] += 1;
        }
        Tally {
            positions,
            counts,
            classes: &self.classes,
        }
    }

    /// Calls `each` with the day of every counted exchange that occurred
    /// on a day `holds` accepts, in recording order: the rows
    /// [`CountedExchanges::tally`] counts.
    pub fn each_occurred(
        &self,
        holds: impl Fn(BusinessDate) -> bool,
        mut each: impl FnMut(BusinessDate),
    ) {
        for row in self.rows.iter().filter(|r| holds(r.occurred_on)) {
            each(row.occurred_on);
        }
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
}

impl PartialEq for CountedExchanges {
    fn eq(&self, other: &Self) -> bool {
        self.rows.len() == other.rows.len() && self.expanded().eq(other.expanded())
    }
}

impl<'a> Tally<'a> {
    /// How many exchanges were counted.
    pub fn total(&self) -> u64 {
        self.positions.len() as u64
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
