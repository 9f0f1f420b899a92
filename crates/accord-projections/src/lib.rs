//! Accord's read models: parties, agreements with their exchanges and
//! reviews, and the cooperation report, folded in memory from the events of
//! the log. Pure computation: no store, no runtime, no I/O.
//!
//! # Layout
//!
//! - [`codec`]: [`encode`] / [`decode`] of an event's `data` (the log keeps
//!   `type`, `schema` and `data` apart), and [`decode_logged`], a stored
//!   envelope read in one pass into what the models fold.
//! - [`ReadModels`] (`read_models`): applied one event at a time in log
//!   order ([`ReadModels::apply`], idempotent by position); the queries.
//!   It is `Serialize`/`Deserialize` (a snapshot: load it, replay the tail)
//!   and `PartialEq` (a rebuild from position 0 must equal the live models).
//! - `state`: what is kept per agreement, exchange and review: every fact
//!   with its effective date, plus incremental exchange totals.
//! - `fold`: an agreement as it stood on a business date.
//! - `lineage`: the positions of the facts behind each view at D.
//! - [`diff`]: what changed in an agreement between two points.
//! - [`encode_snapshot`] / [`decode_snapshot`] (`snapshot`): the models as
//!   bytes, with a format number and the position they reflect; the write
//!   model is not stored but derived from the read models (`restore`,
//!   [`ReadModels::write_model`]).
//! - [`report`]: the cooperation report, assembled from the aggregate each
//!   agreement keeps of its exchanges (`counted`, ADR 0034);
//!   [`report_csv`] (`csv`) renders it.
//! - [`views`]: the JSON shapes of docs/api-guide.md, field for field.
//!
//! # The two times
//!
//! Every query takes D, the business date of the view (`at`, or today,
//! chosen by the caller), and folds only the facts effective on or before D.
//! Knowledge time (`as_of`) is not this crate's concern: the caller rebuilds
//! a [`ReadModels`] by applying only the events up to a position.
//!
//! # Rules of the view at D
//!
//! - An agreement exists at D iff `signed_on ≤ D`; otherwise it is absent
//!   (the API answers 404).
//! - title, term, areas, responsibilities: the signature's, then every
//!   amendment effective on or before D, in (effective_on, position) order.
//! - parties: the members at D (`accord_domain::Members`, kept alike by
//!   the write model): signatories, then parties that joined by D, in the
//!   order they joined, without those that left by D; `members` lists every
//!   membership begun by D, its `until` only if on or before D. `place` and `supersedes` are as signed.
//! - status: `pending` if D < term.start, `active` within the term (both
//!   ends inclusive), `expired` if D > term.end; `superseded` once an
//!   agreement naming it in `supersedes` is signed by D; `terminated` once
//!   its termination is effective by D. Terminated wins over superseded,
//!   which wins over the term-based states.
//! - `superseded_by`: the earliest-signed successor signed by D, else null.
//!   `terminated_on`: the termination's date if on or before D, else null.
//! - `version`: the agreement stream's version after its latest event,
//!   whatever D (it is the resource's ETag).
//! - exchanges `{total, by_area}`: exchanges not retracted whose
//!   `occurred_on` (as corrected) is on or before D, by area as corrected.
//!   Corrections and retractions fix the record, so they apply at every D:
//!   a retraction recorded today removes the exchange from the counts at
//!   every date. Each agreement keeps incremental totals and the latest
//!   effective date of any of its facts; at or after that date the totals
//!   are the answer and no exchange is scanned, before it they are folded.
//! - the exchange list at D: exchanges whose `occurred_on` (as corrected) is
//!   on or before D, retracted ones included with status `retracted` (the
//!   list is what the secretariat sees; counts never include them); status
//!   `corrected` after at least one correction; filtered by `from`/`to`
//!   (inclusive) and area; ordered by (occurred_on, recording position).
//! - activities and follow-ups: the work plan and the follow-ups of
//!   exchanges that occurred by D, each with its status at D (`plans`,
//!   ADR 0032).
//! - reviews: those opened by D, ordered by (opened_on, position); `closed`
//!   with `closed_on`, `outcome` and `summary` only if closed by D (else
//!   `open` and those fields null); the assessments that count at D: of
//!   those made by D, each party's latest (by assessed_on, then position),
//!   in recording order.
//! - a party exists at every D once registered; its `agreements` are those
//!   signed by D of which it is a party at D, in signing order.
//!
//! # Lineage (ADR 0014)
//!
//! Every agreement, review and exchange view lists `sources`: the global
//! positions of the facts that make it what it is at D, ascending.
//!
//! - exchange: its recording and every correction and retraction of it
//!   (they apply at every D, like the view);
//! - review: its opening, the assessments that count at D, its closing if
//!   by D;
//! - agreement: its signature, the amendments and admissions effective by
//!   D, its termination if effective by D, and the signature of the
//!   successor shown as `superseded_by`; not its exchanges or reviews,
//!   which list their own.
//!
//! A report row lists the agreement's `sources` at D, `exchange_sources`
//! (the recording of each counted exchange: as many as `exchanges`) and
//! `review_sources` (the closing of each counted review). The CSV stays
//! one flat row per agreement without them.
//!
//! # Diff
//!
//! [`diff()`] folds one agreement on two sides (each its own models and
//! date), compares the views — fields, status, parties, the whole exchange
//! list, reviews with their assessments and closing — and attributes each
//! change to the facts on one side only, or, for a change that comes from
//! the passing of business time, to the facts behind it at `to`.
//!
//! # The cooperation report
//!
//! For the window [from, to] (from: no lower bound if absent; to: D if
//! absent, and echoed so), seen at D:
//!
//! - included agreements: those existing at D, of which `party` (if given)
//!   is a party at D, whose term at D overlaps the window; in signing order;
//! - per agreement: `exchanges` counts the exchanges not retracted that
//!   occurred in the window and by D, `by_area` likewise; `reviews_closed`
//!   the reviews opened by D and closed in the window and by D; `outcomes`
//!   their outcomes;
//! - `totals` sum the rows; `active_agreements` counts rows active at D;
//! - `parties`: one row per party of the included agreements (only `party`
//!   if given), sorted by id, with the number of included agreements it is a
//!   party of and of counted exchanges that name it;
//! - `as_of` is echoed as given, or null.
//!
//! [`report_csv`] writes a header and one row per agreement, RFC 4180
//! quoting, UTF-8 as given, lines ending with `\n`.

pub mod codec;
mod counted;
mod csv;
pub mod diff;
mod due;
mod exchanges;
mod fold;
mod lineage;
mod plans;
mod read_models;
pub mod report;
mod restore;
mod snapshot;
mod state;
pub mod views;

#[cfg(test)]
mod test_seed;

pub use codec::{decode, decode_logged, encode, DecodeError, Logged};
pub use csv::{report_csv, CSV_HEADER};
pub use diff::{diff, Change, ChangeKind, Diff, DiffDate, DiffPoint, DiffSide};
pub use due::{Due, DueKind};
pub use exchanges::EventsAt;
pub use read_models::{AgreementFilter, ExchangeQuery, ReadModels};
pub use report::{Report, ReportAgreement, ReportParty, ReportQuery, ReportTotals, WithoutLineage};
pub use snapshot::{
    decode_snapshot, decode_snapshot_read_models, encode_snapshot, encode_snapshot_into,
    SnapshotError, SNAPSHOT_FORMAT,
};
pub use views::*;
