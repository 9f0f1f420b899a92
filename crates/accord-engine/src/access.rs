//! Who may issue which command (ADR 0016): checked by the writer, against the
//! committed write model, just before `decide`, so that a writer's right to
//! act on an agreement is judged on the same state the command is decided on
//! — including commands earlier in the same batch (an admission, say).
//!
//! - `admin`: every command.
//! - `writer` bound to party P: never `RegisterParty`, `UpdateParty` or
//!   `SucceedParty`; `SignAgreement` only
//!   if P is among `parties` (and, when it supersedes one, among that
//!   agreement's parties too); any other command only on an agreement P
//!   belongs to; `RecordAssessment` only with `party_id` = P.
//! - a void (any role that writes): as the command that records the voided
//!   fact, once the engine has found it (ADR 0031).
//! - `auditor`: no command.
//! - `system` (the service itself: the demo loader): every command.
//!
//! A command on an agreement that does not exist is left to `decide`, which
//! refuses it with its own rule (422): the agreement has no parties to judge by.

use accord_domain::{AgreementId, Command, WriteModel};
use accord_store::{Actor, Role};

/// Whether `actor` may issue `command` given the committed `model`; the
/// reason, naming the party and agreement, when it may not.
pub fn authorize(actor: &Actor, command: &Command, model: &WriteModel) -> Result<(), String> {
    authorize_with(actor, command, |id, party| {
        model
            .agreement_parties(id)
            .map(|mut parties| parties.any(|p| p.as_str() == party))
    })
}

/// [`authorize`] with the agreements' parties given by `member(agreement,
/// party)`: `Some(true)` when the party is one of the agreement's, `None`
/// when the agreement is not known. The console asks it of the read models
/// to show a person only the forms their token may submit.
pub fn authorize_with(
    actor: &Actor,
    command: &Command,
    member: impl Fn(AgreementId, &str) -> Option<bool>,
) -> Result<(), String> {
    match actor.role {
        Role::Admin | Role::System => Ok(()),
        Role::Auditor => Err("an auditor token reads and never writes".into()),
        Role::Writer => match actor.party_id.as_deref() {
            Some(party) => writer_may(party, command, &member),
            None => Err("this writer token is bound to no party".into()),
        },
    }
}

fn writer_may(
    party: &str,
    command: &Command,
    model: &impl Fn(AgreementId, &str) -> Option<bool>,
) -> Result<(), String> {
    match command {
        Command::RegisterParty(_) => Err("only an admin registers parties".into()),
        Command::UpdateParty(_) | Command::SucceedParty(_) => {
            Err("only an admin updates parties or records their succession".into())
        }
        Command::SignAgreement(c) => {
            if !c.parties.iter().any(|p| p.as_str() == party) {
                return Err(format!(
                    "a writer for `{party}` may only sign agreements `{party}` is a party to"
                ));
            }
            match c.supersedes {
                Some(old) => member(party, old, model),
                None => Ok(()),
            }
        }
        // Judged again, once its event is found, as the command that
        // records the voided fact: who may void a fact is who may record it.
        Command::VoidEvent(_) => Ok(()),
        Command::RecordAssessment(c) if c.party_id.as_str() != party => Err(format!(
            "a writer for `{party}` records assessments only for `{party}`, not `{}`",
            c.party_id
        )),
        other => match other.agreement_id() {
            Some(id) => member(party, id, model),
            None => Err("this command names no agreement".into()),
        },
    }
}

/// `party` is among the agreement's parties, or the agreement does not exist
/// (left to `decide`).
fn member(
    party: &str,
    id: AgreementId,
    model: &impl Fn(AgreementId, &str) -> Option<bool>,
) -> Result<(), String> {
    if model(id, party).unwrap_or(true) {
        Ok(())
    } else {
        Err(format!(
            "`{party}` is not a party to agreement {id}; a writer acts only on its own party's agreements"
        ))
    }
}
