//! What is kept apart from the log, in tables of its own: snapshots,
//! metadata (the token book) and webhook state. Each write is its own
//! transaction, durable once committed.

use accord_store::{
    EventLog, MetaStore, SnapshotStore, StoreError, WebhookChange, WebhookDone, WebhookEntry,
    WebhookStore,
};

use crate::{from_sql, pg_error, pool_error, to_sql, PgStore};

impl SnapshotStore for PgStore {
    fn put_snapshot(&self, position: u64, bytes: &[u8]) -> Result<(), StoreError> {
        let head = self.head().position;
        if position > head {
            return Err(StoreError::Invalid(format!(
                "a snapshot at {position} is past the head {head}"
            )));
        }
        let (position, bytes) = (to_sql(position), bytes.to_vec());
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(pool_error)?;
            crate::exec(
                &client,
                "INSERT INTO accord_snapshots (position, bytes) VALUES ($1, $2) \
                     ON CONFLICT (position) DO UPDATE SET bytes = excluded.bytes",
                &[&position, &bytes],
            )
            .await?;
            Ok(())
        })
    }

    fn snapshot_at_or_before(&self, position: u64) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
        let position = to_sql(position);
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(pool_error)?;
            let row = crate::row_opt(
                &client,
                "SELECT position, bytes FROM accord_snapshots WHERE position <= $1 \
                     ORDER BY position DESC LIMIT 1",
                &[&position],
            )
            .await?;
            row.map(|row| Ok((from_sql(row.get(0))?, row.get(1))))
                .transpose()
        })
    }

    fn snapshot_positions(&self) -> Result<Vec<u64>, StoreError> {
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(pool_error)?;
            let rows = crate::rows(
                &client,
                "SELECT position FROM accord_snapshots ORDER BY position",
                &[],
            )
            .await?;
            rows.iter().map(|row| from_sql(row.get(0))).collect()
        })
    }

    fn delete_snapshot(&self, position: u64) -> Result<(), StoreError> {
        let position = to_sql(position);
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(pool_error)?;
            crate::exec(
                &client,
                "DELETE FROM accord_snapshots WHERE position = $1",
                &[&position],
            )
            .await?;
            Ok(())
        })
    }
}

impl MetaStore for PgStore {
    fn get_meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let key = key.to_owned();
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(pool_error)?;
            let row = crate::row_opt(
                &client,
                "SELECT value FROM accord_meta WHERE key = $1",
                &[&key],
            )
            .await?;
            Ok(row.map(|row| row.get(0)))
        })
    }

    fn put_meta(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        let (key, value) = (key.to_owned(), value.to_vec());
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(pool_error)?;
            crate::exec(
                &client,
                "INSERT INTO accord_meta (key, value) VALUES ($1, $2) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &value],
            )
            .await?;
            Ok(())
        })
    }
}

/// The least key greater than every key starting with `prefix`, if any.
fn successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// Applies webhook changes in one transaction.
async fn write_changes(
    pool: deadpool_postgres::Pool,
    changes: Vec<WebhookChange>,
) -> Result<(), StoreError> {
    let mut client = pool.get().await.map_err(pool_error)?;
    let transaction = client.transaction().await.map_err(pg_error)?;
    for (key, value) in changes {
        match value {
            Some(value) => transaction
                .execute(
                    "INSERT INTO accord_webhooks (key, value) VALUES ($1, $2) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    &[&key, &value],
                )
                .await
                .map_err(pg_error)?,
            None => transaction
                .execute("DELETE FROM accord_webhooks WHERE key = $1", &[&key])
                .await
                .map_err(pg_error)?,
        };
    }
    transaction.commit().await.map_err(pg_error)
}

impl WebhookStore for PgStore {
    fn webhook_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let key = key.to_vec();
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(pool_error)?;
            let row = crate::row_opt(
                &client,
                "SELECT value FROM accord_webhooks WHERE key = $1",
                &[&key],
            )
            .await?;
            Ok(row.map(|row| row.get(0)))
        })
    }

    fn webhook_scan(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<WebhookEntry>, StoreError> {
        // bytea compares byte by byte: the prefix's keys are [prefix, successor).
        let start = match after {
            Some(after) if after >= prefix => after.to_vec(),
            _ => prefix.to_vec(),
        };
        let inclusive = after.is_none_or(|after| after < prefix);
        let end = successor(prefix);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(pool_error)?;
            let rows = crate::rows(
                &client,
                "SELECT key, value FROM accord_webhooks \
                     WHERE (key > $1 OR ($2 AND key = $1)) AND ($3::bytea IS NULL OR key < $3) \
                     ORDER BY key LIMIT $4",
                &[&start, &inclusive, &end, &limit],
            )
            .await?;
            Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
        })
    }

    fn webhook_write(&self, changes: Vec<WebhookChange>) -> Result<(), StoreError> {
        self.run(move |pool| write_changes(pool, changes))
    }

    fn webhook_write_then(&self, changes: Vec<WebhookChange>, done: WebhookDone) {
        self.spawn(move |pool| write_changes(pool, changes), done);
    }

    fn webhook_lease(
        &self,
        holder: &str,
        ttl: std::time::Duration,
    ) -> Result<Option<bool>, StoreError> {
        let holder = holder.to_owned();
        let millis = ttl.as_secs_f64() * 1000.0;
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(pool_error)?;
            // Taken when free, expired or already ours; the database's
            // clock decides, so the nodes' clocks need not agree.
            let held = crate::row_opt(
                &client,
                "INSERT INTO accord_leases (name, holder, expires_at) \
                     VALUES ('webhooks', $1, now() + $2::float8 * interval '1 millisecond') \
                 ON CONFLICT (name) DO UPDATE \
                     SET holder = excluded.holder, expires_at = excluded.expires_at \
                     WHERE accord_leases.holder = excluded.holder \
                        OR accord_leases.expires_at < now() \
                 RETURNING holder",
                &[&holder, &millis],
            )
            .await?;
            Ok(Some(held.is_some()))
        })
    }

    fn webhook_lease_release(&self, holder: &str) -> Result<(), StoreError> {
        let holder = holder.to_owned();
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(pool_error)?;
            crate::exec(
                &client,
                "DELETE FROM accord_leases WHERE name = 'webhooks' AND holder = $1",
                &[&holder],
            )
            .await
            .map(|_| ())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::successor;

    #[test]
    fn the_successor_of_a_prefix_bounds_its_keys() {
        assert_eq!(successor(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(successor(&[b'a', 0xff]), Some(b"b".to_vec()));
        assert_eq!(successor(&[0xff, 0xff]), None);
        assert_eq!(successor(b""), None);
    }
}
