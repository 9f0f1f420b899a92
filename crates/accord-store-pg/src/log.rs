//! [`EventLog`] on PostgreSQL: staging in memory, one transaction per
//! committed batch behind a lock on the head row, reads by position.

use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;
use std::sync::{Arc, MutexGuard, PoisonError};

use accord_store::{
    check_writes, plan_import, plan_writes, CommandRecord, EventLog, Head, PlannedBatch,
    PlannedEvent, RawEvent, Staged, StoreError, StoredBytes, StoredEvent, Write,
};
use deadpool_postgres::ClientWrapper as Client;
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;

use crate::{
    from_sql, hash_of, patiently, pg_error, pool_error, same, staged_record, to_sql, Pending,
    PgStore, Staging,
};

/// Rows read per query by a scan.
const PAGE: i64 = 512;

/// Reads the head row.
pub(crate) async fn load_head(client: &Client) -> Result<Head, StoreError> {
    read_head(
        client,
        "SELECT position, hash, recorded_at_ns FROM accord_head WHERE id = 1",
    )
    .await
}

/// Reads the head row with `sql`.
async fn read_head(client: &Client, sql: &str) -> Result<Head, StoreError> {
    let row = crate::row_one(client, sql, &[]).await?;
    let position = from_sql(row.get(0))?;
    let hash = hash_of(row.get(1))?;
    let nanos: Option<i64> = row.get(2);
    let recorded_at = match (position, nanos) {
        (0, _) => None,
        (_, Some(nanos)) => Some(
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(nanos))
                .map_err(|e| StoreError::Corrupt(format!("head recorded_at: {e}")))?,
        ),
        (_, None) => return Err(StoreError::Corrupt("the head has no recorded_at".into())),
    };
    Ok(Head {
        position,
        hash,
        recorded_at,
    })
}

/// The `recorded_at` of a head as stored: Unix nanoseconds.
fn nanos(head: &Head) -> Result<Option<i64>, StoreError> {
    head.recorded_at
        .map(|at| {
            i64::try_from(at.unix_timestamp_nanos())
                .map_err(|_| StoreError::Invalid(format!("recorded_at {at} is out of range")))
        })
        .transpose()
}

const LOCK_HEAD: &str = "SELECT position, hash FROM accord_head WHERE id = 1 FOR UPDATE";
const INSERT_EVENTS: &str =
    "INSERT INTO accord_events (position, stream, version, command_id, hash, canonical) \
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::uuid[], \
     $5::bytea[], $6::bytea[])";
const INSERT_COMMANDS: &str = "INSERT INTO accord_commands (command_id, position, record) \
     SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::bytea[]) \
     ON CONFLICT (command_id) DO UPDATE \
     SET position = excluded.position, record = excluded.record";
/// Moves the head and notifies the followers (ADR 0044): a notification
/// leaves when the transaction commits, never before, never for a rollback.
const UPDATE_HEAD: &str =
    "UPDATE accord_head SET position = $1, hash = $2, recorded_at_ns = $3 WHERE id = 1 \
     RETURNING pg_notify('accord_appended', position::text)";
const STREAM_VERSIONS: &str =
    "SELECT s, (SELECT coalesce(max(version), 0) FROM accord_events WHERE stream = s) \
     FROM unnest($1::text[]) AS s";
const STORED_COMMANDS: &str = "SELECT command_id FROM accord_commands WHERE command_id = ANY($1)";
const COMMAND_RECORD: &str = "SELECT record FROM accord_commands WHERE command_id = $1";

/// Writes a planned batch after `base` in one transaction: locks the head
/// row, checks the batch follows it, inserts the events and the command
/// records, moves the head, commits. A batch the head row shows written
/// already (a retry after a lost answer to its COMMIT) is not written twice.
async fn write_batch(
    client: &mut Client,
    base: &Head,
    events: &[PlannedEvent],
    records: &[CommandRecord],
    head: &Head,
) -> Result<(), StoreError> {
    let transaction = client.transaction().await.map_err(pg_error)?;
    let lock = transaction
        .prepare_cached(LOCK_HEAD)
        .await
        .map_err(pg_error)?;
    let row = transaction.query_one(&lock, &[]).await.map_err(pg_error)?;
    let (position, hash) = (from_sql(row.get(0))?, hash_of(row.get(1))?);
    if position == head.position && hash == head.hash {
        // Written already: this is a retry after a COMMIT whose answer was
        // lost with its connection, and the head row says it landed.
        return transaction.rollback().await.map_err(pg_error);
    }
    if position != base.position || hash != base.hash {
        return Err(StoreError::HeadMoved {
            base: base.position,
            found: position,
        });
    }
    insert_batch(&transaction, events, records, head, false).await?;
    transaction.commit().await.map_err(pg_error)
}

/// Inserts a planned batch's events and command records and moves the
/// head, in a transaction that holds the head row's lock; with `commit`,
/// commits it in the same round trip. A COMMIT after a statement that
/// failed only rolls back, and the failed statement's error is the one
/// returned (answers come in the order sent).
async fn insert_batch(
    transaction: &impl deadpool_postgres::GenericClient,
    events: &[PlannedEvent],
    records: &[CommandRecord],
    head: &Head,
    commit: bool,
) -> Result<(), StoreError> {
    let (events_insert, commands_insert, head_update) = tokio::try_join!(
        transaction.prepare_cached(INSERT_EVENTS),
        transaction.prepare_cached(INSERT_COMMANDS),
        transaction.prepare_cached(UPDATE_HEAD),
    )
    .map_err(pg_error)?;
    let mut positions = Vec::with_capacity(events.len());
    let mut streams = Vec::with_capacity(events.len());
    let mut versions = Vec::with_capacity(events.len());
    let mut commands = Vec::with_capacity(events.len());
    let mut hashes = Vec::with_capacity(events.len());
    let mut canonicals = Vec::with_capacity(events.len());
    for event in events {
        positions.push(to_sql(event.position));
        streams.push(event.stream.as_str());
        versions.push(to_sql(event.version));
        commands.push(event.command_id);
        hashes.push(&event.hash[..]);
        canonicals.push(event.canonical.as_slice());
    }
    let mut ids = Vec::with_capacity(records.len());
    let mut lasts = Vec::with_capacity(records.len());
    let mut bodies = Vec::with_capacity(records.len());
    for record in records {
        ids.push(record.command_id);
        lasts.push(to_sql(record.position));
        bodies.push(serde_json::to_vec(record).map_err(|e| StoreError::Invalid(e.to_string()))?);
    }
    let recorded = nanos(head)?;
    let (position, hash) = (to_sql(head.position), &head.hash[..]);
    let event_rows: [&(dyn tokio_postgres::types::ToSql + Sync); 6] = [
        &positions,
        &streams,
        &versions,
        &commands,
        &hashes,
        &canonicals,
    ];
    let command_rows: [&(dyn tokio_postgres::types::ToSql + Sync); 3] = [&ids, &lasts, &bodies];
    let head_row: [&(dyn tokio_postgres::types::ToSql + Sync); 3] = [&position, &hash, &recorded];
    // One round trip: the three statements (and the COMMIT) pipelined, in this order.
    tokio::try_join!(
        async {
            transaction
                .execute(&events_insert, &event_rows)
                .await
                .map_err(refusal)
        },
        async {
            transaction
                .execute(&commands_insert, &command_rows)
                .await
                .map_err(refusal)
        },
        async {
            transaction
                .execute(&head_update, &head_row)
                .await
                .map_err(pg_error)
        },
        async {
            match commit {
                true => transaction.batch_execute("COMMIT").await.map_err(pg_error),
                false => Ok(()),
            }
        },
    )?;
    Ok(())
}

/// A refused insert: a unique key the batch collided with means another
/// writer got there first.
fn refusal(error: tokio_postgres::Error) -> StoreError {
    match error.code() {
        Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) => StoreError::Io(format!(
            "another writer appended the same position, stream version or command: {}",
            error.as_db_error().map_or("", |db| db.message())
        )),
        _ => pg_error(error),
    }
}

/// The stored version of each of `streams` (0 for none), and which of
/// `commands` are stored, in two pipelined queries.
async fn lookups(
    client: &Client,
    streams: Vec<String>,
    commands: Vec<Uuid>,
) -> Result<(HashMap<String, u64>, HashSet<Uuid>), StoreError> {
    let (streams, commands) = (
        [&streams as &(dyn tokio_postgres::types::ToSql + Sync)],
        [&commands as &(dyn tokio_postgres::types::ToSql + Sync)],
    );
    let (by_stream, by_id) = tokio::try_join!(
        client.prepare_cached(STREAM_VERSIONS),
        client.prepare_cached(STORED_COMMANDS),
    )
    .map_err(pg_error)?;
    let versions = client.query(&by_stream, &streams);
    let stored = client.query(&by_id, &commands);
    let (versions, stored) = tokio::try_join!(versions, stored).map_err(pg_error)?;
    let versions = versions
        .into_iter()
        .map(|row| Ok((row.get::<_, String>(0), from_sql(row.get(1))?)))
        .collect::<Result<_, StoreError>>()?;
    let stored = stored.into_iter().map(|row| row.get(0)).collect();
    Ok((versions, stored))
}

/// The stored record of a command.
async fn stored_command(client: &Client, id: Uuid) -> Result<Option<CommandRecord>, StoreError> {
    let statement = client
        .prepare_cached(COMMAND_RECORD)
        .await
        .map_err(pg_error)?;
    let row = client
        .query_opt(&statement, &[&id])
        .await
        .map_err(pg_error)?;
    row.map(|row| {
        serde_json::from_slice(row.get(0))
            .map_err(|e| StoreError::Corrupt(format!("command {id}: {e}")))
    })
    .transpose()
}

/// Stored rows (position, hash, canonical) as owned values.
type Row = (u64, [u8; 32], Vec<u8>);

fn row_of(row: &tokio_postgres::Row) -> Result<Row, StoreError> {
    Ok((from_sql(row.get(0))?, hash_of(row.get(1))?, row.get(2)))
}

fn decode(row: &Row) -> Result<StoredEvent, StoreError> {
    StoredBytes {
        position: row.0,
        hash: &row.1,
        canonical: &row.2,
    }
    .decode()
}

impl PgStore {
    /// The writer's side, unless an earlier commit failed.
    fn staging(&self) -> Result<MutexGuard<'_, Staging>, StoreError> {
        let staging = self.staging.lock().unwrap_or_else(PoisonError::into_inner);
        match staging.broken {
            true => Err(StoreError::Io(
                "an earlier write failed; reopen the store".into(),
            )),
            false => Ok(staging),
        }
    }

    /// A refusal of a batch staged under the head's lock, or the lock lost.
    ///
    /// The writer decided the batch on the head it locked, its models caught
    /// up to it, so a stored version or command id it did not know means the
    /// lock went with its session (the database restarted, or ended it,
    /// ADR 0050) while the writer waited, and another node appended: the
    /// batch is decided again on the new head (`HeadMoved`), as when the
    /// commit finds the head moved, instead of being refused as a conflict
    /// the writer could not have made.
    fn refused_or_moved(&self, base: &Head, refusal: StoreError) -> StoreError {
        let found = patiently("reading the log's head", || {
            self.run(|pool| async move {
                let client = pool.get().await.map_err(pool_error)?;
                load_head(&client).await
            })
        });
        match found {
            Ok(found) if !same(&found, base) => StoreError::HeadMoved {
                base: base.position,
                found: found.position,
            },
            Ok(_) => refusal,
            Err(error) => error,
        }
    }

    /// Moves the durable head forward (never back).
    fn advance(&self, head: Head) {
        let mut durable = self.head.write().unwrap_or_else(PoisonError::into_inner);
        if head.position > durable.position {
            self.watch.durable(head.position);
            *durable = head;
        }
    }

    /// Moves the durable head and, when no batch waits to be committed,
    /// the base of the next one, forward to `head` read from the database.
    fn follow(&self, head: &Head) {
        self.advance(head.clone());
        let mut staging = self.staging.lock().unwrap_or_else(PoisonError::into_inner);
        if staging.pending.is_empty() && head.position > staging.head.position {
            staging.head = head.clone();
        }
    }

    /// Commits the oldest staged batch on the connection holding the
    /// append lock: the head is the batch's base, locked since.
    fn write_locked(
        &self,
        client: deadpool_postgres::Object,
        events: Arc<Vec<PlannedEvent>>,
        records: Arc<Vec<CommandRecord>>,
        head: Head,
    ) -> Result<(), StoreError> {
        crate::wait(&self.handle, async move {
            let written = tokio::time::timeout(
                crate::DEADLINE,
                insert_batch(&client, &events, &records, &head, true),
            )
            .await
            .unwrap_or_else(|_| Err(crate::late()));
            if written.is_err() {
                // Whatever happened to the transaction (the COMMIT may have
                // landed without its answer: the retry finds out, ADR 0052),
                // the connection is not reused; PostgreSQL rolls back what
                // did not commit when the session ends.
                drop(deadpool_postgres::Object::take(client));
            }
            written
        })
    }

    /// The batch's `recorded_at`: the clock in UTC, never below the head's.
    fn recorded_at(&self, head: &Head) -> OffsetDateTime {
        let now = (self.clock)().to_offset(UtcOffset::UTC);
        head.recorded_at.map_or(now, |last| now.max(last))
    }

    /// Events `after+1..` up to `up_to`, at most `PAGE`.
    fn page(&self, after: u64, up_to: u64) -> Result<Vec<Row>, StoreError> {
        let (after, up_to) = (to_sql(after), to_sql(up_to));
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(pool_error)?;
            let statement = client
                .prepare_cached(
                    "SELECT position, hash, canonical FROM accord_events \
                     WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3",
                )
                .await
                .map_err(pg_error)?;
            let rows = client
                .query(&statement, &[&after, &up_to, &PAGE])
                .await
                .map_err(pg_error)?;
            rows.iter().map(row_of).collect()
        })
    }

    /// Writes a planned batch after `base` and moves the durable head.
    fn write(
        &self,
        base: Head,
        events: Arc<Vec<PlannedEvent>>,
        records: Arc<Vec<CommandRecord>>,
        head: Head,
    ) -> Result<(), StoreError> {
        self.run(move |pool| async move {
            let mut client = pool.get().await.map_err(pool_error)?;
            write_batch(&mut client, &base, &events, &records, &head).await
        })
    }
}

impl EventLog for PgStore {
    fn stage(&self, writes: &[Write]) -> Result<Staged, StoreError> {
        if writes.is_empty() {
            return Ok(Staged::default());
        }
        let mut staging = self.staging()?;
        // Under the head's lock nobody else appends: a head that moved since
        // it was locked (followed from the other nodes) means the lock went
        // with its session while the writer waited, and the batch was decided
        // on models that miss what was appended since (ADR 0044).
        if let Some(at) = staging.locked_at.as_ref() {
            if staging.pending.is_empty() && !same(at, &staging.head) {
                return Err(StoreError::HeadMoved {
                    base: at.position,
                    found: staging.head.position,
                });
            }
        }
        // A stream name PostgreSQL's text cannot hold is refused by the checks.
        let streams: Vec<String> = writes
            .iter()
            .filter(|w| !w.stream.contains('\0'))
            .map(|w| w.stream.clone())
            .collect();
        let commands: Vec<Uuid> = writes.iter().map(|w| w.command_id).collect();
        // Under the lock, on the head it was taken at: the versions of the
        // streams this store wrote or looked up since that head, and the
        // command ids looked up under the lock, are what is stored; only
        // the rest is asked for, often nothing (ADR 0051).
        let locked = staging.pending.is_empty()
            && staging
                .locked_at
                .as_ref()
                .is_some_and(|at| same(at, &staging.head));
        let (ask_streams, ask_commands) = match locked {
            true => {
                let head = staging.head.clone();
                staging.known.keep_if_at(&head);
                (
                    streams
                        .iter()
                        .filter(|s| !staging.known.versions.contains_key(*s))
                        .cloned()
                        .collect(),
                    commands
                        .iter()
                        .filter(|id| !staging.prefetched.contains_key(id))
                        .copied()
                        .collect(),
                )
            }
            false => (streams.clone(), commands),
        };
        let (mut stored_versions, stored_commands) =
            match ask_streams.is_empty() && ask_commands.is_empty() {
                true => Default::default(),
                false => patiently("staging a batch", || {
                    let (streams, commands) = (ask_streams.clone(), ask_commands.clone());
                    self.run(move |pool| async move {
                        let client = pool.get().await.map_err(pool_error)?;
                        lookups(&client, streams, commands).await
                    })
                })?,
            };
        if locked {
            let known = &mut staging.known.versions;
            if known.len() + stored_versions.len() > crate::Known::MAX {
                known.clear();
            }
            known.extend(stored_versions.iter().map(|(s, v)| (s.clone(), *v)));
            for stream in &streams {
                if let Some(version) = known.get(stream) {
                    stored_versions.insert(stream.clone(), *version);
                }
            }
        }
        let prefetched_stored =
            |id: Uuid| locked && matches!(staging.prefetched.get(&id), Some(Some(_)));
        let staged_versions = |stream: &str| {
            staging
                .pending
                .iter()
                .rev()
                .find_map(|pending| pending.versions.get(stream).copied())
        };
        let versions = check_writes(
            writes,
            &mut |id| {
                Ok(stored_commands.contains(&id)
                    || prefetched_stored(id)
                    || staged_record(&staging, id).is_some())
            },
            &mut |stream| {
                Ok(staged_versions(stream)
                    .or_else(|| stored_versions.get(stream).copied())
                    .unwrap_or(0))
            },
        );
        let versions = match versions {
            Err(error @ (StoreError::Conflict { .. } | StoreError::DuplicateCommand(_))) => {
                return match staging.locked_at.clone() {
                    Some(at) => Err(self.refused_or_moved(&at, error)),
                    None => Err(error),
                };
            }
            other => other?,
        };
        let recorded_at = self.recorded_at(&staging.head);
        let PlannedBatch {
            events,
            records,
            head,
        } = plan_writes(writes, versions, &staging.head, recorded_at)?;
        let mut after = HashMap::new();
        for event in &events {
            after.insert(event.stream.clone(), event.version);
        }
        let base = std::mem::replace(&mut staging.head, head.clone());
        staging.pending.push_back(Pending {
            base,
            head: head.clone(),
            events: Arc::new(events),
            records: Arc::new(records.clone()),
            versions: after,
        });
        Ok(Staged::new(records, Some(head)))
    }

    fn commit(&self, staged: Staged) -> Result<Vec<CommandRecord>, StoreError> {
        let (records, Some(head)) = staged.into_parts() else {
            return Ok(Vec::new());
        };
        let batch = {
            let staging = self.staging()?;
            staging
                .pending
                .front()
                .filter(|pending| pending.head == head)
                .map(|pending| {
                    (
                        pending.base.clone(),
                        pending.events.clone(),
                        pending.records.clone(),
                    )
                })
                .ok_or_else(|| {
                    StoreError::Invalid("batches are committed in the order staged".into())
                })?
        };
        let (base, events, stored) = batch;
        let locked = self
            .locked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        // The lock goes with this commit: what was looked up under it too.
        {
            let mut staging = self.staging.lock().unwrap_or_else(PoisonError::into_inner);
            staging.prefetched.clear();
            staging.locked_at = None;
        }
        let first = match locked {
            Some(client) => self.write_locked(client, events.clone(), stored.clone(), head.clone()),
            None => Err(StoreError::Unavailable(format!(
                "{}: not locked",
                crate::UNAVAILABLE
            ))),
        };
        let written = match first {
            // Lost with its connection, or never locked: a transaction of
            // its own, which finds whether it landed.
            Err(error) if crate::is_unavailable(&error) => patiently("committing a batch", || {
                let (base, events, stored) = (base.clone(), events.clone(), stored.clone());
                self.write(base, events, stored, head.clone())
            }),
            other => other,
        };
        let mut staging = self.staging.lock().unwrap_or_else(PoisonError::into_inner);
        if let Err(error) = written {
            staging.known.versions.clear();
            if let StoreError::HeadMoved { .. } = error {
                // Another node appended while the lock was lost with its
                // connection: nothing staged can be written; the writer
                // stages again on the new head.
                staging.pending.clear();
                staging.head = self.head();
                return Err(error);
            }
            staging.broken = true;
            return Err(error);
        }
        if let Some(pending) = staging.pending.pop_front() {
            staging
                .known
                .advance(&pending.base, &pending.head, &pending.versions);
        }
        drop(staging);
        self.advance(head);
        Ok(records)
    }

    fn import(&self, events: &[RawEvent]) -> Result<Head, StoreError> {
        let mut staging = self.staging()?;
        if !staging.pending.is_empty() {
            return Err(StoreError::Invalid(
                "an import waits for staged batches to be committed".into(),
            ));
        }
        let base = staging.head.clone();
        let events = events.to_vec();
        // No deadline: an import is one transaction as long as the log
        // (ADR 0052); TCP's own timeouts bound a vanished database.
        let pool = self.pool.clone();
        let head = crate::wait(&self.handle, async move {
            let mut client = pool.get().await.map_err(pool_error)?;
            let mut streams: Vec<String> = Vec::new();
            let mut commands: Vec<Uuid> = Vec::new();
            for event in &events {
                let envelope = event.envelope()?;
                // A stream name PostgreSQL's text cannot hold is refused by the checks.
                if !envelope.stream.contains('\0') {
                    streams.push(envelope.stream);
                }
                commands.push(envelope.command_id);
            }
            let (versions, _) = lookups(&client, streams, Vec::new()).await?;
            let mut records = HashMap::new();
            for id in commands {
                if let std::collections::hash_map::Entry::Vacant(entry) = records.entry(id) {
                    entry.insert(stored_command(&client, id).await?);
                }
            }
            let plan = plan_import(
                &base,
                &events,
                &mut |stream| Ok(versions.get(stream).copied().unwrap_or(0)),
                &mut |id| Ok(records.get(&id).cloned().flatten()),
            )?;
            write_batch(&mut client, &base, &plan.events, &plan.records, &plan.head).await?;
            Ok(plan.head)
        })?;
        staging.head = head.clone();
        staging.known.versions.clear();
        drop(staging);
        self.advance(head.clone());
        Ok(head)
    }

    fn staged_command(&self, id: Uuid) -> Result<Option<CommandRecord>, StoreError> {
        {
            let staging = self.staging.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(record) = staged_record(&staging, id) {
                return Ok(Some(record));
            }
            if let Some(found) = staging.prefetched.get(&id) {
                return Ok(found.clone());
            }
        }
        patiently("looking a command up", || {
            self.run(move |pool| async move {
                let client = pool.get().await.map_err(pool_error)?;
                stored_command(&client, id).await
            })
        })
    }

    fn staged_stream_version(&self, stream: &str) -> Result<u64, StoreError> {
        {
            let staging = self.staging.lock().unwrap_or_else(PoisonError::into_inner);
            let staged = staging
                .pending
                .iter()
                .rev()
                .find_map(|pending| pending.versions.get(stream).copied());
            if let Some(version) = staged {
                return Ok(version);
            }
        }
        patiently("looking a stream up", || {
            let stream = stream.to_owned();
            self.run(move |pool| async move {
                let client = pool.get().await.map_err(pool_error)?;
                let (versions, _) = lookups(&client, vec![stream.clone()], Vec::new()).await?;
                Ok(versions.get(&stream).copied().unwrap_or(0))
            })
        })
    }

    fn is_shared(&self) -> bool {
        true
    }

    fn lock_head(&self) -> Result<Head, StoreError> {
        self.unlock_head();
        let (client, head) = patiently("locking the log's head", || {
            let pool = self.pool.clone();
            crate::wait(&self.handle, async move {
                let client = pool.get().await.map_err(pool_error)?;
                // One round trip: BEGIN and the locking read, pipelined.
                let locked = tokio::time::timeout(crate::DEADLINE, async {
                    tokio::try_join!(
                        async { client.batch_execute("BEGIN").await.map_err(pg_error) },
                        read_head(
                            &client,
                            "SELECT position, hash, recorded_at_ns FROM accord_head \
                             WHERE id = 1 FOR UPDATE",
                        ),
                    )
                })
                .await
                .unwrap_or_else(|_| Err(crate::late()))
                .map(|((), head)| head);
                match locked {
                    Ok(head) => Ok((client, head)),
                    Err(error) => {
                        // Not reused: PostgreSQL rolls back when the session ends.
                        drop(deadpool_postgres::Object::take(client));
                        Err(error)
                    }
                }
            })
        })?;
        *self.locked.lock().unwrap_or_else(PoisonError::into_inner) = Some(client);
        self.follow(&head);
        self.staging
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .locked_at = Some(head.clone());
        Ok(head)
    }

    fn prefetch_commands(&self, ids: &[Uuid]) -> Result<(), StoreError> {
        let held = self
            .locked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some();
        if !held || ids.is_empty() {
            return Ok(());
        }
        let asked = ids.to_vec();
        let found = patiently("looking commands up", || {
            let asked = asked.clone();
            self.run(move |pool| async move {
                let client = pool.get().await.map_err(pool_error)?;
                let rows = crate::rows(
                    &client,
                    "SELECT command_id, record FROM accord_commands WHERE command_id = ANY($1)",
                    &[&asked],
                )
                .await?;
                rows.iter()
                    .map(|row| {
                        let id: Uuid = row.get(0);
                        serde_json::from_slice::<CommandRecord>(row.get(1))
                            .map(|record| (id, record))
                            .map_err(|e| StoreError::Corrupt(format!("command {id}: {e}")))
                    })
                    .collect::<Result<HashMap<_, _>, _>>()
            })
        })?;
        let mut staging = self.staging.lock().unwrap_or_else(PoisonError::into_inner);
        for id in ids {
            staging.prefetched.insert(*id, found.get(id).cloned());
        }
        Ok(())
    }

    fn unlock_head(&self) {
        {
            let mut staging = self.staging.lock().unwrap_or_else(PoisonError::into_inner);
            staging.prefetched.clear();
            staging.locked_at = None;
        }
        let locked = self
            .locked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(client) = locked {
            let _ = crate::wait(&self.handle, async move {
                let rolled_back =
                    tokio::time::timeout(crate::DEADLINE, client.batch_execute("ROLLBACK")).await;
                if !matches!(rolled_back, Ok(Ok(()))) {
                    drop(deadpool_postgres::Object::take(client));
                }
                Ok(())
            });
        }
    }

    fn refresh(&self) -> Result<Head, StoreError> {
        let head = patiently("reading the log's head", || {
            self.run(|pool| async move {
                let client = pool.get().await.map_err(pool_error)?;
                load_head(&client).await
            })
        })?;
        self.follow(&head);
        Ok(head)
    }

    fn on_appended(&self, wake: Box<dyn Fn(u64) + Send + Sync>) {
        self.watch.add(wake);
    }

    fn reach(&self) -> Option<accord_store::Reach> {
        Some(self.watch.reach())
    }

    fn read_stream(
        &self,
        stream: &str,
        after_version: u64,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let head = to_sql(self.head().position);
        let (stream, after) = (stream.to_owned(), to_sql(after_version));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.run(move |pool| async move {
            let client = pool.get().await.map_err(pool_error)?;
            let rows = crate::rows(
                &client,
                "SELECT position, hash, canonical FROM accord_events \
                     WHERE stream = $1 AND version > $2 AND position <= $3 \
                     ORDER BY version LIMIT $4",
                &[&stream, &after, &head, &limit],
            )
            .await?;
            rows.iter().map(row_of).collect::<Result<Vec<_>, _>>()
        })?;
        rows.iter().map(decode).collect()
    }

    fn head(&self) -> Head {
        self.head
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn scan(
        &self,
        after: u64,
        up_to: u64,
        f: &mut dyn FnMut(StoredBytes<'_>) -> Result<ControlFlow<()>, StoreError>,
    ) -> Result<(), StoreError> {
        let up_to = up_to.min(self.head().position);
        let mut after = after;
        while after < up_to {
            let rows = self.page(after, up_to)?;
            let Some(last) = rows.last() else {
                return Ok(());
            };
            after = last.0;
            for (position, hash, canonical) in &rows {
                let stored = StoredBytes {
                    position: *position,
                    hash,
                    canonical,
                };
                if f(stored)?.is_break() {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    fn event(&self, position: u64) -> Result<Option<StoredEvent>, StoreError> {
        if position == 0 || position > self.head().position {
            return Ok(None);
        }
        let at = to_sql(position);
        let row = self.run(move |pool| async move {
            let client = pool.get().await.map_err(pool_error)?;
            let row = crate::row_opt(
                &client,
                "SELECT position, hash, canonical FROM accord_events WHERE position = $1",
                &[&at],
            )
            .await?;
            row.as_ref().map(row_of).transpose()
        })?;
        row.as_ref().map(decode).transpose()
    }
}
