//! The work plan's part of the report aggregate (ADR 0059): of an
//! agreement's exchanges that count at some date (not retracted), those
//! that carry out an activity, with the day each occurred on, and the
//! follow-ups they agreed, with their exchange's day, position and order.
//!
//! What the report's activity and follow-up counts and the due list's
//! overdue activities and follow-ups need, so that neither reads an
//! exchange record: an activity is done on D when one of its carriers
//! occurred on or before D; a follow-up exists on D when its exchange
//! occurred on or before D. Its memory follows the carriers and the
//! follow-ups, not the exchanges: an exchange that carries out nothing and
//! agrees nothing has no entry.
//!
//! An entry is a function of its exchange's record, kept in line by the
//! same calls as the rest of the aggregate ([`super::CountedExchanges`]).

use std::collections::HashMap;

use accord_domain::{ActivityId, BusinessDate, FollowUp};

use crate::state::ExchangeRecord;

/// An exchange not retracted that carries out an activity.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Carrier {
    /// Its recording's position.
    position: u64,
    /// When it occurred, as last corrected.
    occurred_on: BusinessDate,
    /// The activity it names.
    activity: ActivityId,
}

/// A follow-up agreed at an exchange not retracted.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Agreed {
    /// Its exchange's recording position.
    pub position: u64,
    /// When its exchange occurred, as last corrected.
    pub occurred_on: BusinessDate,
    /// Its place among its exchange's follow-ups.
    pub index: usize,
    /// The follow-up as last corrected.
    pub follow_up: FollowUp,
}

/// The carriers and the agreed follow-ups of one agreement's exchanges,
/// each in recording order (the follow-ups of one exchange in their
/// order).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct PlanExchanges {
    carriers: Vec<Carrier>,
    agreed: Vec<Agreed>,
}

impl PlanExchanges {
    /// Brings the exchange's entries in line with its record.
    pub fn update(&mut self, x: &ExchangeRecord) {
        let at = self.carriers.partition_point(|c| c.position < x.position);
        let present = self
            .carriers
            .get(at)
            .is_some_and(|c| c.position == x.position);
        match (carrier(x), present) {
            (Some(c), true) => self.carriers[at] = c,
            (Some(c), false) => self.carriers.insert(at, c),
            (None, true) => {
                self.carriers.remove(at);
            }
            (None, false) => {}
        }
        let start = self.agreed.partition_point(|f| f.position < x.position);
        let end = self.agreed.partition_point(|f| f.position <= x.position);
        self.agreed.splice(start..end, agreed(x));
    }

    /// Adds the exchange's entries without keeping the order:
    /// [`PlanExchanges::order`] must follow before any other use.
    pub fn add_unordered(&mut self, x: &ExchangeRecord) {
        self.carriers.extend(carrier(x));
        self.agreed.extend(agreed(x));
    }

    /// Puts entries added by [`PlanExchanges::add_unordered`] in order.
    pub fn order(&mut self) {
        self.carriers.sort_unstable_by_key(|c| c.position);
        self.agreed.sort_by_key(|f| (f.position, f.index));
    }

    /// Each carried-out activity with the earliest day one of its carriers
    /// occurred on: it is done on D iff that day is on or before D.
    pub fn done_on(&self) -> HashMap<ActivityId, BusinessDate> {
        let mut done: HashMap<ActivityId, BusinessDate> = HashMap::new();
        for c in &self.carriers {
            done.entry(c.activity)
                .and_modify(|day| *day = (*day).min(c.occurred_on))
                .or_insert(c.occurred_on);
        }
        done
    }

    /// The follow-ups agreed at exchanges not retracted, in recording
    /// order.
    pub fn agreed(&self) -> &[Agreed] {
        &self.agreed
    }
}

fn carrier(x: &ExchangeRecord) -> Option<Carrier> {
    let activity = x.activity_id.filter(|_| !x.retracted)?;
    Some(Carrier {
        position: x.position,
        occurred_on: x.occurred_on,
        activity,
    })
}

fn agreed(x: &ExchangeRecord) -> impl Iterator<Item = Agreed> + '_ {
    let follow_ups = if x.retracted { &[][..] } else { &x.follow_ups };
    follow_ups.iter().enumerate().map(|(index, f)| Agreed {
        position: x.position,
        occurred_on: x.occurred_on,
        index,
        follow_up: f.clone(),
    })
}
