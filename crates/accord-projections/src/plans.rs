//! Work plans and follow-ups (ADR 0032): what the read models keep of each
//! planned activity, the statuses of activities and follow-ups on a date,
//! their views and their counts for the report.
//!
//! On a date D:
//!
//! - an activity is `done` when an exchange not retracted that occurred on
//!   or before D carries it out; else `cancelled` if cancelled (a
//!   cancellation, like a retraction, holds at every date); else `overdue`
//!   when its due date is before D; else `planned`. Every activity of the
//!   plan is listed at every date on which the agreement exists.
//! - a follow-up exists at D when its exchange is not retracted and occurred
//!   on or before D; it is `done` when completed on or before D, else
//!   `overdue` when due before D, else `open`.
//!
//! The report's counts ([`activity_counts`], [`follow_up_counts`]) and the
//! due list's overdue items ([`overdue_activities`], [`overdue_follow_ups`])
//! read the report aggregate's work plan part (ADR 0059), not the exchange
//! records: what they need of the exchanges (the days carriers occurred
//! on, the follow-ups agreed, with their exchange's day) is kept there as
//! exchanges are applied. The views ([`activities_at`], [`follow_ups_at`])
//! read the records of their one agreement.

use accord_domain::{
    ActivityCancelled, ActivityId, ActivityPlanned, AreaId, BusinessDate, ExchangeId, FollowUp,
    FollowUpId, PartyId,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::counted::Agreed;
use crate::read_models::Exchanges;
use crate::state::{AgreementRecord, ExchangeRecord};

/// A planned activity with its facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ActivityRecord {
    pub planned: ActivityPlanned,
    /// The global position of its planning.
    pub position: u64,
    /// Its cancellation with its position (the first one stands).
    pub cancelled: Option<(u64, String)>,
    /// The exchanges that name it (retracted ones included), in recording
    /// order.
    pub carried_by: Vec<ExchangeId>,
}

impl ActivityRecord {
    pub fn planned(position: u64, planned: ActivityPlanned) -> Self {
        Self {
            planned,
            position,
            cancelled: None,
            carried_by: Vec::new(),
        }
    }

    pub fn cancel(&mut self, position: u64, e: &ActivityCancelled) {
        self.cancelled.get_or_insert((position, e.reason.clone()));
    }
}

/// A planned activity's status on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityStatus {
    /// Not carried out, not yet due.
    Planned,
    /// Carried out by an exchange on or before the date.
    Done,
    /// Due before the date and not carried out.
    Overdue,
    /// Taken off the plan.
    Cancelled,
}

/// A follow-up's status on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpStatus {
    /// Not completed, not yet due.
    Open,
    /// Completed on or before the date.
    Done,
    /// Due before the date and not completed by then.
    Overdue,
}

/// A planned activity as it stood on a date.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ActivityView {
    pub activity_id: ActivityId,
    /// Its area of cooperation.
    pub area: AreaId,
    pub title: String,
    /// The party that leads it.
    pub lead_party: PartyId,
    pub due_on: BusinessDate,
    pub description: Option<String>,
    /// Its status on the date.
    pub status: ActivityStatus,
    /// The day of the first exchange that carried it out, if by the date.
    pub done_on: Option<BusinessDate>,
    /// The exchanges not retracted that carried it out by the date, in
    /// recording order.
    pub carried_out_by: Vec<ExchangeId>,
    /// Why it was cancelled, if it was.
    pub cancel_reason: Option<String>,
    /// Its lineage: the positions of its planning and of its cancellation,
    /// ascending.
    pub sources: Vec<u64>,
}

/// A follow-up action as it stood on a date.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FollowUpView {
    pub follow_up_id: FollowUpId,
    /// The exchange that agreed it.
    pub exchange_id: ExchangeId,
    pub action: String,
    /// The party responsible for it.
    pub party_id: PartyId,
    pub due_on: BusinessDate,
    /// Its status on the date.
    pub status: FollowUpStatus,
    /// The day it was completed, if on or before the date.
    pub completed_on: Option<BusinessDate>,
}

/// Activities counted by status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ActivityCounts {
    pub planned: u64,
    pub done: u64,
    pub overdue: u64,
    pub cancelled: u64,
}

impl ActivityCounts {
    /// Counts one more activity of `status`.
    pub fn add(&mut self, status: ActivityStatus) {
        match status {
            ActivityStatus::Planned => self.planned += 1,
            ActivityStatus::Done => self.done += 1,
            ActivityStatus::Overdue => self.overdue += 1,
            ActivityStatus::Cancelled => self.cancelled += 1,
        }
    }
}

/// Follow-ups still to do, counted: `open` (not yet due) and `overdue`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct FollowUpCounts {
    pub open: u64,
    pub overdue: u64,
}

impl FollowUpCounts {
    /// Counts one more follow-up of `status` (done ones are not counted).
    pub fn add(&mut self, status: FollowUpStatus) {
        match status {
            FollowUpStatus::Open => self.open += 1,
            FollowUpStatus::Overdue => self.overdue += 1,
            FollowUpStatus::Done => {}
        }
    }
}

/// The exchanges not retracted that carried out `activity` by `day`.
fn carried_out<'a>(
    activity: &'a ActivityRecord,
    exchanges: &'a Exchanges,
    day: BusinessDate,
) -> impl Iterator<Item = (ExchangeId, &'a ExchangeRecord)> + 'a {
    activity
        .carried_by
        .iter()
        .filter_map(|id| exchanges.get(id).map(|x| (*id, &**x)))
        .filter(move |(_, x)| x.counts_at(day))
}

/// An activity's status on `day`.
pub(crate) fn activity_status(
    activity: &ActivityRecord,
    exchanges: &Exchanges,
    day: BusinessDate,
) -> ActivityStatus {
    let done_on = carried_out(activity, exchanges, day)
        .next()
        .map(|(_, x)| x.occurred_on);
    status_given(activity, done_on, day)
}

/// The work plan on `day`, ordered by (due_on, position).
pub(crate) fn activities_at(
    record: &AgreementRecord,
    exchanges: &Exchanges,
    day: BusinessDate,
) -> Vec<ActivityView> {
    let mut listed: Vec<&ActivityRecord> = record.activities.iter().collect();
    listed.sort_by_key(|a| (a.planned.due_on, a.position));
    listed
        .into_iter()
        .map(|a| {
            let carried: Vec<(ExchangeId, &ExchangeRecord)> =
                carried_out(a, exchanges, day).collect();
            let p = &a.planned;
            let mut sources = vec![a.position];
            sources.extend(a.cancelled.as_ref().map(|(position, _)| *position));
            ActivityView {
                activity_id: p.activity_id,
                area: p.area.clone(),
                title: p.title.clone(),
                lead_party: p.lead_party.clone(),
                due_on: p.due_on,
                description: p.description.clone(),
                status: activity_status(a, exchanges, day),
                done_on: carried.iter().map(|(_, x)| x.occurred_on).min(),
                carried_out_by: carried.iter().map(|(id, _)| *id).collect(),
                cancel_reason: a.cancelled.as_ref().map(|(_, r)| r.clone()),
                sources,
            }
        })
        .collect()
}

/// The follow-ups that exist on `day`, ordered by (due_on, the exchange's
/// recording, their order in it).
pub(crate) fn follow_ups_at(
    record: &AgreementRecord,
    exchanges: &Exchanges,
    day: BusinessDate,
) -> Vec<FollowUpView> {
    let mut listed = Vec::new();
    for id in &record.with_follow_ups {
        let Some(x) = exchanges.get(id).filter(|x| x.counts_at(day)) else {
            continue;
        };
        for (index, f) in x.follow_ups.iter().enumerate() {
            let completed_on = record
                .completions
                .get(&f.follow_up_id)
                .map(|(_, on)| *on)
                .filter(|on| *on <= day);
            let view = FollowUpView {
                follow_up_id: f.follow_up_id,
                exchange_id: *id,
                action: f.action.clone(),
                party_id: f.party_id.clone(),
                due_on: f.due_on,
                status: follow_up_status(f.due_on, completed_on, day),
                completed_on,
            };
            listed.push(((f.due_on, x.position, index), view));
        }
    }
    listed.sort_by_key(|(key, _)| *key);
    listed.into_iter().map(|(_, view)| view).collect()
}

pub(crate) fn follow_up_status(
    due_on: BusinessDate,
    completed_on: Option<BusinessDate>,
    day: BusinessDate,
) -> FollowUpStatus {
    if completed_on.is_some_and(|on| on <= day) {
        FollowUpStatus::Done
    } else if due_on < day {
        FollowUpStatus::Overdue
    } else {
        FollowUpStatus::Open
    }
}

/// The agreement's activities due in [`from`, `to`] counted by their
/// status on `at`, in total and by lead party: from the report aggregate
/// (ADR 0059), no exchange record read.
pub(crate) fn activity_counts(
    record: &AgreementRecord,
    from: Option<BusinessDate>,
    to: BusinessDate,
    at: BusinessDate,
) -> (ActivityCounts, Vec<(&PartyId, ActivityStatus)>) {
    let mut counts = ActivityCounts::default();
    let mut by_party = Vec::new();
    let due_in = |day: BusinessDate| from.is_none_or(|from| from <= day) && day <= to;
    let mut due = record
        .activities
        .iter()
        .filter(|a| due_in(a.planned.due_on))
        .peekable();
    if due.peek().is_none() {
        return (counts, by_party);
    }
    let done = record.counted.plan().done_on();
    for a in due {
        let status = status_given(a, done.get(&a.planned.activity_id).copied(), at);
        counts.add(status);
        by_party.push((&a.planned.lead_party, status));
    }
    (counts, by_party)
}

/// The follow-ups agreed at the agreement's exchanges not retracted that
/// occurred on a day `counted` holds (the report's), counted by their
/// status on `at`, in total and by responsible party: from the report
/// aggregate (ADR 0059), no exchange record read.
pub(crate) fn follow_up_counts(
    record: &AgreementRecord,
    counted: impl Fn(BusinessDate) -> bool,
    at: BusinessDate,
) -> (FollowUpCounts, Vec<(&PartyId, FollowUpStatus)>) {
    let mut counts = FollowUpCounts::default();
    let mut by_party = Vec::new();
    let agreed = record.counted.plan().agreed().iter();
    for f in agreed
        .filter(|f| counted(f.occurred_on))
        .map(|f| &f.follow_up)
    {
        let completed_on = record.completions.get(&f.follow_up_id).map(|(_, on)| *on);
        let status = follow_up_status(f.due_on, completed_on, at);
        counts.add(status);
        by_party.push((&f.party_id, status));
    }
    (counts, by_party)
}

/// The agreement's activities overdue on `day`, ordered by (due_on,
/// position) as [`activities_at`] lists them: from the report aggregate
/// (ADR 0059), no exchange record read.
pub(crate) fn overdue_activities(
    record: &AgreementRecord,
    day: BusinessDate,
) -> Vec<&ActivityPlanned> {
    let mut due = record
        .activities
        .iter()
        .filter(|a| a.cancelled.is_none() && a.planned.due_on < day)
        .peekable();
    if due.peek().is_none() {
        return Vec::new();
    }
    let done = record.counted.plan().done_on();
    let mut overdue: Vec<&ActivityRecord> = due
        .filter(|a| {
            let done_on = done.get(&a.planned.activity_id).copied();
            status_given(a, done_on, day) == ActivityStatus::Overdue
        })
        .collect();
    overdue.sort_by_key(|a| (a.planned.due_on, a.position));
    overdue.into_iter().map(|a| &a.planned).collect()
}

/// The follow-ups that exist on `day` and are overdue then, ordered by
/// (due_on, the exchange's recording, their order in it) as
/// [`follow_ups_at`] lists them: from the report aggregate (ADR 0059), no
/// exchange record read.
pub(crate) fn overdue_follow_ups(record: &AgreementRecord, day: BusinessDate) -> Vec<&FollowUp> {
    let mut overdue: Vec<&Agreed> = record
        .counted
        .plan()
        .agreed()
        .iter()
        .filter(|f| f.occurred_on <= day)
        .filter(|f| {
            let completed_on = record
                .completions
                .get(&f.follow_up.follow_up_id)
                .map(|(_, on)| *on);
            follow_up_status(f.follow_up.due_on, completed_on, day) == FollowUpStatus::Overdue
        })
        .collect();
    overdue.sort_by_key(|f| (f.follow_up.due_on, f.position, f.index));
    overdue.into_iter().map(|f| &f.follow_up).collect()
}

/// An activity's status on `day`, given the earliest day an exchange not
/// retracted that carries it out occurred on.
fn status_given(
    activity: &ActivityRecord,
    done_on: Option<BusinessDate>,
    day: BusinessDate,
) -> ActivityStatus {
    if done_on.is_some_and(|on| on <= day) {
        ActivityStatus::Done
    } else if activity.cancelled.is_some() {
        ActivityStatus::Cancelled
    } else if activity.planned.due_on < day {
        ActivityStatus::Overdue
    } else {
        ActivityStatus::Planned
    }
}

#[cfg(test)]
mod tests {
    use accord_domain::{Event, ExchangeRetracted};

    use super::*;
    use crate::test_seed::{act, d, fu, p, planned, replay, story, work_plan, x, TRIPARTITE};
    use crate::ReportQuery;

    fn events() -> Vec<Event> {
        let mut events = story();
        events.extend(work_plan());
        events.push(planned(TRIPARTITE, 3, "binh-phuoc-eza", "2014-01-31"));
        events
    }

    fn statuses(models: &crate::ReadModels, at: &str) -> Vec<(ActivityId, ActivityStatus)> {
        let view = models.agreement(TRIPARTITE, d(at)).unwrap();
        view.activities
            .iter()
            .map(|a| (a.activity_id, a.status))
            .collect()
    }

    fn follow_ups(models: &crate::ReadModels, at: &str) -> Vec<(FollowUpId, FollowUpStatus)> {
        let view = models.agreement(TRIPARTITE, d(at)).unwrap();
        view.follow_ups
            .iter()
            .map(|f| (f.follow_up_id, f.status))
            .collect()
    }

    #[test]
    fn an_activity_is_planned_then_overdue_done_once_carried_out_and_cancelled_at_every_date() {
        use ActivityStatus::*;
        let models = replay(&events());
        // Ordered by due date: 3 (2014-01-31), 1 (2014-06-30), 2 (2015-03-31).
        assert_eq!(
            statuses(&models, "2014-01-31"),
            vec![(act(3), Planned), (act(1), Planned), (act(2), Cancelled)]
        );
        assert_eq!(
            statuses(&models, "2014-02-01"),
            vec![(act(3), Overdue), (act(1), Planned), (act(2), Cancelled)]
        );
        assert_eq!(
            statuses(&models, "2014-05-10"),
            vec![(act(3), Overdue), (act(1), Done), (act(2), Cancelled)]
        );
        let view = models.agreement(TRIPARTITE, d("2014-05-10")).unwrap();
        let done = &view.activities[1];
        assert_eq!(done.done_on, Some(d("2014-05-10")));
        assert_eq!(done.carried_out_by, vec![x(90)]);
        assert_eq!(view.activities[2].cancel_reason.as_deref(), Some("Hoãn"));
        assert_eq!(view.activities[2].sources.len(), 2);
    }

    #[test]
    fn a_follow_up_exists_from_its_exchange_and_is_open_done_or_overdue() {
        use FollowUpStatus::*;
        let models = replay(&events());
        assert!(follow_ups(&models, "2014-05-09").is_empty());
        // The correction replaced follow-up 2 by 3 at every date.
        assert_eq!(
            follow_ups(&models, "2014-05-10"),
            vec![(fu(1), Open), (fu(3), Open)]
        );
        assert_eq!(
            follow_ups(&models, "2014-06-10"),
            vec![(fu(1), Done), (fu(3), Open)]
        );
        assert_eq!(
            follow_ups(&models, "2014-08-16"),
            vec![(fu(1), Done), (fu(3), Overdue)]
        );
        let view = models.agreement(TRIPARTITE, d("2014-06-10")).unwrap();
        assert_eq!(view.follow_ups[0].completed_on, Some(d("2014-06-10")));
        let before = models.agreement(TRIPARTITE, d("2014-06-09")).unwrap();
        assert_eq!(before.follow_ups[0].completed_on, None);
    }

    #[test]
    fn retracting_the_exchange_undoes_the_activity_and_removes_its_follow_ups() {
        let mut events = events();
        events.push(Event::ExchangeRetracted(ExchangeRetracted {
            agreement_id: TRIPARTITE,
            exchange_id: x(90),
            reason: "Ghi nhầm".into(),
        }));
        let models = replay(&events);
        assert_eq!(
            statuses(&models, "2014-07-01")[1],
            (act(1), ActivityStatus::Overdue)
        );
        assert!(follow_ups(&models, "2014-07-01").is_empty());
    }

    #[test]
    fn the_exchange_view_carries_place_participants_minutes_follow_ups_and_activity() {
        let models = replay(&events());
        let list = models
            .exchanges(TRIPARTITE, d("2014-06-01"), &Default::default())
            .unwrap();
        let held = list.iter().find(|e| e.exchange_id == x(90)).unwrap();
        assert_eq!(held.place.as_deref(), Some("Biên Hòa"));
        assert_eq!(held.participants[0].name, "Nguyễn Văn A");
        assert_eq!(held.minutes.as_deref(), Some("Biên bản hội thảo (bản sửa)"));
        assert_eq!(held.activity_id, Some(act(1)));
        let ids: Vec<_> = held.follow_ups.iter().map(|f| f.follow_up_id).collect();
        assert_eq!(ids, vec![fu(1), fu(3)]);
    }

    #[test]
    fn the_report_counts_activities_and_follow_ups_per_agreement_and_party() {
        let models = replay(&events());
        let report = models.report(&ReportQuery {
            from: None,
            to: None,
            party: None,
            at: d("2014-08-16"),
            as_of: None,
        });
        let row = report
            .agreements
            .iter()
            .find(|r| r.agreement_id == TRIPARTITE)
            .unwrap();
        // Activity 2 (due 2015-03-31) is after the window's end (`at`).
        assert_eq!(
            row.activities,
            ActivityCounts {
                planned: 0,
                done: 1,
                overdue: 1,
                cancelled: 0
            }
        );
        assert_eq!(
            row.follow_ups,
            FollowUpCounts {
                open: 0,
                overdue: 1
            }
        );
        let party = |id: &str| {
            report
                .parties
                .iter()
                .find(|r| r.party_id == p(id))
                .unwrap()
                .clone()
        };
        assert_eq!(party("dong-nai-iza").activities.done, 1);
        assert_eq!(party("dong-nai-iza").follow_ups.overdue, 1);
        assert_eq!(party("binh-phuoc-eza").activities.overdue, 1);
        assert_eq!(party("lam-dong-iza").follow_ups, FollowUpCounts::default());
        let later = models.report(&ReportQuery {
            from: None,
            to: Some(d("2015-12-31")),
            party: None,
            at: d("2014-08-16"),
            as_of: None,
        });
        let row = later
            .agreements
            .iter()
            .find(|r| r.agreement_id == TRIPARTITE)
            .unwrap();
        assert_eq!(row.activities.cancelled, 1);
        let csv = crate::report_csv(&later);
        let line = csv
            .lines()
            .find(|l| l.starts_with(&TRIPARTITE.to_string()))
            .unwrap();
        assert!(line.ends_with(",0,1,1,1,0,1"), "{line}");
    }
}
