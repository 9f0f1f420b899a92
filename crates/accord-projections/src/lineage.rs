//! Lineage: the log positions of the facts that make an agreement, a review
//! or an exchange what it is on a business date (ADR 0014).
//!
//! Nothing extra is kept for it: every fact in `state` already carries its
//! position, so the lineage at D is read off the same facts the fold at D
//! uses, and always agrees with the view.

use accord_domain::BusinessDate;

use crate::state::{AgreementRecord, ReviewRecord};

/// A part of an agreement that facts can set; the diff attributes a change
/// of that part to the facts behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Title,
    Term,
    Areas,
    Responsibilities,
    /// What the signature alone sets: signed_on, place, supersedes.
    Signature,
    SupersededBy,
    Terminated,
    /// Everything the status depends on: the term, a successor, the
    /// termination.
    Status,
}

impl AgreementRecord {
    /// The agreement's own lineage at `day`: its signature, the amendments,
    /// admissions, withdrawals and successions effective by then, its termination if effective by
    /// then, and the signature of the successor shown as `superseded_by`.
    /// Ascending. Exchanges and reviews have their own.
    pub fn sources_at(&self, day: BusinessDate) -> Vec<u64> {
        let mut sources = vec![self.position];
        sources.extend(self.amendments_by(day).map(|(p, _)| p));
        sources.extend(self.admissions_by(day));
        sources.extend(
            self.membership_changes
                .iter()
                .filter(|(on, _, _)| *on <= day)
                .map(|(_, p, _)| *p),
        );
        sources.extend(self.termination_by(day));
        sources.extend(self.successor_by(day));
        sources.sort_unstable();
        sources.dedup();
        sources
    }

    /// The facts at `day` that set `part`, ascending.
    pub fn part_sources(&self, part: Part, day: BusinessDate) -> Vec<u64> {
        let amending = |sets: fn(&accord_domain::AgreementAmended) -> bool| {
            let mut sources = vec![self.position];
            sources.extend(
                self.amendments_by(day)
                    .filter(|(_, a)| sets(a))
                    .map(|(p, _)| p),
            );
            sources
        };
        let mut sources = match part {
            Part::Title => amending(|a| a.title.is_some()),
            Part::Term => amending(|a| a.term.is_some()),
            Part::Areas => amending(|a| a.areas.is_some()),
            Part::Responsibilities => amending(|a| a.responsibilities.is_some()),
            Part::Signature => vec![self.position],
            Part::SupersededBy => self.successor_by(day).into_iter().collect(),
            Part::Terminated => self.termination_by(day).into_iter().collect(),
            Part::Status => {
                let mut all = self.part_sources(Part::Term, day);
                all.extend(self.successor_by(day));
                all.extend(self.termination_by(day));
                all
            }
        };
        sources.sort_unstable();
        sources
    }

    /// The positions of the withdrawals and successions effective by `day`
    /// that changed `party`'s membership.
    pub fn membership_changes_of<'a>(
        &'a self,
        party: &'a accord_domain::PartyId,
        day: BusinessDate,
    ) -> impl Iterator<Item = u64> + 'a {
        self.membership_changes
            .iter()
            .filter(move |(on, _, p)| *on <= day && p == party)
            .map(|(_, position, _)| *position)
    }

    /// The position of the admission of `party` effective by `day`, if any.
    pub fn admission_of(&self, party: &accord_domain::PartyId, day: BusinessDate) -> Option<u64> {
        self.admissions
            .iter()
            .find(|(p, on, _)| p == party && *on <= day)
            .map(|(_, _, position)| *position)
    }

    fn amendments_by(
        &self,
        day: BusinessDate,
    ) -> impl Iterator<Item = (u64, &accord_domain::AgreementAmended)> + '_ {
        self.amendments
            .iter()
            .filter(move |(_, a)| a.effective_on <= day)
            .map(|(p, a)| (*p, a))
    }

    fn admissions_by(&self, day: BusinessDate) -> impl Iterator<Item = u64> + '_ {
        self.admissions
            .iter()
            .filter(move |(_, on, _)| *on <= day)
            .map(|(_, _, p)| *p)
    }

    fn termination_by(&self, day: BusinessDate) -> Option<u64> {
        self.terminated
            .filter(|(on, _)| *on <= day)
            .map(|(_, position)| position)
    }

    /// The signature of the successor shown as `superseded_by` at `day`.
    fn successor_by(&self, day: BusinessDate) -> Option<u64> {
        self.successors
            .iter()
            .filter(|(signed_on, _, _)| *signed_on <= day)
            .min_by_key(|(signed_on, position, _)| (*signed_on, *position))
            .map(|(_, position, _)| *position)
    }
}

impl ReviewRecord {
    /// The review's lineage at `day`: its opening, the assessments that
    /// count then and its closing if closed by then. Ascending.
    pub fn sources_at(&self, day: BusinessDate) -> Vec<u64> {
        let mut sources = vec![self.position];
        sources.extend(self.counted_assessments(day).iter().map(|(p, _)| *p));
        sources.extend(
            self.closed
                .iter()
                .filter(|(_, c)| c.closed_on <= day)
                .map(|(p, _)| *p),
        );
        sources.sort_unstable();
        sources
    }
}

#[cfg(test)]
mod tests;
