//! What is due or overdue on agreements at a date: the home page's
//! "needs attention", answered from the records without building views, so
//! its cost is one pass over the agreements and their few reviews.
//!
//! The rules, for the viewer acting for one party (a writer) or for every
//! party (admin, auditor):
//!
//! - a review open on `at` that the party (or any party of the agreement)
//!   has not assessed: due while its period runs, overdue after its end;
//! - a review still open after the end of its period: overdue;
//! - an active agreement whose term ends within `term_within_days` of `at`:
//!   due;
//! - an expired agreement (its term over, neither terminated nor
//!   superseded) without a closed final review: overdue;
//! - a planned activity overdue on `at` (ADR 0032) that the party leads:
//!   overdue;
//! - a follow-up overdue on `at` that the party is responsible for:
//!   overdue.

use accord_domain::{
    ActivityId, AgreementId, BusinessDate, FollowUpId, PartyId, ReviewId, ReviewKind,
};

use crate::read_models::ReadModels;
use crate::state::{AgreementRecord, ReviewRecord};
use crate::views::AgreementStatus;

/// One thing due or overdue on an agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// The agreement it is about.
    pub agreement_id: AgreementId,
    /// The agreement's title at the date.
    pub title: String,
    /// What is due.
    pub kind: DueKind,
    /// Past its date.
    pub overdue: bool,
    /// The date it falls on: the end of a review's period or of the term.
    pub on: BusinessDate,
}

/// What is due on an agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DueKind {
    /// Assessments not yet recorded for an open review, by these parties.
    Assessments {
        /// The review.
        review_id: ReviewId,
        /// Its title.
        title: String,
        /// The parties whose assessment is awaited.
        awaited: Vec<PartyId>,
    },
    /// A review still open after the end of its period.
    ReviewStillOpen {
        /// The review.
        review_id: ReviewId,
        /// Its title.
        title: String,
    },
    /// The term ends in this many days.
    TermEnds {
        /// Days from the date to the term's end.
        days: i64,
    },
    /// The term is over and no final review was closed.
    NoFinalReview,
    /// A planned activity past its due date, not carried out.
    ActivityOverdue {
        /// The activity.
        activity_id: ActivityId,
        /// Its title.
        title: String,
        /// The party that leads it.
        lead_party: PartyId,
    },
    /// A follow-up past its due date, not completed.
    FollowUpOverdue {
        /// The follow-up.
        follow_up_id: FollowUpId,
        /// What is to be done.
        action: String,
        /// The party responsible for it.
        party_id: PartyId,
    },
}

impl ReadModels {
    /// Everything due or overdue at `at` on the agreements of `party` (all
    /// agreements when `None`), overdue first, then by date, then in
    /// signing order.
    pub fn due(
        &self,
        at: BusinessDate,
        party: Option<&PartyId>,
        term_within_days: i64,
    ) -> Vec<Due> {
        self.due_with(at, party, term_within_days, overdue_plans)
    }

    /// [`ReadModels::due`] with the agreements' overdue activities and
    /// follow-ups found by `plans` (the tests' fold from the exchange
    /// records is the other).
    fn due_with(
        &self,
        at: BusinessDate,
        party: Option<&PartyId>,
        term_within_days: i64,
        plans: impl Fn(&AgreementRecord, BusinessDate, Option<&PartyId>) -> Vec<Found>,
    ) -> Vec<Due> {
        let mut due = Vec::new();
        for (id, record) in self.signed_agreements() {
            if !record.exists_at(at) || party.is_some_and(|p| !record.has_party_at(p, at)) {
                continue;
            }
            let mut found: Vec<Found> = Vec::new();
            for review in record.reviews.iter().filter(|r| open_at(r, at)) {
                let period_end = review.opened.period.end;
                let ended = period_end < at;
                let awaited: Vec<PartyId> = record
                    .parties_at(at)
                    .into_iter()
                    .filter(|p| party.is_none_or(|own| p == own))
                    .filter(|p| !assessed_by(review, p, at))
                    .collect();
                let title = review.opened.title.clone();
                let review_id = review.opened.review_id;
                if !awaited.is_empty() {
                    let kind = DueKind::Assessments {
                        review_id,
                        title: title.clone(),
                        awaited,
                    };
                    found.push((kind, ended, period_end));
                }
                if ended {
                    found.push((
                        DueKind::ReviewStillOpen { review_id, title },
                        true,
                        period_end,
                    ));
                }
            }
            let term = record.term_at(at);
            let status = record.status_at(&term, at);
            let days = (term.end.0 - at.0).whole_days();
            if status == AgreementStatus::Active && days <= term_within_days {
                found.push((DueKind::TermEnds { days }, false, term.end));
            }
            let final_closed = record.reviews.iter().any(|r| {
                r.opened.kind == ReviewKind::Final
                    && r.closed.as_ref().is_some_and(|(_, c)| c.closed_on <= at)
            });
            if status == AgreementStatus::Expired && !final_closed {
                found.push((DueKind::NoFinalReview, true, term.end));
            }
            found.extend(plans(record, at, party));
            if found.is_empty() {
                continue;
            }
            let title = record.terms_at(at).title;
            due.extend(found.into_iter().map(|(kind, overdue, on)| Due {
                agreement_id: id,
                title: title.clone(),
                kind,
                overdue,
                on,
            }));
        }
        // A stable sort keeps signing order among equals.
        due.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(a.on.cmp(&b.on)));
        due
    }
}

/// One thing found due on an agreement: what, whether overdue, its date.
type Found = (DueKind, bool, BusinessDate);

/// The activities and follow-ups of an agreement overdue at `at`, of
/// `party` (led by it, its responsibility) or of every party: from the
/// report aggregate's work plan part (ADR 0059), no exchange record read.
fn overdue_plans(
    record: &AgreementRecord,
    at: BusinessDate,
    party: Option<&PartyId>,
) -> Vec<Found> {
    let concerns = |p: &PartyId| party.is_none_or(|own| own == p);
    let mut found = Vec::new();
    for a in crate::plans::overdue_activities(record, at) {
        if concerns(&a.lead_party) {
            let kind = DueKind::ActivityOverdue {
                activity_id: a.activity_id,
                title: a.title.clone(),
                lead_party: a.lead_party.clone(),
            };
            found.push((kind, true, a.due_on));
        }
    }
    for f in crate::plans::overdue_follow_ups(record, at) {
        if concerns(&f.party_id) {
            let kind = DueKind::FollowUpOverdue {
                follow_up_id: f.follow_up_id,
                action: f.action.clone(),
                party_id: f.party_id.clone(),
            };
            found.push((kind, true, f.due_on));
        }
    }
    found
}

/// Opened by `at` and not closed by then.
fn open_at(review: &ReviewRecord, at: BusinessDate) -> bool {
    review.opened.opened_on <= at && review.closed.as_ref().is_none_or(|(_, c)| c.closed_on > at)
}

/// Whether `party` recorded an assessment of `review` by `at`.
fn assessed_by(review: &ReviewRecord, party: &PartyId, at: BusinessDate) -> bool {
    review
        .assessments
        .iter()
        .any(|(_, a)| &a.party_id == party && a.assessed_on <= at)
}

#[cfg(test)]
pub(crate) mod oracle;

#[cfg(test)]
mod tests {
    use accord_domain::Event;

    use super::*;
    use crate::test_seed::{d, p, replay, story, BILATERAL, FINAL_REVIEW, TRIPARTITE};

    fn kinds(due: &[Due]) -> Vec<(AgreementId, DueKind, bool, BusinessDate)> {
        due.iter()
            .map(|d| (d.agreement_id, d.kind.clone(), d.overdue, d.on))
            .collect()
    }

    #[test]
    fn a_term_ending_within_the_window_is_due_and_an_expiry_without_a_final_review_overdue() {
        let models = replay(&story());
        let before = models.due(d("2015-10-15"), None, 90);
        assert_eq!(
            kinds(&before),
            vec![(
                TRIPARTITE,
                DueKind::TermEnds { days: 77 },
                false,
                d("2015-12-31")
            )]
        );
        assert!(models.due(d("2015-09-01"), None, 90).is_empty());
        let after = models.due(d("2016-01-10"), None, 90);
        // The bilateral program is superseded, not expired: nothing is due on it.
        assert_eq!(
            kinds(&after),
            vec![(TRIPARTITE, DueKind::NoFinalReview, true, d("2015-12-31"))]
        );
        assert_eq!(
            after[0].title,
            models.agreement(TRIPARTITE, d("2016-01-10")).unwrap().title
        );
    }

    #[test]
    fn an_open_review_past_its_period_awaits_the_missing_assessments_for_every_party_or_one() {
        // The final review opened and assessed by Đồng Nai only, never closed.
        let events: Vec<Event> = story()
            .into_iter()
            .filter(|e| match e {
                Event::ReviewPeriodClosed(_) => false,
                Event::AssessmentRecorded(a) => a.party_id != p("lam-dong-iza"),
                _ => true,
            })
            .collect();
        let models = replay(&events);
        let title = "Tổng kết 5 năm thực hiện chương trình hợp tác (2007–2013)".to_owned();
        let end = d("2013-06-30");
        let all = models.due(d("2013-07-04"), None, 90);
        assert_eq!(
            kinds(&all),
            vec![
                (
                    BILATERAL,
                    DueKind::Assessments {
                        review_id: FINAL_REVIEW,
                        title: title.clone(),
                        awaited: vec![p("lam-dong-iza")]
                    },
                    true,
                    end
                ),
                (
                    BILATERAL,
                    DueKind::ReviewStillOpen {
                        review_id: FINAL_REVIEW,
                        title: title.clone()
                    },
                    true,
                    end
                ),
            ]
        );
        // Đồng Nai has assessed: only the review left open concerns it.
        let own = models.due(d("2013-07-04"), Some(&p("dong-nai-iza")), 90);
        assert_eq!(
            kinds(&own),
            vec![(
                BILATERAL,
                DueKind::ReviewStillOpen {
                    review_id: FINAL_REVIEW,
                    title
                },
                true,
                end
            )]
        );
        // Before it was opened, nothing is due on it.
        assert!(models.due(d("2013-07-03"), None, 90).is_empty());
    }

    #[test]
    fn overdue_activities_and_follow_ups_are_due_for_the_party_concerned() {
        use crate::test_seed::{act, fu, planned, work_plan};
        let mut events = story();
        events.extend(work_plan());
        events.push(planned(TRIPARTITE, 3, "binh-phuoc-eza", "2014-01-31"));
        let models = replay(&events);
        let overdue = |at: &str, party: Option<&str>| -> Vec<String> {
            models
                .due(d(at), party.map(p).as_ref(), 0)
                .into_iter()
                .filter_map(|due| match due.kind {
                    DueKind::ActivityOverdue { activity_id, .. } => {
                        Some(format!("activity {activity_id}"))
                    }
                    DueKind::FollowUpOverdue { follow_up_id, .. } => {
                        Some(format!("follow-up {follow_up_id}"))
                    }
                    _ => None,
                })
                .collect()
        };
        assert!(overdue("2014-01-31", None).is_empty());
        assert_eq!(
            overdue("2014-02-01", None),
            vec![format!("activity {}", act(3))]
        );
        assert!(overdue("2014-02-01", Some("dong-nai-iza")).is_empty());
        // Activity 1 was carried out on 2014-05-10; follow-up 1 completed,
        // follow-up 3 (due 2014-08-15, Đồng Nai's) is not.
        assert_eq!(
            overdue("2014-08-16", Some("dong-nai-iza")),
            vec![format!("follow-up {}", fu(3))]
        );
        assert_eq!(
            overdue("2014-08-16", None),
            vec![
                format!("activity {}", act(3)),
                format!("follow-up {}", fu(3))
            ]
        );
    }

    #[test]
    fn the_ids_list_the_agreements_the_views_list_for_every_filter() {
        let models = replay(&story());
        for at in [
            "2007-06-14",
            "2007-06-15",
            "2013-07-04",
            "2014-01-01",
            "2016-01-10",
        ] {
            for party in [None, Some(p("binh-phuoc-eza")), Some(p("dong-nai-iza"))] {
                for status in [
                    None,
                    Some(AgreementStatus::Active),
                    Some(AgreementStatus::Superseded),
                ] {
                    let filter = crate::AgreementFilter {
                        party: party.clone(),
                        status,
                    };
                    let views: Vec<AgreementId> = models
                        .agreements(d(at), &filter)
                        .iter()
                        .map(|v| v.agreement_id)
                        .collect();
                    let expected: Vec<AgreementId> = models
                        .signing_order
                        .iter()
                        .filter_map(|id| models.agreement(*id, d(at)))
                        .filter(|v| party.as_ref().is_none_or(|p| v.parties.contains(p)))
                        .filter(|v| status.is_none_or(|s| v.status == s))
                        .map(|v| v.agreement_id)
                        .collect();
                    assert_eq!(views, expected, "at {at}, {filter:?}");
                    assert_eq!(models.agreement_ids(d(at), &filter), expected);
                }
            }
        }
    }
}
