//! The due list as it was folded before ADR 0059, its overdue activities
//! and follow-ups read from the agreement views' work plan (the exchange
//! records): the oracle the due list read from the report aggregate is
//! held equal to (`report::properties`).

use accord_domain::{BusinessDate, PartyId};

use super::{Due, DueKind, Found};
use crate::plans::{activities_at, follow_ups_at, ActivityStatus, FollowUpStatus};
use crate::read_models::ReadModels;
use crate::state::AgreementRecord;

impl ReadModels {
    /// [`ReadModels::due`] with the overdue activities and follow-ups folded
    /// from the exchange records.
    pub(crate) fn folded_due(
        &self,
        at: BusinessDate,
        party: Option<&PartyId>,
        term_within_days: i64,
    ) -> Vec<Due> {
        self.due_with(at, party, term_within_days, |record, at, party| {
            self.folded_overdue_plans(record, at, party)
        })
    }

    fn folded_overdue_plans(
        &self,
        record: &AgreementRecord,
        at: BusinessDate,
        party: Option<&PartyId>,
    ) -> Vec<Found> {
        let concerns = |p: &PartyId| party.is_none_or(|own| own == p);
        let mut found = Vec::new();
        let exchanges = self.exchanges.of(&record.signed.agreement_id);
        for a in activities_at(record, exchanges, at) {
            if a.status == ActivityStatus::Overdue && concerns(&a.lead_party) {
                let kind = DueKind::ActivityOverdue {
                    activity_id: a.activity_id,
                    title: a.title,
                    lead_party: a.lead_party,
                };
                found.push((kind, true, a.due_on));
            }
        }
        for f in follow_ups_at(record, exchanges, at) {
            if f.status == FollowUpStatus::Overdue && concerns(&f.party_id) {
                let kind = DueKind::FollowUpOverdue {
                    follow_up_id: f.follow_up_id,
                    action: f.action,
                    party_id: f.party_id,
                };
                found.push((kind, true, f.due_on));
            }
        }
        found
    }
}
