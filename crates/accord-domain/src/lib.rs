//! Accord's domain: what a cooperation agreement is and every rule it obeys.
//!
//! Pure and synchronous: no I/O, no clock, no randomness. Whatever a decision
//! needs (ids, dates) comes in the command.
//!
//! - [`ids`]: validated identifiers and business dates (`PartyId::parse`).
//! - [`members`]: who belongs to an agreement on each date.
//! - [`command`]: the commands clients send, one struct each, and [`Command`].
//! - [`event`]: the facts the log keeps, and [`Event`].
//! - [`model`]: the write model, [`WriteModel::decide`] (every rule) and
//!   [`WriteModel::evolve`] (applies a fact, no rules).
//! - [`refusal`]: [`Refusal`], a broken rule with its stable code.
//! - [`void`]: voiding a mistaken fact: [`decide_void`] and
//!   [`WriteModel::rejudge`], which judges a later fact again without it.

pub mod command;
pub mod event;
mod exchange_ids;
pub mod ids;
pub mod members;
pub mod model;
pub mod refusal;
mod rules;
pub mod void;

pub use command::*;
pub use event::*;
pub use ids::*;
pub use members::{Member, Members};
pub use model::{
    ActivityState, AgreementExchanges, AgreementState, Circumstances, Decision, ExchangeState,
    ExchangeStates, Fact, FollowUpState, PartyProfile, PartyState, ReviewState, StoredFile, Terms,
    WriteModel,
};
pub use refusal::Refusal;
pub use void::{breaks_history, command_of, decide_void, VoidTarget};
