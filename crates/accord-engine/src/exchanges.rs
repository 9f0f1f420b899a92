//! The write model's exchanges loaded on demand (ADR 0054). A model derived
//! from a snapshot holds no agreement's exchanges; before a command that
//! reads an agreement's is decided, they are folded from the agreement's
//! stream (`EventLog::read_stream_staged`, its events by version) with the
//! same `evolve` as every fold ([`AgreementExchanges::fold`]).
//!
//! The stream is read up to the position the model holds, without the
//! events it knows voided. A command that reads no exchanges (the recording
//! of a plain exchange, ADR 0062) appends to an agreement whether or not
//! its exchanges are loaded, so the facts an agreement's exchanges are made
//! of may be past the durable head: in the batch waiting for its sync
//! (the pipelined writer, ADR 0020), which the staged read holds, or in the
//! batch being decided, which the [`Cache`] keeps until it is staged and
//! adds after the stream.

use std::collections::HashMap;

use accord_domain::{AgreementExchanges, AgreementId, Command, Event, StreamId, WriteModel};
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
    load_pending(log, model, command, position, &HashMap::new())
}

/// [`load_needed`], adding to each agreement's stream the facts of the
/// batch being decided that it does not hold yet (`pending`).
fn load_pending(
    log: &dyn EventLog,
    model: &mut WriteModel,
    command: &Command,
    position: u64,
    pending: &HashMap<AgreementId, Vec<Event>>,
) -> Result<usize, StoreError> {
    let needed = model.needs(command);
    for id in &needed {
        let after = pending.get(id).map_or(&[][..], Vec::as_slice);
        let exchanges = fold(log, model, *id, position, after)?;
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
            let exchanges = fold(log, model, id, position, &[])?;
            model.load(id, exchanges);
        }
    }
    Ok(())
}

/// The exchanges of agreement `id` folded from its stream's staged events
/// at positions up to `position`, leaving out those `model` knows voided,
/// then from `after`: its facts in the batch being decided.
fn fold(
    log: &dyn EventLog,
    model: &WriteModel,
    id: AgreementId,
    position: u64,
    after: &[Event],
) -> Result<AgreementExchanges, StoreError> {
    let stream = StreamId::Agreement(id).to_string();
    let mut events = Vec::new();
    let mut version = 0;
    loop {
        let page = log.read_stream_staged(&stream, version, PAGE)?;
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
    events.extend(after.iter().cloned());
    AgreementExchanges::fold(&events)
        .ok_or_else(|| StoreError::Corrupt(format!("stream {stream} holds no signature")))
}

/// What the writer's model holds of the agreements' exchanges, bounded by
/// the exchanges they hold together (`--exchange-cache`, ADR 0054): after
/// each batch, least recently read agreements are unloaded until the rest
/// fit, sparing those with a fact past the durable head (their streams do
/// not hold it yet). An agreement larger than the bound is loaded for the
/// commands that read it and unloaded once its facts are durable.
pub(crate) struct Cache {
    /// Exchanges the loaded agreements may hold together.
    bound: usize,
    /// Commands that read exchanges so far: the clock of `last_read`.
    reads: u64,
    /// When each agreement's exchanges were last read (unknown: never
    /// since they were loaded outside a command, the first to go).
    last_read: HashMap<AgreementId, u64>,
    /// The agreements written by the batch being decided.
    writing: Vec<AgreementId>,
    /// The facts the batch being decided appends to agreements whose
    /// exchanges are not loaded: not staged yet, so a load of one of them
    /// adds its facts here after its stream.
    unstaged: HashMap<AgreementId, Vec<Event>>,
    /// The position of the last fact the writer appended to each agreement.
    written: HashMap<AgreementId, u64>,
}

impl Cache {
    pub(crate) fn new(bound: usize) -> Self {
        Self {
            bound,
            reads: 0,
            last_read: HashMap::new(),
            writing: Vec::new(),
            unstaged: HashMap::new(),
            written: HashMap::new(),
        }
    }

    /// Loads what `command` reads into `model` at `position`, and notes it
    /// read; returns how many agreements were loaded.
    pub(crate) fn load(
        &mut self,
        log: &dyn EventLog,
        model: &mut WriteModel,
        command: &Command,
        position: u64,
    ) -> Result<usize, StoreError> {
        let read = model.reads(command);
        if read.is_empty() {
            return Ok(0);
        }
        self.reads += 1;
        for id in &read {
            self.last_read.insert(*id, self.reads);
        }
        load_pending(log, model, command, position, &self.unstaged)
    }

    /// Notes that the batch being decided appends `facts` to agreement
    /// `id`, whose exchanges `model` may not hold.
    pub(crate) fn writes(&mut self, model: &WriteModel, id: AgreementId, facts: &[Event]) {
        self.writing.push(id);
        if !model.is_loaded(id) {
            let unstaged = self.unstaged.entry(id).or_default();
            unstaged.extend(facts.iter().cloned());
        }
    }

    /// The batch being decided was staged up to `position`: its agreements
    /// are pinned until that position is durable.
    pub(crate) fn staged(&mut self, position: u64) {
        for id in self.writing.drain(..) {
            self.written.insert(id, position);
        }
        self.unstaged.clear();
    }

    /// The model was replaced (a void, a batch decided again): what was
    /// noted of the old one no longer applies, and every fact is durable.
    pub(crate) fn reset(&mut self) {
        self.last_read.clear();
        self.writing.clear();
        self.unstaged.clear();
        self.written.clear();
    }

    /// Unloads the least recently read agreements whose facts are durable
    /// up to `durable` until the loaded exchanges fit the bound; returns
    /// how many agreements were unloaded.
    pub(crate) fn evict(&mut self, model: &mut WriteModel, durable: u64) -> usize {
        self.written.retain(|_, at| *at > durable);
        let loaded: Vec<(AgreementId, usize)> = model.loaded().collect();
        let mut held: usize = loaded.iter().map(|(_, n)| n).sum();
        if held <= self.bound {
            return 0;
        }
        let pinned = |id: &AgreementId| self.written.contains_key(id) || self.writing.contains(id);
        let mut candidates: Vec<_> = loaded.into_iter().filter(|(id, _)| !pinned(id)).collect();
        candidates.sort_by_key(|(id, _)| self.last_read.get(id).copied().unwrap_or(0));
        let mut evicted = 0;
        for (id, size) in candidates {
            if held <= self.bound {
                break;
            }
            model.unload(id);
            self.last_read.remove(&id);
            held -= size;
            evicted += 1;
        }
        evicted
    }
}
