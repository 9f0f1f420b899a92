//! Deliveries give way to commands (ADR 0018).
//!
//! A lower nice value is not enough on a small machine: every delivery also
//! costs the receiver, the committer and sled CPU at normal priority, and a
//! niced thread still holds a core for its time slice when the writer wakes.
//! So while the write path is saturated (commands wait for the writer),
//! deliveries take turns in one slow lane: across all subscriptions, at most
//! one starts every `pace`. They never stop (each subscription still gets a
//! turn), and once commands stop waiting they run flat out again.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

/// Whether commands are waiting for the writer now.
pub type Busy = Arc<dyn Fn() -> bool + Send + Sync>;

/// The slow lane the dispatchers share.
pub(crate) struct GiveWay {
    busy: Busy,
    pace: Duration,
    /// Held for `pace` by the delivery whose turn it is; tokio's mutex is
    /// fair, so the subscriptions take turns in order.
    lane: Mutex<()>,
}

impl GiveWay {
    /// Gives way while `busy` says so, one delivery per `pace`; a zero
    /// `pace` never waits.
    pub(crate) fn new(busy: Busy, pace: Duration) -> GiveWay {
        GiveWay {
            busy,
            pace,
            lane: Mutex::new(()),
        }
    }

    /// Returns at once unless the write path is saturated; then after this
    /// delivery's turn in the slow lane.
    pub(crate) async fn wait(&self) {
        if self.pace.is_zero() || !(self.busy)() {
            return;
        }
        let _turn = self.lane.lock().await;
        tokio::time::sleep(self.pace).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[tokio::test(start_paused = true)]
    async fn a_saturated_write_path_spaces_deliveries_by_the_pace_across_subscriptions() {
        let give_way = Arc::new(GiveWay::new(Arc::new(|| true), Duration::from_millis(10)));
        let started = tokio::time::Instant::now();
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
    async fn an_idle_write_path_or_a_zero_pace_never_waits() {
        let busy = Arc::new(AtomicBool::new(false));
        let probe = busy.clone();
        let idle = GiveWay::new(
            Arc::new(move || probe.load(Ordering::Relaxed)),
            Duration::from_millis(10),
        );
        let off = GiveWay::new(Arc::new(|| true), Duration::ZERO);
        let started = tokio::time::Instant::now();
        idle.wait().await;
        off.wait().await;
        assert_eq!(started.elapsed(), Duration::ZERO);
        busy.store(true, Ordering::Relaxed);
        idle.wait().await;
        assert_eq!(started.elapsed(), Duration::from_millis(10));
    }
}
