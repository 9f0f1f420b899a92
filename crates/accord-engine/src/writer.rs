//! The writer thread. One thread owns the write model and is the only caller
//! of `EventLog::append`, which is what makes positions gapless and in
//! commit order, and optimistic concurrency and idempotency simple.
//!
//! Each turn drains up to `max_batch` queued commands, decides them in order
//! (each sees the effects of those before it) and stages all accepted ones in
//! one atomic write. The syncer thread then makes the batch durable (one
//! flush, one fdatasync), applies it to the read models, announces the new
//! head and only then answers. The two form a pipeline: while batch N waits
//! for the disk, the writer decides and stages batch N+1, so the commands
//! that arrive during a sync are not left waiting for it to end before they
//! are even looked at (ADR 0018). Batches are committed and answered in the
//! order staged.
//!
//! On a log other processes append to (PostgreSQL, ADR 0044) the writer
//! follows them: told of their appends (and before every batch), it applies
//! the events after its position to both models; it decides each batch
//! holding the log's append lock, after catching up to the head it locked,
//! and commits it before deciding the next, so every batch is decided on
//! the whole log and no other process appends in between.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use std::sync::atomic::Ordering;

use accord_domain::{Circumstances, Command, Event, StoredFile, StreamId, WriteModel};
use accord_projections::{encode, Logged, ReadModels};
use accord_store::{CommandRecord, NewEvent, Staged, StoreError, Write};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::exchanges::Cache;
use crate::{Checked, EngineError, Job, Outcome, Shared, Work};

/// Starts the writer and the syncer, each on its own OS thread: sled calls block.
pub(crate) fn spawn(
    shared: Arc<Shared>,
    model: WriteModel,
    jobs: mpsc::Receiver<Work>,
    snapshots: Option<std::sync::mpsc::Sender<u64>>,
) {
    // A rendezvous: the writer stages at most one batch ahead of the sync.
    let (turns, staged) = std::sync::mpsc::sync_channel(0);
    let syncer = Syncer {
        shared: shared.clone(),
        snapshots: snapshots.clone(),
    };
    std::thread::Builder::new()
        .name("accord-syncer".into())
        .spawn(move || syncer.run(staged))
        .expect("the syncer thread starts");
    let position = shared
        .read
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .position();
    let writer = Writer {
        cache: Cache::new(shared.config.exchange_cache),
        shared,
        model,
        turns,
        position,
        snapshots,
    };
    std::thread::Builder::new()
        .name("accord-writer".into())
        .spawn(move || writer.run(jobs))
        .expect("the writer thread starts");
}

type Reply = oneshot::Sender<Result<Outcome, EngineError>>;

struct Writer {
    shared: Arc<Shared>,
    model: WriteModel,
    /// The bound of what `model` holds of the agreements' exchanges.
    cache: Cache,
    /// Where staged batches go to be synced.
    turns: std::sync::mpsc::SyncSender<Turn>,
    /// The last position the write model holds (committed or staged).
    position: u64,
    /// Where a head reached by following is announced to the snapshotter.
    snapshots: Option<std::sync::mpsc::Sender<u64>>,
}

/// A staged batch and the jobs that wait for it.
struct Turn {
    batch: Batch,
    waiting: Vec<(Reply, Pending)>,
    started: Instant,
}

/// What the syncer gets of a batch.
enum Batch {
    /// Staged: the syncer commits it.
    Staged(Staged),
    /// Committed by the writer already (a shared log), with its records.
    Committed(Vec<CommandRecord>),
}

/// A job that waits for the batch's sync to be answered.
enum Pending {
    /// Appended as `writes[index]`, with the events to project; a void
    /// brings the read models folded without the voided event, which
    /// replace the live ones before its own event is applied.
    Appended {
        index: usize,
        events: Vec<Event>,
        refolded: Option<Box<ReadModels>>,
    },
    /// A repeat of `writes[index]`'s command id within this batch.
    RepeatOf { index: usize, same_body: bool },
    /// A repeat of a command staged in an earlier batch that was not durable
    /// yet when this one was decided: answered after it (batches are synced
    /// in order).
    Earlier(Result<Outcome, EngineError>),
}

/// What the writer makes of one submission.
enum Verdict {
    /// It waits for the batch's sync, then is answered.
    Wait(Pending),
    /// It is answered now: refused, in conflict, or a repeat of a durable command.
    Answer(Result<Outcome, EngineError>),
}

/// The batch being decided: its accepted writes, the versions they bring
/// their streams to, and the index of each command id among them.
#[derive(Default)]
struct Draft {
    writes: Vec<Write>,
    versions: HashMap<String, u64>,
    ids: HashMap<Uuid, usize>,
}

impl Writer {
    fn run(mut self, mut jobs: mpsc::Receiver<Work>) {
        let max = self.shared.config.max_batch;
        let follows = self.shared.log.is_shared();
        let mut batch = Vec::with_capacity(max);
        while let Some(first) = jobs.blocking_recv() {
            let mut next = Some(first);
            let mut follow = false;
            while let Some(work) = next {
                match work {
                    // A void is judged on the whole log: it is decided alone,
                    // after every batch before it is durable.
                    Work::Submit(job) if crate::void::is_void(&job.submission.command) => {
                        self.process(batch.drain(..));
                        self.process(std::iter::once(job));
                    }
                    Work::Submit(job) => batch.push(job),
                    // A dry run sees every command queued before it: the
                    // batch so far is decided and staged first.
                    Work::Check(check) => {
                        self.process(batch.drain(..));
                        if follows {
                            self.follow();
                        }
                        let answers = self.check(check.submissions);
                        let _ = check.reply.send(answers);
                    }
                    // A batch catches up first: only an idle writer follows.
                    Work::Follow => follow = true,
                }
                next = if batch.len() < max {
                    jobs.try_recv().ok()
                } else {
                    None
                };
            }
            if follow && batch.is_empty() {
                self.follow();
            }
            self.process(batch.drain(..));
        }
        tracing::info!("writer stopped: the queue was closed");
    }

    /// Judges `submissions` in order as [`Writer::take`] would, on a scoped
    /// copy of the write model (each accepted one's facts applied to it
    /// before the next is judged), and appends nothing. The exchanges they
    /// read are loaded into the write model first, so that the copy holds
    /// them (ADR 0054).
    fn check(
        &mut self,
        mut submissions: Vec<crate::Submission>,
    ) -> Vec<Result<Checked, EngineError>> {
        for s in &submissions {
            let log = self.shared.log.as_ref();
            let position = self.position;
            match self.cache.load(log, &mut self.model, &s.command, position) {
                Ok(loaded) => self.shared.metrics.exchanges(loaded, 0),
                Err(error) => {
                    let message = error.to_string();
                    return submissions
                        .iter()
                        .map(|_| Err(EngineError::Store(StoreError::Io(message.clone()))))
                        .collect();
                }
            }
        }
        let mut scratch = self.model.scoped(submissions.iter().map(|s| &s.command));
        let mut draft = Draft::default();
        // Which submission each of the draft's writes came from.
        let mut origins = Vec::new();
        let mut answers = Vec::with_capacity(submissions.len());
        for (i, s) in submissions.iter_mut().enumerate() {
            let taken = take(
                &self.shared,
                &mut scratch,
                None,
                self.position,
                s,
                &mut draft,
            );
            let answer = match taken {
                Verdict::Wait(Pending::Appended { .. }) => {
                    origins.push(i);
                    Ok(Checked::New)
                }
                Verdict::Wait(Pending::RepeatOf { index, same_body }) => match same_body {
                    true => Ok(Checked::Repeats(origins[index])),
                    false => Err(EngineError::CommandIdReused(draft.writes[index].command_id)),
                },
                Verdict::Wait(Pending::Earlier(answer)) | Verdict::Answer(answer) => {
                    answer.map(|outcome| match outcome {
                        Outcome::Created(record) | Outcome::Replayed(record) => {
                            Checked::Recorded(record)
                        }
                    })
                }
            };
            answers.push(answer);
        }
        answers
    }

    /// Decides every job in order (refusals and conflicts are answered at
    /// once), stages the accepted ones and hands them to the syncer.
    #[tracing::instrument(level = "debug", skip_all)]
    fn process(&mut self, batch: impl Iterator<Item = Job>) {
        if let Some(Err(EngineError::DiskFull(state))) =
            self.shared.config.disk_reserve.as_ref().map(|r| r.check())
        {
            // Before deciding: the write model must not move for a batch never written.
            for job in batch {
                let _ = job.reply.send(Err(EngineError::DiskFull(state)));
            }
            return;
        }
        if self.shared.log.is_shared() {
            return self.process_shared(batch.collect());
        }
        let mut draft = Draft::default();
        let mut waiting = Vec::new();
        for mut job in batch {
            match self.take(&mut job.submission, &mut draft) {
                Verdict::Wait(pending) => waiting.push((job.reply, pending)),
                Verdict::Answer(answer) => {
                    let _ = job.reply.send(answer);
                }
            }
        }
        if waiting.is_empty() {
            self.settle();
            return;
        }
        let started = Instant::now();
        let staged = match self.shared.log.stage(&draft.writes) {
            Ok(staged) => staged,
            Err(error) => fatal(&error),
        };
        if let Some(last) = staged.records().last() {
            self.position = last.position;
            self.shared
                .staged_to
                .store(last.position, Ordering::Release);
        }
        self.settle();
        let turn = Turn {
            batch: Batch::Staged(staged),
            waiting,
            started,
        };
        if self.turns.send(turn).is_err() {
            fatal(&accord_store::StoreError::Io("the syncer stopped".into()));
        }
    }

    /// [`Writer::process`] on a log other processes append to: locks the
    /// head, catches up to it, decides the batch, commits it, and hands it
    /// to the syncer to be projected and answered.
    fn process_shared(&mut self, mut jobs: Vec<Job>) {
        let mut pause = std::time::Duration::from_millis(50);
        while !jobs.is_empty() {
            let head = match self.shared.log.lock_head() {
                Ok(head) => head,
                Err(error) => fatal(&error),
            };
            if let Err(error) = self.catch_up(head.position) {
                self.shared.log.unlock_head();
                tracing::warn!(%error, "catching up with the log failed; trying again");
                std::thread::sleep(pause);
                pause = (pause * 2).min(std::time::Duration::from_secs(1));
                continue;
            }
            // Every command id looked up in one query, not one each.
            let ids: Vec<Uuid> = jobs
                .iter_mut()
                .map(|job| *job.submission.command_id.get_or_insert_with(Uuid::now_v7))
                .collect();
            if let Err(error) = self.shared.log.prefetch_commands(&ids) {
                // Each command is then looked up on its own.
                tracing::warn!(%error, "the batch's command ids could not be looked up at once");
            }
            let mut draft = Draft::default();
            let mut kept = Vec::new();
            for mut job in jobs.drain(..) {
                match self.take(&mut job.submission, &mut draft) {
                    Verdict::Wait(pending) => kept.push((job, pending)),
                    Verdict::Answer(answer) => {
                        let _ = job.reply.send(answer);
                    }
                }
            }
            if kept.is_empty() {
                self.shared.log.unlock_head();
                self.settle();
                return;
            }
            let started = Instant::now();
            let log = &self.shared.log;
            let committed = log
                .stage(&draft.writes)
                .and_then(|staged| log.commit(staged));
            // A batch of repeats only commits nothing and keeps the lock.
            self.shared.log.unlock_head();
            match committed {
                Ok(records) => {
                    if let Some(last) = records.last() {
                        self.position = last.position;
                        self.shared
                            .staged_to
                            .store(last.position, Ordering::Release);
                    }
                    self.settle();
                    let waiting = kept
                        .into_iter()
                        .map(|(job, pending)| (job.reply, pending))
                        .collect();
                    let turn = Turn {
                        batch: Batch::Committed(records),
                        waiting,
                        started,
                    };
                    if self.turns.send(turn).is_err() {
                        fatal(&StoreError::Io("the syncer stopped".into()));
                    }
                    return;
                }
                Err(error @ StoreError::HeadMoved { .. }) => {
                    // The lock was lost with its connection and another
                    // process appended: the batch was not written. The write
                    // model holds its facts; the read models hold only what
                    // was committed, and give it back.
                    tracing::warn!(%error, "deciding the batch again on the new head");
                    self.restore();
                    jobs = kept.into_iter().map(|(job, _)| job).collect();
                }
                Err(error) => fatal(&error),
            }
        }
    }

    /// Idle, on a log other processes append to: catches up to the stored head.
    fn follow(&mut self) {
        let caught_up = self
            .shared
            .log
            .refresh()
            .map_err(crate::ReplayError::from)
            .and_then(|head| self.catch_up(head.position));
        if let Err(error) = caught_up {
            // The next batch, notification or check tries again.
            tracing::warn!(%error, "catching up with the log failed");
        }
    }

    /// Waits until the syncer has projected every batch the writer handed it.
    fn wait_for_syncer(&self) {
        while *self.shared.head.borrow() < self.position {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// Applies the events other processes appended after the writer's
    /// position, up to `up_to`, to both models, and announces the head. A
    /// void among them folds both models again (as at start).
    fn catch_up(&mut self, up_to: u64) -> Result<(), crate::ReplayError> {
        if up_to <= self.position {
            return Ok(());
        }
        self.wait_for_syncer();
        let shared = self.shared.clone();
        let mut logged: Vec<Logged> = Vec::new();
        let mut voids = false;
        crate::replay::fold(shared.log.as_ref(), self.position, up_to, &mut |event| {
            voids |= matches!(event.event, Event::EventVoided(_));
            logged.push(event);
            std::ops::ControlFlow::Continue(())
        })?;
        let Some(last) = logged.last().map(|event| event.position) else {
            return Ok(());
        };
        {
            let mut read = shared.read.write().unwrap_or_else(|e| e.into_inner());
            if voids {
                let mut models = crate::Models {
                    write: std::mem::take(&mut self.model),
                    read: std::mem::replace(&mut *read, ReadModels::lean()),
                };
                let advanced =
                    models.advance(shared.log.as_ref(), Some(shared.snapshots.as_ref()), last);
                self.model = models.write;
                self.cache.reset();
                *read = models.read;
                read.read_texts_from(shared.texts.clone());
                advanced?;
            } else {
                for event in logged {
                    self.model.evolve(&event.event);
                    read.apply_owned(event.position, event.version, event.event);
                }
            }
            self.position = read.position();
        }
        shared.head.send_replace(self.position);
        if let Some(snapshots) = &self.snapshots {
            let _ = snapshots.send(self.position);
        }
        Ok(())
    }

    /// The write model derived again from the read models, which hold only
    /// committed facts, after a batch that was decided but not written.
    fn restore(&mut self) {
        self.wait_for_syncer();
        let read = self.shared.read.read().unwrap_or_else(|e| e.into_inner());
        self.model = read.write_model();
        self.position = read.position();
        self.cache.reset();
    }

    fn take(&mut self, s: &mut crate::Submission, draft: &mut Draft) -> Verdict {
        let cache = Some(&mut self.cache);
        take(
            &self.shared,
            &mut self.model,
            cache,
            self.position,
            s,
            draft,
        )
    }

    /// After a batch staged up to `self.position` (or none): pins its
    /// agreements and unloads the exchanges beyond the cache's bound.
    fn settle(&mut self) {
        self.cache.staged(self.position);
        let durable = self.shared.log.head().position;
        let evicted = self.cache.evict(&mut self.model, durable);
        self.shared.metrics.exchanges(0, evicted);
    }
}

/// Checks and decides one submission against `model`, which holds the log
/// up to `position` and the batch being decided: a repeat of a command id
/// is answered as the first was, a new command is decided. The writer calls
/// it on its model and cache, a dry run ([`Writer::check`]) on a scoped
/// copy without one.
fn take(
    shared: &Shared,
    model: &mut WriteModel,
    cache: Option<&mut Cache>,
    position: u64,
    s: &mut crate::Submission,
    draft: &mut Draft,
) -> Verdict {
    let command_id = *s.command_id.get_or_insert_with(Uuid::now_v7);
    if let Some(&index) = draft.ids.get(&command_id) {
        let same_body = draft.writes[index].request_hash == s.request_hash;
        return Verdict::Wait(Pending::RepeatOf { index, same_body });
    }
    match shared.log.staged_command(command_id) {
        Ok(Some(record)) => return repeat(shared, record, &s.request_hash),
        Ok(None) => {}
        Err(error) => return Verdict::Answer(Err(error.into())),
    }
    match decide(shared, model, cache, position, s, &mut draft.versions) {
        Ok((write, events, refolded)) => {
            let index = draft.writes.len();
            draft.ids.insert(command_id, index);
            draft.writes.push(write);
            Verdict::Wait(Pending::Appended {
                index,
                events,
                refolded,
            })
        }
        Err(error) => Verdict::Answer(Err(error)),
    }
}

/// A command id staged in an earlier batch: answered now if that batch
/// is durable, else once it is.
fn repeat(shared: &Shared, record: CommandRecord, request_hash: &[u8; 32]) -> Verdict {
    let durable = record.position <= shared.log.head().position;
    let answer = replayed(record, request_hash);
    match durable {
        true => Verdict::Answer(answer),
        false => Verdict::Wait(Pending::Earlier(answer)),
    }
}

/// What deciding one command gives: its write, its events, and for a void
/// the read models folded without the voided event.
type Decided = (Write, Vec<Event>, Option<Box<ReadModels>>);

/// Expected version, the actor's rights and the domain's rules, in that
/// order, for a command id never seen before (a void: its event found
/// first, [`crate::void`]). The agreements' exchanges the rules read are
/// loaded first, from the log up to `position` ([`crate::exchanges`]).
/// On success `model` already includes the command's events.
fn decide(
    shared: &Shared,
    model: &mut WriteModel,
    mut cache: Option<&mut Cache>,
    position: u64,
    s: &mut crate::Submission,
    versions: &mut HashMap<String, u64>,
) -> Result<Decided, EngineError> {
    let command_id = s.command_id.expect("assigned by take");
    s.command.assign_ids(Uuid::now_v7);
    let (decision, refolded) = match &s.command {
        // A void's stream is its event's, known once the event is found:
        // its expected version is checked after it is decided.
        Command::VoidEvent(c) => {
            let voided = crate::void::decide(shared, model, &s.actor, c)?;
            let stream = voided.decision.stream.to_string();
            check_version(shared, s, versions, &stream)?;
            (voided.decision, Some(voided.models))
        }
        command => {
            let stream = command.stream().expect("ids are assigned").to_string();
            check_version(shared, s, versions, &stream)?;
            crate::access::authorize(&s.actor, command, model).map_err(EngineError::Forbidden)?;
            let log = shared.log.as_ref();
            let loaded = match cache.as_deref_mut() {
                Some(cache) => cache.load(log, model, command, position)?,
                None => crate::exchanges::load_needed(log, model, command, position)?,
            };
            shared.metrics.exchanges(loaded, 0);
            let circumstances = Circumstances {
                today: Some(crate::clock::today()),
                file: stored_file(shared, command)?,
            };
            (model.decide_in(command, &circumstances)?, None)
        }
    };
    let stream = decision.stream.to_string();
    let current = stream_version(shared, versions, &stream)?;
    let refolded = refolded.map(|models| {
        *model = models.write;
        Box::new(models.read)
    });
    let mut events = Vec::with_capacity(decision.facts.len());
    let mut new_events = Vec::with_capacity(decision.facts.len());
    for fact in decision.facts {
        model.evolve(&fact.event);
        new_events.push(NewEvent {
            id: Uuid::now_v7(),
            event_type: fact.event.type_name().to_owned(),
            schema: Event::SCHEMA,
            effective_on: fact.effective_on.map(|d| d.to_string()),
            data: encode(&fact.event),
        });
        events.push(fact.event);
    }
    if let Some(cache) = cache {
        if refolded.is_some() {
            cache.reset();
        }
        if let StreamId::Agreement(id) = &decision.stream {
            cache.writes(model, *id, &events);
        }
    }
    versions.insert(stream.clone(), current + new_events.len() as u64);
    let write = Write {
        command_id,
        request_hash: s.request_hash,
        stream,
        expected_version: Some(current),
        actor: s.actor.clone(),
        correlation_id: s.correlation_id.clone(),
        events: new_events,
    };
    Ok((write, events, refolded))
}

/// The version `stream` is at, counting the batch being decided.
fn stream_version(
    shared: &Shared,
    versions: &HashMap<String, u64>,
    stream: &str,
) -> Result<u64, EngineError> {
    match versions.get(stream) {
        Some(v) => Ok(*v),
        None => Ok(shared.log.staged_stream_version(stream)?),
    }
}

/// The submission's expected version, if it gives one, must be the stream's.
fn check_version(
    shared: &Shared,
    s: &crate::Submission,
    versions: &HashMap<String, u64>,
    stream: &str,
) -> Result<(), EngineError> {
    let current = stream_version(shared, versions, stream)?;
    match s.expected_version.filter(|v| *v != current) {
        Some(expected) => Err(EngineError::VersionConflict {
            stream: stream.to_owned(),
            expected,
            actual: current,
        }),
        None => Ok(()),
    }
}

/// The stored file the command names, looked up in the attachment store
/// (a few bytes read, for the rare `AttachDocument`): the domain reads no
/// files. `None` when the store has no such file, or there is no store.
fn stored_file(shared: &Shared, command: &Command) -> Result<Option<StoredFile>, EngineError> {
    let (Some(sha256), Some(files)) = (command.attachment(), &shared.config.attachments) else {
        return Ok(None);
    };
    Ok(files.0.attachment(sha256)?.map(|a| StoredFile {
        sha256: a.sha256,
        size: a.size,
        media_type: a.media_type,
    }))
}

/// The second stage of the pipeline: syncs each staged batch, projects it and
/// answers its commands, in the order the writer staged them.
struct Syncer {
    shared: Arc<Shared>,
    /// Where each new head is announced to the snapshotter (never blocks).
    snapshots: Option<std::sync::mpsc::Sender<u64>>,
}

impl Syncer {
    fn run(self, turns: std::sync::mpsc::Receiver<Turn>) {
        for turn in turns {
            self.finish(turn);
        }
        tracing::info!("syncer stopped: the writer stopped");
    }

    #[tracing::instrument(level = "debug", skip_all)]
    fn finish(&self, mut turn: Turn) {
        let syncing = Instant::now();
        let records = match turn.batch {
            Batch::Staged(staged) => match self.shared.log.commit(staged) {
                Ok(records) => records,
                Err(error) => fatal(&error),
            },
            Batch::Committed(records) => records,
        };
        if !records.is_empty() {
            let synced = syncing.elapsed();
            let metrics = &self.shared.metrics;
            metrics.batch(records.len(), turn.started.elapsed(), synced);
            self.project(&mut turn.waiting, &records);
        }
        // Repeats of a command within this batch (rare) are answered first,
        // with a copy of its record; then each command takes its own.
        let (repeats, others): (Vec<_>, Vec<_>) = turn
            .waiting
            .into_iter()
            .partition(|(_, pending)| matches!(pending, Pending::RepeatOf { .. }));
        let mut records: Vec<Option<CommandRecord>> = records.into_iter().map(Some).collect();
        for (reply, pending) in repeats.into_iter().chain(others) {
            let answer = match pending {
                Pending::Appended { index, .. } => Ok(Outcome::Created(
                    records[index].take().expect("one command per record"),
                )),
                Pending::RepeatOf { index, same_body } => {
                    let record = records[index].as_ref().expect("repeats answered first");
                    match same_body {
                        true => Ok(Outcome::Replayed(record.clone())),
                        false => Err(EngineError::CommandIdReused(record.command_id)),
                    }
                }
                Pending::Earlier(answer) => answer,
            };
            let _ = reply.send(answer);
        }
    }

    /// Moves the batch's events into the read models and announces the head.
    fn project(&self, waiting: &mut [(Reply, Pending)], records: &[CommandRecord]) {
        {
            let mut read = self.shared.read.write().unwrap_or_else(|e| e.into_inner());
            for (_, state) in waiting {
                if let Pending::Appended {
                    index,
                    events,
                    refolded,
                } = state
                {
                    if let Some(models) = refolded.take() {
                        *read = *models;
                        read.read_texts_from(self.shared.texts.clone());
                    }
                    let events = std::mem::take(events);
                    for (event, at) in events.into_iter().zip(&records[*index].events) {
                        read.apply_owned(at.position, at.version, event);
                    }
                }
            }
        }
        let head = records.last().map(|r| r.position).unwrap_or_default();
        self.shared.head.send_replace(head);
        if let Some(snapshots) = &self.snapshots {
            // A stopped snapshotter only means longer replays later.
            let _ = snapshots.send(head);
        }
    }
}

/// The answer to a command id seen before: its result, or a conflict if the
/// request differs. A record rebuilt by an import has no request hash (the
/// log does not hold requests, ADR 0013): there the id alone decides.
fn replayed(record: CommandRecord, request_hash: &[u8; 32]) -> Result<Outcome, EngineError> {
    let unknown = record.request_hash.is_empty();
    if unknown || record.request_hash == hex::encode(request_hash) {
        Ok(Outcome::Replayed(record))
    } else {
        Err(EngineError::CommandIdReused(record.command_id))
    }
}

/// A failed append leaves the in-memory models ahead of the disk: the only
/// safe course is to stop, and let a restart rebuild from what is durable.
fn fatal(error: &accord_store::StoreError) -> ! {
    tracing::error!(%error, "the log could not be written durably; stopping so a restart rebuilds from disk");
    std::process::exit(70);
}
