//! Following the other nodes' appends (ADR 0044): a connection of its own
//! LISTENs on `accord_appended`, which every append NOTIFYs inside its
//! transaction (so the notification leaves only once the batch has
//! committed), and checks the head row every [`CHECK_EVERY`] and after
//! every (re)connection, as a safety net for notifications missed while it
//! was away. Each head seen is handed to the wakers registered by
//! [`accord_store::EventLog::on_appended`]: the engine catches up by
//! position when it is past what it has applied.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio_postgres::{AsyncMessage, NoTls};

/// The channel every append notifies, with the new head's position.
pub(crate) const CHANNEL: &str = "accord_appended";

/// How often the head row is read even without a notification.
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// A callback told the stored head's position.
type Waker = Box<dyn Fn(u64) + Send + Sync>;

/// What the listener knows of the database.
#[derive(Default)]
pub(crate) struct Watch {
    /// The highest stored head position seen.
    seen: AtomicU64,
    /// Whether the listener's connection is up and answered its last check.
    reachable: AtomicBool,
    wakers: Mutex<Vec<Waker>>,
}

impl Watch {
    /// The stored head is at least `position`: tells the followers, who
    /// catch up if they are behind it.
    pub(crate) fn seen(&self, position: u64) {
        self.seen.fetch_max(position, Ordering::AcqRel);
        let wakers = self.wakers.lock().unwrap_or_else(PoisonError::into_inner);
        for wake in wakers.iter() {
            wake(position);
        }
    }

    /// This process appended or read the head up to `position`.
    pub(crate) fn durable(&self, position: u64) {
        self.seen.fetch_max(position, Ordering::AcqRel);
    }

    pub(crate) fn add(&self, wake: Waker) {
        self.wakers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(wake);
    }

    /// Whether the database answered last time, and its head as last seen.
    pub(crate) fn reach(&self) -> accord_store::Reach {
        accord_store::Reach {
            reachable: self.reachable.load(Ordering::Acquire),
            head: self.seen.load(Ordering::Acquire),
        }
    }
}

/// Starts the listener on `handle`: it runs as long as the runtime does,
/// reconnecting (backing off to once a second) whenever its connection is
/// lost.
pub(crate) fn listen(
    handle: &tokio::runtime::Handle,
    config: tokio_postgres::Config,
    watch: std::sync::Arc<Watch>,
) {
    handle.spawn(async move {
        let mut pause = Duration::from_millis(50);
        loop {
            let ended = session(&config, &watch).await;
            watch.reachable.store(false, Ordering::Release);
            match ended {
                Ok(()) => tracing::warn!("the PostgreSQL listener's connection closed"),
                Err(error) => tracing::warn!(%error, "the PostgreSQL listener lost its connection"),
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(1));
        }
    });
}

/// One connection: LISTEN, check the head, then wait for notifications and
/// check again every [`CHECK_EVERY`], until the connection ends or a round
/// trip is not answered within [`crate::DEADLINE`] (ADR 0052): a database
/// that vanished without a reset is then reported unreachable at once.
async fn session(config: &tokio_postgres::Config, watch: &Watch) -> Result<(), String> {
    let (client, mut connection) = in_time(config.connect(NoTls)).await?;
    let (notified, mut notifications) = tokio::sync::mpsc::unbounded_channel();
    // The connection is driven here; its notifications go to the loop below.
    let driver = tokio::spawn(async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(n))) => {
                    if notified.send(n.payload().to_owned()).is_err() {
                        return;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            }
        }
    });
    let outcome = async {
        in_time(client.batch_execute(&format!("LISTEN {CHANNEL}"))).await?;
        // After (re)connecting: whatever was appended meanwhile.
        in_time(check(&client, watch)).await?;
        let mut tick = tokio::time::interval(CHECK_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                payload = notifications.recv() => match payload {
                    Some(payload) => {
                        if let Ok(position) = payload.parse::<u64>() {
                            watch.seen(position);
                        }
                    }
                    None => return Ok(()),
                },
                _ = tick.tick() => in_time(check(&client, watch)).await?,
            }
        }
    }
    .await;
    driver.abort();
    outcome
}

/// Awaits `round_trip` for at most [`crate::DEADLINE`].
async fn in_time<T>(
    round_trip: impl std::future::Future<Output = Result<T, tokio_postgres::Error>>,
) -> Result<T, String> {
    match tokio::time::timeout(crate::DEADLINE, round_trip).await {
        Ok(outcome) => outcome.map_err(|e| e.to_string()),
        Err(_) => Err(format!("no answer within {} s", crate::DEADLINE.as_secs())),
    }
}

/// Reads the stored head's position.
async fn check(
    client: &tokio_postgres::Client,
    watch: &Watch,
) -> Result<(), tokio_postgres::Error> {
    let row = client
        .query_one("SELECT position FROM accord_head WHERE id = 1", &[])
        .await?;
    watch.reachable.store(true, Ordering::Release);
    let position: i64 = row.get(0);
    watch.seen(u64::try_from(position).unwrap_or(0));
    Ok(())
}
