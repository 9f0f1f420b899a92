//! The tables, created and migrated at open under an advisory lock, so
//! that several nodes starting at once on an empty database do not race.
//!
//! | table               | one row per                                   |
//! |---------------------|-----------------------------------------------|
//! | `accord_schema`     | (one row) the schema version this database is in |
//! | `accord_head`       | (one row) the head: position, hash, recorded_at (Unix ns); appends lock it |
//! | `accord_events`     | event: position, stream, version, command id, hash, canonical bytes |
//! | `accord_commands`   | command id: its last position and its record (JSON) |
//! | `accord_meta`       | metadata key (the token book)                  |
//! | `accord_webhooks`   | webhook state key (opaque bytes)               |
//! | `accord_leases`     | lease (`webhooks`): its holder and when it expires, by the database's clock |
//! | `accord_snapshots`  | snapshot position                              |
//! | `accord_attachments`, `accord_attachment_pieces` | attached file, and each piece of its bytes |

use tokio_postgres::Client;

use crate::pg_error;
use accord_store::StoreError;

/// The schema version this build creates and reads.
pub const SCHEMA_VERSION: i32 = 1;

/// The advisory lock key held while the schema is created or migrated
/// (`accord` in ASCII).
const SCHEMA_LOCK: i64 = 0x6163_636f_7264;

/// The oldest PostgreSQL served: 15.
const MIN_SERVER_VERSION: i32 = 150_000;

const CREATE: &str = "
CREATE TABLE IF NOT EXISTS accord_schema (
    id integer PRIMARY KEY CHECK (id = 1),
    version integer NOT NULL
);
CREATE TABLE IF NOT EXISTS accord_head (
    id integer PRIMARY KEY CHECK (id = 1),
    position bigint NOT NULL,
    hash bytea NOT NULL,
    recorded_at_ns bigint
);
INSERT INTO accord_head (id, position, hash, recorded_at_ns)
    VALUES (1, 0, '\\x0000000000000000000000000000000000000000000000000000000000000000', NULL)
    ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS accord_events (
    position bigint PRIMARY KEY,
    stream text NOT NULL,
    version bigint NOT NULL,
    command_id uuid NOT NULL,
    hash bytea NOT NULL,
    canonical bytea NOT NULL,
    UNIQUE (stream, version)
);
CREATE TABLE IF NOT EXISTS accord_commands (
    command_id uuid PRIMARY KEY,
    position bigint NOT NULL,
    record bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS accord_meta (
    key text PRIMARY KEY,
    value bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS accord_webhooks (
    key bytea PRIMARY KEY,
    value bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS accord_leases (
    name text PRIMARY KEY,
    holder text NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS accord_snapshots (
    position bigint PRIMARY KEY,
    bytes bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS accord_attachments (
    sha256 text PRIMARY KEY,
    size bigint NOT NULL,
    media_type text NOT NULL,
    pieces integer NOT NULL
);
CREATE TABLE IF NOT EXISTS accord_attachment_pieces (
    sha256 text NOT NULL,
    piece integer NOT NULL,
    bytes bytea NOT NULL,
    PRIMARY KEY (sha256, piece)
);
";

/// Creates the tables when missing and checks the schema version, holding
/// the advisory lock; `Format` for a database of a newer schema.
pub(crate) async fn migrate(client: &Client, database: &str) -> Result<(), StoreError> {
    let server: i32 = client
        .query_one("SELECT current_setting('server_version_num')::integer", &[])
        .await
        .map_err(pg_error)?
        .get(0);
    if server < MIN_SERVER_VERSION {
        return Err(StoreError::Io(format!(
            "PostgreSQL {server} is too old: accord needs version 15 or later"
        )));
    }
    client
        .execute("SELECT pg_advisory_lock($1)", &[&SCHEMA_LOCK])
        .await
        .map_err(pg_error)?;
    let result = create(client, database).await;
    let unlocked = client
        .execute("SELECT pg_advisory_unlock($1)", &[&SCHEMA_LOCK])
        .await
        .map_err(pg_error);
    result.and(unlocked.map(|_| ()))
}

async fn create(client: &Client, database: &str) -> Result<(), StoreError> {
    client.batch_execute(CREATE).await.map_err(pg_error)?;
    let found: Option<i32> = client
        .query_opt("SELECT version FROM accord_schema WHERE id = 1", &[])
        .await
        .map_err(pg_error)?
        .map(|row| row.get(0));
    match found {
        None => {
            client
                .execute(
                    "INSERT INTO accord_schema (id, version) VALUES (1, $1)",
                    &[&SCHEMA_VERSION],
                )
                .await
                .map_err(pg_error)?;
            Ok(())
        }
        Some(SCHEMA_VERSION) => Ok(()),
        Some(other) => Err(StoreError::Format {
            folder: database.to_owned(),
            found: format!(
                "{other} (PostgreSQL schema; this accord reads schema {SCHEMA_VERSION})"
            ),
        }),
    }
}
