//! Deciding a void on the writer (ADR 0031). The one command that reads
//! the log: the write model knows no event ids, and whether history holds
//! without the voided event is judged by folding the log again without it.
//!
//! 1. Everything staged before the void is made durable and projected
//!    first (the writer decides a void alone, in its own batch), so the log
//!    and the live read models hold every earlier fact.
//! 2. The event is found in the log by its id ([`find`]), and what the log
//!    says of it goes to [`accord_domain::decide_void`].
//! 3. The models are folded again from the latest snapshot before it (or
//!    position 0), leaving it and every event voided before out; every
//!    later fact is judged again by the rules ([`WriteModel::rejudge`]),
//!    and the first one refused is named (`void_breaks_history`).
//! 4. Accepted, the refolded models replace the writer's write model and,
//!    once the void is durable, the live read models.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::atomic::Ordering;

use accord_domain::{
    breaks_history, command_of, decide_void, BusinessDate, Command, Decision, Event, EventId,
    Refusal, StreamId, VoidEvent, VoidTarget, WriteModel,
};
use accord_projections::decode;
use accord_store::{Actor, StoreError, StoredEvent};

use crate::replay::refold;
use crate::{EngineError, Models, Shared};

/// A void decided: its facts, and the models folded without the voided
/// event (before the void itself is applied).
pub(crate) struct Voided {
    pub decision: Decision,
    pub models: Models,
}

/// Waits until every batch staged so far is durable and applied to the
/// read models: a void is judged on the whole log.
pub(crate) fn wait_for_staged(shared: &Shared) {
    let staged = shared.staged_to.load(Ordering::Acquire);
    while *shared.head.borrow() < staged {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// Decides `c` issued by `actor`: finds its event, checks the actor may
/// record such a fact, the void's own rules, then that every later fact
/// would still be accepted without it.
pub(crate) fn decide(
    shared: &Shared,
    model: &WriteModel,
    actor: &Actor,
    c: &VoidEvent,
) -> Result<Voided, EngineError> {
    crate::access::authorize(actor, &Command::VoidEvent(c.clone()), model)
        .map_err(EngineError::Forbidden)?;
    wait_for_staged(shared);
    let (mut voids, head) = {
        let read = shared.read.read().unwrap_or_else(|e| e.into_inner());
        (read.voids().clone(), read.position())
    };
    let target = match find(shared, c.event_id)? {
        Some(stored) => Some(target(shared, &voids, stored)?),
        None => None,
    };
    if let Some(recorded) = target.as_ref().and_then(|t| command_of(&t.event)) {
        // Who may void a fact: who may record it.
        crate::access::authorize(actor, &recorded, model).map_err(EngineError::Forbidden)?;
    }
    let decision = decide_void(c, target.as_ref())?;
    let target = target.expect("decide_void refuses a void of no event");
    // Not recorded yet: after every position.
    voids.insert(target.position, u64::MAX);
    let log = shared.log.as_ref();
    let (refolded, _) = refold::<Models, _>(
        log,
        Some(shared.snapshots.as_ref()),
        &voids,
        head,
        &mut |models, logged| {
            if logged.position < target.position {
                return Ok(());
            }
            // The exchanges a later fact is judged on are loaded as the
            // refold folds them: without any voided event (ADR 0054).
            models.write.leave_out(voids.keys().copied());
            if let Some(command) = command_of(&logged.event) {
                let before = logged.position - 1;
                crate::exchanges::load_needed(log, &mut models.write, &command, before)
                    .map_err(Stop::Store)?;
            }
            models.write.rejudge(&logged.event).map_err(|refused| {
                Stop::Refused(Box::new((logged.position, logged.event.clone(), refused)))
            })
        },
    )
    .map_err(|e| EngineError::Store(StoreError::Io(e.to_string())))?;
    match refolded {
        Ok(models) => Ok(Voided { decision, models }),
        Err(Stop::Store(error)) => Err(error.into()),
        Err(Stop::Refused(refused)) => {
            let (position, event, refused) = *refused;
            let id = log.event(position)?.map(|e| EventId(e.envelope.id));
            Err(breaks_history(position, id, &event, &refused).into())
        }
    }
}

/// Why the refold of a void stopped: a later fact the rules refuse without
/// the voided event (its position, the fact, the refusal), or the log.
enum Stop {
    Refused(Box<(u64, Event, Refusal)>),
    Store(StoreError),
}

/// What the log says of a stored event: the fact, its stream and date, and
/// the void already recorded for it, if any.
fn target(
    shared: &Shared,
    voids: &BTreeMap<u64, u64>,
    stored: StoredEvent,
) -> Result<VoidTarget, EngineError> {
    let envelope = stored.envelope;
    let corrupt = |what: String| EngineError::Store(StoreError::Corrupt(what));
    let event = decode(&envelope.event_type, envelope.schema, &envelope.data)
        .map_err(|e| corrupt(format!("event at position {}: {e}", envelope.position)))?;
    let stream = StreamId::parse(&envelope.stream)
        .ok_or_else(|| corrupt(format!("stream `{}` is not a stream name", envelope.stream)))?;
    let effective_on = envelope
        .effective_on
        .as_deref()
        .map(BusinessDate::parse)
        .transpose()
        .map_err(|e| corrupt(format!("event at position {}: {e}", envelope.position)))?;
    let voided_by = match voids.get(&envelope.position) {
        Some(by) => shared.log.event(*by)?.map(|e| EventId(e.envelope.id)),
        None => None,
    };
    Ok(VoidTarget {
        event_id: EventId(envelope.id),
        position: envelope.position,
        stream,
        event,
        effective_on,
        voided_by,
    })
}

/// The durable event with this id, if any: a scan of the log for the
/// envelope's `"id"` key with that value, then a decode of the one found.
/// The envelope's own key is the only `"id"` (payload ids are
/// `"exchange_id"`, `"event_id"`, …).
///
/// Event ids are UUID v7, minted by the writer just before their batch is
/// recorded: the scan starts at the last position recorded a minute before
/// the id's instant, where a void of a recent fact finds it at once, and
/// only then reads the log before that (an id of another shape, or clocks
/// that went wrong, cost a whole scan, never a miss).
pub(crate) fn find(shared: &Shared, id: EventId) -> Result<Option<StoredEvent>, EngineError> {
    let head = shared.log.head().position;
    let from = match minted_at(id) {
        Some(instant) => shared
            .log
            .position_at(instant - time::Duration::minutes(1))?,
        None => 0,
    };
    if let Some(found) = scan_for(shared, id, from, head)? {
        return Ok(Some(found));
    }
    scan_for(shared, id, 0, from)
}

/// The instant a UUID v7 was minted at, if it is one.
fn minted_at(id: EventId) -> Option<time::OffsetDateTime> {
    let (seconds, nanos) = id.0.get_timestamp()?.to_unix();
    let seconds = i64::try_from(seconds).ok()?;
    let instant = time::OffsetDateTime::from_unix_timestamp(seconds).ok()?;
    Some(instant + time::Duration::nanoseconds(i64::from(nanos)))
}

/// The event with this id among positions `after+1..=up_to`, if any.
fn scan_for(
    shared: &Shared,
    id: EventId,
    after: u64,
    up_to: u64,
) -> Result<Option<StoredEvent>, EngineError> {
    let needle = format!("\"id\":\"{}\"", id.0);
    let needle = needle.as_bytes();
    let mut found = None;
    shared.log.scan(after, up_to, &mut |stored| {
        if stored.canonical.windows(needle.len()).any(|w| w == needle) {
            let event = stored.decode()?;
            if event.envelope.id == id.0 {
                found = Some(event);
                return Ok(ControlFlow::Break(()));
            }
        }
        Ok(ControlFlow::Continue(()))
    })?;
    Ok(found)
}

/// Whether a command is a void (decided alone, in its own batch).
pub(crate) fn is_void(command: &Command) -> bool {
    matches!(command, Command::VoidEvent(_))
}
