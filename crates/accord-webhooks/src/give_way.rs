//! Deliveries give way to commands (ADR 0018).
//!
//! A lower nice value is not enough on a small machine: every delivery also
//! costs the receiver, the committer and sled CPU at normal priority, and a
//! niced thread still holds a core for its time slice when the writer wakes.
//! So while the write path is saturated (commands queue for the writer),
//! deliveries take turns in one slow lane: across all subscriptions, at most
//! one starts every `pace`. They never stop (each subscription still gets a
//! turn), and once commands stop queueing they run flat out again.

use std::sync::{Arc, PoisonError};
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// How many commands wait for the writer now.
pub type WriteQueue = Arc<dyn Fn() -> usize + Send + Sync>;

/// Commands waiting from which the write path counts as saturated: one
/// client never has more than one waiting.
const SATURATED_DEPTH: usize = 2;

/// How long the write path counts as saturated after the queue was seen
/// that deep: the writer empties the queue at every batch, so a single look
/// often falls in the moment after.
const STICKY: Duration = Duration::from_millis(100);

/// The slow lane the dispatchers share.
pub(crate) struct GiveWay {
    queue: WriteQueue,
    pace: Duration,
    /// When the queue was last seen saturated.
    seen: std::sync::Mutex<Option<Instant>>,
    /// Held for `pace` by the delivery whose turn it is; tokio's mutex is
    /// fair, so the subscriptions take turns in order.
    lane: Mutex<()>,
}

impl GiveWay {
    /// Gives way while `queue` is saturated, one delivery per `pace`; a zero
    /// `pace` never waits.
    pub(crate) fn new(queue: WriteQueue, pace: Duration) -> GiveWay {
        GiveWay {
            queue,
            pace,
            seen: std::sync::Mutex::new(None),
            lane: Mutex::new(()),
        }
    }

    /// Returns at once unless the write path is saturated; then after this
    /// delivery's turn in the slow lane.
    pub(crate) async fn wait(&self) {
        if self.pace.is_zero() || !self.saturated() {
            return;
        }
        let _turn = self.lane.lock().await;
        tokio::time::sleep(self.pace).await;
    }

    fn saturated(&self) -> bool {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if (self.queue)() >= SATURATED_DEPTH {
            *seen = Some(now);
        }
        seen.is_some_and(|at| now - at < STICKY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A queue whose depth the test sets.
    fn queue(depth: usize) -> (Arc<AtomicUsize>, WriteQueue) {
        let depth = Arc::new(AtomicUsize::new(depth));
        let probe = depth.clone();
        (depth, Arc::new(move || probe.load(Ordering::Relaxed)))
    }

    #[tokio::test(start_paused = true)]
    async fn a_saturated_write_path_spaces_deliveries_by_the_pace_across_subscriptions() {
        let (_, deep) = queue(30);
        let give_way = Arc::new(GiveWay::new(deep, Duration::from_millis(10)));
        let started = Instant::now();
        let turns: Vec<_> = (0..5)
            .map(|_| {
                let give_way = give_way.clone();
                tokio::spawn(async move { give_way.wait().await })
            })
            .collect();
        for turn in turns {
            turn.await.unwrap();
        }
        assert_eq!(started.elapsed(), Duration::from_millis(50));
    }

    #[tokio::test(start_paused = true)]
    async fn one_client_or_a_zero_pace_never_waits() {
        let (_, one_client) = queue(1);
        let (_, deep) = queue(30);
        let started = Instant::now();
        GiveWay::new(one_client, Duration::from_millis(10))
            .wait()
            .await;
        GiveWay::new(deep, Duration::ZERO).wait().await;
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_queue_just_emptied_by_the_writer_still_counts_as_saturated_for_a_while() {
        let (depth, probe) = queue(30);
        let give_way = GiveWay::new(probe, Duration::from_millis(10));
        give_way.wait().await;
        depth.store(0, Ordering::Relaxed);
        let started = Instant::now();
        give_way.wait().await;
        assert_eq!(
            started.elapsed(),
            Duration::from_millis(10),
            "still saturated"
        );
        tokio::time::sleep(STICKY).await;
        let started = Instant::now();
        give_way.wait().await;
        assert_eq!(started.elapsed(), Duration::ZERO, "the load has stopped");
    }
}
