//! Who belongs to an agreement on each business date: memberships as dated
//! intervals, kept alike by the write model (the rules) and the read models
//! (`members` of an agreement), so both say the same thing on every date.
//!
//! A membership starts with the signature (signatories count from the
//! earlier of `signed_on` and `term.start`), an admission, or a succession
//! (`via` the predecessor), and ends, if ever, the day a withdrawal or a
//! succession of that party takes effect: `until` is the first day the
//! party is no longer a member.

use serde::{Deserialize, Serialize};

use crate::ids::{BusinessDate, PartyId};

/// One party's membership of an agreement over a span of business days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    /// The member.
    pub party_id: PartyId,
    /// The first day it is a member.
    pub since: BusinessDate,
    /// The first day it is no longer a member (a withdrawal or a
    /// succession), if any.
    pub until: Option<BusinessDate>,
    /// The predecessor it took over from, when it became a member by
    /// succession.
    pub via: Option<PartyId>,
}

impl Member {
    /// Whether the membership holds on `day`.
    pub fn on(&self, day: BusinessDate) -> bool {
        self.since <= day && self.until.is_none_or(|until| day < until)
    }
}

/// A party's succession: who took over, from which day.
pub type Succession = (PartyId, BusinessDate);

/// The memberships of one agreement, in the order they began to be
/// recorded (signatories first, in signing order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Members(Vec<Member>);

impl Members {
    /// The signatories, members from `since`.
    pub fn signed(parties: &[PartyId], since: BusinessDate) -> Self {
        Self(
            parties
                .iter()
                .map(|party| Member {
                    party_id: party.clone(),
                    since,
                    until: None,
                    via: None,
                })
                .collect(),
        )
    }

    /// Every membership, in recording order.
    pub fn all(&self) -> &[Member] {
        &self.0
    }

    /// Whether `party` is a member on `day`.
    pub fn is_member(&self, party: &PartyId, day: BusinessDate) -> bool {
        self.0.iter().any(|m| &m.party_id == party && m.on(day))
    }

    /// The members on `day`, each once, in recording order.
    pub fn on(&self, day: BusinessDate) -> Vec<PartyId> {
        let mut members: Vec<PartyId> = Vec::new();
        for m in self.0.iter().filter(|m| m.on(day)) {
            if !members.contains(&m.party_id) {
                members.push(m.party_id.clone());
            }
        }
        members
    }

    /// Every party that was ever a member, each once, in recording order.
    pub fn ever(&self) -> impl Iterator<Item = &PartyId> {
        self.0
            .iter()
            .enumerate()
            .filter(|(i, m)| !self.0[..*i].iter().any(|e| e.party_id == m.party_id))
            .map(|(_, m)| &m.party_id)
    }

    /// Whether `party` has a membership on `day` or one that starts later:
    /// it cannot be admitted again from `day`.
    pub fn holds_or_will_hold(&self, party: &PartyId, day: BusinessDate) -> bool {
        self.0
            .iter()
            .any(|m| &m.party_id == party && m.until.is_none_or(|until| day < until))
    }

    /// The day `party`'s latest ended membership ended, if it was a member
    /// at some point before `day` and is not on `day` (it withdrew or was
    /// succeeded).
    pub fn left_before(&self, party: &PartyId, day: BusinessDate) -> Option<BusinessDate> {
        if self.is_member(party, day) {
            return None;
        }
        self.0
            .iter()
            .filter(|m| &m.party_id == party)
            .filter_map(|m| m.until.filter(|until| *until <= day))
            .max()
    }

    /// `party` becomes a member from `since` (`via` a predecessor, or
    /// `None`). If a succession of `party` is already recorded
    /// (`succession_of`) and takes effect after `since`, the membership ends
    /// then and the successor takes over, down the chain: the outcome does
    /// not depend on the order the facts were recorded in.
    pub fn join(
        &mut self,
        party: &PartyId,
        since: BusinessDate,
        via: Option<PartyId>,
        succession_of: &dyn Fn(&PartyId) -> Option<Succession>,
    ) {
        self.0.push(Member {
            party_id: party.clone(),
            since,
            until: None,
            via,
        });
        if let Some((successor, on)) = succession_of(party).filter(|(_, on)| *on > since) {
            self.take_over(party, &successor, on, succession_of);
        }
    }

    /// `party`'s membership that holds on `on` ends on `on`.
    pub fn leave(&mut self, party: &PartyId, on: BusinessDate) {
        if let Some(m) = self.0.iter_mut().find(|m| &m.party_id == party && m.on(on)) {
            m.until = Some(on);
        }
    }

    /// `successor` takes over from `predecessor` on `on`, if the predecessor
    /// is a member then: the predecessor's membership ends and, unless it is
    /// a member already, the successor joins `via` the predecessor.
    pub fn take_over(
        &mut self,
        predecessor: &PartyId,
        successor: &PartyId,
        on: BusinessDate,
        succession_of: &dyn Fn(&PartyId) -> Option<Succession>,
    ) {
        if !self.is_member(predecessor, on) {
            return;
        }
        self.leave(predecessor, on);
        if !self.is_member(successor, on) {
            self.join(successor, on, Some(predecessor.clone()), succession_of);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> BusinessDate {
        BusinessDate::parse(s).unwrap()
    }

    fn p(s: &str) -> PartyId {
        PartyId::parse(s).unwrap()
    }

    #[test]
    fn a_membership_holds_from_since_until_the_day_before_until() {
        let mut members = Members::signed(&[p("dong-nai-iza"), p("lam-dong-iza")], d("2013-07-04"));
        members.leave(&p("lam-dong-iza"), d("2014-01-01"));
        assert!(members.is_member(&p("lam-dong-iza"), d("2013-12-31")));
        assert!(!members.is_member(&p("lam-dong-iza"), d("2014-01-01")));
        assert!(!members.is_member(&p("dong-nai-iza"), d("2013-07-03")));
        assert_eq!(members.on(d("2014-01-01")), [p("dong-nai-iza")]);
        assert_eq!(
            members.left_before(&p("lam-dong-iza"), d("2014-02-01")),
            Some(d("2014-01-01"))
        );
    }

    #[test]
    fn a_successor_takes_over_and_a_later_admission_of_the_predecessor_is_carried_over() {
        let succession = |party: &PartyId| {
            (party == &p("binh-phuoc-eza")).then(|| (p("dong-nai-iza"), d("2025-07-01")))
        };
        let mut members = Members::signed(&[p("lam-dong-iza"), p("dong-nai-iza")], d("2013-07-04"));
        members.join(&p("binh-phuoc-eza"), d("2014-01-01"), None, &succession);
        // Đồng Nai is a member already: Bình Phước's membership just ends.
        assert!(!members.is_member(&p("binh-phuoc-eza"), d("2025-07-01")));
        assert_eq!(members.all().len(), 3);

        let mut other = Members::signed(&[p("lam-dong-iza")], d("2013-07-04"));
        other.join(&p("binh-phuoc-eza"), d("2014-01-01"), None, &succession);
        let last = other.all().last().unwrap();
        assert_eq!(
            (&last.party_id, last.since, last.via.as_ref()),
            (
                &p("dong-nai-iza"),
                d("2025-07-01"),
                Some(&p("binh-phuoc-eza"))
            )
        );
    }
}
