//! The review part of a diff: a review opened or gone, each assessment
//! made on one side only, and its closing.

use std::collections::BTreeSet;

use accord_domain::{AssessmentRecorded, BusinessDate, ReviewPeriodClosed};
use serde_json::Value;

use super::{json, Change, ChangeKind, Seen};
use crate::state::ReviewRecord;
use crate::views::AssessmentView;

pub(super) fn review_changes(a: &Seen<'_>, b: &Seen<'_>, changes: &mut Vec<Change>) {
    let (before, after) = (a.reviews(), b.reviews());
    let find = |list: &[&'_ ReviewRecord], id| list.iter().position(|r| r.opened.review_id == id);
    let ids = after.iter().chain(&before).map(|r| r.opened.review_id);
    let mut seen = BTreeSet::new();
    for id in ids.filter(|id| seen.insert(*id)) {
        let x = find(&before, id).map(|i| before[i]);
        let y = find(&after, id).map(|i| after[i]);
        for mut change in review_change(x.map(|r| (r, a.day)), y.map(|r| (r, b.day))) {
            change.review_id = Some(id);
            changes.push(change);
        }
    }
}

/// A review at its side's date.
type ReviewAt<'a> = (&'a ReviewRecord, BusinessDate);

/// The changes of one review: opened (or removed), then each assessment
/// made on one side only, then its closing if closed on one side only.
fn review_change(x: Option<ReviewAt<'_>>, y: Option<ReviewAt<'_>>) -> Vec<Change> {
    let view = |r: Option<ReviewAt<'_>>| {
        r.map_or(Value::Null, |(r, day)| {
            json(&crate::fold::review_view(r, day))
        })
    };
    let mut out = Vec::new();
    match (x, y) {
        (None, Some((r, _))) => out.push(Change::new(
            ChangeKind::ReviewOpened,
            Value::Null,
            view(y),
            vec![r.position],
        )),
        (Some((r, day)), None) => {
            let sources = r.sources_at(day);
            out.push(Change::new(
                ChangeKind::ReviewRemoved,
                view(x),
                Value::Null,
                sources,
            ));
            return out;
        }
        _ => {}
    }
    out.extend(assessment_changes(x, y));
    let (c, d) = (closing(x), closing(y));
    if c.map(|(p, _)| p) != d.map(|(p, _)| p) {
        let sources = c.iter().chain(d.iter()).map(|(p, _)| *p).collect();
        out.push(Change::new(
            ChangeKind::ReviewClosed,
            view(x),
            view(y),
            sources,
        ));
    }
    out
}

/// Assessments that count at the side's date (each party's latest), with
/// their positions.
fn assessments(r: Option<ReviewAt<'_>>) -> Vec<&(u64, AssessmentRecorded)> {
    r.map_or_else(Vec::new, |(r, day)| r.counted_assessments(day))
}

/// The closing, if closed by the side's date.
fn closing(r: Option<ReviewAt<'_>>) -> Option<&(u64, ReviewPeriodClosed)> {
    r.and_then(|(r, day)| r.closed.as_ref().filter(|(_, c)| c.closed_on <= day))
}

/// One change per assessment made on one side only.
fn assessment_changes(x: Option<ReviewAt<'_>>, y: Option<ReviewAt<'_>>) -> Vec<Change> {
    let (was, is) = (assessments(x), assessments(y));
    let on = |list: &[&(u64, AssessmentRecorded)], position: u64| {
        list.iter().any(|(p, _)| *p == position)
    };
    let mut out = Vec::new();
    for (position, a) in was.iter().chain(&is).copied() {
        let (on_x, on_y) = (on(&was, *position), on(&is, *position));
        if on_x == on_y {
            continue;
        }
        let shown = json(&AssessmentView {
            party_id: a.party_id.clone(),
            rating: a.rating,
            assessed_on: a.assessed_on,
            notes: a.notes.clone(),
        });
        let (before, after) = if on_y {
            (Value::Null, shown)
        } else {
            (shown, Value::Null)
        };
        let mut change = Change::new(ChangeKind::ReviewAssessed, before, after, vec![*position]);
        change.party_id = Some(a.party_id.clone());
        out.push(change);
    }
    out
}
