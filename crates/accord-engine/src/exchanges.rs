//! The write model's exchanges loaded on demand (ADR 0054). A model derived
//! from a snapshot holds no agreement's exchanges; before a command that
//! reads an agreement's is decided, they are folded from the agreement's
//! stream (`EventLog::read_stream`, its events by version) with the same
//! `evolve` as every fold ([`AgreementExchanges::fold`]).
//!
//! The stream is read up to the position the model holds, without the
//! events it knows voided. Readers never see past the durable head, and the
//! pipelined writer may hold one batch more (ADR 0020): an agreement whose
//! exchanges are not loaded has no fact about them in that batch, since
//! every command that writes one loads them first, so its durable stream
//! holds every fact its exchanges are made of.

use accord_domain::{AgreementExchanges, AgreementId, Command, StreamId, WriteModel};
use accord_projections::decode;
use accord_store::{EventLog, StoreError};

/// Events read from a stream at a time.
const PAGE: usize = 4_096;

/// Loads into `model`, at `position`, the exchanges of the agreements
/// deciding `command` reads that it does not hold ([`WriteModel::needs`]);
/// returns how many agreements were loaded.
pub(crate) fn load_needed(
    log: &dyn EventLog,
    model: &mut WriteModel,
    command: &Command,
    position: u64,
) -> Result<usize, StoreError> {
    let needed = model.needs(command);
    for id in &needed {
        let exchanges = fold(log, model, *id, position)?;
        model.load(*id, exchanges);
    }
    Ok(needed.len())
}

/// Loads every agreement's exchanges that `model` does not hold, at
/// `position`: what a comparison with a model folded from the whole log
/// needs (`accord rebuild --check`, the tests).
pub(crate) fn load_all(
    log: &dyn EventLog,
    model: &mut WriteModel,
    position: u64,
) -> Result<(), StoreError> {
    for id in model.agreement_ids() {
        if !model.is_loaded(id) {
            let exchanges = fold(log, model, id, position)?;
            model.load(id, exchanges);
        }
    }
    Ok(())
}

/// The exchanges of agreement `id` folded from its stream's events at
/// positions up to `position`, leaving out those `model` knows voided.
fn fold(
    log: &dyn EventLog,
    model: &WriteModel,
    id: AgreementId,
    position: u64,
) -> Result<AgreementExchanges, StoreError> {
    let stream = StreamId::Agreement(id).to_string();
    let mut events = Vec::new();
    let mut version = 0;
    loop {
        let page = log.read_stream(&stream, version, PAGE)?;
        let full = page.len() == PAGE;
        for stored in page {
            let envelope = stored.envelope;
            version = envelope.version;
            if envelope.position > position || model.voided().contains(&envelope.position) {
                continue;
            }
            let event = decode(&envelope.event_type, envelope.schema, &envelope.data)
                .map_err(|e| StoreError::Corrupt(format!("event at {}: {e}", envelope.position)))?;
            events.push(event);
        }
        if !full {
            break;
        }
    }
    AgreementExchanges::fold(&events)
        .ok_or_else(|| StoreError::Corrupt(format!("stream {stream} holds no signature")))
}
